"""`gstv schedule --playlist FILE [--config FILE] --media-dir DIR --tz ZONE --from T1 --until T2`

Prints, one JSON object per line and in order, every slot of the site timeline that
overlaps [T1, T2): its real bounds (possibly before T1 or after T2) in ISO 8601 with
milliseconds and the UTC offset in force, its kind, and the asset fields where they
apply (null otherwise). T1 and T2 are local times of ZONE (an explicit offset is
accepted too). Durations are probed from the files in DIR with libVLC and cached beside
them. Exit 1 with the reason on stderr for invalid input (the validator's texts for the
messages); 2 for an unreadable file or a usage error.

Decisions: without `--config` the default initialization configuration applies; the
playlist's site is the one given by `--site-id`, else its first site.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gstv.messages import CannotRead, fail, read_message_file
from player.durations import DurationCache
from player.probe import MediaProbe
from scheduler.configuration import ConfigurationUpdate, SiteConfiguration, default_configuration
from scheduler.localtime import epoch_ms, from_epoch_ms
from scheduler.playlist import PlaylistUpdate
from scheduler.timeline import Slot, Timeline
from scheduler.validation import validate_update


class InvalidInput(Exception):
    pass


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schedule", help="print the site timeline between two local times")
    parser.add_argument("--playlist", required=True, metavar="FILE")
    parser.add_argument("--config", metavar="FILE", help="site configuration update message")
    parser.add_argument("--media-dir", required=True, metavar="DIR")
    parser.add_argument("--tz", required=True, metavar="ZONE", help="IANA zone of the site")
    parser.add_argument("--from", dest="start", required=True, metavar="T1")
    parser.add_argument("--until", dest="end", required=True, metavar="T2")
    parser.add_argument("--site-id", metavar="ID", help="site to take from the messages")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        tz = _zone(args.tz)
        start, end = _instant(args.start, tz, "--from"), _instant(args.end, tz, "--until")
        if end <= start:
            raise InvalidInput(f"--until {args.end} is not after --from {args.start}")
        playlist = validate_update("playlist", read_message_file(args.playlist),
                                   site_id=args.site_id)
        if not playlist.ok:
            raise InvalidInput(f"invalid playlist {args.playlist}: {playlist.error}")
        assert isinstance(playlist.update, PlaylistUpdate)
        site = playlist.update.site(args.site_id) if args.site_id else playlist.update.playlist[0]
        configuration = _configuration(args.config, args.site_id, site.siteId)
        media_dir = Path(args.media_dir)
        if not media_dir.is_dir():
            raise CannotRead(f"media directory {media_dir} does not exist")
    except CannotRead as exc:
        return fail("schedule", str(exc))
    except InvalidInput as exc:
        print(f"gstv schedule: {exc}", file=sys.stderr)
        return 1
    names = {a.filename for s in site.schedules for lp in s.loops for a in lp.assets}
    if configuration.blankoutVideo:
        names.add(configuration.blankoutVideo)
    durations = DurationCache(media_dir, MediaProbe()).durations(names)
    timeline = Timeline(site=site, configuration=configuration, durations=durations, tz=tz)
    out = sys.stdout
    for slot in timeline.slots_between(start, end):
        out.write(json.dumps(slot_json(slot, tz)) + "\n")
    return 0


def slot_json(slot: Slot, tz: ZoneInfo) -> dict:
    return {
        "start": from_epoch_ms(slot.start, tz).isoformat(timespec="milliseconds"),
        "end": from_epoch_ms(slot.end, tz).isoformat(timespec="milliseconds"),
        "kind": slot.kind,
        "filename": slot.filename,
        "assetId": slot.asset_id,
        "loopNumber": slot.loop_number,
        "segmentId": slot.segment_id,
    }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}") from exc


def _instant(text: str, tz: ZoneInfo, option: str) -> int:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{option} {text!r} is not an ISO 8601 local time like 2026-11-23T08:00:00"
        ) from exc
    return epoch_ms(moment if moment.tzinfo else moment.replace(tzinfo=tz))


def _configuration(path: str | None, site_id: str | None, playlist_site: str) -> SiteConfiguration:
    if path is None:
        return default_configuration(playlist_site)
    outcome = validate_update("configuration", read_message_file(path), site_id=site_id)
    if not outcome.ok:
        raise InvalidInput(f"invalid configuration {path}: {outcome.error}")
    assert isinstance(outcome.update, ConfigurationUpdate)
    return outcome.update.site(site_id or playlist_site) or outcome.update.configuration[0]
