"""Each screen's sound at a real sink, recorded with the time it was played: what the rig
measures audio skew, sound against picture, gaps and PCI silence from.

How (and why this way): a PulseAudio server of the rig's own (`PulseServer`, in user
space, no hardware) with one null sink per screen, 48 kHz stereo; each player plays
into its sink through a real PulseAudio client (`[player] headless_audio = "pulse"`,
`$PULSE_SINK`; its own timed output by default, libVLC's with `sound_timing =
"libvlc"`), so mute, rate changes and buffering happen where they do on a terminal. A recorder per sink (`python -m gstv_rigs.sound record`, a process of its
own so the rig's event loop cannot delay it) reads the sink's monitor in 2 ms chunks
and stamps every chunk from the server's timing of that read (`_played_ns`): the moment
the sink played the chunk's last sample, on the clock the frame traces use. Not from
libpulse-simple's latency, which is interpolated by a smoother that follows changes only
over seconds: two of its recorders on one sink disagreed by up to 2.5 ms on a loaded
machine, two of these by 0.05 ms (2026-12-03). libVLC's audio callbacks were the alternative; they stamp the samples when
libVLC hands them over, 240 ms before they are due, and apply mute in software to
samples not yet handed over, so they can say nothing of when a prompt's silence
reaches the customer.

The clips' sound (scripts/make-sync-clip.sh): a quiet 440 Hz bed, continuous, and a
loud 1 kHz burst on every frame whose number is a multiple of 30, heard at the clip's
own levels when the player's volume is 100 (PulseAudio scales volume cubically: at 50
the bed would fall under `SILENT_LEVEL`). The recorder writes:
- `onset NS`: a burst began (the first sample past `ONSET_LEVEL` after at least
  `ONSET_QUIET_MS` under it);
- `silent NS` / `sound NS`: the level fell under `SILENT_LEVEL` for `SILENT_MS`, or
  rose over it again (a prompt's mute, a slot change, a gap);
The gaps are the silences of `GAP_MS` (1 ms) or more that end in sound while the
screen was meant to play (gstv_rigs.commands.sim_command counts them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gstv_rigs.procs import stop_process
from player.pulse_stream import BufferAttr, PulseError, RecordStream

RATE = 48_000
CHUNK_FRAMES = 96  # 2 ms
ONSET_LEVEL = 0.3 * 32767  # the burst is 0.6 of full scale, the bed 0.05
ONSET_QUIET_MS = 200
SILENT_LEVEL = 0.01 * 32767
SILENT_MS = 1.0
GAP_MS = 1.0


class PulseServer:
    """A PulseAudio server of the rig's own, with a null sink per screen."""

    def __init__(self, sinks: list[str]) -> None:
        self.sinks = sinks
        self.dir = Path(tempfile.mkdtemp(prefix="gstv-pulse-"))
        self.socket = self.dir / "native"
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        """What a client needs to reach this server (add PULSE_SINK for a sink)."""
        return {"PULSE_SERVER": f"unix:{self.socket}", "PULSE_RUNTIME_PATH": str(self.dir),
                "XDG_RUNTIME_DIR": str(self.dir)}

    def start(self, timeout_s: float = 20) -> None:
        if shutil.which("pulseaudio") is None:
            raise RuntimeError("pulseaudio is not installed (make setup installs it)")
        script = self.dir / "rig.pa"
        script.write_text("".join(
            [f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"]
            + [f"load-module module-null-sink sink_name={name} rate={RATE} channels=2\n"
               for name in self.sinks]))
        env = {**os.environ, **self.env, "HOME": str(self.dir)}
        with open(self.dir / "pulse.log", "wb") as log:
            self.process = subprocess.Popen(
                ["pulseaudio", "-n", "-F", str(script), "--daemonize=no",
                 "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
                 "--system=false", "--log-level=error", "--realtime=no",
                 "--high-priority=no"],
                env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pulseaudio did not start: "
                                   + (self.dir / "pulse.log").read_text()[-500:])
            time.sleep(0.05)

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)

    def recorder(self, sink: str, out: Path) -> subprocess.Popen:
        """A recorder process for `sink`'s monitor, writing to `out`."""
        with open(f"{out}.err", "wb") as errors:
            return subprocess.Popen([sys.executable, "-m", "gstv_rigs.sound", "record", sink,
                                     str(out)], env={**os.environ, **self.env},
                                    stdout=subprocess.DEVNULL, stderr=errors,
                                    start_new_session=True)


@contextmanager
def one_recorded_sink(directory: Path, sink: str = "T1") -> Iterator[Path]:
    """A rig PulseAudio server with one null sink and its recorder, for an in-process
    player (benchmarks): this process's environment points libVLC's PulseAudio output at
    the sink until the block ends. Yields the recorder's log (read it after the block:
    the recorder has stopped and written everything by then)."""
    pulse = PulseServer([sink])
    pulse.start()
    saved = {key: os.environ.get(key) for key in (*pulse.env, "PULSE_SINK")}
    os.environ.update({**pulse.env, "PULSE_SINK": sink})
    out = directory / f"{sink}.sound.log"
    recorder = pulse.recorder(sink, out)
    try:
        yield out
    finally:
        stop_process(recorder)
        pulse.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# -- the recorder (a process of its own) ----------------------------------------------------
def record(sink: str, out: Path) -> None:
    attr = BufferAttr(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, CHUNK_FRAMES * 4)
    try:
        stream = RecordStream("record", attr, source=f"{sink}.monitor")
    except PulseError as error:
        raise SystemExit(f"cannot record {sink}.monitor: {error}") from error
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    detector = _Detector()
    read_bytes = 0  # since the stream started: the position the timing counts in
    with open(out, "w", buffering=1) as log:
        while not stopping:
            data, timing = stream.read()
            if not data:
                break
            read_bytes += len(data)
            if timing is None:
                continue  # no stamp to give it; the next read has one
            last_ns = _played_ns(timing, read_bytes)
            samples = array("h", data)[::2]  # the left channel
            for line in detector.feed(samples, last_ns - (len(samples) - 1) * 1e9 / RATE):
                log.write(line + "\n")
    stream.close()


def _played_ns(timing, read_bytes: int) -> float:
    """When the sink played the byte before `read_bytes`, on CLOCK_MONOTONIC. At the
    server's timestamp (its wall clock) the byte at the monitor's write index had just
    left the source (`source_usec` after it was taken from the sink's mix, which the
    sink plays `sink_usec` after); what was read lies that much before it."""
    stamped_us = timing.timestamp.tv_sec * 1_000_000 + timing.timestamp.tv_usec
    played_us = (stamped_us + timing.sink_usec - timing.source_usec
                 - (timing.write_index - read_bytes) * 1_000_000 / (RATE * 4))
    return time.monotonic_ns() - (time.time_ns() - played_us * 1000)


class _Detector:
    """Onsets of the bursts and the starts and ends of silence, sample by sample."""

    def __init__(self) -> None:
        self.quiet_samples = 0  # since the level was last over ONSET_LEVEL
        self.silent_samples = 0
        self.silent = True

    def feed(self, samples, first_ns: float) -> list[str]:
        lines = []
        step = 1e9 / RATE
        onset_quiet = ONSET_QUIET_MS * RATE // 1000
        silent_run = int(SILENT_MS * RATE / 1000)
        for i, value in enumerate(samples):
            level = abs(value)
            at = first_ns + i * step
            if level > ONSET_LEVEL:
                if self.quiet_samples >= onset_quiet:
                    lines.append(f"onset {round(at)}")
                self.quiet_samples = 0
            else:
                self.quiet_samples += 1
            if level > SILENT_LEVEL:
                if self.silent:
                    lines.append(f"sound {round(at)}")
                    self.silent = False
                self.silent_samples = 0
            else:
                self.silent_samples += 1
                if not self.silent and self.silent_samples >= silent_run:
                    self.silent = True
                    lines.append(f"silent {round(at - (silent_run - 1) * step)}")
        return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gstv_rigs.sound")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("sink")
    rec.add_argument("out", type=Path)
    args = parser.parse_args()
    record(args.sink, args.out)


if __name__ == "__main__":
    main()
