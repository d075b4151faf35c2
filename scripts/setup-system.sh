#!/usr/bin/env bash
# Install the Debian packages gstv needs, only when one is missing.
#
# Called by `make setup` on every run, so the common case (everything present) must be
# fast: one dpkg-query, no network. As root it installs with apt-get; otherwise it
# prints the exact command an administrator should run and fails, because a half set-up
# machine that "works" until libVLC is first loaded helps nobody.
set -euo pipefail

# libvlc5 + vlc-plugin-base: the decoder stack python-vlc loads.
# vlc-plugin-video-output: xcb_x11, the only output that renders into a Tk frame.
# xvfb: a real X server for the window-mode tests on machines without a screen.
# chrony: a real NTP server the sync tests start on loopback (never as the system's
# time service: installing it on a machine without systemd starts nothing).
packages=(libvlc5 vlc-plugin-base vlc-plugin-video-output xvfb chrony)

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
