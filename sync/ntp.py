"""The leader's measure of its clock against UTC, from NTP servers (ntplib).

Dispensers often have no reliable RTC, so the site's wall time (dayparts, opening
hours, POP timestamps) comes from NTP, not from the system clock. Each configured
server is asked a few times; the sample with the smallest round-trip delay wins,
because its offset has the smallest error bound (half the delay). A server that does
not answer costs one timeout per query and is logged once per failure streak, not on
every retry.

`offset_ms` is (NTP time - local system time): add it to the system clock to get UTC.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass

import ntplib

log = logging.getLogger(__name__)

DEFAULT_PORT = 123


@dataclass(frozen=True)
class NtpServer:
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        return self.host if self.port == DEFAULT_PORT else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class NtpSample:
    server: NtpServer
    offset_ms: float
    delay_ms: float


class NtpMeter:
    def __init__(self, servers: Sequence[NtpServer], *, samples: int = 4,
                 timeout_s: float = 1.0, client: ntplib.NTPClient | None = None) -> None:
        self._servers = tuple(servers)
        self._samples = samples
        self._timeout_s = timeout_s
        self._client = client or ntplib.NTPClient()
        self._failing: set[NtpServer] = set()

    def measure(self) -> NtpSample | None:
        """The best sample over all servers, or None when none answered. Blocking:
        call it from a thread."""
        found = [sample for server in self._servers for sample in self._query(server)]
        return min(found, key=lambda s: s.delay_ms, default=None)

    def _query(self, server: NtpServer) -> list[NtpSample]:
        samples = []
        for _ in range(self._samples):
            try:
                stats = self._client.request(server.host, version=3, port=server.port,
                                             timeout=self._timeout_s)
            except (ntplib.NTPException, OSError, socket.gaierror) as exc:
                if server not in self._failing:
                    log.warning("ntp_unreachable server=%s error=%s", server, exc)
                    self._failing.add(server)
                break
            samples.append(NtpSample(server, stats.offset * 1000, stats.delay * 1000))
        if samples and server in self._failing:
            self._failing.discard(server)
            log.info("ntp_reachable server=%s", server)
        return samples
