"""`gstv validate playlist|config|network|media FILE [--site-id ID]`.

Prints the validation notification of the kind as one JSON object on stdout:
PLAYLIST_VALIDATION, CONFIGURATION_VALIDATION (site and network configuration),
MEDIA_VALIDATION (GSTV's one-file media message or our list form, told apart by shape).
Exit 0 valid, 1 invalid (including a file that is not JSON), 2 the file could not be
read or the command line is wrong. `--site-id` only matters for the kinds that name
sites (playlist, config); network and media messages name none, and ignore it.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from gstv.messages import CannotRead, fail, read_message_file
from scheduler.validation import validate_update, validation_notification

_KINDS = {"playlist": "playlist", "config": "configuration", "network": "network",
          "media": "media"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate", help="validate a playlist, site or network configuration, or media update"
    )
    parser.add_argument("kind", choices=tuple(_KINDS), help="which message FILE holds")
    parser.add_argument("file", metavar="FILE", help="the update message (JSON)")
    parser.add_argument(
        "--site-id", metavar="ID", help="this terminal's site: a message for another fails"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        raw = read_message_file(args.file)
    except CannotRead as exc:
        return fail("validate", str(exc))
    kind = _KINDS[args.kind]
    outcome = validate_update(kind, raw, site_id=args.site_id)
    notification = validation_notification(kind, outcome, now=datetime.now(UTC))
    print(json.dumps(notification.to_json()))
    return 0 if outcome.ok else 1
