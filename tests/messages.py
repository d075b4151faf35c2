"""Small valid update messages for tests to break one field at a time."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "assets" / "samples"
SITE = "SITE-0042"


def asset(filename: str = "clip.mp4", **fields: Any) -> dict[str, Any]:
    base = {
        "assetId": "A-1",
        "filename": filename,
        "type": "advertising",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "tiNumber": "TI-1",
        "dayparts": [{"start": "06:00", "end": "10:00"}],
        "coupons": [
            {
                "title": "300 Bonus Points",
                "detail": "with any coffee",
                "barcode": "036000291452",
                "restriction": "Limit One Per Customer",
                "validFrom": "Today Only",
            }
        ],
    }
    base.update(fields)
    return base


def playlist(**top: Any) -> dict[str, Any]:
    message = {
        "guid": "guid-playlist-1",
        "updatedOn": "2026-11-22 10:00:00.000",
        "playlist": [
            {
                "siteId": SITE,
                "banners": [
                    {"filename": "b.png", "start": "2026-11-01", "end": "2026-11-30",
                     "type": "prefueling"}
                ],
                "schedules": [
                    {
                        "segmentId": "SEG-1",
                        "date": "2026-11-23",
                        "loops": [{"loopNumber": 1, "assets": [asset()]}],
                    }
                ],
            }
        ],
    }
    message.update(top)
    return message


def configuration(**top: Any) -> dict[str, Any]:
    message = {
        "guid": "guid-config-1",
        "updatedOn": "2026-11-22 10:00:00:000",
        "configuration": [
            {
                "siteId": SITE,
                "hours": {
                    day: [{"openAt": "0600", "closeAt": "2200", "duration": 57600000}]
                    for day in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
                },
                "blankoutVideo": "blank.mp4",
                "volume": [{"startTime": "0600", "level": 70}, {"startTime": "2200", "level": 30}],
            }
        ],
    }
    message.update(top)
    return message


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def mutated(message: dict[str, Any], change) -> dict[str, Any]:
    copied = copy.deepcopy(message)
    change(copied)
    return copied
