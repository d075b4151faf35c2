"""Durations probed by the real libVLC parser and cached beside the files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from player.durations import DurationCache
from player.media_files import MediaFiles
from player.probe import MediaProbe
from scheduler.filenames import old_version_name
from sync_agent.media_store import MediaStore

MEDIA = Path(__file__).resolve().parents[2] / "assets" / "media"


class CountingProbe(MediaProbe):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def duration_ms(self, path: Path) -> int | None:
        self.calls.append(path.name)
        return super().duration_ms(path)


@pytest.fixture(scope="module")
def probe() -> CountingProbe:
    return CountingProbe()


def test_probe_reads_real_durations(probe):
    assert probe.duration_ms(MEDIA / "acme-coffee-15s.mp4") == 15_000
    assert probe.duration_ms(MEDIA / "amber-alert-psa.mp4") == 6_000


def test_broken_and_missing_files_have_no_duration(probe, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(os.urandom(4096))
    assert probe.duration_ms(broken) is None
    assert probe.duration_ms(tmp_path / "absent.mp4") is None


def test_cache_probes_each_file_version_once(probe, tmp_path):
    shutil.copy(MEDIA / "gstv-weather.mp4", tmp_path / "w.mp4")
    cache = DurationCache(tmp_path, probe)
    probe.calls.clear()
    assert cache.durations(["w.mp4", "absent.mp4"]) == {"w.mp4": 10_000}
    assert cache.durations(["w.mp4"]) == {"w.mp4": 10_000}
    assert probe.calls == ["w.mp4"]
    sidecar = json.loads((tmp_path / ".w.mp4.duration").read_text())
    assert sidecar["duration_ms"] == 10_000
    # A replaced file (new size and mtime) is probed again.
    shutil.copy(MEDIA / "amber-alert-psa.mp4", tmp_path / "w.mp4")
    assert cache.durations(["w.mp4"]) == {"w.mp4": 6_000}
    assert probe.calls == ["w.mp4", "w.mp4"]


def test_a_corrupt_sidecar_is_probed_again(probe, tmp_path):
    shutil.copy(MEDIA / "gstv-weather.mp4", tmp_path / "w.mp4")
    (tmp_path / ".w.mp4.duration").write_text("{not json")
    assert DurationCache(tmp_path, probe).duration_ms("w.mp4") == 10_000


def test_the_version_is_the_md5_read_once_per_file_version(tmp_path, probe):
    shutil.copy(MEDIA / "gstv-weather.mp4", tmp_path / "w.mp4")
    cache = DurationCache(tmp_path, probe)
    expected = hashlib.md5((tmp_path / "w.mp4").read_bytes()).hexdigest()
    assert cache.versions(["w.mp4", "absent.mp4"]) == {"w.mp4": expected}
    assert json.loads((tmp_path / ".w.mp4.duration").read_text())["md5"] == expected
    probe.calls.clear()
    assert cache.md5("w.mp4") == expected and probe.calls == []  # from the sidecar
    shutil.copy(MEDIA / "gstv-sports.mp4", tmp_path / "w.mp4")  # a new version
    assert cache.md5("w.mp4") == hashlib.md5((MEDIA / "gstv-sports.mp4").read_bytes()
                                             ).hexdigest()


def test_a_slot_plays_the_version_the_site_plays(tmp_path, probe):
    """player.media_files: the file itself, the kept earlier version, or nothing."""
    old, new = MEDIA / "gstv-weather.mp4", MEDIA / "gstv-sports.mp4"
    old_md5, new_md5 = (hashlib.md5(p.read_bytes()).hexdigest() for p in (old, new))
    shutil.copy(new, tmp_path / "w.mp4")
    files = MediaFiles(tmp_path, DurationCache(tmp_path, probe))
    assert files.path_for("w.mp4", new_md5) == tmp_path / "w.mp4"
    assert files.path_for("w.mp4", None) == tmp_path / "w.mp4"  # no version announced
    assert files.path_for("w.mp4", old_md5) is None  # this screen lacks that version
    shutil.copy(old, tmp_path / old_version_name("w.mp4", old_md5))
    assert files.path_for("w.mp4", old_md5) == tmp_path / f".w.mp4@{old_md5}"


def test_an_update_landing_while_a_slot_opens_its_file_does_not_change_what_it_plays(
        tmp_path, probe):
    """player.media_files.open_version: the agent replaces w.mp4 (sync_agent.media_store,
    as a media update does) just after the name was resolved. What is opened, and what
    libVLC reads through `source`, is still the old version: the kept file."""
    old, new = MEDIA / "gstv-weather.mp4", MEDIA / "gstv-sports.mp4"
    old_md5, new_md5 = (hashlib.md5(p.read_bytes()).hexdigest() for p in (old, new))
    shutil.copy(old, tmp_path / "w.mp4")
    files = MediaFiles(tmp_path, DurationCache(tmp_path, probe))
    resolved = files.path_for

    def update_after_the_first_resolution(name, version, _done=[]):
        path = resolved(name, version)
        if not _done:
            _done.append(True)
            shutil.copy(new, tmp_path / ".w.mp4.partial")
            MediaStore(tmp_path).place(tmp_path / ".w.mp4.partial", "w.mp4", md5=new_md5,
                                       now_ms=0)
        return path

    files.path_for = update_after_the_first_resolution
    opened = files.open_version("w.mp4", old_md5)
    assert opened is not None
    try:
        assert opened.path == tmp_path / f".w.mp4@{old_md5}"
        assert hashlib.md5(Path(opened.source).read_bytes()).hexdigest() == old_md5
    finally:
        opened.close()
    # Opened once the update is in, the source still reads its version after a rename.
    opened = files.open_version("w.mp4", new_md5)
    assert opened is not None and opened.path == tmp_path / "w.mp4"
    (tmp_path / "w.mp4").rename(tmp_path / "moved.mp4")
    try:
        assert hashlib.md5(Path(opened.source).read_bytes()).hexdigest() == new_md5
    finally:
        opened.close()
    assert files.open_version("w.mp4", "0" * 32) is None  # a version this screen lacks
