"""`gstv keys`: the site's CURVE key (sync.site_keys), made once per site and installed
on every terminal of it.

    gstv keys new FILE                    make a site key pair in FILE (mode 0600)
    gstv keys install FILE [--config C]   put it where this terminal's player reads it
    gstv keys show [--config C]           the public key installed here

Each prints the public key, so a technician can compare terminals without the secret
ever being shown. `install` replaces an installed key atomically (key rotation: install
the new key on every terminal, then restart their players), keeps mode 0600, and as
root gives the file to the owner of the state directory (the player's user). Exit
status: 0 done, 1 the key file is unusable, 2 the configuration is.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from terminal.config import DEFAULT_CONFIG, ConfigError, load_config
from sync import site_keys


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("keys", help="make, install and show the site's sync key")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = actions.add_parser("new", help="make a site key pair in FILE (mode 0600)")
    new.add_argument("file", type=Path, metavar="FILE")
    install = actions.add_parser("install", help="install FILE as this terminal's site key")
    install.add_argument("file", type=Path, metavar="FILE")
    install.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE")
    show = actions.add_parser("show", help="the public key of the installed site key")
    show.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "new":
            keys = site_keys.generate()
            site_keys.write(keys, args.file)
            print(f"site key made in {args.file} (public key {keys.public.decode()})")
            return 0
        try:
            target = load_config(args.config).site_key_file
        except ConfigError as exc:
            print(f"gstv keys: {exc}", file=sys.stderr)
            return 2
        if args.action == "install":
            keys = site_keys.load(args.file)
            replaced = target.exists()
            _install(keys, target)
            print(f"site key {'replaced' if replaced else 'installed'} at {target} "
                  f"(public key {keys.public.decode()}); restart gstv-player to use it")
            return 0
        keys = site_keys.load(target)
        print(f"{keys.public.decode()}  {target}")
        return 0
    except site_keys.SiteKeyError as exc:
        print(f"gstv keys: {exc}", file=sys.stderr)
        return 1


def _install(keys: site_keys.SiteKeys, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_name(f".{target.name}.installing")
    temporary.unlink(missing_ok=True)
    site_keys.write(keys, temporary)
    if os.geteuid() == 0:
        # The player's user owns the state directory (StateDirectory=); give it the key.
        owner = target.parent.parent.stat()
        os.chown(temporary, owner.st_uid, owner.st_gid)
        os.chown(target.parent, owner.st_uid, owner.st_gid)
    os.replace(temporary, target)
