"""What the player needs to know of a WebM/Matroska file's timing, read from its blocks.

GSTV's content is WebM. Two facts about it matter to a screen that must start a file on
its instant to the millisecond (player.media_timing says how they are used):
- where the keyframes are: a deck primes only at one (player.slot_loop);
- where each track starts, and the sound's CodecDelay: WebM as ffmpeg muxes it has
  the sound starting before the picture (Opus blocks carry a CodecDelay, 6.5 ms of
  pre-skip, that players, libVLC and ffmpeg alike, take off their times, so the sound
  starts at -6.5 ms and ffmpeg puts the video at +7 ms), and libVLC's media clock
  starts from those (player.media_timing has the measured rule).

Every Cluster's block headers are read (SimpleBlock, and Block in a BlockGroup, whose
keyframes are those without a ReferenceBlock); the payloads are skipped, so a 15-minute
1080p asset costs a few tens of thousands of small reads. Cues are not trusted for the
keyframes: a muxer may index only some of them. Lacing, unknown-size clusters (live
streams) and several video tracks are not content GSTV sends; an unknown-size element
ends the scan with what was read, as does the end of a file cut short.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

SEGMENT, CLUSTER, TRACKS, INFO = 0x18538067, 0x1F43B675, 0x1654AE6B, 0x1549A966
TIMECODE_SCALE, TRACK_ENTRY, TRACK_NUMBER, TRACK_TYPE = 0x2AD7B1, 0xAE, 0xD7, 0x83
CODEC_DELAY = 0x56AA  # ns of decoder delay (Opus pre-skip), taken off the track's times
CLUSTER_TIMECODE, SIMPLE_BLOCK, BLOCK_GROUP, BLOCK, REFERENCE_BLOCK = \
    0xE7, 0xA3, 0xA0, 0xA1, 0xFB
VIDEO, AUDIO = 1, 2
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
UNKNOWN = -1


class NotMatroska(ValueError):
    pass


@dataclass
class Blocks:
    """Presentation times (ms) of a file's blocks, by kind of track."""

    video_keyframes: list[int] = field(default_factory=list)
    video_first: int | None = None
    audio_starts: list[float] = field(default_factory=list)  # after the codec delay
    audio_codec_delay_ms: float = 0.0


def read_blocks(path) -> Blocks:
    """The block times of the file's first video track and first audio track."""
    with open(path, "rb") as f:
        if f.read(4) != EBML_MAGIC:
            raise NotMatroska(path)
        f.seek(0)
        _, size = _header(f)  # the EBML header
        f.seek(size, 1)
        kind, size = _header(f)
        if kind != SEGMENT:
            raise NotMatroska("no Segment")
        end = None if size == UNKNOWN else f.tell() + size
        return _segment(f, end)


def _segment(f: BinaryIO, end: int | None) -> Blocks:
    scale_ns = 1_000_000
    blocks = Blocks()
    video = audio = None
    delay_ns = 0
    while end is None or f.tell() < end:
        try:
            kind, size = _header(f)
        except EOFError:
            break
        if size == UNKNOWN and kind != CLUSTER:
            break
        if kind == INFO:
            for child, data in _children(f.read(size)):
                if child == TIMECODE_SCALE:
                    scale_ns = int.from_bytes(data, "big") or scale_ns
        elif kind == TRACKS:
            tracks = _tracks(f.read(size))
            video = min((n for n, (t, _) in tracks.items() if t == VIDEO), default=None)
            audio = min((n for n, (t, _) in tracks.items() if t == AUDIO), default=None)
            delay_ns = tracks[audio][1] if audio is not None else 0
        elif kind == CLUSTER:
            if size == UNKNOWN:
                break
            try:
                _cluster(f, f.tell() + size, scale_ns, video, audio, blocks)
            except (EOFError, struct.error):
                break  # a file cut short: what was read stands
        else:
            f.seek(size, 1)
    blocks.video_keyframes.sort()
    blocks.audio_codec_delay_ms = delay_ms = delay_ns / 1_000_000
    blocks.audio_starts = sorted(t - delay_ms for t in blocks.audio_starts)
    return blocks


def _cluster(f: BinaryIO, end: int, scale_ns: int, video: int | None, audio: int | None,
             blocks: Blocks) -> None:
    base = 0
    while f.tell() < end:
        kind, size = _header(f)
        if size == UNKNOWN:
            raise EOFError
        start = f.tell()
        if kind == CLUSTER_TIMECODE:
            base = int.from_bytes(f.read(size), "big")
        elif kind == SIMPLE_BLOCK:
            track, relative, flags = _block_header(f)
            _note(blocks, track, base + relative, bool(flags & 0x80), scale_ns, video, audio)
        elif kind == BLOCK_GROUP:
            group = f.read(size)
            keyframe, block = True, None
            for child, data in _children(group):
                if child == BLOCK:
                    block = data
                elif child == REFERENCE_BLOCK:
                    keyframe = False
            if block is not None:
                track, length = _vint(block, 0)
                relative = struct.unpack_from(">h", block, length)[0]
                _note(blocks, track, base + relative, keyframe, scale_ns, video, audio)
        f.seek(start + size)


def _note(blocks: Blocks, track: int, timecode: int, keyframe: bool, scale_ns: int,
          video: int | None, audio: int | None) -> None:
    ms = round(timecode * scale_ns / 1_000_000)
    if track == video:
        if blocks.video_first is None or ms < blocks.video_first:
            blocks.video_first = ms
        if keyframe:
            blocks.video_keyframes.append(ms)
    elif track == audio:
        blocks.audio_starts.append(ms)


def _tracks(data: bytes) -> dict[int, tuple[int, int]]:
    """Track number -> (track type, codec delay in ns)."""
    tracks = {}
    for kind, entry in _children(data):
        if kind != TRACK_ENTRY:
            continue
        fields = dict(_children(entry))
        if TRACK_NUMBER in fields and TRACK_TYPE in fields:
            tracks[int.from_bytes(fields[TRACK_NUMBER], "big")] = (
                int.from_bytes(fields[TRACK_TYPE], "big"),
                int.from_bytes(fields.get(CODEC_DELAY, b""), "big"))
    return tracks


def _block_header(f: BinaryIO) -> tuple[int, int, int]:
    head = f.read(12)
    track, length = _vint(head, 0)
    relative, flags = struct.unpack_from(">hB", head, length)
    return track, relative, flags


def _children(data: bytes):
    at = 0
    while at < len(data):
        kind, at = _id(data, at)
        size, at = _vint(data, at)
        yield kind, data[at:at + size]
        at += size


def _header(f: BinaryIO) -> tuple[int, int]:
    head = f.read(12)
    if not head:
        raise EOFError
    kind, at = _id(head, 0)
    size, at = _vint(head, at, unknown=True)
    f.seek(at - len(head), 1)
    return kind, size


def _id(data: bytes, at: int) -> tuple[int, int]:
    length = _length(data[at])
    return int.from_bytes(data[at:at + length], "big"), at + length


def _vint(data: bytes, at: int, unknown: bool = False) -> tuple[int, int]:
    if at >= len(data):
        raise EOFError
    length = _length(data[at])
    value = data[at] & (0xFF >> length)
    for byte in data[at + 1:at + length]:
        value = (value << 8) | byte
    if unknown and value == (1 << (7 * length)) - 1:
        return UNKNOWN, at + length
    return value, at + length


def _length(first: int) -> int:
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    raise NotMatroska("bad element length")
