"""When the terminal last reached the cloud: the agent writes it, the player reads it.

`state_dir/agent/cloud-contact.json` holds `{"last_contact_ms": epoch ms}`, rewritten
by the agent (sync_agent.agent) after every poll the cloud answered with a whole, valid
update feed; a failed poll, a refused token or a cloud that answers garbage leaves it
as it was. The player's site leader turns it into the site's "offline since" instant
(`offline_since`), which the timeline takes as an input (scheduler.timeline: the halt
after `shutdownHours`, the last schedule carried over).

Decisions:
- Offline means the last contact is older than `offline_after_ms`: three missed polls
  plus one poll's deadline (`offline_after_ms`), so one slow or failed poll is no
  outage. The site then counts as offline since that last contact, not since the
  threshold passed: `shutdownHours` runs from the last connectivity, as QA case 104
  says.
- No record (an agent that never reached the cloud, a terminal run without an agent,
  an unreadable file) counts as online: a screen installed before its first contact,
  or on a rig, must not go dark. The agent's first successful poll writes one.
"""

from __future__ import annotations

import json
from pathlib import Path

CONTACT_FILE = "cloud-contact.json"
POLL_DEADLINE_S = 60  # sync_agent.intake's: how long one poll may take


def offline_after_ms(poll_interval_s: float) -> int:
    return round((3 * poll_interval_s + POLL_DEADLINE_S) * 1000)


def last_contact_ms(agent_dir: Path) -> int | None:
    try:
        value = json.loads((agent_dir / CONTACT_FILE).read_text())["last_contact_ms"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def contact_record(now_ms: int) -> bytes:
    return json.dumps({"last_contact_ms": now_ms}).encode()


def offline_since(last_contact: int | None, now_ms: int, after_ms: int) -> int | None:
    """The instant the site has been offline since, or None while it counts as online."""
    if last_contact is None or now_ms - last_contact <= after_ms:
        return None
    return last_contact
