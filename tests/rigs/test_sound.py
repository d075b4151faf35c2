"""Sound at a real sink: a PulseAudio server of the rig's own, libVLC's PulseAudio
output, the recorder (gstv_rigs.sound), and the figures drawn from what it heard
(gstv_rigs.sound_figures)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from gstv_rigs import sound_figures
from gstv_rigs.sound import PulseServer
from tests import processes

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "assets/sync/matrix/small-webm720-vp9.webm"
S = 1_000_000_000


@pytest.fixture
def pulse():
    server = PulseServer(["A"])
    server.start()
    yield server
    server.stop()


# The player's part runs in a process of its own: libPulse's threads, once loaded,
# stay in a process and were seen to make later libVLC tests in it 3 ms late.
PLAY_THEN_MUTE = """
import asyncio, sys, time
from pathlib import Path
from player.engine import VlcEngine

async def main():
    engine = VlcEngine(output="headless", sink_size=(64, 36), headless_audio="pulse")
    try:
        engine.set_volume(100)
        deck = await engine.preroll(Path(sys.argv[1]), "clip", 0)
        engine.unpause(deck)
        engine.show(deck)
        await asyncio.sleep(5.2)
        print(time.monotonic_ns(), flush=True)
        engine.hide()
        await asyncio.sleep(0.8)
    finally:
        engine.close()

asyncio.run(main())
"""


def played_at_the_sink(pulse, tmp_path, script: str) -> tuple[str, list]:
    """`script` run with the clip in a process of its own, playing into sink A while
    the rig records it; its standard output and what the sink heard."""
    recorder = pulse.recorder("A", tmp_path / "A.log")  # stopped below, whatever happens
    try:
        played = processes.run([sys.executable, "-c", script, str(CLIP)],
                               env={**os.environ, **pulse.env, "PULSE_SINK": "A"},
                               capture_output=True, text=True, timeout=60)
    finally:
        recorder.terminate()
        recorder.wait(10)
    assert played.returncode == 0, played.stderr[-2000:]
    return played.stdout, sound_figures.read_log(tmp_path / "A.log")


# Silence, then bursts of 20 ms (some after a flush), each written when the stream says that what is written
# next plays at a given instant; prints those instants (CLOCK_MONOTONIC ns).
WRITE_AT_THE_SAID_LATENCY = """
import time
from player.pulse_stream import BufferAttr, PlaybackStream
stream = PlaybackStream("test", BufferAttr(0xFFFFFFFF, 48000 * 4 * 60 // 1000, 960,
                                           0xFFFFFFFF, 0xFFFFFFFF))
burst = (20000).to_bytes(2, "little") * 2 * 960
for i in range(5):
    for _ in range(20):  # 400 ms of silence, paced by the stream
        stream.write(bytes(960 * 4))
    if i % 2:  # as at a PCI prompt: what is queued dropped, the stream starts again
        stream.flush()
        for _ in range(5):
            stream.write(bytes(960 * 4))
    latency = stream.latency_us()
    print(time.monotonic_ns() + latency * 1000, flush=True)
    stream.write(burst)
for _ in range(10):
    stream.write(bytes(960 * 4))
time.sleep(0.3)
stream.close()
"""


def test_the_stream_says_when_what_is_written_next_will_play(pulse, tmp_path):
    """player.pulse_stream's latency, from the server's timing of the moment, against
    when the sink played it, as the recorder heard it. With libpulse-simple's smoothed
    latency this was off by up to 9 ms after a flush on a loaded machine."""
    stdout, events = played_at_the_sink(pulse, tmp_path, WRITE_AT_THE_SAID_LATENCY)
    said = [int(line) for line in stdout.split()]
    onsets = [at for kind, at in events if kind == "onset"]
    assert len(onsets) == len(said) == 5
    errors_ms = [(heard - due) / 1e6 for heard, due in zip(onsets, said)]
    assert all(abs(error) < 2.0 for error in errors_ms), errors_ms


# A loud write blocked for room while another thread flushes (a PCI prompt): prints
# the flush's instant (CLOCK_MONOTONIC ns).
FLUSH_DURING_A_BLOCKED_WRITE = """
import threading, time
from player.pulse_stream import BufferAttr, PlaybackStream
stream = PlaybackStream("test", BufferAttr(0xFFFFFFFF, 48000 * 4 * 200 // 1000, 960,
                                           0xFFFFFFFF, 0xFFFFFFFF))
# A fresh rig server's null sink takes its first data in a block of up to 2 s: past it.
deadline = time.monotonic() + 5
while stream.latency_us() > 300_000 and time.monotonic() < deadline:
    stream.write(bytes(960 * 4))
heard = [True]
loud = (20000).to_bytes(2, "little") * 2 * 48000  # 1 s: blocks once the target is full
writer = threading.Thread(target=stream.write, args=(loud,), kwargs={"keep": lambda: heard[0]})
writer.start()
time.sleep(0.5)
heard[0] = False
print(time.monotonic_ns(), flush=True)
stream.flush()
writer.join()
for _ in range(25):
    stream.write(bytes(960 * 4))
time.sleep(0.3)
stream.close()
"""


def test_a_flush_is_never_followed_by_sound_a_blocked_write_let_in(pulse, tmp_path):
    """The write waiting for room wakes to the room the flush made: what it writes then
    is asked of `keep` under the same lock, so it is silence (it was 5 ms of sound
    heard 2 ms into a prompt)."""
    stdout, events = played_at_the_sink(pulse, tmp_path, FLUSH_DURING_A_BLOCKED_WRITE)
    flushed = int(stdout.split()[0])
    silent = [at for kind, at in events if kind == "silent" and at > flushed - 10_000_000]
    assert silent and (silent[0] - flushed) / 1e6 < 20
    assert [at for kind, at in events if kind == "sound" and at > silent[0]] == []


def test_the_recorder_hears_a_burst_a_second_and_the_silence_of_a_mute(pulse, tmp_path):
    stdout, events = played_at_the_sink(pulse, tmp_path, PLAY_THEN_MUTE)
    muted_ns = int(stdout.split()[-1])
    onsets = [at for kind, at in events if kind == "onset"]
    # A burst every 30 frames of 30 fps: a second apart at the sink. Not to the ms: the
    # first PulseAudio stream of a libVLC instance starts 0.7 s late and libVLC then
    # catches up by resampling, 0.5 % faster (measured here: 1005 ms apart).
    assert len(onsets) >= 3, events
    assert abs((onsets[-1] - onsets[-2]) / 1e6 - 1000) < 10, onsets
    silence = sound_figures.prompt_silences(events, [muted_ns])
    assert silence and silence[0] < 50  # the sink went quiet, measured at the sink


# A deck started behind a PCI prompt (a slot start, a rejoin): libVLC 3 makes a deck's
# audio output only at its first sound, which missed the mute (player.engine,
# `_fresh_audio_output`). It is shown (still hidden) 0.3 s after its unpause, which
# would have muted it then.
START_BEHIND_A_PROMPT = """
import asyncio, sys, time
from pathlib import Path
from player.engine import VlcEngine

async def main():
    engine = VlcEngine(output="headless", sink_size=(64, 36), headless_audio="pulse")
    clip = Path(sys.argv[1])
    try:
        engine.set_volume(100)
        first = await engine.preroll(clip, "first", 0)
        engine.unpause(first)
        engine.show(first)
        await asyncio.sleep(2.5)  # the rig's fresh sound server settles
        engine.hide()
        await asyncio.sleep(0.3)
        second = await engine.preroll(clip, "second", 0)
        print("unpause", time.monotonic_ns(), flush=True)
        engine.unpause(second)
        await asyncio.sleep(0.3)
        engine.show(second)
        await asyncio.sleep(0.5)
        print("end", time.monotonic_ns(), flush=True)
        engine.end_prompt()
        engine.reveal()
        await asyncio.sleep(1.0)
    finally:
        engine.close()

asyncio.run(main())
"""


def test_a_deck_started_behind_a_prompt_is_not_heard_until_the_prompt_ends(pulse, tmp_path):
    stdout, events = played_at_the_sink(pulse, tmp_path, START_BEHIND_A_PROMPT)
    marks = dict(line.split() for line in stdout.split("\n") if line)
    unpaused, ended = int(marks["unpause"]), int(marks["end"])
    assert any(kind == "sound" and at < unpaused for kind, at in events)  # it played
    heard = sound_figures.heard_in_prompts(events, [(unpaused, ended)], 0)
    assert heard == [0.0], events
    # Its mute is undone when the prompt ends: the deck started behind it is heard (the
    # recorder stamps per 2 ms chunk, the mark is taken just before the reveal).
    assert any(kind == "sound" and at > ended - sound_figures.END_SLACK_NS
               for kind, at in events), (marks, events)


def test_bursts_are_matched_across_sinks_and_against_their_frames():
    onsets = {"T1": [1 * S, 2 * S, 3 * S], "T2": [1 * S + 500_000, 2 * S + 700_000]}
    assert sound_figures.audio_skews(onsets, 0) == [0.5, 0.7]  # the lone one is left out
    frames = [(1 * S - 2_000_000, 30, "c", False), (1 * S + 10_000_000, 31, "c", False),
              (2 * S + 1_000_000, 60, "c", True)]  # held: its time is a show's
    assert sound_figures.av_offsets([1 * S, 2 * S], frames, 0) == [2.0]  # none for 2 s


def test_gaps_are_counted_outside_prompts_and_apart_at_slot_boundaries():
    events = [("sound", 0), ("silent", 1 * S), ("sound", 1 * S + 5_000_000),  # a gap
              ("silent", 2 * S), ("sound", 2 * S + 400_000),  # 0.4 ms: inaudible
              ("silent", 3 * S), ("sound", 4 * S),  # a prompt
              ("silent", 5 * S), ("sound", 5 * S + 3_000_000)]  # at a slot boundary
    found = sound_figures.gaps(events, [(3 * S - 1000, 4 * S)], [5 * S + 50_000_000], 0)
    assert found == (1, 1)


def test_the_rigs_sound_server_takes_no_system_resource(pulse):
    assert pulse.socket.exists() and str(pulse.socket).startswith(str(pulse.dir))
    assert os.environ.get("PULSE_SERVER") != pulse.env["PULSE_SERVER"]


def test_a_prompt_the_sink_never_went_quiet_after_counts_as_a_bad_case():
    events = [("sound", 0), ("onset", 2 * S), ("onset", 3 * S)]
    assert sound_figures.prompt_silences(events, [1 * S]) == [2000.0]


def test_a_prompt_before_the_sink_played_anything_finds_it_silent():
    """The recorder starts silent and logs only changes: before its first `sound` the
    sink is silent, and a later silence is not this prompt's."""
    events = [("sound", 2 * S), ("silent", 4 * S)]
    assert sound_figures.prompt_silences(events, [1 * S]) == [0.0]


def test_sound_back_a_moment_before_the_prompts_end_is_the_reveal():
    """The recorder stamps per 2 ms chunk and the rig stamps its prompt_end write just
    before it: sound heard 1 ms before that stamp is the reveal, not a leak."""
    events = [("sound", 0), ("silent", 1 * S + 1_000_000), ("sound", 2 * S - 1_000_000)]
    assert sound_figures.heard_in_prompts(events, [(1 * S, 2 * S)], 20_000_000) == [0.0]


def test_what_was_heard_during_a_prompt_is_summed_past_the_mutes_own_latency():
    events = [("sound", 0), ("silent", 1 * S + 10_000_000),  # the mute took 10 ms
              ("sound", int(1.5 * S)), ("silent", int(1.5 * S) + 12_000_000),  # a blip
              ("sound", 3 * S)]
    heard = sound_figures.heard_in_prompts(events, [(1 * S, 2 * S), (int(2.5 * S), None)],
                                           20_000_000)
    assert heard == [12.0, 0.0]


def test_sound_back_after_a_prompt_is_timed_to_the_sinks_next_sound():
    events = [("sound", 0), ("silent", 1 * S), ("sound", 2 * S + 3_000_000),
              ("silent", 4 * S)]
    # The second prompt's end is never followed by sound: counted to the log's end.
    assert sound_figures.sound_back(events, [2 * S, 3 * S]) == [3.0, 1000.0]


def test_the_sound_coming_back_after_a_prompt_is_no_burst_onset():
    """A prompt ends; the sound comes back with what was queued silent behind it played,
    partway through a burst: that "onset" is the return, late by where it fell, and
    is left out of the skew; the next burst counts."""
    events = [("onset", 1 * S), ("silent", 2 * S), ("sound", 3 * S + 13_600_000),
              ("onset", 3 * S + 13_600_000), ("onset", 4 * S)]
    prompts = [(2 * S, 3 * S - 170_000_000)]
    assert sound_figures.returns_after_prompts(events, prompts) == {3 * S + 13_600_000}
    logs = {"A": events, "B": [("onset", 1 * S), ("onset", 3 * S), ("onset", 4 * S)]}
    figures = sound_figures.site_sound(logs, {"A": [], "B": []}, {}, {"A": prompts}, 0)
    assert figures["audio_skew_ms"]["max"] == 0.0


# Bursts each put on an instant after the stream sat idle a second and more (between
# two slots a deck writes nothing), then one at volume 0 and one at volume 1; prints
# the instants (CLOCK_MONOTONIC ns) of those meant to be heard.
PUT_AFTER_IDLE = """
import time
from player.audio_out import _open_stream
stream = _open_stream("test")
time.sleep(2.5)  # a fresh rig server's null sink takes its first data late: past it
burst = (20000).to_bytes(2, "little") * 2 * 960 * 5  # 100 ms
for volume in (1.0, 1.0, 1.0, 0.0, 1.0):
    stream.set_volume(volume)
    due = time.monotonic_ns() // 1000 + 60_000
    stream.write(burst, due_us=due)
    if volume:
        print(due * 1000, flush=True)
    time.sleep(1.2)
stream.close()
"""


def test_a_start_after_the_stream_sat_idle_is_put_on_its_instant_and_volume_is_the_servers(
        pulse, tmp_path):
    """Without pre-buffering the read index runs on through the idle time, and a start
    is put from it (player.pulse_stream): each burst heard on its instant. Volume 0
    set on the server silences what is written loud."""
    stdout, events = played_at_the_sink(pulse, tmp_path, PUT_AFTER_IDLE)
    said = [int(line) for line in stdout.split()]
    onsets = [at for kind, at in events if kind == "onset"]
    assert len(onsets) == len(said) == 4, (onsets, said)
    errors_ms = [(heard - due) / 1e6 for heard, due in zip(onsets, said)]
    assert all(abs(error) < 2.0 for error in errors_ms), errors_ms
