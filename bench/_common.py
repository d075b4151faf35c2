"""What every benchmark reports the same way."""

from __future__ import annotations

import os
import platform

from gstv_rigs.skew import percentile  # noqa: F401  (one definition for benches and the sim)


def machine() -> str:
    return (f"{os.cpu_count()} cpu {platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}")



def fill_outbox(path, count: int, *, start_ms: int = 1_795_000_000_000,
                site_id: str = "SITE-0042", screen_id: str = "T1") -> list[str]:
    """`count` finished POP records in the outbox at `path`, written in one transaction
    (a player writes them one by one over weeks; a bench or a test has no weeks). Their
    record ids, oldest first."""
    import uuid

    from terminal.outbox import Outbox, PopRow

    ids = [str(uuid.uuid4()) for _ in range(count)]
    outbox = Outbox(path)
    outbox.add_finished(
        PopRow(rid, "gstv-sports.mp4", "A1", "TI-1", start_ms + 15_000 * i,
               start_ms + 15_000 * i + 15_000, start_ms + 15_000 * i + 15_000, "Full",
               site_id, screen_id) for i, rid in enumerate(ids))
    outbox.close()
    return ids
