"""Which media and banner file names a terminal will touch.

A file name from an update becomes a path under `state_dir/media/`, so anything that is
not a plain name of one file in that directory is refused before any file is opened:
path separators, `.` and `..`, control and other invisible characters (NUL, line
breaks, Unicode separators: they forge log lines and confuse technicians), names that
do not fit in one directory entry. Names starting with a dot are refused too: the agent downloads
into hidden temporary names, and a media name must never collide with one of those.
"""

from __future__ import annotations

import re

from scheduler.limits import MAX_FILENAME_BYTES

_EXTENSION = re.compile(r".+\.[A-Za-z0-9]{1,16}", re.DOTALL)


def has_extension(name: str) -> bool:
    """`clip.mp4` has one; `clip`, `clip.` and `.mp4` do not."""
    return _EXTENSION.fullmatch(name) is not None


def unsafe_reason(name: str) -> str | None:
    """Why `name` is not a plain file name, or None when it is."""
    if not name:
        return "is empty"
    if not name.isprintable():
        return "contains a control character"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if name in (".", ".."):
        return "is a directory reference"
    if name.startswith("."):
        return "starts with a dot"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_FILENAME_BYTES:
        return f"is longer than {MAX_FILENAME_BYTES} bytes"
    return None


def shown(name: str, limit: int = 80) -> str:
    """`name` made safe to put in a message or a log line: control characters escaped,
    very long names cut, so a hostile name cannot forge log lines or flood them."""
    escaped = "".join(c if c.isprintable() else _escape(c) for c in name)
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_OLD_VERSION = re.compile(r"\.(.+)@([0-9a-f]{32})", re.DOTALL)


def old_version_name(name: str, md5: str) -> str:
    """The hidden name an earlier version of `name` is kept under while the site still
    plays it (sync_agent.media_store): `.NAME@MD5`. Hidden, so never taken for media."""
    return f".{name}@{md5}"


def parse_old_version(hidden: str) -> tuple[str, str] | None:
    """(name, md5) of an `old_version_name`, or None for any other name."""
    match = _OLD_VERSION.fullmatch(hidden)
    return (match[1], match[2]) if match and unsafe_reason(match[1]) is None else None
