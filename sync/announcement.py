"""What a site leader announces about its content, typed: the versions it plays, the
digest of its inventory (sync.site_sync.Inventory) and the site instant from which
they are in force. It crosses the site as a JSON object in the leader's state
(sync.time_service); `from_wire` reads one back, and anything that is not a well-formed
announcement reads as none (a follower then keeps what it plays).

Mixed releases on one site: upgrade the followers first. A follower of this release
follows a leader of the earlier one (`NOT_ANNOUNCED`); a follower of the earlier release
ignores the receive times and the offline instant, so under a leader of this one it
would not swap or halt with the site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A leader of an earlier release sends no network version: its followers then follow it
# whatever network configuration they hold (they cannot tell), rather than never.
NOT_ANNOUNCED = "<not announced>"


@dataclass(frozen=True)
class Announcement:
    playlist: str | None  # "guid@updatedOn" of the playlist in force, None: none staged
    config: str | None  # likewise for the site configuration, None: the default
    digest: str  # the inventory's fingerprint (player.content.Content.digest)
    switch_at: int  # site ms from which it is in force; 0: already in force
    network: str | None = None  # likewise for the network configuration

    @property
    def key(self) -> tuple[str | None, str | None, str, str | None]:
        return self.playlist, self.config, self.digest, self.network

    def to_wire(self) -> dict[str, Any]:
        return {"key": list(self.key), "playlist": self.playlist, "config": self.config,
                "digest": self.digest, "switch_at": self.switch_at,
                "network": self.network}

    @classmethod
    def from_wire(cls, raw: Any) -> Announcement | None:
        if not isinstance(raw, dict):
            return None
        playlist, config, digest = raw.get("playlist"), raw.get("config"), raw.get("digest")
        switch_at, network = raw.get("switch_at", 0), raw.get("network", NOT_ANNOUNCED)
        if not (isinstance(digest, str) and isinstance(switch_at, int)
                and all(v is None or isinstance(v, str) for v in (playlist, config, network))):
            return None
        return cls(playlist, config, digest, switch_at, network)
