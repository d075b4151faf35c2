"""Retry delays: capped exponential backoff with jitter ("full jitter" halved: between
half and all of the capped exponential), so thousands of terminals that lost the cloud
together do not come back at it in step. Pure: the random source is an argument."""

from __future__ import annotations

import random

BASE_S = 1.0
CAP_S = 300.0


def retry_delay(attempt: int, *, rng: random.Random, base_s: float = BASE_S,
                cap_s: float = CAP_S) -> float:
    """Seconds to wait before retry number `attempt` (1 = the first retry)."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)
