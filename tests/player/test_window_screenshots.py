"""`gstv player` in window mode on a real X server (Xvfb), judged from screenshots of
the screen: video where the video zone is, the zones where the configuration puts
them, the banner during a transaction, a coupon with a readable barcode, and nothing
in the video zone during a PCI prompt. The pictures are kept in the test's own
directory; `make screenshots` runs it with GSTV_SCREENSHOTS=docs/screenshots to refresh
README's."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from terminal.config import Zones
from gstv_rigs.staging import loop_asset, stage_loop
from player.upc import bars
from tests.player.harness import GSTV, terminal_config
from tests.waits import STOP_S, wait_until
from tests.x11_screenshot import Screenshot, grab

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT / "assets/media"
ZONES = Zones(screen=(640, 360), full_video=(0, 0, 640, 360),
              transaction_video=(0, 0, 400, 240), banner=(0, 280, 640, 80),
              coupon=(400, 0, 240, 280))
COUPON = {"title": "300 Bonus Points", "detail": "with any coffee", "barcode": "036000291452",
          "restriction": "One per customer", "validFrom": "Today only"}
ORANGE, NAVY, DARK_GREEN, BLACK, WHITE = (255, 165, 0), (0, 0, 128), (0, 100, 0), (0, 0, 0), \
    (255, 255, 255)
DARK_RED = (138, 0, 0)  # banner-holiday.png


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def share(shot: Screenshot, rect: tuple[int, int, int, int], colour, step: int = 4) -> float:
    """The part of `rect` (sampled every `step` pixels) that is `colour`."""
    x, y, width, height = rect
    samples = [shot.pixel(px, py) for py in range(y, y + height, step)
               for px in range(x, x + width, step)]
    return sum(near(p, colour) for p in samples) / len(samples)


def bar_runs(shot: Screenshot, y: int, x0: int, x1: int) -> list[int]:
    """Widths of the dark runs along row `y`."""
    runs, current = [], 0
    for x in range(x0, x1):
        if sum(shot.pixel(x, y)) < 200:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    return runs + ([current] if current else [])


def status(path: Path) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        return json.loads(sock.makefile("rb").readline())


def playing(sock_path: Path, name: str) -> bool:
    try:
        return (status(sock_path).get("now_playing") or {}).get("file") == name
    except OSError:
        return False


def test_the_zones_banner_coupon_and_prompt_on_a_real_screen(tmp_path, display, procs):
    config = terminal_config(tmp_path)
    config = config.model_copy(update={"player": config.player.model_copy(
        update={"output": "window", "zones": ZONES})})
    banner = {"filename": "banner-welcome.png", "start": "2020-01-01", "end": "2099-12-31",
              "type": "prefueling"}
    thanks = {**banner, "filename": "banner-holiday.png", "type": "postfueling"}
    stage_loop(config, [loop_asset("amber-alert-psa.mp4", "A-ORANGE"),
                        loop_asset("late-night-snacks-15s.mp4", "A-NAVY", coupons=[COUPON])],
               media=[MEDIA / "amber-alert-psa.mp4", MEDIA / "late-night-snacks-15s.mp4",
                      MEDIA / "banner-welcome.png", MEDIA / "banner-holiday.png"],
               banners=[banner, thanks])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    status_sock = tmp_path / "status.sock"
    log = tmp_path / "player.log"
    with log.open("wb") as err:
        player = procs.start([str(GSTV), "player", "--config", str(path)],
                             env=dict(os.environ, DISPLAY=display),
                             stdout=subprocess.DEVNULL, stderr=err)
    shots: dict[str, Screenshot] = {}

    def shoot(name: str) -> Screenshot:
        time.sleep(0.6)  # a few frames into the state
        shots[name] = grab(display, 640, 360)
        return shots[name]

    try:
        wait_until(lambda: playing(status_sock, "amber-alert-psa.mp4")
                   or player.poll() is not None, "the orange clip")
        assert player.poll() is None, log.read_text()
        full = shoot("full")
        wait_until(lambda: playing(status_sock, "late-night-snacks-15s.mp4"),
                   "the clip with a coupon")
        coupon = shoot("coupon")
        with socket.socket(socket.AF_UNIX) as pay:
            pay.connect(str(tmp_path / "pay.sock"))
            replies = pay.makefile("rb")
            pay.sendall(b'{"event": "transaction_start"}\n')
            assert json.loads(replies.readline())["ok"]
            transaction = shoot("transaction")
            # Fueling: full screen again (QA cases 195-198), then picture in picture
            # for postfueling, mid-asset both ways.
            pay.sendall(b'{"event": "fueling_start"}\n')
            assert json.loads(replies.readline())["ok"]
            fueling = shoot("fueling")
            pay.sendall(b'{"event": "fueling_end"}\n')
            assert json.loads(replies.readline())["ok"]
            postfueling = shoot("postfueling")
            still = status(status_sock)["now_playing"]["file"]
            pay.sendall(b'{"event": "prompt_start"}\n')
            assert json.loads(replies.readline())["ok"]
            prompt = shoot("prompt")
            pay.sendall(b'{"event": "prompt_end"}\n')
            replies.readline()
    finally:
        player.send_signal(signal.SIGTERM)
        code = player.wait(timeout=STOP_S)
        kept = Path(os.environ.get("GSTV_SCREENSHOTS") or tmp_path / "screenshots")
        kept.mkdir(parents=True, exist_ok=True)
        for name, shot in shots.items():
            shot.save_png(kept / f"{name}.png")
    assert code == 0, log.read_text()

    # Full state: the video fills the screen (below the frame-number band at the top).
    assert share(full, (0, 60, 640, 300), ORANGE) > 0.9
    # The coupon: its zone white with the UPC-A bars, the video around it.
    assert share(coupon, (0, 60, 400, 300), NAVY) > 0.9
    assert share(coupon, (400, 0, 240, 280), WHITE) > 0.6
    runs = bar_runs(coupon, 200, 400, 640)  # a row through the bars
    expected = [width for _, width in bars(COUPON["barcode"])]
    module = sum(runs) / sum(expected)
    assert [round(r / module) for r in runs] == expected, runs
    # Transaction: the video shrinks to its zone, the banner shows in its own.
    assert share(transaction, (0, 40, 400, 180), NAVY) > 0.9
    assert share(transaction, (0, 280, 640, 80), DARK_GREEN) > 0.9
    assert share(transaction, (400, 0, 240, 280), WHITE) > 0.6  # the coupon stays
    assert share(transaction, (0, 245, 400, 30), BLACK) > 0.9  # between the zones
    # Fueling: the video full screen, no banner; the coupon stays over its corner.
    assert share(fueling, (0, 60, 400, 300), NAVY) > 0.9
    assert share(fueling, (0, 280, 400, 80), NAVY) > 0.9  # where the banner was
    assert share(fueling, (400, 0, 240, 280), WHITE) > 0.6
    # Postfueling: back in its zone, with the postfueling banner.
    assert share(postfueling, (0, 40, 400, 180), NAVY) > 0.9
    assert share(postfueling, (0, 280, 640, 80), DARK_RED) > 0.9
    assert share(postfueling, (0, 245, 400, 30), BLACK) > 0.9
    assert still == "late-night-snacks-15s.mp4"  # all of it within the one asset
    # Prompt: no video, no banner, no coupon: the whole screen is black.
    assert share(prompt, (0, 0, 640, 360), BLACK) > 0.99


def test_the_kept_pictures_are_pngs_a_real_decoder_reads(tmp_path, display):
    """The PNG writer the pictures are kept with, read back by Tk's decoder."""
    import tkinter as tk

    Screenshot(2, 1, bytes([255, 0, 0, 0, 0, 255])).save_png(tmp_path / "x.png")
    root = tk.Tk(screenName=display)
    try:
        image = tk.PhotoImage(file=str(tmp_path / "x.png"))
        assert (image.width(), image.height()) == (2, 1)
        assert tuple(image.get(0, 0)) == (255, 0, 0) and tuple(image.get(1, 0)) == (0, 0, 255)
    finally:
        root.destroy()
