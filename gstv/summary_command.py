"""`gstv summary FILE`: a playlist update described for a person, day by day.

For a technician or an integrator checking what a message will make the screens do,
without reading 30 000 lines of JSON. Exit 1 with the validation text if the message
is invalid.
"""

from __future__ import annotations

import argparse
import sys

from gstv.messages import CannotRead, fail, read_message_file
from scheduler.playlist import PlaylistUpdate, Site
from scheduler.timeformats import format_timestamp
from scheduler.validation import validate_update


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("summary", help="describe a playlist update message")
    parser.add_argument("file", metavar="FILE", help="the playlist update message (JSON)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        raw = read_message_file(args.file)
    except CannotRead as exc:
        return fail("summary", str(exc))
    outcome = validate_update("playlist", raw)
    if not outcome.ok:
        print(f"invalid playlist update: {outcome.error}", file=sys.stderr)
        return 1
    assert isinstance(outcome.update, PlaylistUpdate)
    print("\n".join(describe(outcome.update)))
    return 0


def describe(update: PlaylistUpdate) -> list[str]:
    lines = [f"Playlist update {update.guid}, created {format_timestamp(update.updatedOn)} UTC"]
    for site in update.playlist:
        lines += _describe_site(site)
    return lines


def _describe_site(site: Site) -> list[str]:
    dates = sorted(s.date for s in site.schedules)
    files = sorted({a.filename for s in site.schedules for l in s.loops for a in l.assets})
    lines = [
        "",
        f"Site {site.siteId}: {len(dates)} daily schedule(s) {dates[0]} .. {dates[-1]}, "
        f"{len(files)} video file(s), {len(site.banners)} banner(s)",
        f"  {'date':<10}  {'segment':<16}  {'loops':>5}  {'assets':>6}  "
        f"{'dayparted':>9}  {'coupons':>7}",
    ]
    for schedule in sorted(site.schedules, key=lambda s: s.date):
        assets = [a for loop in schedule.loops for a in loop.assets]
        lines.append(
            f"  {schedule.date}  {schedule.segmentId[:16]:<16}  {len(schedule.loops):>5}  "
            f"{len(assets):>6}  {sum(1 for a in assets if a.dayparts):>9}  "
            f"{sum(1 for a in assets if a.coupons):>7}"
        )
    if site.banners:
        lines.append("  banners:")
        lines += [
            f"    {b.type:<11}  {b.filename:<32}  {b.start} .. {b.end}" for b in site.banners
        ]
    lines.append("  video files: " + ", ".join(files))
    return lines
