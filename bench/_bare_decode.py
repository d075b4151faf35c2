"""A bare libVLC process decoding a clip to the headless player's sink, in a loop: what
`bench/footprint.py --clip` subtracts to give the player's CPU beyond decoding.

    python bench/_bare_decode.py CLIP WIDTH HEIGHT
"""

from __future__ import annotations

import ctypes
import signal
import sys
import time

import vlc

from player.engine import _COMMON_ARGS


def main() -> None:
    path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    instance = vlc.Instance([*_COMMON_ARGS, "--aout=dummy", "--no-xlib", "--input-repeat=65535"])
    player = instance.media_player_new()
    pixels = (ctypes.c_ubyte * (width * height * 4))()
    buffer = ctypes.cast(pixels, ctypes.c_void_p)

    @vlc.CallbackDecorators.VideoLockCb
    def lock(opaque, planes):
        planes[0] = buffer
        return None

    @vlc.CallbackDecorators.VideoDisplayCb
    def display(opaque, picture):
        pass

    player.video_set_callbacks(lock, None, display, None)
    player.video_set_format("RV32", width, height, width * 4)
    player.set_media(instance.media_new_path(path))
    player.play()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while not stopping:
        time.sleep(0.2)
    player.stop()


if __name__ == "__main__":
    main()
