"""Reading an update message file for a command, with the exit status convention."""

from __future__ import annotations

import sys
from pathlib import Path

from scheduler.limits import MAX_MESSAGE_BYTES

EXIT_CANNOT_RUN = 2


class CannotRead(Exception):
    """The file could not be read at all (status 2); a readable file with bad content
    is the validator's business (status 1)."""


def read_message_file(path: str) -> bytes:
    try:
        with Path(path).open("rb") as handle:
            # One byte over the limit is enough for the validator to say "too large".
            return handle.read(MAX_MESSAGE_BYTES + 1)
    except OSError as exc:
        raise CannotRead(f"cannot read {path}: {exc.strerror or exc}") from exc


def fail(command: str, message: str) -> int:
    print(f"gstv {command}: {message}", file=sys.stderr)
    return EXIT_CANNOT_RUN
