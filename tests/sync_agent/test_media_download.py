"""Media downloads from the reference cloud over real HTTP on loopback: resume, checks,
retries, a full disk."""

from __future__ import annotations

import os
import random

import httpx
import pytest

from sync_agent import media_download
from gstv_rigs.cloud import Faults
from sync_agent.media_download import ATTEMPTS, download, partial_path

CLIP = os.urandom(300_000)


@pytest.fixture(autouse=True)
def clip_in_the_cloud(cloud):
    (cloud.store.media / "clip.mp4").write_bytes(CLIP)


async def fetch(cloud, media, name="clip.mp4", **kwargs):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        return await download(client, media, name, rng=random.Random(1), base_delay_s=0.01,
                              **kwargs)


async def test_a_download_lands_whole_under_its_name_and_reports_progress(tmp_path, cloud):
    seen = []
    result = await fetch(cloud, tmp_path / "media",
                         progress=lambda name, done, total: seen.append((done, total)))
    assert result.ok and result.attempts == 1
    assert (tmp_path / "media" / "clip.mp4").read_bytes() == CLIP
    assert os.listdir(tmp_path / "media") == ["clip.mp4"]
    assert seen[-1] == (len(CLIP), len(CLIP))


async def test_a_cut_download_resumes_where_it_stopped(tmp_path, cloud):
    media = tmp_path / "media"
    cloud.store.faults = Faults(cut_after={"clip.mp4": 50_000})
    result = await fetch(cloud, media)
    assert not result.ok and result.attempts == ATTEMPTS
    assert not (media / "clip.mp4").exists()  # nothing half-written under its name
    kept = partial_path(media, "clip.mp4").stat().st_size
    assert kept == 3 * 50_000  # each attempt resumed, and added what it got
    cloud.store.faults = Faults()
    cloud.store.media_requests.clear()
    assert (await fetch(cloud, media)).ok
    assert cloud.store.media_requests == [("clip.mp4", f"bytes={kept}-")]
    assert (media / "clip.mp4").read_bytes() == CLIP


async def test_wrong_bytes_are_thrown_away_and_counted_as_failure(tmp_path, cloud):
    media = tmp_path / "media"
    (media).mkdir()
    (media / "clip.mp4").write_bytes(b"the version on screen")
    cloud.store.faults = Faults(wrong_bytes={"clip.mp4"})
    result = await fetch(cloud, media)
    assert not result.ok and result.error == "sha256 does not match"
    assert (media / "clip.mp4").read_bytes() == b"the version on screen"  # untouched
    assert os.listdir(media) == ["clip.mp4"]


async def test_a_file_the_cloud_does_not_have_fails_after_three_attempts(tmp_path, cloud):
    result = await fetch(cloud, tmp_path / "media", name="absent.mp4")
    assert (result.ok, result.attempts, result.error) == (False, 3, "HTTP 404")
    assert [r for r in cloud.store.media_requests] == [("absent.mp4", "")] * 3


async def test_an_unsafe_name_is_refused_before_any_request(tmp_path, cloud):
    result = await fetch(cloud, tmp_path / "media", name="../etc/passwd")
    assert not result.ok and "path separator" in result.error
    assert cloud.store.media_requests == []


async def test_a_file_bigger_than_the_free_space_is_refused_before_a_byte_is_written(
        small_disk, cloud):
    small_disk = small_disk("128k")
    (small_disk / "old.mp4").write_bytes(b"still playing")
    result = await fetch(cloud, small_disk)
    assert not result.ok and result.error.startswith("no room: 300000 bytes to come")
    assert os.listdir(small_disk) == ["old.mp4"]
    assert (small_disk / "old.mp4").read_bytes() == b"still playing"


async def test_a_disk_that_fills_mid_download_fails_cleanly_and_spares_existing_media(
        small_disk, cloud, monkeypatch):
    monkeypatch.setattr(media_download, "ATTEMPTS", 1)  # the next would find no room
    small_disk = small_disk("1m")
    (small_disk / "old.mp4").write_bytes(b"still playing")
    cloud.store.faults.throttle_kbps["clip.mp4"] = 256

    def fill_the_disk(name, have, total):  # something else takes the space meanwhile
        filler = small_disk / "filler"
        if not filler.exists():
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(bytes(65536))
                        f.flush()
                except OSError:
                    pass

    result = await fetch(cloud, small_disk, progress=fill_the_disk)
    assert not result.ok and "No space left on device" in result.error
    assert sorted(os.listdir(small_disk)) == ["filler", "old.mp4"]  # no partial left
    assert (small_disk / "old.mp4").read_bytes() == b"still playing"
