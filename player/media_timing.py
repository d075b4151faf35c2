"""A file's timing as a deck must know it to start on its instant: where its keyframes
are, where its picture starts in the container's time, and how long before the
picture libVLC 3 starts its media clock.

The site timeline counts an asset from its first picture: position 0 is the first
frame, and the frame the container stamps `p` is due at `slot start + p - video_start`
on every screen. The container's own start offsets are therefore no position error.

libVLC 3 does not start a deck's media clock at the picture's first time. Measured
here with the content matrix (scripts/make-sync-clip.sh) and remuxes of it: the
picture's lateness against its container time, in ms, started with no lead:

| file (picture, sound starts)      | from 0          | after a seek (1.07, 1.5, 2 s) |
| --------------------------------- | --------------- | ----------------------------- |
| H.264+AAC MP4 (0, 0 by edit list) | -0.1            | -0.1 to -0.3                  |
| VP8+Vorbis WebM (+3, 0)           | 2.8             | -0.2                          |
| VP9+Opus WebM (+7, -6.5)          | 13.2            | 6.2-6.3                       |
| VP9+Opus remuxed (+114, +94.5)    | 19.2            | 6.3-6.5                       |
| VP9+Vorbis remuxed (+14, +4)      | 9.7             | -0.2                          |
| VP9 alone (+14)                   | -0.1            | -0.2                          |

So from the start of a file the clock starts at the earliest track's first time (the
sound's, after its CodecDelay); after a seek it starts the sound's CodecDelay (Opus's
6.5 ms of pre-skip) before the seek target, whichever block that falls in. The deck is
unpaused that much earlier (`clock_lead_ms`), and then shows its pictures on their
instants: measured the same way with the lead, every case above is within -0.3..+0.1.
(A first model, the latest sound block before the seek target, was 6-13 ms wrong after
seeks: the rule is what libVLC does, not what the blocks suggest.)

MP4 needs none of it: libVLC's MP4 demuxer applies the edit lists, which place both
tracks at 0 (player.mp4). Matroska is read by player.matroska.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from player import matroska, mp4


@dataclass(frozen=True)
class MediaTiming:
    keyframes_ms: tuple[int, ...] | None = None  # positions (from the first picture)
    video_start_ms: float = 0.0  # container time of the first picture
    audio_start_ms: float | None = None  # container time of the sound's first sample
    audio_codec_delay_ms: float = 0.0  # Matroska CodecDelay (Opus pre-skip)
    origin_known: bool = False  # whether the clock origin is modelled (Matroska)

    def seek_ms(self, position_ms: int) -> int:
        """The container time to open the file at to show position `position_ms`
        (0: the file's start, no seek)."""
        return 0 if position_ms <= 0 else round(position_ms + self.video_start_ms)

    def clock_lead_ms(self, position_ms: int) -> float:
        """How long before position `position_ms`'s instant the deck's media clock
        must start for its pictures to land on their instants."""
        if not self.origin_known:
            return 0.0
        if position_ms > 0:
            return self.audio_codec_delay_ms if self.audio_start_ms is not None else 0.0
        starts = [self.video_start_ms]
        if self.audio_start_ms is not None:
            starts.append(self.audio_start_ms)
        return self.video_start_ms - min(starts)


def media_timing(path: Path) -> MediaTiming | None:
    """The file's timing, or None when it cannot be read (any instant will do then)."""
    try:
        return _from_matroska(path)
    except matroska.NotMatroska:
        pass
    except (OSError, ValueError, EOFError):
        return None
    try:
        keyframes = mp4.keyframe_times_ms(path)
    except (OSError, ValueError, EOFError):
        return None
    return MediaTiming(keyframes_ms=tuple(keyframes) if keyframes else None)


def _from_matroska(path: Path) -> MediaTiming | None:
    blocks = matroska.read_blocks(path)
    if blocks.video_first is None:
        return None
    start = blocks.video_first
    return MediaTiming(
        keyframes_ms=tuple(k - start for k in blocks.video_keyframes) or None,
        video_start_ms=float(start),
        audio_start_ms=blocks.audio_starts[0] if blocks.audio_starts else None,
        audio_codec_delay_ms=blocks.audio_codec_delay_ms, origin_known=True)
