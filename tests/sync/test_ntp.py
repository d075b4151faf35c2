"""NTP against a real chronyd on loopback (its own configuration, no clock control),
and against a fake server, speaking real NTP, whose clock is an hour ahead."""

from __future__ import annotations

import shutil
import socket
import subprocess

import ntplib
import pytest

from sync.ntp import NtpMeter, NtpServer
from tests.processes import ProcessSet
from tests.sync.ntp_fake import FakeNtpServer
from tests.waits import wait_until


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chronyd(tmp_path_factory):
    """chronyd serving its local clock on a high loopback port; `-x`: it never touches
    the system clock."""
    binary = shutil.which("chronyd") or "/usr/sbin/chronyd"
    base = tmp_path_factory.mktemp("chrony")
    port = free_udp_port()
    config = base / "chrony.conf"
    config.write_text(
        f"port {port}\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n"
        f"cmdport 0\npidfile {base}/chronyd.pid\ndriftfile {base}/drift\n")
    servers = ProcessSet()
    try:
        server = servers.start([binary, "-x", "-d", "-u", "root", "-f", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = ntplib.NTPClient()

        def answers() -> bool:
            assert server.poll() is None, "chronyd exited"
            try:
                client.request("127.0.0.1", version=3, port=port, timeout=0.5)
            except (ntplib.NTPException, OSError):
                return False
            return True

        wait_until(answers, "chronyd to answer")
        yield NtpServer("127.0.0.1", port)
    finally:
        servers.close()


def test_offset_to_a_real_chronyd(chronyd):
    sample = NtpMeter([chronyd], samples=4).measure()
    assert sample is not None and sample.server == chronyd
    # chronyd serves this machine's own clock: the offset is the measurement's error.
    assert abs(sample.offset_ms) < 20 and 0 <= sample.delay_ms < 50


def test_an_unreachable_server_is_skipped_and_the_best_one_wins(chronyd, caplog):
    silent = NtpServer("127.0.0.1", free_udp_port())
    meter = NtpMeter([silent, chronyd], samples=2, timeout_s=0.2)
    assert meter.measure().server == chronyd
    assert meter.measure().server == chronyd
    warnings = [r for r in caplog.records if "ntp_unreachable" in r.message]
    assert len(warnings) == 1  # logged once per failure streak, not on every poll
    assert NtpMeter([silent], samples=2, timeout_s=0.2).measure() is None


def test_the_offset_follows_the_server_not_the_system_clock():
    fake = FakeNtpServer(skew_s=3600.0)
    try:
        sample = NtpMeter([NtpServer("127.0.0.1", fake.port)], samples=3).measure()
    finally:
        fake.close()
    assert sample is not None and abs(sample.offset_ms - 3_600_000) < 50
