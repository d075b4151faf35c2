"""Window mode's pictures put on the X server by the player itself, at the instant
libVLC displays them, so that a window is timed as exactly as the headless sink.

Why not libVLC's own X output (xcb_x11): it gives no display callback, so the player
could only learn from outside when a picture arrived; it makes its X resources anew for
every slot and then dropped the first pictures of a start as late; and each of its
pictures waits for the X server's reply, so a busy server delays the next one. Measured
in `gstv sim --output window` on two cores (3 screens, webm720-vp9, 2026-12-04): slots
starting 10-20 ms or whole frames off, which the steering took 20-36 s to bring together,
and 1.5-19 s back in step after a prompt.

How it is done: the decks decode through libVLC's memory output (`video_set_callbacks`)
at the video zone's size, into MIT-SHM images the X server reads itself.
- `lock` (Python, on libVLC's video output thread, before a picture is rendered) hands
  libVLC the next of `BUFFERS` images and queues the requests that put it into the
  deck's pixmap and, when the deck is on screen, copy that into the deck's window
  (scaled by XRender when the zone is smaller: a transaction). Xlib keeps the requests
  in its buffer: nothing is sent yet. libVLC's thread renders one picture at a time
  (render, wait for its instant, display, then the next), so the requests queued are
  always those of the picture about to be displayed.
- `display` is libX11's `XFlush` itself, called by libVLC at the picture's instant with
  the deck's own X connection as its argument: the requests leave at that instant
  without waiting for the interpreter lock (the same trick as the headless sink's
  clock_gettime, player.engine).
- When the X server drew each picture comes back from the X Damage extension on the
  decks' pixmaps (player.presentation), for a deck on screen or hidden behind a PCI
  prompt alike: the steering measures both. (libVLC's `unlock` comes after the render,
  20-25 ms before the display here, so it cannot time a picture.)

Each deck draws into a child window of the video zone made here (Tk's frames would
paint their background over it). The deck on screen has its window mapped and raised.
At a slot start `show` also copies the deck's pixmap (its primed first picture) into
it at once, from the main thread's own connection; back from a PCI prompt it does not:
the picture the deck played last would go up as much as a frame late (measured by the
rig's observer: the first picture after each prompt 10-30 ms off), so the screen waits
for the next at its own instant. A prompt unmaps both windows: the X server drops the
pixels at once, whatever is queued.

Pictures are drawn at the full video zone's size whatever the video's shape (libVLC's
format callback gets the decoder's buffer size, 320x192 for a 320x180 VP9, not the
picture's, so it cannot tell the shape), and stretched into a transaction's zone:
GSTV's content is made for the screen's shape. The X server must offer MIT-SHM, RENDER
and a 24-bit TrueColor visual, as any local X server does; without them the player
says so and does not start (libVLC's own output drew nothing without MIT-SHM either).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

log = logging.getLogger(__name__)

BUFFERS = 3  # the one on screen, the one being rendered, one spare for a slow server
_IPC_PRIVATE, _IPC_CREAT, _IPC_RMID = 0, 0o1000, 0
_Z_PIXMAP, _PICT_OP_SRC = 2, 1
_GC_GRAPHICS_EXPOSURES = 1 << 16

_vp = ctypes.c_void_p
_ulong, _uint, _int = ctypes.c_ulong, ctypes.c_uint, ctypes.c_int


class PresentationUnavailable(RuntimeError):
    """The X server cannot take pictures this way (no MIT-SHM, an unusual visual)."""


class _XImage(ctypes.Structure):
    _fields_ = [("width", _int), ("height", _int), ("xoffset", _int), ("format", _int),
                ("data", _vp), ("byte_order", _int), ("bitmap_unit", _int),
                ("bitmap_bit_order", _int), ("bitmap_pad", _int), ("depth", _int),
                ("bytes_per_line", _int), ("bits_per_pixel", _int), ("red_mask", _ulong),
                ("green_mask", _ulong), ("blue_mask", _ulong), ("obdata", _vp),
                ("funcs", _vp * 6)]


class _ShmInfo(ctypes.Structure):
    _fields_ = [("shmseg", _ulong), ("shmid", _int), ("shmaddr", _vp), ("readOnly", _int)]


class _GCValues(ctypes.Structure):  # only graphics_exposures is set; the rest pads
    _fields_ = [("function", _int), ("plane_mask", _ulong), ("foreground", _ulong),
                ("background", _ulong), ("line_width", _int), ("line_style", _int),
                ("cap_style", _int), ("join_style", _int), ("fill_style", _int),
                ("fill_rule", _int), ("arc_mode", _int), ("tile", _ulong),
                ("stipple", _ulong), ("ts_x_origin", _int), ("ts_y_origin", _int),
                ("font", _ulong), ("subwindow_mode", _int), ("graphics_exposures", _int),
                ("clip_x_origin", _int), ("clip_y_origin", _int), ("clip_mask", _ulong),
                ("dash_offset", _int), ("dashes", ctypes.c_char)]


class _XTransform(ctypes.Structure):
    _fields_ = [("matrix", (_int * 3) * 3)]


class _XErrorEvent(ctypes.Structure):
    _fields_ = [("type", _int), ("display", _vp), ("resourceid", _ulong), ("serial", _ulong),
                ("error_code", ctypes.c_ubyte), ("request_code", ctypes.c_ubyte),
                ("minor_code", ctypes.c_ubyte)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(_int, _vp, ctypes.POINTER(_XErrorEvent))


class _Libs:
    """The few entry points of libX11, libXext (MIT-SHM), libXrender and libc used."""

    def __init__(self) -> None:
        # PyDLL: called without letting go of the interpreter lock. These calls only
        # queue requests (a flush only writes to a local socket), and `lock` would
        # otherwise wait to take the lock back after each of them while libVLC's
        # thread holds up the picture's render.
        x11 = ctypes.PyDLL("libX11.so.6")
        ext = ctypes.PyDLL("libXext.so.6")
        render = ctypes.PyDLL("libXrender.so.1")
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        for lib, name, restype, argtypes in (
            (x11, "XOpenDisplay", _vp, [ctypes.c_char_p]),
            (x11, "XCloseDisplay", _int, [_vp]),
            (x11, "XDefaultScreen", _int, [_vp]),
            (x11, "XDefaultVisual", _vp, [_vp, _int]),
            (x11, "XDefaultDepth", _int, [_vp, _int]),
            (x11, "XCreateWindow", _ulong, [_vp, _ulong, _int, _int, _uint, _uint, _uint,
                                            _int, _uint, _vp, _ulong, _vp]),
            (x11, "XDestroyWindow", _int, [_vp, _ulong]),
            (x11, "XMapRaised", _int, [_vp, _ulong]),
            (x11, "XUnmapWindow", _int, [_vp, _ulong]),
            (x11, "XCreatePixmap", _ulong, [_vp, _ulong, _uint, _uint, _uint]),
            (x11, "XFreePixmap", _int, [_vp, _ulong]),
            (x11, "XCreateGC", _vp, [_vp, _ulong, _ulong, ctypes.POINTER(_GCValues)]),
            (x11, "XFreeGC", _int, [_vp, _vp]),
            (x11, "XSetForeground", _int, [_vp, _vp, _ulong]),
            (x11, "XFillRectangle", _int, [_vp, _ulong, _vp, _int, _int, _uint, _uint]),
            (x11, "XCopyArea", _int, [_vp, _ulong, _ulong, _vp, _int, _int, _uint, _uint,
                                      _int, _int]),
            (x11, "XFlush", _int, [_vp]),
            (x11, "XSync", _int, [_vp, _int]),
            (x11, "XFree", _int, [_vp]),
            (x11, "XSetErrorHandler", _vp, [_vp]),
            (ext, "XShmQueryExtension", _int, [_vp]),
            (ext, "XShmCreateImage", ctypes.POINTER(_XImage),
             [_vp, _vp, _uint, _int, _vp, ctypes.POINTER(_ShmInfo), _uint, _uint]),
            (ext, "XShmAttach", _int, [_vp, ctypes.POINTER(_ShmInfo)]),
            (ext, "XShmDetach", _int, [_vp, ctypes.POINTER(_ShmInfo)]),
            (ext, "XShmPutImage", _int, [_vp, _ulong, _vp, ctypes.POINTER(_XImage), _int,
                                         _int, _int, _int, _uint, _uint, _int]),
            (render, "XRenderQueryExtension", _int, [_vp, ctypes.POINTER(_int),
                                                     ctypes.POINTER(_int)]),
            (render, "XRenderFindVisualFormat", _vp, [_vp, _vp]),
            (render, "XRenderCreatePicture", _ulong, [_vp, _ulong, _vp, _ulong, _vp]),
            (render, "XRenderFreePicture", None, [_vp, _ulong]),
            (render, "XRenderSetPictureTransform", None, [_vp, _ulong,
                                                          ctypes.POINTER(_XTransform)]),
            (render, "XRenderSetPictureFilter", None, [_vp, _ulong, ctypes.c_char_p, _vp,
                                                       _int]),
            (render, "XRenderComposite", None, [_vp, _int, _ulong, _ulong, _ulong, _int,
                                                _int, _int, _int, _int, _int, _uint, _uint]),
            (libc, "shmget", _int, [_int, ctypes.c_size_t, _int]),
            (libc, "shmat", _vp, [_int, _vp, _int]),
            (libc, "shmdt", _int, [_vp]),
            (libc, "shmctl", _int, [_int, _int, _vp]),
        ):
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        self.x11, self.ext, self.render, self.libc = x11, ext, render, libc
        self.xflush = ctypes.cast(x11.XFlush, _vp).value


_libs: _Libs | None = None
_displays: set[int] = set()  # the connections opened here, for the error handler
_previous_handler = None
_handler_lock = threading.Lock()


def _load() -> _Libs:
    global _libs
    if _libs is None:
        try:
            _libs = _Libs()
        except OSError as exc:
            raise PresentationUnavailable(f"X libraries missing: {exc}") from exc
    return _libs


@_ERROR_HANDLER
def _on_x_error(display, event):
    """An X error on one of our connections is logged, not fatal (Xlib's default
    handler exits the process); any other connection's goes to the handler before
    ours (Tk's)."""
    if display in _displays or _previous_handler is None:
        error = event.contents
        log.warning("x_error code=%d request=%d minor=%d resource=%s", error.error_code,
                    error.request_code, error.minor_code, hex(error.resourceid))
        return 0
    return _ERROR_HANDLER(_previous_handler)(display, event)


def _install_error_handler(libs: _Libs) -> None:
    global _previous_handler
    with _handler_lock:
        previous = libs.x11.XSetErrorHandler(ctypes.cast(_on_x_error, _vp))
        if previous != ctypes.cast(_on_x_error, _vp).value:
            _previous_handler = previous


class _Connection:
    """One X connection with what drawing pictures into windows needs."""

    def __init__(self, libs: _Libs, name: bytes | None) -> None:
        self.libs = libs
        self.display = libs.x11.XOpenDisplay(name)
        if not self.display:
            raise PresentationUnavailable(f"cannot open display {name!r}")
        _displays.add(self.display)
        x11 = libs.x11
        screen = x11.XDefaultScreen(self.display)
        self.visual = x11.XDefaultVisual(self.display, screen)
        self.depth = x11.XDefaultDepth(self.display, screen)
        if not libs.ext.XShmQueryExtension(self.display):
            self.close()
            raise PresentationUnavailable("the X server has no MIT-SHM")
        base, error = _int(), _int()
        if not libs.render.XRenderQueryExtension(self.display, ctypes.byref(base),
                                                 ctypes.byref(error)):
            self.close()
            raise PresentationUnavailable("the X server has no RENDER")
        self.format = libs.render.XRenderFindVisualFormat(self.display, self.visual)

    def gc(self, drawable: int) -> int:
        values = _GCValues(graphics_exposures=0)
        return self.libs.x11.XCreateGC(self.display, drawable, _GC_GRAPHICS_EXPOSURES,
                                       ctypes.byref(values))

    def close(self) -> None:
        if self.display:
            _displays.discard(self.display)
            self.libs.x11.XCloseDisplay(self.display)
            self.display = None


class _Images:
    """`BUFFERS` shared-memory images of one size, on one connection."""

    def __init__(self, connection: _Connection, size: tuple[int, int]) -> None:
        self.connection = connection
        libs = self.libs = connection.libs
        self.images: list = []
        self._segments: list[tuple[_ShmInfo, int]] = []  # (segment, shmid)
        width, height = size
        for _ in range(BUFFERS):
            info = _ShmInfo()
            image = libs.ext.XShmCreateImage(connection.display, connection.visual,
                                             connection.depth, _Z_PIXMAP, None,
                                             ctypes.byref(info), width, height)
            if not image:
                raise PresentationUnavailable("XShmCreateImage failed")
            self.images.append(image)
            contents = image.contents
            if contents.bits_per_pixel != 32 or contents.red_mask != 0xFF0000 \
                    or contents.green_mask != 0xFF00 or contents.blue_mask != 0xFF:
                raise PresentationUnavailable(
                    f"visual of {contents.bits_per_pixel} bits per pixel, not 32-bit RGB")
            self.pitch = contents.bytes_per_line
            shmid = libs.libc.shmget(_IPC_PRIVATE, self.pitch * height, _IPC_CREAT | 0o600)
            if shmid < 0:
                raise PresentationUnavailable(f"shmget: errno {ctypes.get_errno()}")
            info.shmid, info.shmaddr, info.readOnly = shmid, libs.libc.shmat(shmid, None, 0), 0
            contents.data = info.shmaddr
            libs.ext.XShmAttach(connection.display, ctypes.byref(info))
            self._segments.append((info, shmid))
        libs.x11.XSync(connection.display, 0)
        for _, shmid in self._segments:
            # Gone with the last process that has it attached, a killed player included.
            libs.libc.shmctl(shmid, _IPC_RMID, None)

    def address(self, index: int) -> int:
        return self._segments[index][0].shmaddr

    def close(self) -> None:
        libs, display = self.libs, self.connection.display
        for info, _ in self._segments:
            if display:
                libs.ext.XShmDetach(display, ctypes.byref(info))
        if display:
            libs.x11.XSync(display, 0)
        for info, _ in self._segments:
            libs.libc.shmdt(info.shmaddr)
        for image in self.images:
            image.contents.data = None
            libs.x11.XFree(image)
        self.images, self._segments = [], []


class _Target:
    """What one connection needs to draw a deck's pictures: its pixmap (the deck's
    latest picture) and its window, and XRender pictures of both for a smaller zone."""

    def __init__(self, connection: _Connection, window: int, pixmap: int,
                 size: tuple[int, int]) -> None:
        libs = connection.libs
        self.connection, self.window, self.pixmap, self.size = connection, window, pixmap, size
        display = connection.display
        self.gc = connection.gc(window)
        self.window_picture = libs.render.XRenderCreatePicture(
            display, window, connection.format, 0, None)
        self.source_picture = libs.render.XRenderCreatePicture(
            display, pixmap, connection.format, 0, None)
        libs.render.XRenderSetPictureFilter(display, self.source_picture, b"bilinear",
                                            None, 0)
        self.scaled_to: tuple[int, int] | None = None

    def put(self, images: _Images, index: int) -> None:
        """Queue the request that puts image `index` into the pixmap."""
        libs, display = self.connection.libs, self.connection.display
        image = images.images[index]
        libs.ext.XShmPutImage(display, self.pixmap, self.gc, image, 0, 0, 0, 0,
                              self.size[0], self.size[1], 0)

    def present(self, area: tuple[int, int]) -> None:
        """Queue the request that copies the pixmap into the window's top-left `area`."""
        libs, display = self.connection.libs, self.connection.display
        if area == self.size:
            libs.x11.XCopyArea(display, self.pixmap, self.window, self.gc, 0, 0,
                               area[0], area[1], 0, 0)
            return
        if self.scaled_to != area:
            transform = _XTransform()
            transform.matrix[0][0] = round(self.size[0] / area[0] * 65536)
            transform.matrix[1][1] = round(self.size[1] / area[1] * 65536)
            transform.matrix[2][2] = 65536
            libs.render.XRenderSetPictureTransform(display, self.source_picture,
                                                   ctypes.byref(transform))
            self.scaled_to = area
        libs.render.XRenderComposite(display, _PICT_OP_SRC, self.source_picture, 0,
                                     self.window_picture, 0, 0, 0, 0, 0, 0, *area)

    def close(self) -> None:
        libs, display = self.connection.libs, self.connection.display
        if display:
            libs.render.XRenderFreePicture(display, self.window_picture)
            libs.render.XRenderFreePicture(display, self.source_picture)
            libs.x11.XFreeGC(display, self.gc)


class DeckSurface:
    """One deck's pictures: its own X connection (used only from libVLC's video
    output thread once playing), and what libVLC's callbacks do."""

    def __init__(self, presenter: "XPresenter", index: int) -> None:
        self.index = index
        self._presenter = presenter
        self.connection = _Connection(presenter.libs, presenter.display_name)
        self.target = _Target(self.connection, presenter.windows[index],
                              presenter.pixmaps[index], presenter.full_size)
        # Images of its own: the other deck renders (a preroll) while this one plays.
        self.images = _Images(self.connection, presenter.full_size)
        self._next = 0

    def setup(self) -> tuple[int, int, int]:
        """At a video output's creation: the size to render at and the images' pitch.
        The full zone's size whatever the video's shape (see the module docstring)."""
        width, height = self._presenter.full_size
        return width, height, self.images.pitch

    def lock(self) -> int:
        """The address of the next image to render into; its requests queued."""
        presenter = self._presenter
        index = self._next
        self._next = (index + 1) % BUFFERS
        self.target.put(self.images, index)
        if presenter.shown == self.index:
            self.target.present(presenter.area)
        return self.images.address(index)

    @property
    def display_callback(self) -> int:
        """XFlush's address: libVLC calls it as display(opaque, picture)."""
        return self._presenter.libs.xflush

    @property
    def opaque(self) -> int:
        """What libVLC passes the display callback: this deck's connection."""
        return self.connection.display

    def close(self) -> None:
        self.target.close()
        self.images.close()
        self.connection.close()


class XPresenter:
    """The decks' windows in the video zone and their pixmaps, what is on screen, and
    the main thread's connection that switches between them."""

    def __init__(self, display_name: str | None, zone_window: int,
                 full_size: tuple[int, int], decks: int = 2) -> None:
        self.libs = libs = _load()
        self.display_name = display_name.encode() if display_name else None
        self.full_size = full_size
        self.area = full_size  # the video zone's current size (smaller in a transaction)
        self.shown: int | None = None
        self._main = _Connection(libs, self.display_name)
        _install_error_handler(libs)
        display, x11 = self._main.display, libs.x11
        width, height = full_size
        self.windows, self.pixmaps = [], []
        for _ in range(decks):
            # Background None: the server never paints over a picture on exposure.
            window = x11.XCreateWindow(display, zone_window, 0, 0, width, height, 0,
                                       self._main.depth, 1, self._main.visual, 0, None)
            self.windows.append(window)
            pixmap = x11.XCreatePixmap(display, window, width, height, self._main.depth)
            self.pixmaps.append(pixmap)
        x11.XSync(display, 0)
        self.surfaces = [DeckSurface(self, index) for index in range(decks)]
        self._targets = [_Target(self._main, w, p, full_size)
                         for w, p in zip(self.windows, self.pixmaps)]
        for target in self._targets:  # black until a deck's first picture
            x11.XSetForeground(display, target.gc, 0)
            x11.XFillRectangle(display, target.pixmap, target.gc, 0, 0, width, height)
        x11.XSync(display, 0)

    def show(self, deck: int | None, *, latest_picture: bool = True) -> None:
        """Put `deck` on screen (None: nothing), with its latest picture at once (a
        primed deck's first) or from its next one."""
        x11, display = self.libs.x11, self._main.display
        self.shown = deck
        if deck is not None:
            x11.XMapRaised(display, self.windows[deck])
            if latest_picture:
                self._targets[deck].present(self.area)
        for index, window in enumerate(self.windows):
            if index != deck:
                x11.XUnmapWindow(display, window)
        x11.XFlush(display)

    def set_area(self, size: tuple[int, int]) -> None:
        """The video zone was resized to `size` (a transaction starts or ends); the
        deck on screen is drawn at once at its new size."""
        if size == self.area:
            return
        self.area = size
        if self.shown is not None:
            self.show(self.shown)

    def close(self) -> None:
        for target in self._targets:
            target.close()
        for surface in self.surfaces:
            surface.close()
        x11, display = self.libs.x11, self._main.display
        for window, pixmap in zip(self.windows, self.pixmaps):
            x11.XFreePixmap(display, pixmap)
            x11.XDestroyWindow(display, window)
        x11.XSync(display, 0)
        self._main.close()
