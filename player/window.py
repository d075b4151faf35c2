"""The zoned window of `window` mode: a full-screen borderless Tk window with a video
zone, a banner zone and a coupon zone.

The engine puts the decks' pictures into the video zone itself (player.x_present: a
child window per deck that Tk knows nothing of, the one on screen mapped); for a slot
whose file this screen lacks, a placeholder picture covers the zone instead. Hiding for
a PCI prompt unmaps the video zone too: the X server removes the pixels at once,
whatever libVLC is still doing. Zone rectangles come from the configuration, one video
rectangle for the full-screen state and one for a transaction.

Tk runs in the asyncio thread: `attach` pumps its events from the loop every 10 ms,
so every widget call happens on that one thread.
"""

from __future__ import annotations

import asyncio
import logging
import tkinter as tk
from pathlib import Path

from terminal.config import Rect, Zones
from player.engine import VlcEngine
from player.upc import bars
from scheduler.playlist import Coupon

log = logging.getLogger(__name__)

PUMP_INTERVAL_S = 0.01
# The default placeholder's own background (assets/placeholder.png), around an image
# smaller than the zone, so the whole zone reads as one picture.
PLACEHOLDER_BACKGROUND = "#23272e"


class ZonedWindow:
    def __init__(self, zones: Zones, engine: VlcEngine, *, title: str = "gstv",
                 placeholder: Path | None = None) -> None:
        self._zones = zones
        self._root = tk.Tk(className="gstv")
        self._root.title(title)  # "gstv T1": which terminal, for a rig or a technician
        width, height = zones.screen
        x, y = zones.position
        self._root.geometry(f"{width}x{height}+{x}+{y}")
        self._root.overrideredirect(True)
        self._root.configure(background="black", cursor="none")
        self._video = tk.Frame(self._root, background="black", highlightthickness=0)
        self._banner = tk.Label(self._root, background="black", borderwidth=0)
        self._banner_image: tk.PhotoImage | None = None
        self._banner_path: Path | None = None
        self._coupon = tk.Canvas(self._root, background="white", highlightthickness=0)
        self._coupon_shown: Coupon | None = None
        self._transaction = False
        self._prompting = False
        self._place(self._video, zones.full_video)
        self._root.update()
        self._engine = engine
        _, _, width, height = zones.full_video
        try:
            # Deck index -> the X drawable its pictures land in (player.presentation).
            self.deck_drawables = engine.present_in(
                self._video.winfo_id(), (width, height), self._root.winfo_screen())
        except Exception:
            self._root.destroy()
            raise
        # Made after the decks' windows, so above them in the video zone: shown only
        # while no deck is (player.slot_loop), and gone with the zone during a prompt.
        self._placeholder = tk.Label(self._video, borderwidth=0, highlightthickness=0,
                                     background=PLACEHOLDER_BACKGROUND)
        self._placeholder_image = self._load_placeholder(placeholder)
        self._placeholder_fitted: tuple[tuple[int, int], tk.PhotoImage | None] = ((0, 0), None)
        self._placeholder_shown = False
        engine.on_visibility = self._on_visibility
        self._pump: asyncio.TimerHandle | None = None

    # -- the asyncio side --------------------------------------------------------------
    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        def pump() -> None:
            try:
                self._root.update()
            except tk.TclError:
                return
            self._pump = loop.call_later(PUMP_INTERVAL_S, pump)
        pump()

    def close(self) -> None:
        if self._pump:
            self._pump.cancel()
        try:
            self._root.destroy()
        except tk.TclError:
            pass

    # -- what the daemon shows ---------------------------------------------------------
    def show(self, *, transaction: bool, prompting: bool, banner: Path | None,
             coupon: Coupon | None) -> None:
        was_prompting = self._prompting
        self._transaction, self._prompting = transaction, prompting
        zones = self._zones
        if prompting:
            self._video.place_forget()
        else:
            video = zones.transaction_video if transaction else zones.full_video
            self._place(self._video, video)
            self._engine.set_video_area((video[2], video[3]))
            if self._placeholder_shown:
                self._fit_placeholder()
        self._show_banner(banner if transaction and not prompting else None)
        self._show_coupon(coupon if not prompting else None)
        self._root.update_idletasks()
        if was_prompting and not prompting:
            # The zone is mapped again by Tk's own X connection, the engine draws on
            # connections of its own: one round trip on Tk's (a pointer query) has the
            # server map the zone first, so the engine's next picture is not drawn
            # into a window still unmapped.
            self._root.winfo_pointerxy()

    def show_placeholder(self, shown: bool) -> None:
        """The placeholder over the video zone (a file this screen lacks), or not."""
        if shown == self._placeholder_shown:
            return  # every slot start asks: no Tk work at the start instant for nothing
        self._placeholder_shown = shown
        if shown and self._placeholder_image is not None:
            self._fit_placeholder()
            self._placeholder.place(x=0, y=0, relwidth=1, relheight=1)
        else:
            self._placeholder.place_forget()
        self._root.update_idletasks()

    def _load_placeholder(self, path: Path | None) -> tk.PhotoImage | None:
        if path is None:
            return None
        try:
            return tk.PhotoImage(file=str(path))
        except tk.TclError as exc:
            log.warning("placeholder_unreadable file=%s error=%s", path, exc)
            return None

    def _fit_placeholder(self) -> None:
        """The image scaled by a whole factor (all Tk offers) to the largest size that
        fits the video zone, centred: the full and the transaction zones differ."""
        image = self._placeholder_image
        if image is None:
            return
        _, _, width, height = (self._zones.transaction_video if self._transaction
                               else self._zones.full_video)
        if (width, height) == self._placeholder_fitted[0]:
            return
        across, down = image.width(), image.height()
        if across > width or down > height:
            factor = max(-(-across // width), -(-down // height))
            fitted = image.subsample(factor)
        else:
            factor = min(width // across, height // down)
            fitted = image.zoom(factor) if factor > 1 else image
        self._placeholder_fitted = ((width, height), fitted)
        self._placeholder.configure(image=fitted, anchor="center")

    def _on_visibility(self, deck: int | None) -> None:
        """The engine put `deck` on screen (None: nothing)."""
        if deck is None and self._prompting:
            self._video.place_forget()
        self._root.update_idletasks()

    def _show_banner(self, path: Path | None) -> None:
        if path is None:
            self._banner.place_forget()
            return
        if path != self._banner_path:
            try:
                self._banner_image = tk.PhotoImage(file=str(path))
            except tk.TclError as exc:
                log.warning("banner_unreadable file=%s error=%s", path.name, exc)
                self._banner.place_forget()
                return
            self._banner_path = path
            self._banner.configure(image=self._banner_image)
        self._place(self._banner, self._zones.banner)

    def _show_coupon(self, coupon: Coupon | None) -> None:
        if coupon is None:
            self._coupon.place_forget()
            self._coupon_shown = None
            return
        self._place(self._coupon, self._zones.coupon)
        if coupon == self._coupon_shown:
            return
        self._coupon_shown = coupon
        self._draw_coupon(coupon)

    def _draw_coupon(self, coupon: Coupon) -> None:
        canvas = self._coupon
        canvas.delete("all")
        _, _, width, height = self._zones.coupon
        pad = max(8, width // 20)
        # Texts stacked by their real extent: a title that wraps pushes the rest down.
        y = pad
        for text, size, weight in ((coupon.title, max(12, height // 12), "bold"),
                                   (coupon.detail, max(9, height // 22), "normal"),
                                   (f"{coupon.restriction}\n{coupon.validFrom}",
                                    max(8, height // 26), "normal")):
            item = canvas.create_text(pad, y, anchor="nw", text=text, width=width - 2 * pad,
                                      font=("DejaVu Sans", size, weight))
            y = canvas.bbox(item)[3] + pad // 2
        # The barcode: 95 modules plus a quiet zone of 9 on each side.
        module = max(1, (width - 2 * pad) // 113)
        left = (width - 95 * module) // 2
        top, bottom = height * 3 // 5, height - pad - max(10, height // 16)
        for start, run in bars(coupon.barcode):
            # Without an outline Tk fills x1 <= x < x2: the end is exclusive.
            canvas.create_rectangle(left + start * module, top,
                                    left + (start + run) * module, bottom,
                                    fill="black", outline="")
        canvas.create_text(width // 2, bottom + 2, anchor="n", text=coupon.barcode,
                           font=("DejaVu Sans Mono", max(8, height // 28)))

    @staticmethod
    def _place(widget: tk.Widget, rect: Rect) -> None:
        x, y, width, height = rect
        widget.place(x=x, y=y, width=width, height=height)
