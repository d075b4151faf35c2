#!/usr/bin/env bash
# Install the Debian packages gstv needs, only when one is missing.
#
# Called by `make setup` on every run, so the common case (everything present) must be
# fast: one dpkg-query, no network. As root it installs with apt-get; otherwise it
# prints the exact command an administrator should run and fails, because a half set-up
# machine that "works" until libVLC is first loaded helps nobody.
set -euo pipefail

# libvlc5 + vlc-plugin-base: the decoder stack python-vlc loads.
# libvlc-bin: vlc-cache-gen, whose dpkg trigger writes the plugin cache (plugins.dat).
#   It is only a Recommends of libvlc5, so --no-install-recommends leaves it out, and
#   without the cache every libVLC start opens all ~370 plugins: 0.6 s instead of 0.2 s
#   cold, 0.2 s instead of 0.1 s warm (bench/cold_start.py, README).
# vlc-plugin-video-output: xcb_x11, the only output that renders into a Tk frame.
# xvfb: a real X server for the window-mode tests on machines without a screen.
# ffmpeg: makes the content matrix the sync rigs and benches play, and ffprobe checks
#   our container readers against ffmpeg's own (scripts/make-sync-clip.sh; tests and
#   benches only: a terminal never runs it).
# pulseaudio: a real sound server the sync rigs start in user space, one null sink per
#   screen, to record what each screen played (gstv_rigs.sound; tests and benches only).
# chrony: a real NTP server the sync tests start on loopback (never as the system's
# time service: installing it on a machine without systemd starts nothing).
# systemd-container, mmdebstrap: `make systemd-check` boots the installed appliance
#   under a real systemd in a throwaway Debian rootfs (scripts/systemd_check.py).
packages=(libvlc5 libvlc-bin vlc-plugin-base vlc-plugin-video-output xvfb chrony ffmpeg pulseaudio
          systemd-container mmdebstrap)

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
# A Python without venv/ensurepip (Debian splits them out) cannot build .venv/.
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    missing+=(python3-venv)
fi
# Window mode draws its zones with Tk, which Debian's Python ships separately.
if ! python3 -c 'import tkinter' 2>/dev/null; then
    missing+=(python3-tk)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "gstv setup: missing system packages: ${missing[*]}" >&2
    echo "Run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "gstv setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
$cmd
