"""Media durations from libVLC's parser: no decoding, no output, a few ms a file.

This is the one place the scheduler's "media durations are passed in" come from. A file
libVLC cannot parse, or whose container states no duration, has no duration: the
timeline treats it as not present, so it is skipped rather than shown broken.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import vlc

log = logging.getLogger(__name__)

PARSE_TIMEOUT_MS = 5_000
_NOT_YET = 0
_DONE = 4


class MediaProbe:
    def __init__(self, instance: vlc.Instance | None = None) -> None:
        self._instance = instance or vlc.Instance(
            "--no-xlib", "--quiet", "--vout=dummy", "--aout=dummy"
        )
        if self._instance is None:
            raise RuntimeError("libVLC could not be started (is vlc-plugin-base installed?)")

    def duration_ms(self, path: Path) -> int | None:
        media = self._instance.media_new_path(str(path))
        try:
            media.parse_with_options(vlc.MediaParseFlag.local, PARSE_TIMEOUT_MS)
            deadline = time.monotonic() + PARSE_TIMEOUT_MS / 1000 + 1
            while media.get_parsed_status().value == _NOT_YET and time.monotonic() < deadline:
                time.sleep(0.002)
            status = media.get_parsed_status().value
            duration = media.get_duration()
        finally:
            media.release()
        if status != _DONE or duration <= 0:
            log.warning("probe_failed file=%s status=%s duration_ms=%s", path.name, status,
                        duration)
            return None
        return duration
