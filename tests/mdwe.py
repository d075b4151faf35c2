"""Run a command with memory that is never both writable and executable (the kernel's
PR_SET_MDWE, inherited across exec): what the units' MemoryDenyWriteExecute= asks of
the same programs, checked without systemd.

    python tests/mdwe.py PROGRAM ARGS...
"""

from __future__ import annotations

import ctypes
import os
import sys

PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def main() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        raise SystemExit(f"mdwe: prctl: {os.strerror(ctypes.get_errno())}")
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
