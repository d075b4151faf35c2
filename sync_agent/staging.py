"""Putting a file where the player reads it, all at once: written to a hidden temporary
name in the same directory, flushed to disk, renamed over the target, and the
directory flushed too, so after a power cut the player finds either the old file or
the new one, whole, never a mix or nothing (the rename is atomic on POSIX file
systems; the directory fsync makes the rename itself durable)."""

from __future__ import annotations

import os
from pathlib import Path


def stage_atomically(target: Path, data: bytes, *, durable: bool = True) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.staging")
    try:
        with open(temporary, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if not durable:
        return
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
