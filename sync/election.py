"""Who leads the site: a pure rule every terminal applies to what it knows, so that
all of them reach the same answer from the same knowledge.

- Only peers that are reachable (answered recently) and in step may lead. In step: the
  current leader, or a follower whose clock is within 2 ms of its leader's
  (sync.discipline). A terminal that just started is not in step, so when the site's
  leader comes back after a crash it first follows whoever leads now and takes over
  only once its clock agrees with the site's: it never yanks the site to its own
  fresh, unsynchronised time.
- Among those, the configured leader if there is one, else the lowest terminal id
  (plain string order).
- When nobody is in step (the site is starting), the lowest reachable id, ourselves
  included: someone must start the site's time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: str
    in_step: bool


def choose_leader(me: Candidate, reachable: Iterable[Candidate],
                  configured: str | None = None) -> str:
    everyone = [me, *reachable]
    eligible = sorted(c.id for c in everyone if c.in_step)
    if eligible:
        return configured if configured in eligible else eligible[0]
    return min(c.id for c in everyone)
