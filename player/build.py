"""`build_player(config)`: the one place a player is assembled from its configuration,
for `gstv player`, the in-process player of tests and rigs, and benchmarks alike.

Window mode needs a display: without one the window cannot be made and
`CannotStart` says so (the command logs it and exits 1). Everything built is closed by
`Player.close`, in the order that lets queued POP writes finish first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from player.content import ContentLoader
from player.daemon import PlayerDaemon
from player.durations import DurationCache
from player.decks import may_use_realtime
from player.engine import VlcEngine
from player.frames import FrameLog
from player.errors import CannotStart
from player.native_heap import NativeHeap
from player.pop_writer import PopWriter
from player.presentation import PresentationWatch
from player.x_present import PresentationUnavailable
from player.probe import MediaProbe
from player.audio_out import times_its_own_sound
from player.screen import VlcScreen
from player.timing import SiteTiming
from sync.clock import SiteClock
from sync.site_sync import SiteSync
from terminal.config import TerminalConfig


def build_clock(config: TerminalConfig) -> SiteClock:
    faults = config.faults
    return SiteClock(fault_offset_ms=faults.clock_offset_ms,
                     fault_drift_ppm=faults.clock_drift_ppm)


# The displayed frames a player keeps in memory: nothing of the product reads them back
# (the frame trace is drained to its file); 200 000 of them, the old default, grew the
# player's RSS by ~20 MB an hour for its first two hours (bench/soak.py). A rig in the
# same process as the player (gstv_rigs.inprocess) asks for a whole run's.
FRAME_HISTORY = 300


def build_engine(config: TerminalConfig, *, frame_history: int = FRAME_HISTORY) -> VlcEngine:
    player = config.player
    return VlcEngine(output=player.output, sink_size=player.headless_size,
                     frame_log=FrameLog(frame_history, trace=player.frame_trace is not None),
                     read_numbers=player.read_frame_numbers, realtime=player.realtime,
                     headless_audio=player.headless_audio,
                     scheduled_sound=times_its_own_sound(
                         player.sound_timing, player.output, player.headless_audio))


@dataclass
class Player:
    config: TerminalConfig
    daemon: PlayerDaemon
    engine: VlcEngine
    screen: VlcScreen
    clock: SiteClock
    pop: PopWriter
    window: Any = None
    owns_window: bool = False  # made here (a stand-in given by a test is its own)
    presentation: PresentationWatch | None = None

    def close(self) -> None:
        if self.presentation is not None:
            self.presentation.stop()
        self.pop.close()
        self.screen.close()
        self.engine.close()
        if self.window is not None and self.owns_window:
            self.window.close()


def build_player(config: TerminalConfig, *, window: Any = None,
                 clock: SiteClock | None = None, frame_history: int = FRAME_HISTORY) -> Player:
    """The player `config` describes. `window`: a stand-in for the zoned window (tests
    record what it was asked to show); with none given, window mode makes the real one."""
    config.media.mkdir(parents=True, exist_ok=True)
    config.active_dir.mkdir(parents=True, exist_ok=True)
    engine = build_engine(config, frame_history=frame_history)
    owns_window = window is None and config.player.output == "window"
    presentation = None
    if owns_window:
        import tkinter  # Tk only where there is a display

        from player.window import ZonedWindow

        try:
            window = ZonedWindow(config.player.zones, engine,
                                 title=f"gstv {config.terminal_id}",
                                 placeholder=config.player.placeholder_image)
        except tkinter.TclError as exc:
            engine.close()
            raise CannotStart(f"no window: {exc} (is DISPLAY right?)") from exc
        except PresentationUnavailable as exc:
            engine.close()
            raise CannotStart(f"the X server cannot take the pictures: {exc}") from exc
        presentation = PresentationWatch(os.environ.get("DISPLAY"), window.deck_drawables,
                                         engine.presented)
        if not presentation.start():
            presentation = None
    clock = clock or build_clock(config)
    screen = VlcScreen(engine, window=window,
                       realtime=config.player.realtime and may_use_realtime())
    pop = PopWriter(config.outbox_path, site_id=config.site_id, screen_id=config.terminal_id)
    timing = SiteTiming(clock)
    # "Offline" is decided on the system clock, the one the agent stamps its contacts
    # with (player.content), not on site time.
    content = ContentLoader(config, DurationCache(config.media, MediaProbe(engine.instance)))
    daemon = PlayerDaemon(config, clock=timing, screen=screen, pop=pop,
                          content=content, sync=SiteSync(config, clock), heap=NativeHeap())
    return Player(config, daemon, engine, screen, clock, pop, window, owns_window,
                  presentation)
