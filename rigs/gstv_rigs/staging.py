"""A terminal's content and configuration as rigs set them up: a headless terminal whose
state lives under one directory, and a one-loop playlist staged as the agent would.
One stager for tests, benchmarks, `gstv sim` and the in-process player."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from terminal.config import PlayerSection, TerminalConfig


def headless_config(base: Path, *, timezone: str = "UTC", **player: Any) -> TerminalConfig:
    """A headless terminal whose state and sockets all live under `base`."""
    state = base / "state"
    (state / "media").mkdir(parents=True, exist_ok=True)
    (state / "active").mkdir(parents=True, exist_ok=True)
    player.setdefault("headless_size", (64, 36))
    return TerminalConfig(
        site_id="SITE-0042", terminal_id="T1", timezone=timezone, state_dir=state,
        player=PlayerSection(output="headless", payment_socket=base / "pay.sock",
                             status_socket=base / "status.sock", **player),
    )


def loop_asset(name: str, asset_id: str, **extra: Any) -> dict[str, Any]:
    return {"assetId": asset_id, "filename": name, "type": "advertising",
            "start": "2020-01-01", "end": "2099-12-31", "tiNumber": f"TI-{asset_id}",
            **extra}


def stage_loop(config: TerminalConfig, assets: list[dict[str, Any]], *,
               media: Iterable[Path] = (), banners: Iterable[dict[str, Any]] = ()) -> None:
    """Copy `media` in and stage a one-loop playlist of `assets` for yesterday, today
    and tomorrow (local dates of the terminal), as the agent would."""
    for source in media:
        shutil.copy(source, config.media / source.name)
    today = datetime.now(ZoneInfo(config.timezone)).date()
    schedules = [{"segmentId": f"SEG-{d}", "date": d.isoformat(),
                  "loops": [{"loopNumber": 1, "assets": assets}]}
                 for d in (today - timedelta(days=1), today, today + timedelta(days=1))]
    message = {"guid": "g-1", "updatedOn": "2026-11-22 10:00:00.000",
               "playlist": [{"siteId": config.site_id, "banners": list(banners),
                             "schedules": schedules}]}
    (config.active_dir / "playlist.json").write_text(json.dumps(message))
