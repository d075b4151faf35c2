"""The window path on a real X server (Xvfb): the player puts its pictures on the
server itself (player.x_present) and steers on when the server drew them
(player.presentation), and an observer outside the player (gstv_rigs.window_observer)
reads what each window showed back from the server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import sys
from pathlib import Path
from statistics import linear_regression, median

from player.presentation import SERVER_SLACK_MS, presented_ns
from terminal.config import Zones
from tests.player.harness import GSTV, asset, stage, terminal_config
from tests.player.test_window_mode import status
from tests.waits import wait_until

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "assets/sync/matrix/small-webm720-vp9.webm"
FRAMES = 180  # the clip's pictures (6 s at 30 fps)
ZONES = Zones(screen=(640, 360), full_video=(0, 0, 640, 360),
              transaction_video=(0, 0, 400, 240), banner=(0, 280, 640, 80),
              coupon=(400, 0, 240, 280))


def test_a_report_is_taken_when_read_but_never_past_the_servers_millisecond():
    server_ms = 5_000
    assert presented_ns(5_000_400_000, server_ms) == 5_000_400_000  # read in time
    assert presented_ns(5_009_000_000, server_ms) == 5_000_000_000 + SERVER_SLACK_MS * 1e6
    # The server's 32-bit millisecond count wrapped since: the read is 2^32 ms later.
    read = ((1 << 32) + 5_000) * 1_000_000 + 300_000
    assert presented_ns(read, 5_000) == read
    assert presented_ns(read + 7_000_000, 5_000) == read - 300_000 + SERVER_SLACK_MS * 1e6


def test_a_window_player_steers_on_presented_pictures_and_the_observer_reads_them(
        tmp_path, display, procs):
    config = terminal_config(tmp_path)
    player = config.player.model_copy(update={"output": "window", "zones": ZONES})
    config = config.model_copy(update={"player": player})
    stage(config, [asset(CLIP.name, "A1")], media=[])
    (config.media / CLIP.name).write_bytes(CLIP.read_bytes())
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    env = dict(os.environ, DISPLAY=display)
    with (tmp_path / "player.log").open("wb") as err:
        gstv = procs.start([str(GSTV), "player", "--config", str(path)], env=env,
                           stdout=subprocess.DEVNULL, stderr=err)
    observer = procs.start(
        [sys.executable, "-m", "gstv_rigs.window_observer", "--display", display,
         "--terminals", config.terminal_id, "--out", str(tmp_path / "seen"),
         "--video", "0,0,640,360", "--clips", CLIP.name],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until(lambda: gstv.poll() is not None or (tmp_path / "status.sock").exists() and
               status(tmp_path / "status.sock")["sync"].get("position_source") == "pictures",
               "steering on presented pictures")
    assert gstv.poll() is None, (tmp_path / "player.log").read_text()
    seen = tmp_path / "seen" / config.terminal_id / "frames.observed.log"
    wait_until(lambda: seen.exists() and len(seen.read_text().splitlines()) >= 300,
               "300 pictures seen by the observer")
    # A PCI prompt of a second: the decks play on hidden, the screen shows them again.
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(config.player.payment_socket))
        replies = sock.makefile("rb")
        for line in (b'{"event": "prompt_start"}', b'{"event": "prompt_end"}'):
            sock.sendall(line + b"\n")
            assert json.loads(replies.readline())["ok"] is True
            time.sleep(1)
    seen_before = len(seen.read_text().splitlines())
    wait_until(lambda: len(seen.read_text().splitlines()) >= seen_before + 30,
               "pictures after the prompt")
    observer.terminate()
    assert observer.wait(10) == 0, observer.stderr.read()
    lines = [line.split(" ", 4) for line in seen.read_text().splitlines()]
    assert {file for *_, file in lines} == {CLIP.name}  # the clip's tag names it
    numbers = [int(number) for _, _, number, _, _ in lines]
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    # The 6 s clip loops: a step back to 0 at each slot start; otherwise one by one.
    assert sum(step == 1 for step in steps) >= 0.95 * len(steps), steps
    # Never a picture of the next slot before its start: the standby deck, rendering
    # its first picture while this one plays, has buffers of its own (a deck that
    # shared them once put the next slot's frame 0 up a second early).
    early = [(a, b) for a, b in zip(numbers, numbers[1:]) if b < a and a < FRAMES - 3]
    assert not early, early
    times = [int(at) for at, *_ in lines]
    intervals = [(b - a) / 1e6 for a, b, step in zip(times, times[1:], steps) if step == 1]
    assert abs(median(intervals) - 1000 / 30) < 2, median(intervals)
    # Within a slot, after its first pictures (the primed one goes up when its deck is
    # shown), the picture times follow the frame numbers: a line at 30 fps, its slope
    # the rate the steering plays at (up to 0.2 % off), nearly every picture within a
    # few ms of it (the figures are bench/site_sync.py's: this machine is shared).
    slot = max(_runs_of_one(numbers), key=len)[2:]
    assert len(slot) >= 60
    xs, ys = [numbers[i] for i in slot], [times[i] / 1e6 for i in slot]
    fit = linear_regression(xs, ys)
    assert abs(fit.slope - 1000 / 30) < 1000 / 30 * 0.002, fit
    residuals = [y - (fit.intercept + fit.slope * x) for x, y in zip(xs, ys)]
    off = sorted(map(abs, residuals))
    assert off[int(0.95 * len(off))] < 3, off
    # Back after the prompt: the first picture is the deck's next, at its own instant,
    # not the one it played a moment before the end, put up late.
    gap = max(range(1, len(times)), key=lambda i: times[i] - times[i - 1])
    assert times[gap] - times[gap - 1] > 800e6, "the prompt hid the screen"
    after = next(run for run in _runs_of_one(numbers) if run[0] == gap)
    assert len(after) >= 20, "the prompt ended just before a slot start: run again"
    xs, ys = [numbers[i] for i in after[1:]], [times[i] / 1e6 for i in after[1:]]
    fit = linear_regression(xs, ys)
    first = times[gap] / 1e6 - (fit.intercept + fit.slope * numbers[gap])
    assert abs(first) < 5, f"first picture after the prompt {first:.1f} ms off"


def _runs_of_one(numbers: list[int]) -> list[list[int]]:
    """The indexes of each stretch of frame numbers that go up one by one."""
    runs = [[0]]
    for i in range(1, len(numbers)):
        if numbers[i] == numbers[i - 1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def test_without_mit_shm_the_player_says_why_it_cannot_start(
        tmp_path, display_without_shm, procs):
    """libVLC's own X output drew nothing on such a server either (checked here before
    it was taken out): a black screen that wrote POP records would be worse."""
    config = terminal_config(tmp_path)
    player = config.player.model_copy(update={"output": "window", "zones": ZONES})
    config = config.model_copy(update={"player": player})
    stage(config, [asset(CLIP.name, "A1")], media=[])
    (config.media / CLIP.name).write_bytes(CLIP.read_bytes())
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    result = subprocess.run([str(GSTV), "player", "--config", str(path)],
                            env=dict(os.environ, DISPLAY=display_without_shm),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "<2>player_cannot_start reason=the X server cannot take the pictures: " \
           "the X server has no MIT-SHM" in result.stderr, result.stderr
