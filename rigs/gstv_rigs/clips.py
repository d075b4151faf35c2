"""The frame-numbered clips a rig plays, by name or by path (`gstv sim --clip`).

- `frame-counter` (the default): the sim's own 320x180 H.264 clip, committed.
- A name of the content matrix (`webm720-vp9`, `mp41080-h264-2997`, ...; see
  scripts/make-sync-clip.sh): full size, made by that script on first use into a cache
  outside the repository (`$GSTV_CLIP_CACHE`, else `~/.cache/gstv-clips`), reused after.
  Large files are never committed; making one takes 5-20 s here.
- `small-` and a matrix name: the committed 320x180 version of the same encoding
  (assets/sync/matrix/), which the tests use.
- A value with a `/` in it, or naming an existing file, is a path: any file that draws
  its frame number the way the script does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1].parent
SYNC_DIR = ROOT / "assets" / "sync"
DEFAULT_CLIP = "frame-counter"
SCRIPT = ROOT / "scripts" / "make-sync-clip.sh"
MATRIX = ("webm720-vp9", "webm1080-vp9", "webm720-vp8", "mp4720-h264", "mp41080-h264")
MATRIX_SECONDS = 20  # a slot per pass: a slot change every 20 s


class ClipError(ValueError):
    """A clip name that names nothing, or a clip that could not be made."""


def matrix_names() -> list[str]:
    return [f"{base}{suffix}" for base in MATRIX for suffix in ("", "-2997")]


def extension_of(name: str) -> str:
    return ".webm" if name.removeprefix("small-").startswith("webm") else ".mp4"


def cache_dir() -> Path:
    configured = os.environ.get("GSTV_CLIP_CACHE")
    # v2: the sound has a continuous bed under its bursts. v3: the clip's tag.
    return Path(configured) if configured else Path.home() / ".cache" / "gstv-clips" / "v3"


TAG_BASE = 0x5A00


def clip_tag(name: str) -> int | None:
    """The tag scripts/make-sync-clip.sh draws into clip `name`'s second quarter (None:
    not a matrix clip, so untagged)."""
    base = name.removeprefix("small-")
    rate_suffix = base.endswith("-2997")
    base = base.removesuffix("-2997")
    if base not in MATRIX:
        return None
    return TAG_BASE + 1 + 4 * MATRIX.index(base) + 2 * rate_suffix + name.startswith("small-")


def resolve(value: str) -> Path:
    """The file `value` names (see the module docstring); a matrix clip is made on
    first use."""
    if "/" in value or Path(value).is_file():
        path = Path(value)
        if not path.is_file():
            raise ClipError(f"no clip file {value}")
        return path
    if value == DEFAULT_CLIP:
        return SYNC_DIR / "frame-counter.mp4"
    if value.removeprefix("small-") not in matrix_names():
        raise ClipError(f"unknown clip {value!r}: {DEFAULT_CLIP}, one of "
                        f"{', '.join(matrix_names())}, small- and one of those, or a path")
    if value.startswith("small-"):
        return SYNC_DIR / "matrix" / f"{value}{extension_of(value)}"
    path = cache_dir() / f"{value}{extension_of(value)}"
    if not path.is_file():
        make(value, path.parent, MATRIX_SECONDS)
    return path


def make(name: str, directory: Path, seconds: float) -> Path:
    """Run scripts/make-sync-clip.sh for `name` into `directory`."""
    try:
        run = subprocess.run(["bash", str(SCRIPT), name, str(directory), str(seconds)],
                             capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ClipError(f"could not make clip {name}: {error}") from error
    if run.returncode != 0:
        raise ClipError(f"could not make clip {name} (is ffmpeg installed? make setup "
                        f"installs it): {run.stderr.strip()[-500:]}")
    return directory / f"{name}{extension_of(name)}"
