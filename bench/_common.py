"""What every benchmark reports the same way."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    return (f"{os.cpu_count()} cpu {platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
