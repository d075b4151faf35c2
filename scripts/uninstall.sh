#!/usr/bin/env bash
# `make uninstall [DESTDIR=...]`: reverses `make install`, keeping /var/lib/gstv (media,
# and POP records the cloud may not have yet) and a configuration someone edited.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${DESTDIR:-}
root=${root%/}

if [ "$(id -u)" -ne 0 ]; then
    echo "gstv uninstall: run as root" >&2
    exit 1
fi
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now gstv-player.service gstv-agent.service gstv-payment.socket \
        2>/dev/null || true
fi
rm -f "$root/etc/systemd/system/gstv-player.service" \
      "$root/etc/systemd/system/gstv-agent.service" \
      "$root/etc/systemd/system/gstv-payment.socket" \
      "$root/usr/lib/sysusers.d/gstv.conf"
rm -rf "$root/opt/gstv"
if cmp -s "$root/etc/gstv/terminal.toml" "$root/etc/gstv/terminal.toml.example"; then
    rm -f "$root/etc/gstv/terminal.toml"
elif [ -e "$root/etc/gstv/terminal.toml" ]; then
    echo "gstv uninstall: keeping the edited $root/etc/gstv/terminal.toml"
fi
rm -f "$root/etc/gstv/terminal.toml.example"
rmdir "$root/etc/gstv" 2>/dev/null || true
for user in gstv; do
    if grep -q "^$user:" "$root/etc/passwd" 2>/dev/null; then
        userdel ${root:+--root "$root"} "$user"
    fi
done
for group in gstv-payment gstv; do
    if grep -q "^$group:" "$root/etc/group" 2>/dev/null; then
        groupdel ${root:+--root "$root"} "$group"
    fi
done
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
echo "gstv uninstall: done; $root/var/lib/gstv is kept"
