"""`gstv demo [--seconds S] [--terminals N] [--json] [--keep DIR]`: the whole product on
one machine, as `make demo` shows it.

It starts the reference cloud (`gstv cloud`) holding the bundled sample site
(assets/samples, in GSTV's real forms: the site configuration with HH:MM hours, the
network configuration with one evergreen swap, one media update per clip with its MD5,
the playlist; assets/media: the clips), and
for each of N terminals (default 3) a `gstv agent` and a `gstv player` forming one
site over ZeroMQ on loopback. The agents take the updates from the cloud, download the
media and stage them; the players start on the site's time as soon as there is
something staged. A simulated payment terminal (this process, over each player's real
payment socket, one connection kept per screen as payment software does) runs
transactions with a PCI prompt in each. A table shows every second: terminal, role,
now playing, phase, skew to the leader, POP sent/pending. At the end: players stopped
(their POP records close), the agents given time to deliver, then a summary: slots
played, prompts handled, sync skew p50/p99/max, POP records created and received by the
cloud (equal when nothing was lost), notifications the cloud received.

Decisions:
- The sample playlist's dates (a week from 2026-11-23) are moved to today, so the demo
  plays on any day; nothing else in it changes.
- The sample site keeps its hours (America/New_York). When they say closed for the
  demo's run, the demo says so and queues the configuration open all day instead:
  a demo of black screens shows nothing.
- GSTV's playback rules show within a minute: every transaction's fueling is full
  screen and its pre- and postfueling picture in picture (the table's phase column
  says which), and one evergreen file expires during the run. Before queueing the
  sample site, the demo asks `gstv schedule` what the site will play and picks a spot
  `EVERGREEN_AFTER_S` into the run: the sample network configuration's own evergreen
  file (gstv-weather.mp4, swapped for gstv-news-open.mp4 after 6 h) when one of its
  spots falls in the run, else the file of that spot, given the same rule in the
  network configuration it queues. Once the agents have it, the demo back-dates its
  receive time in each terminal's media record (sync_agent.media_store) so that it
  expires at that spot's start. The screens swap it from that spot on, together; the
  summary counts the swapped slots.
- Skew is measured as `gstv sim` measures it (both compose gstv_rigs.site) (frames two or more screens showed, once
  converged): the demo clips carry their frame number in a band at the top
  (scripts/make-demo-media.sh), read back from each headless screen's displayed
  frames. With `DISPLAY` set the players open real windows instead, and the skew
  column stays empty (a window's frames are not traced).
Exit status 0 when the run completed and every POP record created reached the cloud.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from gstv_rigs.cloud import CloudStore
from gstv_rigs.payment import PaymentLink
from gstv_rigs.site import (ROOT, TRACE_SIZE, SiteRig, Terminal, spawn, start_cloud,
                            stop_processes, summary_of)
from gstv_rigs.skew import percentile
from scheduler.configuration import ConfigurationUpdate
from scheduler.hours import merge_intervals, open_intervals
from scheduler.validation import validate_update
from sync_agent.media_store import RECORD, read_record
from sync_agent.staging import stage_atomically
from terminal.config import (
    AgentSection,
    FaultsSection,
    Peer,
    PlayerSection,
    SyncSection,
    TerminalConfig,
    Zones,
)
from terminal.outbox import delivery_counts

SAMPLES = ROOT / "assets" / "samples"
MEDIA = ROOT / "assets" / "media"
SAMPLE_SITE = "SITE-0042"
SAMPLE_TZ = "America/New_York"
SAMPLE_FIRST_DATE = date(2026, 11, 23)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DELIVERY_WAIT_S = 30.0
EVERGREEN_AFTER_S = 35.0  # the swap's spot: this far into the run at least (the agents
# take 5-10 s to bring the content in, the leader announces a change 4 s ahead), and at
# least EVERGREEN_BEFORE_END_S before its end, but never before EVERGREEN_EARLIEST_S
EVERGREEN_BEFORE_END_S = 20.0
EVERGREEN_EARLIEST_S = 22.0
WINDOW_ZONES = Zones(screen=(640, 360), full_video=(0, 0, 640, 360),
                     transaction_video=(0, 0, 426, 240), banner=(0, 300, 640, 60),
                     coupon=(426, 0, 214, 240))


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="run the whole product: cloud, agents, players")
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("DEMO_SECONDS", 60)), metavar="S")
    parser.add_argument("--terminals", type=int, default=3, metavar="N")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the site in DIR and keep it (logs, outboxes, cloud)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.terminals <= 8:
        print("gstv demo: --terminals must be 1 to 8", file=sys.stderr)
        return 2
    if args.seconds < 10:
        print("gstv demo: --seconds must be at least 10", file=sys.stderr)
        return 2
    base = args.keep or Path(tempfile.mkdtemp(prefix="gstv-demo-"))
    try:
        result = asyncio.run(SiteDemo(args, base).run())
    except KeyboardInterrupt:  # Ctrl-C: every process of the demo is stopped already
        print("gstv demo: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print_summary(result)
    if args.json:
        print(json.dumps(result))
    return 0 if result["pop"]["created"] == result["pop"]["received"] else 1


# -- the sample site, made current -------------------------------------------------------
def redated(message: Any, days: int) -> Any:
    """`message` with every date (`date`, `start`, `end`) moved by `days`."""
    if isinstance(message, dict):
        return {k: (_shift(v, days) if k in ("date", "start", "end") else redated(v, days))
                for k, v in message.items()}
    if isinstance(message, list):
        return [redated(item, days) for item in message]
    return message


def _shift(value: Any, days: int) -> Any:
    if isinstance(value, str) and DATE.match(value):
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return value


def open_throughout(configuration: dict, start: datetime, seconds: float) -> bool:
    """Whether the sample hours keep the site open from `start` for `seconds`."""
    update = validate_update("configuration", json.dumps(configuration).encode(),
                             site_id=SAMPLE_SITE).update
    if not isinstance(update, ConfigurationUpdate):
        return False
    tz = ZoneInfo(SAMPLE_TZ)
    begin = int(start.timestamp() * 1000)
    end = begin + int(seconds * 1000) + 60_000
    local = start.astimezone(tz).date()
    site = update.site(SAMPLE_SITE)
    intervals = [i for day in (local, local + timedelta(days=1))
                 for i in open_intervals(site.hours, day, tz)]
    return any(opens <= begin and end <= closes for opens, closes in merge_intervals(intervals))


def open_all_day(configuration: dict) -> dict:
    every_day = [{"openAt": "00:00", "closeAt": "24:00", "duration": 86_400_000}]
    sites = [dict(site, hours={day: every_day for day in site["hours"]})
             for site in configuration["configuration"]]
    return dict(configuration, configuration=sites)


# -- the payment terminal ----------------------------------------------------------------
# One transaction: (event, seconds until the next step). A PCI prompt (card, PIN) comes
# before fueling, as at a real dispenser.
SCRIPT = (("transaction_start", (2, 4)), ("prompt_start", (2, 4)), ("prompt_end", (1, 2)),
          ("fueling_start", (6, 12)), ("fueling_end", (2, 4)), ("transaction_end", (0, 0)))
TRANSACTION_CHANCE = 0.15  # per idle screen per second
SCRIPT_MAX_S = sum(high for _, (_, high) in SCRIPT)


class SiteDemo:
    """The site (gstv_rigs.site), the reference cloud, an agent per terminal, and the
    payment software driving each screen."""

    def __init__(self, args: argparse.Namespace, base: Path) -> None:
        self.args = args
        self.base = base
        self.rng = random.Random(args.seed)
        self.windowed = bool(os.environ.get("DISPLAY"))
        self.site = SiteRig(base, args.terminals, rng=self.rng, configure=self.terminal_config,
                            prepare=lambda config: None)  # the agents bring the content
        self.cloud: subprocess.Popen | None = None
        self.cloud_url = ""
        self.agents: dict[str, subprocess.Popen] = {}
        self.links: dict[str, PaymentLink] = {}
        self.scripts: dict[str, tuple[int | None, float]] = {}  # next SCRIPT step, when
        self.hours_note = ""
        self.evergreen: dict[str, Any] = {}  # what was made to expire, and when

    @property
    def terminals(self) -> list[Terminal]:
        return self.site.terminals

    # -- building ---------------------------------------------------------------------
    async def build(self) -> None:
        self.cloud, self.cloud_url = await start_cloud(self.base, MEDIA)
        await self._queue_sample_site()
        await self.site.build()
        self.links = {t.id: PaymentLink(t.config.player.payment_socket)
                      for t in self.terminals}
        self.scripts = {t.id: (None, 0.0) for t in self.terminals}

    async def _queue_sample_site(self) -> None:
        today = datetime.now(ZoneInfo(SAMPLE_TZ)).date()
        configuration = json.loads((SAMPLES / "config.json").read_text())
        if not open_throughout(configuration, datetime.now().astimezone(), self.args.seconds):
            configuration = open_all_day(configuration)
            self.hours_note = ("the sample site's hours say closed now; the demo opens it "
                               "all day")
        playlist = redated(json.loads((SAMPLES / "playlist.json").read_text()),
                           (today - SAMPLE_FIRST_DATE).days)
        network = await self._plan_evergreen(
            json.loads((SAMPLES / "network.json").read_text()), playlist, configuration)
        media = [("media", json.loads(path.read_text()))
                 for path in sorted((SAMPLES / "media").glob("*.json"))]
        async with httpx.AsyncClient(base_url=self.cloud_url) as client:
            for kind, body in (("configuration", configuration), ("network", network),
                               *media, ("playlist", playlist)):
                (await client.post("/_control/updates",
                                   json={"kind": kind, "body": body})).raise_for_status()

    def terminal_config(self, tid: str, directory: Path, peers: tuple[Peer, ...],
                        faults: FaultsSection) -> TerminalConfig:
        player = PlayerSection(output="headless", payment_socket=directory / "payment.sock",
                               status_socket=directory / "status.sock",
                               headless_size=TRACE_SIZE, frame_trace=directory / "frames.log",
                               read_frame_numbers=True)
        if self.windowed:
            player = PlayerSection(output="window", payment_socket=player.payment_socket,
                                   status_socket=player.status_socket, zones=WINDOW_ZONES)
        return TerminalConfig(
            site_id=SAMPLE_SITE, terminal_id=tid, timezone=SAMPLE_TZ,
            state_dir=directory / "state", player=player,
            sync=SyncSection(peers=peers, key_file=self.site.site_key),
            agent=AgentSection(cloud_url=self.cloud_url, poll_interval_s=5))

    def start(self, terminal: Terminal) -> None:
        self.agents[terminal.id] = spawn("agent", terminal.config_path,
                                         terminal.dir / "agent.log")
        self.site.start(terminal)

    # -- running ----------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        delivered = False
        try:
            await self.build()
            started = time.monotonic()
            for terminal in self.terminals:
                self.start(terminal)
            end = started + self.args.seconds
            expiring = asyncio.create_task(self.expire_evergreen(end))
            interactive = sys.stdout.isatty()
            if self.hours_note:
                print(self.hours_note, flush=True)
            while (now := time.monotonic()) < end:
                await self.site.poll_statuses()
                self.site.read_traces()
                await self.drive_payments(now, end)
                print_demo_table(self, now - started, interactive)
                await asyncio.sleep(1.0)
            expiring.cancel()
            for link in self.links.values():
                await link.close()
            await self.site.stop()  # the players: their last POP records close
            self.site.read_traces()
            delivered = await self.wait_for_delivery()
        finally:
            # Whatever happened above, no process of the demo outlives it.
            await self.site.stop()
            await stop_processes([*self.agents.values(), *([self.cloud] if self.cloud else [])])
            if self.cloud is not None and self.cloud.stdout is not None:
                self.cloud.stdout.close()
        return self.demo_result(delivered)

    async def _plan_evergreen(self, network: dict, playlist: dict,
                              configuration: dict) -> dict:
        """Pick the spot where an evergreen file will expire (see the module's
        decisions); the network configuration to queue, with its rule."""
        rule = dict(network["configuration"][0]["evergreen"][0])
        tz = ZoneInfo(SAMPLE_TZ)
        after = max(EVERGREEN_EARLIEST_S,
                    min(EVERGREEN_AFTER_S, self.args.seconds - EVERGREEN_BEFORE_END_S))
        since = datetime.now(tz) + timedelta(seconds=after)
        until = since + timedelta(seconds=40)  # slots last 15 s at most: some start
        plan = self.base / "evergreen-plan"
        plan.mkdir(exist_ok=True)
        (plan / "playlist.json").write_text(json.dumps(playlist))
        (plan / "config.json").write_text(json.dumps(configuration))
        run = await asyncio.to_thread(subprocess.run, [
            sys.executable, "-m", "gstv", "schedule", "--playlist", str(plan / "playlist.json"),
            "--config", str(plan / "config.json"), "--media-dir", str(self.base / "cloud/media"),
            "--tz", SAMPLE_TZ, "--site-id", SAMPLE_SITE,
            "--from", since.isoformat(timespec="seconds"),
            "--until", until.isoformat(timespec="seconds")], capture_output=True, text=True)
        spots = [s for s in (json.loads(line) for line in run.stdout.splitlines())
                 if s["kind"] == "asset" and datetime.fromisoformat(s["start"]) >= since] \
            if run.returncode == 0 else []
        run_end = datetime.now(tz) + timedelta(seconds=self.args.seconds - 3)
        in_run = [s for s in spots if datetime.fromisoformat(s["start"]) <= run_end]
        spot = next((s for s in in_run if s["filename"] == rule["filename"]), None) \
            or next((s for s in in_run + spots if s["filename"] != rule["swapFilename"]), None)
        if spot is None:
            print(f"gstv demo: no spot to expire an evergreen file at: {run.stderr[-300:]}",
                  file=sys.stderr)
            return network
        if spot["filename"] != rule["filename"]:
            rule["filename"] = spot["filename"]
            network = json.loads(json.dumps(network))
            network["configuration"][0]["evergreen"].append(rule)
        self.evergreen = {"file": rule["filename"], "swap": rule["swapFilename"],
                          "expiry_hours": rule["expiryHours"], "expires_at": spot["start"],
                          "swapped_slots": 0}
        return network

    async def expire_evergreen(self, end: float) -> None:
        """Once every terminal has the planned file, back-date its receive time so
        that it expires at the planned spot."""
        if not self.evergreen:
            return
        name = self.evergreen["file"]
        # Once each agent has staged the playlist, after every file of it: from then on
        # it writes the record no more, and the back-dating is not undone.
        while not all(name in read_record(t.config.media)
                      and (t.config.active_dir / "playlist.json").exists()
                      for t in self.terminals):
            if time.monotonic() > end:
                return
            await asyncio.sleep(0.5)
        expiry = datetime.fromisoformat(self.evergreen["expires_at"])
        received_ms = int(expiry.timestamp() * 1000) - round(
            self.evergreen["expiry_hours"] * 3_600_000)
        for terminal in self.terminals:
            media = terminal.config.media
            record = json.loads((media / RECORD).read_text())
            record["files"][name]["received_ms"] = received_ms
            stage_atomically(media / RECORD, json.dumps(record).encode())
        self.evergreen["back_dated"] = True

    async def drive_payments(self, now: float, end: float) -> None:
        for terminal in self.terminals:
            if not terminal.alive or not terminal.status.get("state"):
                continue
            step, due = self.scripts[terminal.id]
            if step is None:
                # None that could not finish: the summary counts finished ones.
                if now < end - SCRIPT_MAX_S and self.rng.random() < TRANSACTION_CHANCE:
                    self.scripts[terminal.id] = (0, now)
                continue
            if now < due:
                continue
            event, (low, high) = SCRIPT[step]
            await self.links[terminal.id].send(event)
            self.scripts[terminal.id] = (step + 1 if step + 1 < len(SCRIPT) else None,
                                         now + self.rng.uniform(low, high))

    async def wait_for_delivery(self) -> bool:
        deadline = time.monotonic() + DELIVERY_WAIT_S
        while time.monotonic() < deadline:
            counts = [delivery_counts(t.config.outbox_path) for t in self.terminals]
            if all(c["pending"] == c["notifications_pending"] == 0 for c in counts):
                return True
            await asyncio.sleep(0.5)
        return False

    # -- measuring --------------------------------------------------------------------
    def demo_result(self, delivered: bool) -> dict[str, Any]:
        # As `gstv sim` counts it: every frame two or more screens showed, once the site
        # had converged (its first seconds are the clocks settling, as on a real morning).
        _, skews = self.site.skew(self.site.shown())
        at_cloud = CloudStore(self.base / "cloud").received_all()
        received, notifications = at_cloud["pop"], at_cloud["notifications"]
        created = sum(delivery_counts(t.config.outbox_path)["finished"] for t in self.terminals)
        by_type: dict[str, int] = {}
        for notification in notifications:
            kind = f"{notification.get('notificationType')} {notification.get('status')}"
            by_type[kind] = by_type.get(kind, 0) + 1
        return {
            "terminals": len(self.terminals),
            "seconds": self.args.seconds,
            "windowed": self.windowed,
            "hours_note": self.hours_note or None,
            "slots_played": sum(_count_lines(t.dir / "player.log", "slot_start ")
                                for t in self.terminals),
            "transactions": self._sent("transaction_end"),
            "prompts": self._sent("prompt_start"),
            "prompts_handled": self._sent("prompt_end"),
            "fueling_full_screen": self._sent("fueling_start"),
            "evergreen": {**self.evergreen, "swapped_slots": sum(
                _count_swaps(t.dir / "player.log") for t in self.terminals)}
            if self.evergreen else None,
            "skew_ms": {**summary_of(skews), "frames": len(skews)},
            "pop": {"created": created, "received": len({r.get("recordId") for r in received}),
                    "delivered_in_time": delivered},
            "notifications": {"received": len(notifications), "by_type": by_type},
        }

    def _sent(self, event: str) -> int:
        return sum(link.sent.get(event, 0) for link in self.links.values())


def _count_swaps(path: Path) -> int:
    """Slots the player started with an evergreen file's swap in its place."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return 0
    return sum("slot_start " in line and "swapped_from=" in line
               and "swapped_from=None" not in line for line in lines)


def _count_lines(path: Path, marker: str) -> int:
    try:
        return sum(marker in line for line in path.read_text(errors="replace").splitlines())
    except FileNotFoundError:
        return 0


# -- the live table and the summary -----------------------------------------------------
def print_demo_table(demo: SiteDemo, elapsed: float, interactive: bool) -> None:
    recent = demo.site.shown(last=90)
    leader = next((t.id for t in demo.terminals
                   if t.status.get("sync", {}).get("role") == "leader"), None)
    lines = [f"t={elapsed:5.1f}s  {'terminal':8} {'role':9} {'now playing':26} "
             f"{'phase, video':18} {'skew':>8} {'POP sent/pending':>17}"]
    for terminal in demo.terminals:
        status = terminal.status
        role = terminal.role or ("down" if not terminal.alive else "-")
        playing = status.get("now_playing") or {}
        now_playing = playing.get("file") or playing.get("kind") or status.get("state") or "-"
        phase = status.get("phase", "-") + (
            " PROMPT" if status.get("state") == "prompt"
            else f" {status['layout']}" if status.get("layout") and status.get("phase") != "idle"
            else "")
        gaps = [abs(f.times[terminal.id] - f.times[leader]) / 1e6 for f in recent
                if leader is not None and terminal.id in f.times and leader in f.times]
        skew = "-" if terminal.id == leader or not gaps else f"{percentile(gaps, 0.5):.2f}ms"
        counts = delivery_counts(terminal.config.outbox_path)
        lines.append(f"{'':9}{terminal.id:8} {role:9} {now_playing[:26]:26} {phase[:18]:18} "
                     f"{skew:>8} {counts['sent']:>8}/{counts['pending']:<8}")
    if interactive:
        print("\x1b[H\x1b[J" + "\n".join(lines), flush=True)
    elif int(elapsed) % 5 == 0:
        print("\n".join(lines), flush=True)


def print_summary(result: dict[str, Any]) -> None:
    skew, pop = result["skew_ms"], result["pop"]
    lines = [f"site of {result['terminals']} terminals, {result['seconds']:.0f} s:"]
    if result["hours_note"]:
        lines.append(f"  ({result['hours_note']})")
    lines.append(f"  slots played     {result['slots_played']}")
    lines.append(f"  transactions     {result['transactions']}, prompts handled "
                 f"{result['prompts_handled']} of {result['prompts']}")
    if skew["p50"] is None:
        lines.append("  sync skew        - (windows: frames are not traced)"
                     if result["windowed"] else "  sync skew        - (no frame shown by all)")
    else:
        lines.append(f"  sync skew        p50 {skew['p50']} ms, p99 {skew['p99']} ms, "
                     f"max {skew['max']} ms ({skew['frames']} frames)")
    lines.append(f"  fueling          {result['fueling_full_screen']} times, the video full "
                 f"screen (picture in picture before and after)")
    evergreen = result["evergreen"]
    if evergreen:
        lines.append(f"  evergreen swap   {evergreen['file']} expired at "
                     f"{evergreen['expires_at']}: {evergreen['swap']} played in its spot "
                     f"{evergreen['swapped_slots']} times")
    verdict = "all received" if pop["created"] == pop["received"] else "NOT all received"
    lines.append(f"  POP records      created {pop['created']}, received by the cloud "
                 f"{pop['received']}: {verdict}")
    notes = result["notifications"]
    lines.append(f"  notifications    {notes['received']} received by the cloud")
    for kind, count in sorted(notes["by_type"].items()):
        lines.append(f"                   {count:4}  {kind}")
    print("\n".join(lines), flush=True)
