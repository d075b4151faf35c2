"""The site's CURVE key: who may take part in site sync.

Every terminal of a site holds the same key pair (`gstv keys new` makes it once per
site, `gstv keys install` puts it on each terminal at `[sync] key_file`, default
`state_dir/keys/site.key_secret`). Site sync (sync.time_service) then runs over
ZeroMQ's CURVE: every exchange is encrypted, every listening terminal proves it holds
the site's secret (its clients check the server key), and every asking terminal
proves the same (the listener's ZAP handler admits only the site's public key). A
device without the key can neither read the timeline nor answer as a peer, so it can
never be reachable, let alone elected leader.

Decisions:
- One key pair per site rather than one per terminal: a terminal replaced on the
  forecourt needs one file, not a new key on every other screen.
- The file is zcert's format (what `zmq.auth.load_certificate` reads), written with
  mode 0600 from the start; a key file that others may read is refused, as ssh does,
  because anyone who read it could join the site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import zmq
import zmq.auth

from sync.errors import SiteKeyError
from terminal.config import exposed_secret


@dataclass(frozen=True)
class SiteKeys:
    public: bytes  # Z85, 40 characters
    secret: bytes

    def __repr__(self) -> str:  # never let a secret reach a log through a repr
        return f"SiteKeys(public={self.public.decode()!r}, secret=<hidden>)"


def generate() -> SiteKeys:
    public, secret = zmq.curve_keypair()
    return SiteKeys(public, secret)


def write(keys: SiteKeys, path: Path) -> None:
    """Write `keys` to a new file at `path` (mode 0600); an existing file is an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (f"#   GSTV site key, made {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC by gstv keys\n"
            "#   Secret: mode 0600, owned by the player's user. Same file on every\n"
            "#   terminal of the site.\n"
            "metadata\n"
            "curve\n"
            f'    public-key = "{keys.public.decode()}"\n'
            f'    secret-key = "{keys.secret.decode()}"\n')
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SiteKeyError(f"{path} exists already; remove it first to replace it") from exc
    with os.fdopen(descriptor, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def load(path: Path) -> SiteKeys:
    """The site key pair at `path`, or SiteKeyError saying what is wrong."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise SiteKeyError(f"no site key at {path} (gstv keys install)") from exc
    except OSError as exc:
        raise SiteKeyError(f"cannot read the site key {path}: {exc.strerror}") from exc
    if (problem := exposed_secret(info.st_mode)) is not None:
        raise SiteKeyError(f"the site key {path} {problem}")
    try:
        public, secret = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as exc:
        raise SiteKeyError(f"cannot read the site key {path}: {exc}") from exc
    if not public or not secret or len(public) != 40 or len(secret) != 40:
        raise SiteKeyError(f"{path} holds no CURVE key pair")
    return SiteKeys(public, secret)
