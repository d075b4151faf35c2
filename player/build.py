"""The player's parts as its configuration asks for them: shared by `gstv player` and
the in-process player of tests, benchmarks and rigs, so both build the same thing."""

from __future__ import annotations

from player.config import TerminalConfig
from player.engine import FrameLog, VlcEngine
from sync.clock import SiteClock


def build_clock(config: TerminalConfig) -> SiteClock:
    faults = config.faults
    return SiteClock(fault_offset_ms=faults.clock_offset_ms,
                     fault_drift_ppm=faults.clock_drift_ppm)


def build_engine(config: TerminalConfig) -> VlcEngine:
    player = config.player
    return VlcEngine(output=player.output, sink_size=player.headless_size,
                     frame_log=FrameLog(trace=player.frame_trace is not None),
                     read_numbers=player.read_frame_numbers, realtime=player.realtime)
