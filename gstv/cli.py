"""The `gstv` command: one composition root for every subcommand.

Each subcommand lives in its own module under `gstv/` and exposes `add_parser(subparsers)`
and `run(args) -> int`; this module only wires them up. Exit status convention shared
by all of them: 0 success, 1 the input was processed and found bad, 2 the command could
not run (unreadable file, usage error; the reason on stderr).
"""

from __future__ import annotations

import argparse
import sys

from gstv import (
    agent_command,
    cloud_command,
    demo_command,
    keys_command,
    player_command,
    schedule_command,
    sim_command,
    status_command,
    summary_command,
    validate_command,
)

_COMMANDS = (validate_command, summary_command, schedule_command, player_command,
             status_command, sim_command, cloud_command, agent_command, demo_command,
             keys_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gstv", description="GSTV terminal player: validate, schedule and play."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
