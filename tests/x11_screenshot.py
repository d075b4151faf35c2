"""A screenshot of an X display as RGB rows, and as a PNG file, with nothing but
libX11 (which Tk already needs) and the standard library: the real-window test reads
its pixels, and keeps the pictures for README."""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
import zlib
from pathlib import Path

Z_PIXMAP = 2
ALL_PLANES = 0xFFFFFFFF


class _XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int),
                ("xoffset", ctypes.c_int), ("format", ctypes.c_int),
                ("data", ctypes.POINTER(ctypes.c_ubyte)),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int)]


def _xlib() -> ctypes.CDLL:
    xlib = ctypes.CDLL(ctypes.util.find_library("X11"))
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XGetImage.restype = ctypes.POINTER(_XImage)
    xlib.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                               ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xlib.XFree.argtypes = [ctypes.c_void_p]
    return xlib


class Screenshot:
    def __init__(self, width: int, height: int, rgb: bytes) -> None:
        self.width, self.height, self.rgb = width, height, rgb

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        offset = (y * self.width + x) * 3
        return self.rgb[offset], self.rgb[offset + 1], self.rgb[offset + 2]

    def region(self, rect: tuple[int, int, int, int]) -> list[tuple[int, int, int]]:
        x, y, width, height = rect
        return [self.pixel(px, py) for py in range(y, y + height)
                for px in range(x, x + width)]

    def save_png(self, path: Path) -> None:
        rows = b"".join(b"\x00" + self.rgb[y * self.width * 3:(y + 1) * self.width * 3]
                        for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                         + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def grab(display: str, width: int, height: int) -> Screenshot:
    """The top-left `width` x `height` of the root window of `display` (24-bit)."""
    xlib = _xlib()
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        raise OSError(f"cannot open display {display}")
    try:
        root = xlib.XDefaultRootWindow(connection)
        image = xlib.XGetImage(connection, root, 0, 0, width, height, ALL_PLANES, Z_PIXMAP)
        if not image:
            raise OSError("XGetImage failed")
        info = image.contents
        if info.bits_per_pixel != 32:
            raise OSError(f"expected 32 bits per pixel, got {info.bits_per_pixel}")
        raw = ctypes.string_at(info.data, info.bytes_per_line * height)
        stride = info.bytes_per_line
        rgb = bytearray(width * height * 3)
        for y in range(height):
            row = raw[y * stride:y * stride + width * 4]
            rgb[y * width * 3:(y + 1) * width * 3 : 3] = row[2::4]  # B G R X in memory
            rgb[y * width * 3 + 1:(y + 1) * width * 3 : 3] = row[1::4]
            rgb[y * width * 3 + 2:(y + 1) * width * 3 : 3] = row[0::4]
        xlib.XFree(info.data)
        xlib.XFree(image)
        return Screenshot(width, height, bytes(rgb))
    finally:
        xlib.XCloseDisplay(connection)
