"""The window observer (gstv_rigs.window_observer) against a real X server: a client
draws numbered pictures into a window titled as a terminal's, and the observer, slowed
down as it is on a loaded rig, must never stamp a picture before it was drawn."""

from __future__ import annotations

import threading
import time

import pytest
from Xlib import X, display as xdisplay

from gstv_rigs.window_observer import Observer
from gstv_rigs.xserver import XServer
from player.frames import NUMBER_CELLS

WIDTH, HEIGHT = 160, 96
FRAMES = 12
DRAW_EVERY_S = 0.02
READ_LAG_S = 0.05  # the observer takes longer to read than the client takes to draw


@pytest.fixture
def x_display():
    server = XServer(WIDTH, HEIGHT)
    try:
        yield server.start()
    finally:
        server.stop()


class LaggingObserver(Observer):
    def read(self, watched, at_ns):
        time.sleep(READ_LAG_S)
        super().read(watched, at_ns)


def draw_number(connection, window, gc, depth: int, number: int) -> None:
    """The frame number as 16 cells over the whole height, in one drawing as a video
    output makes it: the clips' number row and, untagged, their tag row read the same
    (player.frames)."""
    cell = WIDTH // NUMBER_CELLS
    row = b"".join((b"\xff\xff\xff\x00" if (number >> (NUMBER_CELLS - 1 - index)) & 1
                    else b"\x00\x00\x00\x00") * cell for index in range(NUMBER_CELLS))
    window.put_image(gc, 0, 0, WIDTH, HEIGHT, X.ZPixmap, depth, 0, row * HEIGHT)
    connection.flush()


def test_a_picture_drawn_while_the_observer_lags_is_never_stamped_before_it_was_drawn(
        x_display, tmp_path):
    client = xdisplay.Display(x_display)
    screen = client.screen()
    window = screen.root.create_window(0, 0, WIDTH, HEIGHT, 0, screen.root_depth,
                                       background_pixel=screen.black_pixel)
    window.set_wm_name("gstv T1")
    window.map()
    gc = window.create_gc()
    client.sync()

    observer = LaggingObserver(x_display, ["T1"], tmp_path, (0, 0, WIDTH, HEIGHT),
                               ["frame-counter.mp4"])
    observer.stopping = False
    observer.find_windows()
    watching = threading.Thread(target=observer.run, args=(time.monotonic() + 3,))
    watching.start()
    drawn_ns = {}
    try:
        for burst in range(3):  # bursts, so the last picture of each is read at rest
            for frame in range(1, FRAMES + 1):
                number = burst * 100 + frame
                drawn_ns[number] = time.monotonic_ns()
                draw_number(client, window, gc, screen.root_depth, number)
                time.sleep(DRAW_EVERY_S)
            time.sleep(0.4)
    finally:
        observer.stopping = True
        watching.join()
        observer.x.close()
        client.close()

    lines = (tmp_path / "T1" / "frames.observed.log").read_text().split()
    records = [(int(lines[i]), int(lines[i + 2])) for i in range(0, len(lines), 5)]
    assert records, "the observer recorded nothing"
    for stamped_ns, number in records:
        assert number in drawn_ns, f"read a picture that was never drawn: {number}"
        assert stamped_ns >= drawn_ns[number], \
            f"picture {number} stamped {(drawn_ns[number] - stamped_ns) / 1e6:.1f} ms " \
            "before it was drawn"
    # The last picture of each burst is read once the drawing stops.
    assert {number for _, number in records} >= {FRAMES, 100 + FRAMES, 200 + FRAMES}
