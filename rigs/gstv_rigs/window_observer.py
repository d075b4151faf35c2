"""What the X server received from each terminal's window, seen from outside the
players: `gstv sim --output window` measures skew, convergence and resume from it.

    python -m gstv_rigs.window_observer --display :N --terminals T1,T2 --out DIR
        --video X,Y,W,H --clips a.webm,b.mp4

A process of its own on its own X connection, sharing nothing with the players but the
X server and the clip format. It finds each terminal's top-level window by its title
("gstv T1", player.window), and watches it with the X Damage extension (one report per
drawing, the window's inferiors included: libVLC draws into a child of a child). At
each report it reads two rows of the video zone back from the server: the frame number
(scripts/make-sync-clip.sh draws it in the picture's top quarter) and the clip's tag
(the second quarter), which names the file.

- Time: CLOCK_MONOTONIC, the clock of the players' own traces. A report is stamped as
  soon as the observer has it off the socket (it looks after every call that reads
  from the server, and runs at real-time priority). The server's own millisecond is
  not used: under load it was measured up to 50 ms older than the report.
- A picture is written once, when its (file, number) first shows; a repaint of the same
  picture is not a new one. Black (a deck just mapped, a prompt) reads tag 0, which is
  no clip: not a frame.
- Every drawing is reported (`DamageReportRawRectangles`), so a picture drawn before
  a read is processed has its report ahead of the read's reply: when another report
  for the same window is queued after a read, the read may have caught the newer
  picture, and it is dropped; the newer report reads it with its own time. A report
  with a newer one queued behind it is not read at all: a lagging observer catches up
  on the newest picture instead of reading every stale one. (With the
  "non-empty" level this observer first used, the server reports nothing more until the
  observer's subtract is processed: a picture drawn in between had no report of its
  own, and a lagging observer read it at the previous report's time, one frame early.
  On two loaded cores that made whole slots of both terminals look a frame early or
  late, while the players' own pictures were on time.)
- An untagged clip (the default `frame-counter`, whose number cells fill the top half,
  so the tag row reads the number again) is accepted alone: the two rows agree and the
  number is not 0.
- A window that goes (a player killed) is found again when its terminal comes back.

Each terminal's pictures go to DIR/<terminal>/frames.observed.log as lines
`monotonic_ns 0 number d file`: the frame trace's format (player.daemon), so the rig
reads both the same way.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from Xlib import X, display as xdisplay, error as xerror
from Xlib.ext import damage

from gstv_rigs.clips import clip_tag
from player.frames import read_cells

FIND_EVERY_S = 0.25
FLUSH_EVERY_S = 0.1


@dataclass
class Watched:
    terminal: str
    out: IO[str]
    window: object | None = None
    damage: object | None = None
    last: tuple[str, int] | None = None
    pictures: int = 0
    dropped_reads: int = 0
    seen: set = field(default_factory=set)


class Observer:
    def __init__(self, display_name: str, terminals: list[str], out: Path,
                 video: tuple[int, int, int, int], clips: list[str]) -> None:
        self.x = xdisplay.Display(display_name)
        if not self.x.has_extension("DAMAGE"):
            raise SystemExit("window_observer: the X server has no DAMAGE extension")
        self.x.damage_query_version()
        # A window destroyed between a report and its read (a player killed) answers an
        # X error: expected, counted, not printed.
        self.x_errors = 0
        self.x.set_error_handler(self._on_error)
        self.root = self.x.screen().root
        self.video = video
        tags = {clip_tag(Path(name).stem): name for name in clips}
        self.untagged = clips[0] if None in tags and len(clips) == 1 else None
        self.files = {tag: name for tag, name in tags.items() if tag is not None}
        self.watched: dict[str, Watched] = {}
        for terminal in terminals:
            (out / terminal).mkdir(parents=True, exist_ok=True)
            self.watched[terminal] = Watched(
                terminal, open(out / terminal / "frames.observed.log", "a", buffering=1 << 16))
        self.by_window: dict[int, Watched] = {}
        self.stopping = False

    def _on_error(self, error, request) -> None:
        self.x_errors += 1

    def find_windows(self) -> None:
        wanted = {f"gstv {w.terminal}": w for w in self.watched.values()}
        try:
            children = self.root.query_tree().children
        except xerror.XError:
            return
        for child in children:
            try:
                name = child.get_wm_name()
                if name not in wanted or child.id in self.by_window:
                    continue
                if child.get_attributes().map_state != X.IsViewable:
                    continue
                watched = wanted[name]
                watched.window = child
                watched.damage = child.damage_create(damage.DamageReportRawRectangles)
                watched.last = None
                self.by_window[child.id] = watched
            except xerror.XError:  # it went while we looked
                continue
        self.x.sync()

    def run(self, until: float) -> None:
        notify = self.x.extension_event.DamageNotify
        found_at = flushed_at = 0.0
        while time.monotonic() < until and not self.stopping:
            now = time.monotonic()
            if now - found_at >= FIND_EVERY_S:
                self.find_windows()
                found_at = now
            if now - flushed_at >= FLUSH_EVERY_S:
                for watched in self.watched.values():
                    watched.out.flush()
                flushed_at = now
            select.select([self.x.fileno()], [], [], 0.05)
            self.x.pending_events()
            self.note_arrivals()
            while self.x.display.event_queue:
                event = self.x.next_event()
                self.note_arrivals()  # next_event may have read more from the server
                if event.type != notify:
                    continue
                watched = self.by_window.get(event.drawable.id)
                if watched is None:
                    continue
                if event.level & 0x80:  # more rectangles of the same drawing follow
                    continue
                if self.newer_report_queued(watched):  # a newer picture: read that one
                    watched.dropped_reads += 1
                    continue
                self.read(watched, getattr(event, "seen_ns", None) or time.monotonic_ns())
        for watched in self.watched.values():
            watched.out.close()

    def note_arrivals(self) -> None:
        """Stamp the reports that have come in since the last look: this runs after
        every call that reads from the server, so a report waits at most one round
        trip to be stamped."""
        now = time.monotonic_ns()
        for event in self.x.display.event_queue:
            if not hasattr(event, "seen_ns"):
                event.seen_ns = now

    def read(self, watched: Watched, at_ns: int) -> None:
        x, y, width, height = self.video
        try:
            number_row = watched.window.get_image(x, y + height // 16, width, 1,
                                                  X.ZPixmap, 0xFFFFFFFF).data
            tag_row = watched.window.get_image(x, y + 3 * height // 8, width, 1,
                                               X.ZPixmap, 0xFFFFFFFF).data
        except xerror.XError:  # the window went (its player was killed)
            self.forget(watched)
            return
        self.note_arrivals()
        number, tag = read_cells(number_row, 0, width), read_cells(tag_row, 0, width)
        if self.newer_report_queued(watched):
            watched.dropped_reads += 1
            return
        if self.untagged is not None:
            file = self.untagged if tag == number and number != 0 else None
        else:
            file = self.files.get(tag)
        if file is None or (file, number) == watched.last:
            return
        watched.last = (file, number)
        watched.pictures += 1
        watched.out.write(f"{at_ns} 0 {number} d {file}\n")

    def newer_report_queued(self, watched: Watched) -> bool:
        self.x.pending_events()  # reads what the server has sent meanwhile
        self.note_arrivals()
        notify = self.x.extension_event.DamageNotify
        return any(getattr(e, "type", None) == notify and e.drawable.id == watched.window.id
                   for e in self.x.display.event_queue)

    def forget(self, watched: Watched) -> None:
        if watched.window is not None:
            self.by_window.pop(watched.window.id, None)
        watched.window = watched.damage = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gstv_rigs.window_observer")
    parser.add_argument("--display", required=True)
    parser.add_argument("--terminals", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--video", required=True, help="X,Y,W,H of the video zone")
    parser.add_argument("--clips", required=True, help="the file names the site plays")
    parser.add_argument("--seconds", type=float, default=86400.0)
    args = parser.parse_args(argv)
    video = tuple(int(v) for v in args.video.split(","))
    try:  # reads late by a scheduling delay otherwise (the players keep both cores busy)
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
    except (OSError, AttributeError):
        pass
    observer = Observer(args.display, args.terminals.split(","), args.out, video,
                        args.clips.split(","))

    def stop(signum, frame) -> None:  # written out and closed, not cut short
        observer.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    observer.run(time.monotonic() + args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
