"""`gstv schedule --playlist FILE [--config FILE] [--network FILE] [--offline-since T0]
--media-dir DIR --tz ZONE --from T1 --until T2`

Prints, one JSON object per line and in order, every slot of the site timeline that
overlaps [T1, T2): its real bounds (possibly before T1 or after T2) in ISO 8601 with
milliseconds and the UTC offset in force, its kind, and the asset fields where they
apply (null otherwise). T1 and T2 are local times of ZONE (an explicit offset is
accepted too). Durations are probed from the files in DIR with libVLC and cached beside
them. Exit 1 with the reason on stderr for invalid input (the validator's texts for the
messages); 2 for an unreadable file or a usage error.

`--network FILE` (a network configuration update message) applies GSTV's playback rules
(scheduler.timeline): evergreen swaps, counted from each file's receive time as the
agent recorded it in DIR (sync_agent.media_store, else the file's modification time),
and the halt `shutdownHours` after `--offline-since`. `--offline-since T0` (a local
time of ZONE; default: online) also carries the last schedule over past midnight. A
swapped slot names the file it replaces in `swappedFrom` (a key only swapped slots
have); a halted slot has kind "halted".

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
from scheduler.network import DEFAULT_NETWORK, NetworkConfiguration, NetworkUpdate
from scheduler.playlist import PlaylistUpdate
from scheduler.timeline import Slot, Timeline
from scheduler.validation import validate_update
from sync_agent.media_store import received_times


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
    parser.add_argument("--network", metavar="FILE",
                        help="network configuration update message (evergreen swaps, halt)")
    parser.add_argument("--offline-since", metavar="T0",
                        help="local time the site lost the cloud (default: online)")
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
        network = _network(args.network)
        offline = None if args.offline_since is None else _instant(
            args.offline_since, tz, "--offline-since")
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
    names |= {n for e in network.evergreen for n in (e.filename, e.swapFilename) if n}
    durations = DurationCache(media_dir, MediaProbe()).durations(names)
    received = received_times(media_dir, [e.filename for e in network.evergreen])
    timeline = Timeline(site=site, configuration=configuration, durations=durations, tz=tz,
                        network=network, received=received, offline_since=offline)
    out = sys.stdout
    for slot in timeline.slots_between(start, end):
        out.write(json.dumps(slot_json(slot, tz)) + "\n")
    return 0


def slot_json(slot: Slot, tz: ZoneInfo) -> dict:
    line = {
        "start": from_epoch_ms(slot.start, tz).isoformat(timespec="milliseconds"),
        "end": from_epoch_ms(slot.end, tz).isoformat(timespec="milliseconds"),
        "kind": slot.kind,
        "filename": slot.filename,
        "assetId": slot.asset_id,
        "loopNumber": slot.loop_number,
        "segmentId": slot.segment_id,
    }
    if slot.swapped_from is not None:  # only then: every other line as it always was
        line["swappedFrom"] = slot.swapped_from
    return line


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


def _network(path: str | None) -> NetworkConfiguration:
    if path is None:
        return DEFAULT_NETWORK
    outcome = validate_update("network", read_message_file(path))
    if not outcome.ok:
        raise InvalidInput(f"invalid network configuration {path}: {outcome.error}")
    assert isinstance(outcome.update, NetworkUpdate)
    return outcome.update.configuration


def _configuration(path: str | None, site_id: str | None, playlist_site: str) -> SiteConfiguration:
    if path is None:
        return default_configuration(playlist_site)
    outcome = validate_update("configuration", read_message_file(path), site_id=site_id)
    if not outcome.ok:
        raise InvalidInput(f"invalid configuration {path}: {outcome.error}")
    assert isinstance(outcome.update, ConfigurationUpdate)
    return outcome.update.site(site_id or playlist_site) or outcome.update.configuration[0]
