"""Where an MP4 file's keyframes are, read from its sample tables (player.media_timing
uses them; WebM is player.matroska's).

Why: a deck can be primed (its picture ready, so it starts on its instant to the
millisecond) only at a keyframe. libVLC 3 renders a paused deck's picture after a seek
to a keyframe; after a seek between keyframes it shows nothing until it plays, and
then starts 7-35 ms late. So a screen joining the site mid-slot (start-up, after a
prompt, after a clock step) joins at the next keyframe's instant rather than at any
millisecond. With the usual one- or two-second GOP that costs up to a GOP of waiting
and buys a start as precise as a slot boundary.

Only what that needs: the first video track's sync samples (`stss`) placed on the
presentation timeline with the decode times (`stts`), composition offsets (`ctts`) and
the first edit's media time (`elst`). Anything else (not MP4, fragmented MP4, no
`stss` meaning every sample is a keyframe) gives None or every sample, and the player
joins at any millisecond as before. The edit list is also why an MP4 needs no clock
lead (player.media_timing): libVLC applies it, so both tracks start at 0.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAX_MOOV_BYTES = 64 << 20


def keyframe_times_ms(path: Path) -> list[int] | None:
    """Presentation times (ms) of the keyframes of the first video track, sorted, or
    None when they cannot be known."""
    try:
        moov = _read_moov(path)
    except OSError:
        return None
    if moov is None:
        return None
    for trak in _children(moov, b"trak"):
        mdia = _first(trak, b"mdia")
        if mdia is None or _handler(mdia) != b"vide":
            continue
        try:
            return _track_keyframes(trak, mdia)
        except (struct.error, ValueError, IndexError):
            return None
    return None


def _read_moov(path: Path) -> bytes | None:
    with open(path, "rb") as f:
        while header := f.read(8):
            if len(header) < 8:
                return None
            size, kind = struct.unpack(">I4s", header)
            body = size - 8
            if size == 1:
                body = struct.unpack(">Q", f.read(8))[0] - 16
            elif size == 0:
                return f.read(MAX_MOOV_BYTES) if kind == b"moov" else None
            if kind == b"moov":
                return f.read(body) if body <= MAX_MOOV_BYTES else None
            f.seek(body, 1)
    return None


def _boxes(data: bytes):
    at = 0
    while at + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        start = at + 8
        if size == 1:
            size = struct.unpack_from(">Q", data, start)[0]
            start += 8
        elif size == 0:
            size = len(data) - at
        if size < 8:
            return
        yield kind, data[start:at + size]
        at += size


def _children(data: bytes, kind: bytes):
    return [body for k, body in _boxes(data) if k == kind]


def _first(data: bytes, kind: bytes) -> bytes | None:
    found = _children(data, kind)
    return found[0] if found else None


def _path(data: bytes, *kinds: bytes) -> bytes | None:
    for kind in kinds:
        if data is None:
            return None
        data = _first(data, kind)
    return data


def _handler(mdia: bytes) -> bytes | None:
    hdlr = _first(mdia, b"hdlr")
    return hdlr[8:12] if hdlr is not None and len(hdlr) >= 12 else None


def _track_keyframes(trak: bytes, mdia: bytes) -> list[int] | None:
    mdhd = _first(mdia, b"mdhd")
    stbl = _path(mdia, b"minf", b"stbl")
    if mdhd is None or stbl is None:
        return None
    timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]
    if timescale <= 0:
        return None
    decode = []
    stts = _first(stbl, b"stts")
    if stts is None:
        return None
    now = 0
    for i in range(struct.unpack_from(">I", stts, 4)[0]):
        count, delta = struct.unpack_from(">II", stts, 8 + 8 * i)
        for _ in range(count):
            decode.append(now)
            now += delta
    offsets = [0] * len(decode)
    ctts = _first(stbl, b"ctts")
    if ctts is not None:
        signed = ctts[0] == 1
        n = 0
        for i in range(struct.unpack_from(">I", ctts, 4)[0]):
            count, offset = struct.unpack_from(">Ii" if signed else ">II", ctts, 8 + 8 * i)
            for _ in range(count):
                if n < len(offsets):
                    offsets[n] = offset
                n += 1
    stss = _first(stbl, b"stss")
    if stss is None:
        sync = range(1, len(decode) + 1)
    else:
        sync = [struct.unpack_from(">I", stss, 8 + 4 * i)[0]
                for i in range(struct.unpack_from(">I", stss, 4)[0])]
    shift = _edit_media_time(trak)
    times = sorted({round((decode[n - 1] + offsets[n - 1] - shift) * 1000 / timescale)
                    for n in sync if 0 < n <= len(decode)})
    return [t for t in times if t >= 0] or None


def _edit_media_time(trak: bytes) -> int:
    """Where the presentation starts in the track's media time (the first non-empty
    edit): encoders with B-frames shift it by the composition delay."""
    elst = _path(trak, b"edts", b"elst")
    if elst is None:
        return 0
    version = elst[0]
    for i in range(struct.unpack_from(">I", elst, 4)[0]):
        if version == 1:
            _, media_time = struct.unpack_from(">Qq", elst, 8 + 20 * i)
        else:
            _, media_time = struct.unpack_from(">Ii", elst, 8 + 12 * i)
        if media_time >= 0:
            return media_time
    return 0
