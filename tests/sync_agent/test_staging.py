from __future__ import annotations

import os

import pytest

from sync_agent.staging import stage_atomically


def test_the_target_is_replaced_whole_and_no_temporary_remains(tmp_path):
    target = tmp_path / "active" / "playlist.json"
    stage_atomically(target, b"one")
    stage_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["playlist.json"]


def test_a_full_disk_fails_the_write_and_keeps_the_previous_file(small_disk):
    small_disk = small_disk("64k")
    target = small_disk / "playlist.json"
    stage_atomically(target, b"previous")
    with pytest.raises(OSError) as caught:
        stage_atomically(target, b"x" * 200_000)
    assert caught.value.errno == 28  # ENOSPC
    assert target.read_bytes() == b"previous"
    assert os.listdir(small_disk) == ["playlist.json"]  # the partial file is gone
