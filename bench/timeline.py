"""Benchmark: the site timeline on the large update of `bench/validate.py`.

Measures the time to build one day's slot table (31 days, median) and the median time
of one "what plays at T" lookup once the day is built, plus lookups at random instants
over the whole month (which build days as they go). Targets: day build under 50 ms,
lookup under 20 us. The last line is a JSON object.

    python bench/timeline.py
"""

from __future__ import annotations

import json
import random
import statistics
import time
from zoneinfo import ZoneInfo

from scheduler.configuration import default_configuration
from scheduler.playlist import PlaylistUpdate
from scheduler.timeline import Timeline
from scheduler.validation import validate_update
from validate import SITE, large_playlist_update
from _common import machine, percentile

TZ = ZoneInfo("America/New_York")
LOOKUPS = 20_000


def main() -> None:
    outcome = validate_update("playlist", large_playlist_update(), site_id=SITE)
    assert isinstance(outcome.update, PlaylistUpdate)
    site = outcome.update.site(SITE)
    files = sorted({a.filename for s in site.schedules for lp in s.loops for a in lp.assets})
    durations = {name: (10, 15, 20, 30)[i % 4] * 1000 for i, name in enumerate(files)}
    days = sorted(s.date for s in site.schedules)

    def fresh() -> Timeline:
        return Timeline(site=site, configuration=default_configuration(SITE),
                        durations=durations, tz=TZ, cached_days=2)

    timeline = fresh()
    builds, slot_counts = [], []
    for day in days:
        started = time.perf_counter()
        table = timeline.day(day)
        builds.append((time.perf_counter() - started) * 1000)
        slot_counts.append(len(table.slots))

    rng = random.Random(7)
    table = timeline.day(days[10])
    instants = [rng.randrange(table.start, table.end) for _ in range(LOOKUPS)]
    warm = []
    for instant in instants:
        started = time.perf_counter_ns()
        timeline.slot_at(instant)
        warm.append(time.perf_counter_ns() - started)

    month = fresh()
    first, last = month.day(days[0]).start, month.day(days[-1]).end
    cold = []
    for _ in range(2_000):
        instant = rng.randrange(first, last)
        started = time.perf_counter_ns()
        month.slot_at(instant)
        cold.append(time.perf_counter_ns() - started)

    print(f"{len(days)} days, {statistics.median(slot_counts):.0f} slots a day; "
          f"day build median {statistics.median(builds):.1f} ms, "
          f"lookup median {statistics.median(warm) / 1000:.2f} us")
    print(json.dumps({
        "benchmark": "timeline",
        "days": len(days),
        "assets_per_day": 24 * 40,
        "slots_per_day_median": statistics.median(slot_counts),
        "day_build_ms": {"median": round(statistics.median(builds), 2),
                         "max": round(max(builds), 2)},
        "lookup_us": {"median": round(statistics.median(warm) / 1000, 2),
                      "p99": round(percentile(warm, 0.99) / 1000, 2)},
        "random_instant_of_month_us_median": round(statistics.median(cold) / 1000, 2),
        "targets": {"day_build_ms": 50, "lookup_us": 20},
        "machine": machine(),
    }))


if __name__ == "__main__":
    main()
