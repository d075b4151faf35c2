"""GSTV's playback rules on a real site (issue #18): two real players (real libVLC,
ZeroMQ on loopback) that halt together when the site has been offline too long and
resume together when the cloud answers a real agent again, that swap an evergreen file
on the same slot, and, in real windows under Xvfb, a screen lacking a file that shows
the placeholder in step with the other."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gstv_rigs.staging import loop_asset, stage_loop
from sync_agent.staging import stage_atomically
from terminal.cloud_contact import CONTACT_FILE, contact_record, last_contact_ms
from terminal.config import AgentSection, Zones
from tests import processes
from tests.messages import SAMPLES
from tests.player.harness import GSTV, asset, running_player
from tests.player.test_site_content import site_of_two, until_following
from tests.player.test_window_screenshots import near, playing, share, status
from tests.waits import READY_S, STOP_S, wait_until
from tests.x11_screenshot import grab

HOUR_MS = 3_600_000
ROOT = Path(__file__).resolve().parents[2]


def stage_network(config, *, shutdown_hours: float, evergreen=()) -> None:
    message = json.loads((SAMPLES / "network.json").read_text())
    message["configuration"][0].update(shutdownHours=shutdown_hours,
                                       evergreen=list(evergreen))
    stage_atomically(config.active_dir / "network.json", json.dumps(message).encode())


def last_contact(config, ms: int) -> None:
    """What the agent writes after a poll the cloud answered (terminal.cloud_contact)."""
    stage_atomically(config.agent_dir / CONTACT_FILE, contact_record(ms))


def first_frames_after(players, mono_s: float) -> list[float]:
    return [next(f.monotonic_ns / 1e9 for f in p.frames if f.monotonic_ns / 1e9 > mono_s)
            for p in players]


async def wait_for(condition, what: str, timeout_s: float = READY_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.05)


async def test_the_site_halts_together_offline_and_resumes_together_when_the_cloud_answers(
        tmp_path, cloud, caplog):
    clips = ["one.mp4", "two.mp4"]
    configs = site_of_two(tmp_path, [asset("one.mp4", "A1"), asset("two.mp4", "A2")],
                          {"T1": clips, "T2": clips})
    for config in configs.values():
        stage_network(config, shutdown_hours=1)
    t1 = configs["T1"]
    last_contact(t1, int(time.time() * 1000))  # online; T2's agent never reached it
    caplog.set_level(logging.INFO)
    async with running_player(t1) as leader, running_player(configs["T2"]) as follower:
        await until_following(follower, 2)
        players = (leader, follower)
        assert all(p.daemon.halted is None for p in players)
        # The cloud went away two hours ago (simulated hours: the agent's record of
        # its last answered poll is back-dated), past the one shutdown hour.
        offline = int(time.time() * 1000) - 2 * HOUR_MS
        last_contact(t1, offline)
        await wait_for(lambda: all(p.daemon.halted for p in players), "both halted", 20)
        halted_at = leader.clock.monotonic_at(leader.daemon.slots.choice.announced.switch_at)
        await asyncio.sleep(1.5)
        for player in players:
            assert player.daemon.active.offline_since == offline  # the leader's, on both
            assert not [f for f in player.frames if f.monotonic_ns / 1e9 > halted_at + 0.05]
            state = await player.daemon.status()
            assert state["state"] == "halted" and state["halted"]["reason"] == "offline"
        # The cloud answers a real agent again: it records the contact, the site resumes.
        agent_config = tmp_path / "agent.toml"
        agent_config.write_text(t1.model_copy(update={"agent": AgentSection(
            cloud_url=cloud.url)}).to_toml())
        run = await asyncio.to_thread(
            processes.run, [sys.executable, "-m", "gstv", "agent", "--once", "--config",
                            str(agent_config)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert last_contact_ms(t1.agent_dir) > offline + 2 * HOUR_MS - 60_000
        await wait_for(lambda: not any(p.daemon.halted for p in players), "both resumed", 20)
        resumed_at = leader.clock.monotonic_at(leader.daemon.slots.choice.announced.switch_at)
        await asyncio.sleep(1.0)
        firsts = first_frames_after(players, resumed_at - 0.1)
    assert all(abs(first - resumed_at) < 0.05 for first in firsts), (firsts, resumed_at)
    assert abs(firsts[0] - firsts[1]) < 0.02
    halts = [r for r in caplog.records if r.getMessage().startswith("playback_halted")]
    assert len(halts) == 2 and all(r.levelno == logging.WARNING for r in halts)
    assert all("reason=offline since=" in r.getMessage() for r in halts)


async def test_an_evergreen_file_is_swapped_on_the_same_slot_on_every_screen(tmp_path):
    """T1 (the leader) received one.mp4 long ago, T2 just now: every screen swaps it at
    the leader's expiry, which falls a few seconds into the run."""
    clips = ["one.mp4", "two.mp4", "three.mp4"]
    configs = site_of_two(tmp_path, [asset("one.mp4", "A1"), asset("two.mp4", "A2")],
                          {"T1": clips, "T2": clips})
    expires_in_s = 8
    for config in configs.values():
        stage_network(config, shutdown_hours=0, evergreen=[
            {"filename": "one.mp4", "expiryHours": 1, "swapFilename": "three.mp4"}])
    stat = (configs["T1"].media / "one.mp4").stat()
    received = int(time.time() * 1000) - HOUR_MS + expires_in_s * 1000
    (configs["T1"].media / ".record.json").write_text(json.dumps({"files": {"one.mp4": {
        "md5": "0" * 32, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
        "received_ms": received}}}))
    async with running_player(configs["T1"]) as leader, \
            running_player(configs["T2"]) as follower:
        await until_following(follower, 2)
        expiry = leader.clock.monotonic_at(received + HOUR_MS)
        await asyncio.sleep(max(0.0, expiry - time.monotonic()) + 6)
        shows = {}
        for name, player in (("T1", leader), ("T2", follower)):
            shows[name] = [(round(f.monotonic_ns / 1e7), f.label) for f in player.frames]
            slots = list(player.daemon.active.timeline.slots_between(
                received + HOUR_MS, received + HOUR_MS + 5_000))
            assert {s.filename for s in slots} <= {"two.mp4", "three.mp4"}
            assert any(s.swapped_from == "one.mp4" for s in slots)
    for name, frames in shows.items():
        before = {label for t, label in frames if t / 100 < expiry - 1}
        after = {label for t, label in frames if t / 100 > expiry + 0.05}
        assert "one.mp4" in before, name
        assert "one.mp4" not in after and "three.mp4" in after, (name, after)


def window_site(tmp_path, media: dict[str, list[str]]):
    """T1 and T2 as one site, each a 320x180 window side by side on a 640x360 screen."""
    assets = [loop_asset("amber-alert-psa.mp4", "A-ORANGE"),
              loop_asset("late-night-snacks-15s.mp4", "A-NAVY")]
    configs = site_of_two(tmp_path, None, {})
    paths = {}
    for index, (terminal, config) in enumerate(configs.items()):
        zones = Zones(screen=(320, 180), position=(320 * index, 0),
                      full_video=(0, 0, 320, 180), transaction_video=(0, 0, 200, 120),
                      banner=(0, 140, 320, 40), coupon=(200, 0, 120, 140))
        config = config.model_copy(update={"player": config.player.model_copy(
            update={"output": "window", "zones": zones})})
        stage_loop(config, assets, media=[ROOT / "assets/media" / n for n in media[terminal]])
        paths[terminal] = tmp_path / terminal / "terminal.toml"
        paths[terminal].write_text(config.to_toml())
        configs[terminal] = config
    return configs, paths


def test_a_screen_lacking_a_file_shows_the_placeholder_in_step(tmp_path, display, procs):
    both = ["amber-alert-psa.mp4", "late-night-snacks-15s.mp4"]
    configs, paths = window_site(tmp_path, {"T1": both, "T2": both[:1]})
    players = {}
    for terminal, path in paths.items():
        with (path.parent / "player.log").open("wb") as err:
            players[terminal] = procs.start(
                [str(GSTV), "player", "--config", str(path)],
                env=dict(os.environ, DISPLAY=display), stdout=subprocess.DEVNULL, stderr=err)
    sockets = {t: c.player.status_socket for t, c in configs.items()}
    try:
        # A navy slot that both screens begin at its boundary, not the one they join
        # at start-up (T2 may come in step and join it late on a loaded machine): the
        # orange slot first, then T1's screen, not its status, says when navy is up.
        wait_until(lambda: playing(sockets["T1"], "amber-alert-psa.mp4")
                   and playing(sockets["T2"], "amber-alert-psa.mp4")
                   and status(sockets["T2"])["sync"]["in_step"], "orange on both", 60)
        wait_until(lambda: share(grab(display, 640, 360), (0, 20, 320, 160), (0, 0, 128))
                   > 0.9, "the navy clip on T1's screen", 30, every_s=0.02)
        time.sleep(0.2)
        shot = grab(display, 640, 360)
        t2 = status(sockets["T2"])
        wait_until(lambda: playing(sockets["T1"], "amber-alert-psa.mp4"), "orange again", 30)
        time.sleep(0.8)
        back = grab(display, 640, 360)
    finally:
        codes = {}
        for terminal, player in players.items():
            player.send_signal(signal.SIGTERM)
            codes[terminal] = player.wait(timeout=STOP_S)
        kept = Path(os.environ.get("GSTV_SCREENSHOTS") or tmp_path / "screenshots")
        kept.mkdir(parents=True, exist_ok=True)
        if "shot" in locals():
            shot.save_png(kept / "placeholder.png")
    assert codes == {"T1": 0, "T2": 0}
    navy, placeholder_background, placeholder_box = (0, 0, 128), (0x23, 0x27, 0x2e), \
        (0x3a, 0x40, 0x4a)
    # T1 plays the clip; T2, which lacks it, shows the placeholder over its video zone.
    assert share(shot, (0, 20, 320, 160), navy) > 0.9
    samples = [shot.pixel(x, y) for y in range(0, 180, 4) for x in range(320, 640, 4)]
    assert sum(near(p, placeholder_background, 12) or near(p, placeholder_box, 12)
               for p in samples) / len(samples) > 0.8
    assert t2["now_playing"] is None or t2["now_playing"]["file"] != "amber-alert-psa.mp4"
    # The next slot, which T2 holds, is video on both again: the placeholder is gone.
    orange = (255, 165, 0)
    assert share(back, (0, 20, 320, 160), orange) > 0.9
    assert share(back, (320, 20, 320, 160), orange) > 0.9
    # No POP on T2 for what it did not show.
    from terminal.outbox import Outbox
    outbox = Outbox(configs["T2"].outbox_path)
    assert "late-night-snacks-15s.mp4" not in {r.filename for r in outbox.rows()}
    outbox.close()
