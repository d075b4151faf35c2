"""The player's own sound output (player.audio_out) in virtual time: libpulse-simple,
which we do not own, is a hand-written fake that reports a latency and records what is
written; the placement logic is the real one."""

from __future__ import annotations

import pytest

from player import audio_out
from player.audio_out import FRAME_BYTES, MAX_STEP_US, STARTUP_US, ScheduledStream


class FakePulse:
    def __init__(self) -> None:
        self.latency_us = 30_000
        self.written: list[bytes] = []
        self.flushes = 0

    def pa_simple_new(self, *args):
        return 1

    def pa_simple_get_latency(self, handle, error):
        return self.latency_us

    def pa_simple_write(self, handle, data, size, error):
        self.written.append(bytes(data[:size]))
        return 0

    def pa_simple_flush(self, handle, error):
        self.flushes += 1
        return 0

    def pa_simple_free(self, handle):
        pass


@pytest.fixture
def pulse(monkeypatch):
    fake = FakePulse()
    clock = {"us": 1_000_000_000}
    monkeypatch.setattr(audio_out, "_simple", fake)
    monkeypatch.setattr(audio_out.time, "monotonic_ns", lambda: clock["us"] * 1000)
    fake.clock = clock
    return fake


def frames_of(microseconds: int) -> int:
    return microseconds * audio_out.RATE // 1_000_000 * FRAME_BYTES


BUFFER = bytes([1, 0]) * 960 * 2  # 20 ms of a quiet non-zero sample, stereo


def test_an_early_first_buffer_waits_in_silence_for_its_instant(pulse):
    stream = ScheduledStream("deck")
    now = pulse.clock["us"]
    stream.play(BUFFER, now + pulse.latency_us + 5_000)  # due 5 ms after it could play
    written = pulse.written[-1]
    assert written[:frames_of(5_000)] == bytes(frames_of(5_000))
    assert written[frames_of(5_000):] == BUFFER


def test_a_late_buffer_is_cut_whole_at_a_start_and_by_a_step_later(pulse):
    stream = ScheduledStream("deck")
    now = pulse.clock["us"]
    stream.play(BUFFER, now + pulse.latency_us - 3_000)  # 3 ms late at the start
    assert len(pulse.written[-1]) == len(BUFFER) - frames_of(3_000)
    while pulse.clock["us"] < now + STARTUP_US + 20_000:  # playing on, on time
        pulse.clock["us"] += 20_000
        stream.play(BUFFER, pulse.clock["us"] + pulse.latency_us)
        assert pulse.written[-1] == BUFFER
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency_us - 10_000)  # 10 ms late
    assert len(pulse.written[-1]) == len(BUFFER) - frames_of(MAX_STEP_US)


def test_a_buffer_within_the_tolerance_is_left_alone(pulse):
    stream = ScheduledStream("deck")
    stream.play(BUFFER, pulse.clock["us"] + pulse.latency_us + 100)
    assert pulse.written[-1] == BUFFER


def test_muting_drops_what_is_queued_and_writes_silence_then_volume_scales(pulse):
    stream = ScheduledStream("deck")
    due = pulse.clock["us"] + pulse.latency_us
    stream.play(BUFFER, due)
    stream.set_volume(1.0, True)
    assert pulse.flushes == 1
    stream.play(BUFFER, due + 20_000)
    assert pulse.written[-1] == bytes(len(pulse.written[-1]))
    stream.set_volume(0.5, False)
    stream.play(bytes([0, 64]) * 4, due + 40_000)  # 16384 per sample
    assert pulse.written[-1].endswith(bytes([0, 32]) * 4)
