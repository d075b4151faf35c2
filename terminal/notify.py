"""systemd's notify protocol (READY=1, WATCHDOG=1, STATUS=...), without a dependency:
one datagram to `$NOTIFY_SOCKET` when it is set, nothing otherwise."""

from __future__ import annotations

import os
import socket


def notify(*fields: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendto("\n".join(fields).encode(), address)
        except OSError:
            return False
    return True


def watchdog_interval_s() -> float | None:
    """Half of `WatchdogSec`, when systemd asks us to ping it."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec or os.environ.get("WATCHDOG_PID", str(os.getpid())) != str(os.getpid()):
        return None
    return int(usec) / 2e6
