"""Reliability scenarios where the cloud fails the terminal (bench/reliability.py runs
them): an hour without it, and hostile answers to media downloads.

- cloud_down: an hour-long outage in simulated time. The agent's real delivery
  (`Delivery.run`, real SQLite, real HTTP to the reference cloud on loopback) runs with
  a pause that moves a simulated clock instead of sleeping, while a player writes a
  POP record every 15 simulated seconds. The first half hour the cloud is gone
  (connections refused), the second it answers 503. Held when, after it returns, the
  cloud holds exactly the records written, delivery resumed within one backoff cap,
  the agent said "Failed to post POP" once, and it knocked a bounded number of times.
- hostile_cloud: the agent's real poll and media download against a server that
  answers badly on purpose (gstv_rigs.hostile_cloud): a trickling or endless update
  feed, a redirect to another host, an HTML page, a media answer without a size, one
  larger than the disk, a captive portal's page, a trickling download. The bounds are
  scaled down so a round takes seconds (feed deadline 2 s and 1 MiB, stall window
  1 s; in service 60 s, 64 MiB and 60 s). Held when every round failed with its
  clear reason within 10 s, moved no cursor, queued nothing, left no media file
  visible and at most a few KiB kept to resume, and memory stayed bounded.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from pathlib import Path

import httpx

from terminal.outbox import Outbox
from gstv_rigs import hostile_cloud
from sync_agent import intake, media_download
from sync_agent.backoff import CAP_S
from gstv_rigs.cloud import CloudServer, CloudStore
from sync_agent.delivery import Delivery
from sync_agent.intake import CloudPoller
from sync_agent.update_queue import UpdateQueue

from _reliability_kit import Result

OUTAGE_S = 3600
BEFORE_S = 300  # the cloud is there this long first
AFTER_S = 2 * CAP_S  # and this long after, at most, for delivery to catch up
POP_EVERY_S = 15  # a slot


class _SimulatedSite:
    """Simulated time for one terminal's outbox and the cloud it cannot reach."""

    def __init__(self, base: Path) -> None:
        self.now_ms = 1_795_000_000_000
        self.began_ms = self.now_ms
        self.store = CloudStore(base / "cloud")
        self.cloud: CloudServer | None = CloudServer(("127.0.0.1", 0), self.store)
        self.cloud.serve_in_background()
        self.port = self.cloud.port
        self.outbox = Outbox(base / "outbox.db")
        self.written: list[str] = []
        self.next_pop_ms = self.now_ms + POP_EVERY_S * 1000
        self.rounds_in_outage = 0
        self.at_cloud_before_outage = 0
        self.resumed_after_s: float | None = None
        self.stop = asyncio.Event()

    def elapsed_s(self) -> float:
        return (self.now_ms - self.began_ms) / 1000

    def phase(self) -> str:
        t = self.elapsed_s()
        if t < BEFORE_S:
            return "up"
        if t < BEFORE_S + OUTAGE_S / 2:
            return "gone"
        if t < BEFORE_S + OUTAGE_S:
            return "503"
        return "back"

    def _set_cloud(self, phase: str) -> None:
        if phase == "gone" and self.cloud is not None:
            self.cloud.close()
            self.cloud = None
        elif phase in ("503", "back") and self.cloud is None:
            self.cloud = CloudServer(("127.0.0.1", self.port), self.store)
            self.cloud.serve_in_background()
        self.store.faults.fail = {"POST": 10**9} if phase == "503" else {}

    async def pause(self, seconds: float, unsent: int) -> None:
        """Delivery's wait between rounds: simulated time moves on, the player writes
        the records of that stretch, and the cloud goes or comes back on schedule.
        `unsent`: what the round left undelivered."""
        phase = self.phase()
        if phase == "up":
            self.at_cloud_before_outage = len(self.at_cloud())
        elif phase in ("gone", "503"):
            self.rounds_in_outage += 1
        elif self.resumed_after_s is None and len(self.at_cloud()) > self.at_cloud_before_outage:
            self.resumed_after_s = self.elapsed_s() - BEFORE_S - OUTAGE_S
        if phase == "back" and (unsent == 0 or self.elapsed_s() > BEFORE_S + OUTAGE_S + AFTER_S):
            self.stop.set()
            return
        until = self.now_ms + int(seconds * 1000)
        while self.next_pop_ms <= until:
            self.now_ms = self.next_pop_ms
            self._set_cloud(self.phase())
            start = self.now_ms - POP_EVERY_S * 1000
            record = self.outbox.open_record(
                filename="gstv-sports.mp4", asset_id="A1", ti_number="TI-1",
                start_ms=start, screen_state="Full", site_id="SITE-0042", screen_id="T1")
            self.outbox.close_record(record, self.now_ms)
            self.written.append(record)
            self.next_pop_ms += POP_EVERY_S * 1000
        self.now_ms = until
        self._set_cloud(self.phase())
        await asyncio.sleep(0)

    def at_cloud(self) -> list[str]:
        return [r["recordId"] for r in self.store.received_all()["pop"]]

    def close(self) -> None:
        self.outbox.close()
        if self.cloud is not None:
            self.cloud.close()


async def _one_outage(base: Path, rng: random.Random) -> dict:
    site = _SimulatedSite(base)
    store = Outbox(base / "outbox.db")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{site.port}",
                                     timeout=5) as client:
            delivery = Delivery(store, client, site_id="SITE-0042", terminal_id="T1",
                                rng=rng, now_ms=lambda: site.now_ms)
            await delivery.run(site.stop, idle_s=POP_EVERY_S,
                               pause=lambda s: site.pause(s, store.unsent_pop_count()))
        notices = [n for n in site.store.received_all()["notifications"]
                   if n.get("additionalInformation") == "Failed to post POP"]
        at_cloud = site.at_cloud()
        unsent = store.unsent_pop_count()
    finally:
        store.close()
        site.close()
    outbox = Outbox(base / "outbox.db")
    check = outbox.integrity()
    outbox.close()
    return {"written": site.written, "at_cloud": at_cloud, "unsent": unsent,
            "notices": len(notices), "rounds_in_outage": site.rounds_in_outage,
            "resumed_after_s": site.resumed_after_s, "integrity": check}


def cloud_down(base: Path, count: int, rng: random.Random) -> Result:
    findings: list[str] = []
    written = delivered = 0
    rounds, resumed = [], []
    for run in range(count):
        outcome = asyncio.run(_one_outage(base / f"run-{run}", random.Random(rng.random())))
        written += len(outcome["written"])
        delivered += len(set(outcome["at_cloud"]))
        rounds.append(outcome["rounds_in_outage"])
        missing = set(outcome["written"]) - set(outcome["at_cloud"])
        unknown = set(outcome["at_cloud"]) - set(outcome["written"])
        if missing or unknown or outcome["unsent"]:
            findings.append(f"run {run}: {len(missing)} records missing at the cloud, "
                            f"{len(unknown)} unknown, {outcome['unsent']} unsent")
        if outcome["resumed_after_s"] is None or outcome["resumed_after_s"] > CAP_S:
            findings.append(f"run {run}: delivery resumed after {outcome['resumed_after_s']} s"
                            f" (backoff cap {CAP_S:.0f} s)")
        else:
            resumed.append(outcome["resumed_after_s"])
        if outcome["notices"] != 1:
            findings.append(f"run {run}: {outcome['notices']} 'Failed to post POP' notices")
        if outcome["integrity"] != "ok":
            findings.append(f"run {run}: integrity_check: {outcome['integrity']}")
        # Doubling from 1 s to the 300 s cap, then a round every 150-300 s: about 30.
        if outcome["rounds_in_outage"] > 60:
            findings.append(f"run {run}: {outcome['rounds_in_outage']} attempts in the hour")
    return Result("cloud_down", "the cloud gone for an hour of simulated time (30 min of "
                  "refused connections, 30 min of 503) while a POP record is written every "
                  "15 s", count, not findings, findings,
                  {"pop_written": written, "pop_at_cloud": delivered,
                   "attempts_per_outage_max": max(rounds, default=0),
                   "resumed_after_s_max": round(max(resumed, default=0), 1)})


# -- hostile_cloud ----------------------------------------------------------------------
FEED_ANSWERS = {  # behaviour: what the poll must say
    "trickle": "poll_failed error=no_whole_answer",
    "endless": "poll_failed error=feed_too_large",
    "redirect": "poll_failed status=302",
    "html": "poll_failed error=JSONDecodeError",
}
MEDIA_ANSWERS = {  # behaviour: the reason the download must give
    "media_trickle": "stalled: ",
    "media_without_size": "the answer does not say its size",
    "media_too_big": "no room: ",
    "portal_page": "the cloud answered text/html, not media",
    "redirect": "HTTP 302",
}


class _Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def _hostile_round(base: Path, kind: str, name: str, said: str) -> str | None:
    """One hostile answer to a poll or a download; what went wrong, or None."""
    hostile = hostile_cloud.Hostile(getattr(hostile_cloud, name))
    started = time.monotonic()
    async with hostile as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        if kind == "feed":
            queue = UpdateQueue(base / "queue")
            poller = CloudPoller(client, "SITE-0042", queue, base / "cursor")
            log = _Said()
            logging.getLogger(intake.__name__).addHandler(log)
            try:
                polled = await poller.poll_once()
            finally:
                logging.getLogger(intake.__name__).removeHandler(log)
            if polled is not None or poller.cursor != "0" or len(queue):
                return f"{name}: the poll moved something"
            if not any(said in line for line in log.lines):
                return f"{name}: the poll never said {said!r}"
        else:
            media = base / "media"
            result = await media_download.download(client, media, "spot.mp4")
            if result.ok or said not in (result.error or ""):
                return f"{name}: the download ended {result}"
            if (media / "spot.mp4").exists():
                return f"{name}: a media file became visible"
            kept = sum(e.stat().st_size for e in media.iterdir()) if media.exists() else 0
            if kept > 64 * 1024:
                return f"{name}: {kept} bytes kept on disk"
    if time.monotonic() - started > 10:
        return f"{name}: took {time.monotonic() - started:.1f} s"
    if hostile.requests != 1:
        return f"{name}: {hostile.requests} requests (a redirect followed?)"
    return None


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def hostile_cloud_answers(base: Path, count: int, rng: random.Random) -> Result:
    rounds = [("feed", name, said) for name, said in FEED_ANSWERS.items()] + \
             [("media", name, said) for name, said in MEDIA_ANSWERS.items()]
    scaled = {(intake, "POLL_DEADLINE_S"): 2, (intake, "MAX_FEED_BYTES"): 1 << 20,
              (media_download, "STALL_WINDOW_S"): 1.0, (media_download, "ATTEMPTS"): 1}
    saved = {key: getattr(*key) for key in scaled}
    for (module, attribute), value in scaled.items():
        setattr(module, attribute, value)
    findings: list[str] = []
    rss_before = _rss_kb()
    try:
        for n in range(count):
            kind, name, said = rounds[n % len(rounds)] if n < len(rounds) else rng.choice(rounds)
            problem = asyncio.run(_hostile_round(base / f"round-{n}", kind, name, said))
            if problem is not None:
                findings.append(problem)
    finally:
        for (module, attribute), value in saved.items():
            setattr(module, attribute, value)
    growth = _rss_kb() - rss_before
    if growth > 50_000:
        findings.append(f"memory grew by {growth} KiB")
    return Result("hostile_cloud", "hostile answers to the agent's poll and media downloads "
                  "(trickles, bodies without end or size, larger than the disk, redirects "
                  "to another host, HTML and captive-portal pages)", count, not findings,
                  findings[:5], {"kinds": len(rounds), "rss_growth_kb": growth})
