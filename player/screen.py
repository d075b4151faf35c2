"""The screen: what the player's logic needs of libVLC and the window, as a protocol.

The slot loop, the steering and the prompt handling talk to a `Screen` only; libVLC
(player.engine) and the zoned Tk window (player.window) live behind `VlcScreen`. That
is what makes the logic easy to fake: tests/player/fakes.py has a hand-written
`FakeScreen` with `trigger_*` methods for pictures, ends and failures (Mopidy's
`DummyAudio` is the model), and the logic runs against it in virtual time. The real
adapter keeps its own tests, headless and under Xvfb.

Decks: two, one on screen at a time. `preroll` opens the next slot paused on the
standby deck; `start_at` unpauses it at a monotonic instant (player.starter: a thread,
so the event loop's pauses cannot make it late); `show` puts it on screen.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any, Literal, Protocol

from player.engine import VlcEngine
from player.frames import Frame
from player.screen_state import ScreenState
from player.starter import Starter

PictureState = Literal["shown", "waiting", "failed"]


class Screen(Protocol):
    async def preroll(self, path: Path, label: str, offset_ms: int,
                      rate_divisor: int, *, source: str | None = None) -> int | None:
        """The standby deck with `path` open, paused `offset_ms` in; None when the file
        cannot be opened or decoded. `source`, when given, is what is opened (an open
        descriptor of `path`, player.media_files); `path` then only names it."""

    def start_at(self, deck: int, monotonic_s: float) -> Future:
        """Unpause `deck` at `monotonic_s`; cancel the future to call it off."""

    def show(self, deck: int) -> None:
        """Make `deck` the active one, on screen unless a prompt hides the screen."""

    def reveal(self) -> None:
        """After a prompt: the active deck, which played on hidden, on screen again."""

    def blank(self, *, placeholder: bool = False) -> None:
        """No deck on screen: black (an idle or halted slot), or the placeholder picture
        where there is a window (a file this screen lacks or cannot open)."""

    def set_rate(self, deck: int, divisor: int) -> None: ...

    def set_volume(self, level: float) -> None: ...

    def displayed(self, deck: int) -> tuple[list[int], float]:
        """Monotonic ns of the deck's latest displayed pictures, and its frame interval
        (ms, 0 when unknown)."""

    def picture_state(self, deck: int) -> PictureState:
        """Whether the deck has put a picture up yet (what a POP record waits for)."""

    def compose(self, state: ScreenState) -> None:
        """Show the state: a prompt hides picture and sound at once; its end lets the
        next `show` or `reveal` put a deck on screen."""

    def drain_frames(self) -> list[Frame]:
        """The displayed frames not yet taken (headless, with a frame trace)."""

    def close(self) -> None: ...


class VlcScreen:
    """libVLC's two decks, and the zoned window when there is a display."""

    def __init__(self, engine: VlcEngine, *, window: Any = None,
                 realtime: bool = False) -> None:
        self.engine = engine
        self.window = window
        self._starter = Starter(realtime=realtime)
        self._prompting = False

    async def preroll(self, path: Path, label: str, offset_ms: int,
                      rate_divisor: int, *, source: str | None = None) -> int | None:
        return await self.engine.preroll(path, label, offset_ms, rate_divisor,
                                         source=source)

    def start_at(self, deck: int, monotonic_s: float) -> Future:
        return self._starter.at(monotonic_s, lambda: self.engine.unpause(deck))

    def show(self, deck: int) -> None:
        if self.window is not None:
            self.window.show_placeholder(False)
        self.engine.show(deck)

    def reveal(self) -> None:
        self.engine.reveal()

    def blank(self, *, placeholder: bool = False) -> None:
        self.engine.blank()
        if self.window is not None:
            self.window.show_placeholder(placeholder)

    def set_rate(self, deck: int, divisor: int) -> None:
        self.engine.set_rate(deck, divisor)

    def set_volume(self, level: float) -> None:
        self.engine.set_volume(level)

    def displayed(self, deck: int) -> tuple[list[int], float]:
        return self.engine.displayed(deck)

    def picture_state(self, deck: int) -> PictureState:
        return self.engine.picture_state(deck)

    def compose(self, state: ScreenState) -> None:
        if state.prompting and not self._prompting:
            self.engine.hide()  # picture and sound first, the zones after
        elif self._prompting and not state.prompting:
            self.engine.end_prompt()
        self._prompting = state.prompting
        if self.window is not None:
            self.window.show(transaction=state.transaction, prompting=state.prompting,
                             banner=state.banner, coupon=state.coupon)

    def drain_frames(self) -> list[Frame]:
        return self.engine.frame_log.drain()

    def close(self) -> None:
        self._starter.close()
