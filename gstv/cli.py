"""The `gstv` command: one composition root for every subcommand.

Each subcommand lives in its own module and exposes `add_parser(subparsers)` and
`run(args) -> int`; this module only wires them up. Exit status convention shared by
all of them: 0 success, 1 the input was processed and found bad, 2 the command could
not run (unreadable file, usage error; the reason on stderr).

The terminal's own commands are here, under `gstv/`. The rig commands (`cloud`,
`sim`, `demo`) come from the gstv-rigs distribution (rigs/), which `make setup`
installs and a terminal does not have: they are found through the `gstv.commands`
entry points, their module loaded only when one of them is run, and on a terminal
without the rigs they say how to get them.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points
from types import ModuleType

from gstv import (
    agent_command,
    keys_command,
    player_command,
    schedule_command,
    status_command,
    summary_command,
    validate_command,
)

_COMMANDS = (validate_command, summary_command, schedule_command, player_command,
             status_command, agent_command, keys_command)
RIG_COMMANDS = {
    "sim": "run a simulated site and measure its sync (rigs)",
    "cloud": "run the reference cloud (tests, demo, rigs)",
    "demo": "run the whole product: cloud, agents, players (rigs)",
}
NO_RIGS = ("gstv {name}: a rig command, part of the gstv-rigs distribution, which this "
           "installation lacks (a terminal does not need it). From the source tree: "
           "`make setup`, or `pip install ./rigs` into this environment.")


def _rig(name: str) -> ModuleType | None:
    found = entry_points(group="gstv.commands", name=name)
    return next(iter(found)).load() if found else None


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser | None:
    """The parser, with the rig command `chosen` (if one is) fully loaded; None when it
    is a rig command that is not installed."""
    parser = argparse.ArgumentParser(
        prog="gstv", description="GSTV terminal player: validate, schedule and play."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(sub)
    for name, help_text in RIG_COMMANDS.items():
        module = _rig(name) if name == chosen else None
        if name == chosen and module is None:
            return None
        if module is not None:
            module.add_parser(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in RIG_COMMANDS else None)
    if parser is None:
        print(NO_RIGS.format(name=chosen), file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
