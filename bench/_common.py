"""What every benchmark reports the same way."""

from __future__ import annotations

import os
import platform

from sync.skew import percentile  # noqa: F401  (one definition for benches and the sim)


def machine() -> str:
    return (f"{os.cpu_count()} cpu {platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}")

