"""The player's own sound output (player.audio_out) in virtual time: its PulseAudio
stream (player.pulse_stream, over libpulse, which we do not own) is a hand-written fake
that reports a latency and records what is written; the placement logic is the real
one. The real stream at a real sink: tests/rigs/test_sound.py."""

from __future__ import annotations

import os
import socket

import pytest

from player import audio_out
from player.audio_out import FRAME_BYTES, MAX_STEP_US, ScheduledStream, \
    times_its_own_sound


class FakePulse:
    """Stands for player.pulse_stream.PlaybackStream (and makes it: `open`)."""

    def __init__(self) -> None:
        self.latency: int | None = 30_000
        # When the byte at the stream's read index plays, from now (None: it cannot
        # tell); where a start is put after it, as player.pulse_stream puts it.
        self.read_plays_in: int | None = 30_000
        self.placed: list[int | None] = []  # us after the read index, or None: after the last
        self.written: list[bytes] = []  # each write (player.audio_out writes in chunks)
        self.taken = 0
        self.flushes = 0
        self.volume = 1.0  # the server's, set_volume

    def take(self) -> bytes:
        """All written since the last take: what one play() wrote."""
        out = b"".join(self.written[self.taken:])
        self.taken = len(self.written)
        return out

    def open(self, name):
        return self

    def latency_us(self):
        return self.latency

    def next_plays_at_us(self):
        return None if self.latency is None else self.clock["us"] + self.latency

    def write(self, data, keep=None, due_us=None):
        placed = None
        if due_us is not None and self.read_plays_in is not None \
                and 0 <= self.read_plays_in < 2_000_000:
            ahead = due_us - (self.clock["us"] + self.read_plays_in)
            data = data[frames_of(-ahead) if ahead < 0 else 0:]
            placed = max(0, ahead)
        self.written.append(bytes(data) if keep is None or keep() else bytes(len(data)))
        self.placed.append(placed)
        return True

    def set_volume(self, linear):
        self.volume = linear

    def flush(self):
        self.flushes += 1

    def close(self):
        pass


@pytest.fixture
def pulse(monkeypatch):
    fake = FakePulse()
    clock = {"us": 1_000_000_000}
    monkeypatch.setattr(audio_out, "_open_stream", fake.open)
    monkeypatch.setattr(audio_out.time, "monotonic_ns", lambda: clock["us"] * 1000)
    fake.clock = clock
    return fake


def frames_of(microseconds: int) -> int:
    return microseconds * audio_out.RATE // 1_000_000 * FRAME_BYTES


BUFFER = bytes([1, 0]) * 960 * 2  # 20 ms of a quiet non-zero sample, stereo


def test_a_start_is_put_at_its_instant_counted_from_the_read_index(pulse):
    """What was written last may have run dry a slot ago: a start's first buffer goes
    where it plays on its instant, counted from the stream's read index (which runs on
    through an underrun) by the server's timing; the rest follows it."""
    stream = ScheduledStream("deck")
    now = pulse.clock["us"]
    stream.play(BUFFER, now + 45_000)  # the read index plays in 30 ms: 15 ms after it
    assert pulse.take() == BUFFER and pulse.placed == [15_000]
    pulse.clock["us"] += 20_000
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)  # playing on: after the last
    assert pulse.take() == BUFFER and set(pulse.placed[1:]) == {None}
    stream.flush()  # a prompt: the next one is a start again, 4 ms late this time
    pulse.placed.clear()
    stream.play(BUFFER, pulse.clock["us"] + 26_000)
    assert len(pulse.take()) == len(BUFFER) - frames_of(4_000) and pulse.placed == [0]


def play_on(pulse, stream, data: bytes, off_us: int) -> bytes:
    """The next buffer, `off_us` early (> 0) or late, 20 ms after the last; written."""
    pulse.clock["us"] += 20_000
    stream.play(data, pulse.clock["us"] + pulse.latency + off_us)
    return pulse.take()


def test_a_late_buffer_is_cut_whole_at_a_start_and_by_steps_once_it_stays_late(pulse):
    stream = ScheduledStream("deck")
    now = pulse.clock["us"]
    stream.play(BUFFER, now + pulse.latency - 3_000)  # 3 ms late at the start
    assert len(pulse.take()) == len(BUFFER) - frames_of(3_000)
    for _ in range(3):  # playing on, on time
        assert play_on(pulse, stream, BUFFER, 0) == BUFFER
    # One answer 10 ms late is a round trip put off, not the sound: left alone. Once
    # most of the last five say so, at most MAX_STEP_US a buffer.
    assert play_on(pulse, stream, BUFFER, -10_000) == BUFFER
    assert play_on(pulse, stream, BUFFER, -10_000) == BUFFER
    assert len(play_on(pulse, stream, BUFFER, -10_000)) == \
        len(BUFFER) - frames_of(MAX_STEP_US)


def test_a_buffer_within_the_tolerance_is_left_alone(pulse):
    stream = ScheduledStream("deck")
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency + 100)
    assert pulse.take() == BUFFER


def test_muting_drops_what_is_queued_and_writes_silence_and_the_server_sets_volume(pulse):
    stream = ScheduledStream("deck")
    stream.set_volume(0.8, False)  # before the stream exists: set when it is made
    due = pulse.clock["us"] + pulse.latency
    stream.play(BUFFER, due)
    assert pulse.volume == 0.8
    pulse.take()
    stream.set_volume(1.0, True)
    assert pulse.flushes == 1
    stream.play(BUFFER, due + 20_000)
    written = pulse.take()
    assert written and written == bytes(len(written))
    stream.set_volume(0.5, False)
    stream.play(bytes([0, 64]) * 4, due + 40_000)
    assert pulse.take().endswith(bytes([0, 64]) * 4) and pulse.volume == 0.5


def test_a_deck_not_heard_stays_silent_whatever_libvlc_says_of_its_mute(pulse):
    """A PCI prompt: the engine says no deck may be heard. libVLC then starts an audio
    output it made for the deck (unmuted, out of reach of its mute call): its volume
    callback says unmuted, and its buffers are still written as silence."""
    stream = ScheduledStream("deck")
    due = pulse.clock["us"] + pulse.latency
    stream.play(BUFFER, due)
    pulse.take()
    stream.set_heard(False)
    assert pulse.flushes == 1  # what was queued ahead is dropped at once
    stream.set_volume(1.0, False)  # a fresh libVLC audio output reports itself
    stream.play(BUFFER, due + 20_000)
    written = pulse.take()
    assert written and written == bytes(len(written))
    stream.set_heard(True)  # shown again after the prompt
    stream.play(BUFFER, due + 40_000)
    assert pulse.take().endswith(BUFFER)


def test_a_mute_during_a_long_write_silences_the_rest_of_it(pulse):
    """libVLC hands over up to 240 ms at once, and a write blocks until PulseAudio has
    room: a prompt's mute arriving meanwhile (another thread) stops it within 5 ms."""
    stream = ScheduledStream("deck")
    long_buffer = BUFFER * 10  # 200 ms
    real_write = pulse.write

    def write_then_mute(data, keep=None, due_us=None):
        real_write(data, keep)
        if len(pulse.written) == 2:
            stream.set_heard(False)  # the event loop, during the second chunk
        return True

    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)  # a start: one write
    pulse.take()
    pulse.written.clear()
    pulse.taken = 0
    pulse.clock["us"] += 20_000
    pulse.write = write_then_mute
    stream.play(long_buffer, pulse.clock["us"] + pulse.latency)
    chunks = pulse.written
    assert b"".join(chunks[:2]) == long_buffer[:len(b"".join(chunks[:2]))]
    # The rest of the buffer is dropped, stale once the flush moved the stream on (the
    # next buffer is placed afresh); a chunk caught waiting for room goes in silent
    # (tests/rigs/test_sound.py, at a real sink).
    assert len(chunks) == 2


def test_playing_on_a_correction_repeats_or_leaves_out_frames_and_never_writes_silence(pulse):
    """After the start, a buffer 0.9 ms early gets 43 frames repeated across it, not a
    0.9 ms silence in front (a click on a tone; the rig counted it as a gap); one late
    loses as many, spread, not its first 0.9 ms."""
    stream = ScheduledStream("deck")
    now = pulse.clock["us"]
    tone = b"".join(int(1000 + i).to_bytes(2, "little", signed=True) * 2 for i in range(960))
    stream.play(tone, now + pulse.latency)
    for _ in range(3):
        play_on(pulse, stream, tone, 0)
    frames = [tone[i:i + FRAME_BYTES] for i in range(0, len(tone), FRAME_BYTES)]
    for _ in range(3):  # 5 ms early, and staying so
        written = play_on(pulse, stream, tone, 5_000)
    got = [written[i:i + FRAME_BYTES] for i in range(0, len(written), FRAME_BYTES)]
    assert len(got) == len(frames) + 43 and bytes(FRAME_BYTES) not in got
    assert sorted(set(got)) == sorted(set(frames)) and got[0] == frames[0]
    for _ in range(5):  # 5 ms late, and staying so
        written = play_on(pulse, stream, tone, -5_000)
    got = [written[i:i + FRAME_BYTES] for i in range(0, len(written), FRAME_BYTES)]
    assert len(got) == len(frames) - 43 and got[0] == frames[0] and got[-1] == frames[-1]



@pytest.mark.parametrize("latency", [None, 10_000_000_000])
def test_a_latency_pulseaudio_cannot_tell_is_not_taken_for_one(pulse, latency):
    """No timing (None), or one beyond anything written: taken as is, every buffer would
    be cut to nothing as hours late."""
    stream = ScheduledStream("deck")
    pulse.latency = pulse.read_plays_in = latency
    stream.play(BUFFER, pulse.clock["us"])
    assert pulse.take() == BUFFER


def test_a_stream_that_failed_is_made_again_for_the_next_buffer(pulse):
    """PulseAudio restarted under a running player: the write fails, the stream is let
    go, and the next buffer connects again rather than writing into a dead one."""
    stream = ScheduledStream("deck")
    opened = []
    pulse_open = pulse.open
    audio_out._open_stream = lambda name: opened.append(name) or pulse_open(name)
    pulse.write = lambda data, keep=None, due_us=None: False
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)
    assert opened == ["deck"]
    del pulse.write  # the server is back
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)
    assert opened == ["deck", "deck"] and pulse.take() == BUFFER


def test_a_start_never_waits_longer_than_libvlcs_lead(pulse):
    """A first buffer stamped far ahead (a clock reset) gets at most 300 ms of silence
    before it, not the whole distance."""
    stream = ScheduledStream("deck")
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency + 10_000_000)
    assert pulse.take() == BUFFER and pulse.placed == [300_000]


def test_auto_times_the_sound_wherever_pulseaudio_takes_it(monkeypatch, tmp_path):
    """`sound_timing = "auto"`: the player's output headless into PulseAudio, and in a
    window where a server answers; libVLC's in a window without one (ALSA), on the null
    output, and wherever it is said."""
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert times_its_own_sound("auto", "headless", "pulse")
    assert not times_its_own_sound("auto", "headless", "none")
    assert times_its_own_sound("player", "window", "none")
    assert not times_its_own_sound("libvlc", "headless", "pulse")
    assert not times_its_own_sound("auto", "window", "none")  # no server: ALSA
    (tmp_path / "pulse").mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(tmp_path / "pulse" / "native"))
        server.listen()
        assert times_its_own_sound("auto", "window", "none")


def test_no_sound_server_writes_nothing_and_says_so(pulse, caplog):
    """No PulseAudio to reach: the buffer is dropped (libVLC's thread goes on), a
    warning names the stream, and the next buffer tries again."""
    stream = ScheduledStream("deck")

    def unreachable(name):
        raise audio_out.PulseError("cannot connect (pulse error 6)")

    audio_out._open_stream = unreachable
    stream.play(BUFFER, pulse.clock["us"])
    assert pulse.written == [] and "sound_unavailable stream=deck" in caplog.text
    audio_out._open_stream = pulse.open
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)
    assert pulse.take() == BUFFER


def test_at_a_slot_boundary_the_last_sound_plays_out_and_a_prompt_still_cuts_it(pulse):
    """libVLC drains at a media's end, then flushes well before its last sound has
    played; the deck handed over at a boundary is stopped, which flushes it too. Its
    asset's last sound plays all the same; a PCI prompt still takes it away at once."""
    stream = ScheduledStream("deck")
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)
    stream.drain()
    stream.libvlc_flush()  # the end of the media
    assert pulse.flushes == 0
    stream.set_heard(False, play_out=True)  # another deck took over
    stream.libvlc_flush()  # this one stopped
    assert pulse.flushes == 0
    stream.set_heard(False)  # a prompt began before the tail had played
    assert pulse.flushes == 1
    stream.set_heard(True)  # its next start
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency)
    stream.libvlc_flush()  # a seek of a deck on screen: dropped
    assert pulse.flushes == 2
