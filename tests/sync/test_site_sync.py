"""Three terminals' SiteSync in one event loop over real ZeroMQ on loopback: election,
discipline, leader loss and return, NTP trust. The clocks share this machine's
monotonic clock, so comparing them is exact."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from gstv_rigs.site import free_port
from terminal.config import Peer, SyncSection, TerminalConfig
from sync.clock import SiteClock
from sync.site_sync import SiteSync
from tests.sync.keys import new_site_key
from tests.sync.ntp_fake import FakeNtpServer



def configs(ids: list[str], **sync) -> dict[str, TerminalConfig]:
    """One site of `ids` on loopback ports, sharing a new site key."""
    peers = tuple(Peer(id=i, endpoint=f"tcp://127.0.0.1:{free_port()}") for i in ids)
    sync.setdefault("key_file", new_site_key())
    return {i: TerminalConfig(site_id="S", terminal_id=i, timezone="UTC",
                              sync=SyncSection(peers=peers, **sync)) for i in ids}


def gap_ms(a: SiteClock, b: SiteClock) -> float:
    now = time.monotonic_ns()
    return a.site_at_monotonic(now) - b.site_at_monotonic(now)


async def until(condition, timeout_s: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, "condition not met in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_leader_loss_and_return():
    site = configs(["T1", "T2", "T3"])
    clocks = {"T1": SiteClock(fault_offset_ms=1500.0, fault_drift_ppm=150.0),
              "T2": SiteClock(fault_offset_ms=-800.0, fault_drift_ppm=-120.0),
              "T3": SiteClock(fault_offset_ms=300.0)}
    syncs = {i: SiteSync(site[i], clocks[i]) for i in site}
    for s in syncs.values():
        await s.start()
    try:
        await until(lambda: all(s.in_step for s in syncs.values()) and
                    all(s.leader == "T1" for s in syncs.values()), 10)
        assert syncs["T1"].role == "leader"
        assert abs(gap_ms(clocks["T2"], clocks["T1"])) < 1
        assert abs(gap_ms(clocks["T3"], clocks["T1"])) < 1

        # The leader goes silent: the next lowest takes over within 3 s, no clock jumps.
        steps = {i: clocks[i].steps for i in ("T2", "T3")}
        before = clocks["T3"].now_exact_ms() - time.monotonic() * 1000
        await syncs["T1"].stop()
        took = await until(lambda: syncs["T2"].role == "leader" and
                           syncs["T3"].leader == "T2", 5)
        assert took < 3
        assert {i: clocks[i].steps for i in ("T2", "T3")} == steps
        assert abs(clocks["T3"].now_exact_ms() - time.monotonic() * 1000 - before) < 2
        assert abs(gap_ms(clocks["T3"], clocks["T2"])) < 1

        # T1 comes back on its own, wrong clock: it follows T2 until it is in step,
        # then leads again, and neither T2 nor T3 is yanked.
        clocks["T1"] = SiteClock(fault_offset_ms=2_000.0)
        syncs["T1"] = SiteSync(site["T1"], clocks["T1"])
        await syncs["T1"].start()
        await until(lambda: syncs["T1"].role == "follower", 5)
        assert syncs["T1"].leader == "T2"
        await until(lambda: all(s.leader == "T1" for s in syncs.values()), 10)
        assert {i: clocks[i].steps for i in ("T2", "T3")} == steps
        assert abs(gap_ms(clocks["T1"], clocks["T2"])) < 1
        assert abs(gap_ms(clocks["T3"], clocks["T1"])) < 1
    finally:
        for s in syncs.values():
            await s.stop()


async def test_a_site_of_one_trusts_its_clock_once_ntp_answers(caplog):
    caplog.set_level(logging.INFO)
    fake = FakeNtpServer(skew_s=3600.0)
    config = TerminalConfig(site_id="S", terminal_id="T1", timezone="UTC",
                            sync=SyncSection(ntp_servers=(f"127.0.0.1:{fake.port}",)))
    clock = SiteClock()
    sync = SiteSync(config, clock)
    assert sync.alone and not clock.trusted
    await sync.start()
    try:
        await until(lambda: clock.trusted, 10)
        # The system clock is an hour behind the server's: site time follows NTP.
        assert clock.now_ms() - time.time() * 1000 == pytest.approx(3_600_000, abs=100)
        assert any("clock_trusted source=ntp" in r.message for r in caplog.records)
    finally:
        await sync.stop()
        fake.close()


async def test_without_ntp_the_clock_stays_untrusted_and_says_so(caplog):
    config = TerminalConfig(site_id="S", terminal_id="T1", timezone="UTC",
                            sync=SyncSection(ntp_servers=("127.0.0.1:9",)))  # discard
    sync = SiteSync(config, SiteClock())
    sync._ntp._timeout_s = 0.2
    await sync.start()
    try:
        await until(lambda: any("clock_untrusted" in r.message for r in caplog.records), 10)
        assert sync.status()["role"] == "alone"
    finally:
        await sync.stop()
