#!/usr/bin/env bash
# `make install [DESTDIR=...]`: the application in /opt/gstv with its own virtual
# environment, the systemd units, a commented example configuration (never over an
# existing one), and the gstv user and groups (systemd-sysusers, also into DESTDIR).
#
# The virtual environment is built with Debian's python3 (INSTALL_PYTHON) at
# DESTDIR/opt/gstv/venv, then its scripts are pointed at /opt/gstv/venv, where it will
# run; that is all that ties a venv to its path.
set -euo pipefail
cd "$(dirname "$0")/.."

destdir=${DESTDIR:-}
prefix=/opt/gstv
python=${INSTALL_PYTHON:-/usr/bin/python3}
root=${destdir%/}

if [ "$(id -u)" -ne 0 ]; then
    echo "gstv install: run as root (it creates a user and writes /opt, /etc)" >&2
    exit 1
fi
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "gstv install: $python has no venv; apt-get install python3-venv" >&2
    exit 1
fi
for pkg in libvlc5 libvlc-bin vlc-plugin-base vlc-plugin-video-output python3-tk; do
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
        echo "gstv install: warning: $pkg is not installed; the player needs it" >&2
    fi
done

echo "gstv install: application into $root$prefix"
rm -rf "$root$prefix/venv"
install -d -m 0755 "$root$prefix"
"$python" -m venv "$root$prefix/venv"
# The runtime tree from its lock, every file checked against its hashes; then the
# project alone, built by the locked setuptools.
"$root$prefix/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes --no-deps -r requirements/runtime.lock
"$root$prefix/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --no-build-isolation .
if [ -n "$root" ]; then
    # Scripts name their interpreter by path: make it the path they will run from.
    grep -rlF --null "$root$prefix" "$root$prefix/venv/bin" \
        | xargs -0 -r sed -i "s|$root$prefix|$prefix|g"
fi
install -m 0644 README.md "$root$prefix/README.md"
# The picture a window shows for a file the screen lacks ([player] placeholder).
install -D -m 0644 assets/placeholder.png "$root$prefix/share/placeholder.png"

echo "gstv install: systemd units into $root/etc/systemd/system"
install -d -m 0755 "$root/etc/systemd/system" "$root/usr/lib/sysusers.d"
install -m 0644 systemd/gstv-player.service systemd/gstv-agent.service \
    systemd/gstv-payment.socket "$root/etc/systemd/system/"
install -m 0644 systemd/gstv.sysusers "$root/usr/lib/sysusers.d/gstv.conf"

install -d -m 0755 "$root/etc/gstv"
if [ -e "$root/etc/gstv/terminal.toml" ]; then
    echo "gstv install: keeping the existing $root/etc/gstv/terminal.toml"
else
    install -m 0644 systemd/terminal.toml.example "$root/etc/gstv/terminal.toml"
fi
install -m 0644 systemd/terminal.toml.example "$root/etc/gstv/terminal.toml.example"

echo "gstv install: users and groups (systemd-sysusers)"
if [ -n "$root" ]; then
    systemd-sysusers --root="$root" "$root/usr/lib/sysusers.d/gstv.conf"
else
    systemd-sysusers /usr/lib/sysusers.d/gstv.conf
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
    fi
    cat <<'NEXT'
gstv install: done. Next:
  1. edit /etc/gstv/terminal.toml (site_id, terminal_id, [sync] peers, [agent] cloud_url)
     and put the cloud token in /etc/gstv/token (mode 0600, owner gstv)
  2. the site's sync key: `gstv keys new site.key_secret` once per site, then on every
     terminal `/opt/gstv/venv/bin/gstv keys install site.key_secret`
  3. add the payment software's user to the group gstv-payment
  4. systemctl enable --now gstv-payment.socket gstv-player.service gstv-agent.service
NEXT
fi
