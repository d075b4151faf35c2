"""Which content a screen plays from a slot boundary on: its own, the one in force, or
its own on the leader's inventory. `choose` decides, pure (values in, a decision out);
`ContentChoice` carries the decision out (publishes, logs, builds the leader's
timeline once per announcement).

The rules (the site's content follows its leader):
- Alone (or still starting), a screen switches to what is staged at its next boundary.
- The leader announces its playlist/configuration/network versions and the digest of
  its inventory (sync.announcement), with the first slot boundary at least
  `SWITCH_LEAD_MS` ahead (0 when the content is in force already); it switches there
  itself.
- A follower holding the announced versions switches at the announced boundary,
  computing the timeline on the leader's inventory (a file only the leader has: black
  here, in step; a file the leader lacks: skipped site-wide; the leader's version of
  each file, player.media_files).
- A follower still without the announced versions keeps playing what it has (logged
  once per announcement) and switches at its next boundary once it has them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from player.content import Content
from sync.announcement import NOT_ANNOUNCED, Announcement
from sync.site_sync import Inventory

log = logging.getLogger(__name__)

SWITCH_LEAD_MS = 4_000

Play = Literal["candidate", "active", "leader"]


@dataclass(frozen=True)
class Choice:
    play: Play  # the staged content, the content in force, or the staged on the leader's
    announce: Announcement | None = None  # a new announcement to publish (as leader)
    lagging: tuple[str | None, str | None, str | None] | None = None  # what we lack


def choose(*, role: str, candidate: Content, active: Content | None,
           announced: Announcement | None, leader: Announcement | None,
           leader_inventory: bool, boundary: int, switch_boundary: int) -> Choice:
    """The decision for `boundary`. `announced`: what this screen announced last (as
    leader); `leader`: the leader's announcement as heard, `leader_inventory` whether
    its inventory has arrived; `switch_boundary`: the first boundary `SWITCH_LEAD_MS`
    from now, where a leader's new content would take effect."""
    if role in ("alone", "starting"):
        return Choice("candidate")
    if role == "leader":
        announce = None
        if announced is None or announced.key != candidate.key:
            in_force = active is not None and active.key == candidate.key
            switch_at = 0 if in_force or active is None else switch_boundary
            announced = announce = Announcement(candidate.playlist_version,
                                                candidate.config_version, candidate.digest,
                                                switch_at, candidate.network_version)
        takes = announced.switch_at <= boundary or active is None
        return Choice("candidate" if takes else "active", announce=announce)
    fallback: Play = "active" if active is not None else "candidate"
    if leader is None or not leader_inventory:
        return Choice(fallback)
    versions = (leader.playlist, leader.config, leader.network)
    ours_network = candidate.network_version if leader.network != NOT_ANNOUNCED \
        else NOT_ANNOUNCED
    if versions != (candidate.playlist_version, candidate.config_version, ours_network):
        return Choice(fallback, lagging=versions)
    if active is not None and leader.switch_at > boundary:
        return Choice("active")
    return Choice("leader")


class ContentChoice:
    def __init__(self, sync, tz, local: Callable[[int], str]) -> None:
        self._sync = sync
        self._tz = tz
        self._local = local  # a site instant as the log writes it
        self.announced: Announcement | None = None  # ours, while we lead
        self._rebuilt: dict[tuple, Content] = {}  # the staged content on the leader's
        self._lagging_said: tuple | None = None

    def for_boundary(self, boundary: int, *, candidate: Content, active: Content | None,
                     switch_boundary: Callable[[], int]) -> Content:
        role = self._sync.role
        leader, inventory = (None, None) if role in ("alone", "starting", "leader") \
            else self._sync.leader_content()
        choice = choose(role=role, candidate=candidate, active=active,
                        announced=self.announced, leader=leader,
                        leader_inventory=inventory is not None, boundary=boundary,
                        switch_boundary=switch_boundary()
                        if role == "leader" and active is not None else 0)
        if choice.announce is not None:
            self.announced = choice.announce
            self._sync.publish(choice.announce, candidate.inventory)
            log.info("content_announced playlist=%s config=%s digest=%s at=%s",
                     candidate.playlist_version, candidate.config_version, candidate.digest,
                     self._local(choice.announce.switch_at) if choice.announce.switch_at
                     else "now")
        if choice.lagging is not None and self._lagging_said != choice.lagging:
            log.warning("content_differs_from_leader leader_playlist=%s leader_config=%s"
                        " leader_network=%s ours_playlist=%s ours_config=%s ours_network=%s",
                        *choice.lagging, candidate.playlist_version,
                        candidate.config_version, candidate.network_version)
            self._lagging_said = choice.lagging
        if choice.play == "candidate":
            return candidate
        if choice.play == "active":
            assert active is not None
            return active
        assert leader is not None and isinstance(inventory, Inventory)
        key = leader.key
        if key not in self._rebuilt:
            self._rebuilt = {key: candidate.with_inventory(inventory, self._tz)}
        return self._rebuilt[key]
