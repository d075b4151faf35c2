"""For the agent's tests: a media fetcher bound to the reference cloud (the `cloud`
fixture is in tests/conftest.py), a small playlist update, and small real disks."""

from __future__ import annotations

import random
from datetime import date

import pytest

from sync_agent.media_download import download
from tests import processes


def fetcher(client, media):
    """Download into `media` with short retry delays."""
    return lambda name: download(client, media, name, rng=random.Random(1),
                                 base_delay_s=0.01)


def playlist(guid: str, filename: str) -> dict:
    """A one-asset playlist update for SITE-0042 naming `filename`."""
    asset = {"assetId": "A1", "filename": filename, "type": "advertising",
             "start": "2020-01-01", "end": "2099-12-31", "tiNumber": "TI-1"}
    return {"guid": guid, "updatedOn": "2026-11-22 10:00:00.000", "playlist": [{
        "siteId": "SITE-0042", "banners": [],
        "schedules": [{"segmentId": "SEG-1", "date": date.today().isoformat(),
                       "loops": [{"loopNumber": 1, "assets": [asset]}]}]}]}


@pytest.fixture
def small_disk(tmp_path):
    """Mounts a real tmpfs of the given size (the tests run as root): a disk that
    fills up. Unmounted after the test."""
    mounts = []

    def mount(size: str):
        path = tmp_path / f"disk{len(mounts)}"
        path.mkdir()
        processes.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                      check=True)
        mounts.append(path)
        return path

    yield mount
    for path in mounts:
        processes.run(["umount", str(path)], check=True)
