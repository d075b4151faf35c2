"""`make setup` installed what the player needs: libVLC with its plugins, loadable from
python-vlc, and the `gstv` console script in the virtual environment."""

from __future__ import annotations

import sys
from pathlib import Path

import vlc


def test_libvlc_loads_with_its_plugins():
    instance = vlc.Instance("--no-xlib", "--vout=dummy", "--aout=dummy", "--quiet")
    assert instance is not None, "libVLC did not start: is vlc-plugin-base installed?"
    assert vlc.libvlc_get_version().decode().startswith("3.")
    # A media player can be created: the core found its module cache.
    player = instance.media_player_new()
    assert player is not None
    player.release()
    instance.release()


def test_libvlc_has_its_plugin_cache():
    # libvlc-bin's trigger writes it; without it every libVLC start opens every plugin.
    assert list(Path("/usr/lib").glob("*/vlc/plugins/plugins.dat")), "no plugins.dat"


def test_console_script_is_installed():
    assert (Path(sys.executable).parent / "gstv").exists()
