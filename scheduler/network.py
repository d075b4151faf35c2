"""The network configuration update message (GSTV's `configuration-network.md`, in
`shared/seeds/upstream/`): what GSTV sends every site of its network.

```json
{"guid": "...", "updatedOn": "2026-11-30 09:00:00.000",
 "configuration": [{"shutdownHours": 72,
                    "evergreen": [{"filename": "accuweather-forecast.webm",
                                   "expiryHours": 6,
                                   "swapFilename": "gstv-weather-generic.webm"}],
                    "volume": [{"startTime": "06:00", "level": 60}]}]}
```

- `shutdownHours`: how long a site may play without reaching the cloud before its
  playback halts (0: never halts; the playback rules are the player's).
- `evergreen`: files that expire `expiryHours` after the site received them, and what
  plays in their spot from then on (`swapFilename`; none or blank: the spot is skipped).
- `volume`: the network's volume schedule; a site configuration's own overrides it.

Hours are kept as quarter hours' worth of float (the document allows .25, .5, .75).
Until a valid one arrives, and whenever one is refused with none in force, the
terminal runs the default: no shutdown, no swaps, no network volume.
"""

from __future__ import annotations

from scheduler.configuration import VolumeSetting
from scheduler.types import Frozen, UtcTimestamp


class Evergreen(Frozen):
    filename: str
    expiryHours: float
    swapFilename: str | None = None  # None: the spot is skipped once expired


class NetworkConfiguration(Frozen):
    shutdownHours: float = 0.0
    evergreen: tuple[Evergreen, ...] = ()
    volume: tuple[VolumeSetting, ...] = ()

    def evergreen_for(self, filename: str) -> Evergreen | None:
        return next((e for e in self.evergreen if e.filename == filename), None)


class NetworkUpdate(Frozen):
    guid: str
    updatedOn: UtcTimestamp
    configuration: NetworkConfiguration

    def to_message(self) -> dict:
        """The message form again (its one object in the `configuration` array), as it
        is staged: it reads back through the same validation."""
        message = self.model_dump(mode="json")
        message["configuration"] = [message["configuration"]]
        return message

    def files(self) -> list[str]:
        """Every file it names, evergreen and swap, in message order, once each."""
        names: list[str] = []
        for entry in self.configuration.evergreen:
            for name in (entry.filename, entry.swapFilename):
                if name is not None and name not in names:
                    names.append(name)
        return names


DEFAULT_NETWORK = NetworkConfiguration()
