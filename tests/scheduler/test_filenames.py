"""The plain-file-name check every download, drop-folder file and update passes."""

from __future__ import annotations

import pytest

from scheduler.filenames import unsafe_reason


@pytest.mark.parametrize(("name", "reason"), [
    ("", "is empty"),  # found by bench/reliability.py's fuzzer: it named the directory
    ("..", "is a directory reference"),
    ("../etc/passwd", "contains a path separator"),
    ("/etc/passwd", "contains a path separator"),
    ("a\x00.mp4", "contains a control character"),
    (".hidden.mp4", "starts with a dot"),
    ("x" * 300 + ".mp4", "is longer than 255 bytes"),
])
def test_names_that_are_not_one_plain_file_are_refused(name, reason):
    assert unsafe_reason(name) == reason


def test_a_plain_name_passes():
    assert unsafe_reason("gstv-sports.mp4") is None
