"""`gstv demo`: the whole product on one machine (cloud, agents, players, a payment
terminal), and the pure parts that make the sample site current."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gstv_rigs.commands.demo_command import open_all_day, open_throughout, redated
from tests import processes
from tests.waits import STOP_S, text_of, wait_until

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = json.loads((ROOT / "assets/samples/config.json").read_text())


def test_redated_moves_every_date_and_nothing_else():
    message = {"updatedOn": "2026-11-22 23:15:00.000", "playlist": [{"schedules": [
        {"date": "2026-11-23", "segmentId": "SEG-20261123"}],
        "banners": [{"start": "2026-11-01", "end": "2026-12-31", "filename": "b.png"}]}]}
    moved = redated(message, 40)
    assert moved["updatedOn"] == message["updatedOn"]
    site = moved["playlist"][0]
    assert site["schedules"][0] == {"date": "2027-01-02", "segmentId": "SEG-20261123"}
    assert site["banners"][0] == {"start": "2026-12-11", "end": "2027-02-09",
                                  "filename": "b.png"}


def test_the_sample_hours_are_read_and_opened_all_day_when_closed():
    tz = ZoneInfo("America/New_York")
    monday_morning = datetime(2026, 11, 23, 10, 0, tzinfo=tz)  # open 0500-2500
    monday_night = datetime(2026, 11, 24, 2, 0, tzinfo=tz)  # closed from 0100 (2500)
    sunday_lunch = datetime(2026, 11, 29, 12, 30, tzinfo=tz)  # closed 1200-1300
    assert open_throughout(SAMPLE_CONFIG, monday_morning, 60)
    assert not open_throughout(SAMPLE_CONFIG, monday_night, 60)
    assert not open_throughout(SAMPLE_CONFIG, sunday_lunch, 60)
    assert open_throughout(open_all_day(SAMPLE_CONFIG), monday_night, 60)
    assert open_throughout(open_all_day(SAMPLE_CONFIG), sunday_lunch, 60)


def test_impossible_demo_sizes_are_refused():
    for args, said in ((["--terminals", "0"], "--terminals must be 1 to 8"),
                       (["--seconds", "5"], "--seconds must be at least 10")):
        run = processes.run([sys.executable, "-m", "gstv", "demo", *args],
                            capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and said in run.stderr


def test_the_site_plays_in_sync_and_every_pop_record_reaches_the_cloud():
    run = processes.run([sys.executable, "-m", "gstv", "demo", "--seconds", "45", "--json"],
                        capture_output=True, text=True, timeout=600,
                        env={k: v for k, v in os.environ.items() if k != "DISPLAY"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["terminals"] == 3 and not result["windowed"]
    assert result["slots_played"] >= 3
    assert result["pop"]["created"] == result["pop"]["received"] > 0
    notes = result["notifications"]["by_type"]
    assert notes["PLAYLIST_ACCEPTED_BY_TERMINAL success"] == 3
    assert notes["CONFIGURATION_ACCEPTED_BY_PLAYERS success"] == 3
    # GSTV's real forms: the network configuration, one media update per clip.
    assert notes["CONFIGURATION_ACCEPTED_BY_TERMINAL success"] == 3
    clips = len(list((ROOT / "assets/samples/media").glob("*.json")))
    assert notes["MEDIA_ACCEPTED_BY_TERMINAL success"] == 3 * clips
    assert not [kind for kind in notes if kind.endswith("failure")], notes
    assert result["prompts_handled"] == result["prompts"]
    # Loose: a shared, busy machine (the figures are the sync benchmark's business).
    assert result["skew_ms"]["frames"] > 100 and result["skew_ms"]["p99"] < 20
    assert "POP records      created" in run.stdout
    # GSTV's playback rules on show: fueling full screen, one evergreen file expired
    # during the run and swapped on every screen (the players' own logs count them).
    assert result["fueling_full_screen"] == result["transactions"] or \
        result["fueling_full_screen"] >= 1
    evergreen = result["evergreen"]
    assert evergreen["back_dated"] and evergreen["swapped_slots"] >= 3, evergreen
    assert "evergreen swap" in run.stdout


def test_ctrl_c_stops_every_process_of_the_demo(tmp_path, procs):
    demo = procs.start([sys.executable, "-m", "gstv", "demo", "--seconds", "600",
                        "--keep", str(tmp_path / "site")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env={k: v for k, v in os.environ.items() if k != "DISPLAY"})
    t3 = tmp_path / "site/T3"
    wait_until(lambda: demo.poll() is not None or (t3 / "status.sock").exists()
               or "player_cannot_start" in text_of(t3 / "player.log"),
               "the whole site to start", every_s=0.2)
    assert demo.poll() is None, "the demo ended before its site started"
    assert (t3 / "status.sock").exists(), text_of(t3 / "player.log")
    demo.send_signal(signal.SIGINT)
    _, stderr = demo.communicate(timeout=STOP_S)
    assert demo.returncode == 130 and "gstv demo: interrupted" in stderr
    left = processes.run(["pgrep", "-f", str(tmp_path / "site")], capture_output=True,
                         text=True, timeout=60)
    assert left.stdout == "", left.stdout  # no player, agent or cloud left behind
