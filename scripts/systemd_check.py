"""`make systemd-check`: the installed appliance under a real systemd (issue #19).

A throwaway Debian rootfs (mmdebstrap, cached under ~/.cache/gstv-systemd by its
package list) gets the project installed into a copy of it before boot (`make install
DESTDIR=...`, from the locked wheels, so the container needs no network), a headless
terminal configuration and a two-clip playlist; `systemd-nspawn --boot` then runs a
real systemd 252 as its PID 1, and every check below talks to it with `nsenter`:

- ready: player and agent are Type=notify and active with the status their READY
  carried, entered some time after their process started;
- watchdog: a player stopped with SIGSTOP is killed by the watchdog and restarted;
- kill9: kill -9 of the player and of the agent are each followed by a restart;
- backlog: a connection made to the payment socket while the player is down waits in
  the socket's backlog and is answered once the player is back;
- prompt_restart: a player killed during a PCI prompt comes back hidden and silent and
  stays so until `prompt_end` (the payment phase kept in /run/gstv);
- playing: the player plays headless under its hardening; the agent runs under
  MemoryDenyWriteExecute;
- hardening: probes run with each unit's own [Service] hardening (systemd-run with the
  unit's lines as properties): writing /etc and /usr fails for both; the agent cannot
  open a device that an unconfined probe opens; the player is denied it too, while
  /dev/null stays open to it; and no process of the container listens on anything but
  the Unix sockets README lists;
- journal: `journalctl -u gstv-player -p warning` shows the warnings README promises
  (the watchdog's, the restored prompt's), and no info line;
- security: `systemd-analyze security` inside the container, within the targets of
  tests/test_install.py.

What this host cannot enforce is named, not faked: memory and CPU limits (cgroup v1
controllers here). Exit status 0 when every check holds; the last line is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("GSTV_SYSTEMD_CACHE", Path.home() / ".cache/gstv-systemd"))
PACKAGES = ("systemd", "systemd-sysv", "dbus", "python3", "libvlc5", "vlc-plugin-base",
            "libvlc-bin", "procps")
MIRROR = "http://deb.debian.org/debian"
EXPOSURE_TARGETS = {"gstv-agent.service": 2.0, "gstv-player.service": 3.0}
VENV_PYTHON = "/opt/gstv/venv/bin/python"
# [Service] lines that say how the unit runs, not what it may do: left out of probes.
NOT_HARDENING = ("Type", "NotifyAccess", "ExecStart", "Restart", "RestartSec",
                 "WatchdogSec", "TimeoutStartSec", "TimeoutStopSec", "Nice",
                 "LimitRTPRIO", "LimitMEMLOCK", "Environment")
README_UNIX_SOCKETS = {"/run/gstv/payment.sock", "/run/gstv/status.sock"}


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(cmd, **kwargs)


def base_rootfs() -> Path:
    """The cached Debian rootfs with the runtime packages, built once per package list."""
    key = hashlib.sha256(" ".join(PACKAGES).encode()).hexdigest()[:12]
    rootfs = CACHE / f"rootfs-{key}"
    if (rootfs / "usr/lib/systemd/systemd").exists():
        return rootfs
    CACHE.mkdir(parents=True, exist_ok=True)
    building = CACHE / f".building-{key}"
    shutil.rmtree(building, ignore_errors=True)
    made = run(["mmdebstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
                "bookworm", str(building), MIRROR])
    if made.returncode != 0:
        raise SystemExit(f"mmdebstrap failed: {made.stderr[-2000:]}")
    building.rename(rootfs)
    return rootfs


def prepare(root: Path) -> None:
    """The project installed, configured and staged into `root`, its units enabled."""
    installed = run(["make", "-s", "install", f"DESTDIR={root}"], cwd=ROOT)
    if installed.returncode != 0:
        raise SystemExit(f"make install failed: {installed.stdout[-1000:]}"
                         f"{installed.stderr[-2000:]}")
    (root / "etc/gstv/terminal.toml").write_text(
        'site_id = "SITE-0042"\nterminal_id = "T1"\ntimezone = "America/New_York"\n'
        '[player]\noutput = "headless"\nprompt_timeout_s = 120\n'
        '[agent]\ncloud_url = "http://127.0.0.1:9"\npoll_interval_s = 5\n')
    sys.path[:0] = [str(ROOT), str(ROOT / "rigs")]
    from gstv_rigs.staging import loop_asset, stage_loop
    from terminal.config import TerminalConfig

    state = root / "var/lib/gstv"
    (state / "media").mkdir(parents=True, exist_ok=True)
    (state / "active").mkdir(parents=True, exist_ok=True)
    config = TerminalConfig(site_id="SITE-0042", terminal_id="T1",
                            timezone="America/New_York", state_dir=state)
    stage_loop(config, [loop_asset("three.mp4", "A3"), loop_asset("two.mp4", "A2")],
               media=[ROOT / "tests/data/three.mp4", ROOT / "tests/data/two.mp4"])
    uid = gid = None
    for line in (root / "etc/passwd").read_text().splitlines():
        if line.startswith("gstv:"):
            uid, gid = int(line.split(":")[2]), int(line.split(":")[3])
    for path in [state, *state.rglob("*")]:
        os.chown(path, uid, gid)
    state.chmod(0o750)
    enabled = run(["systemctl", f"--root={root}", "enable", "gstv-payment.socket",
                   "gstv-player.service", "gstv-agent.service"])
    if enabled.returncode != 0:
        raise SystemExit(f"systemctl enable failed: {enabled.stderr}")


class Container:
    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self.log = log
        self.nspawn: subprocess.Popen | None = None
        self.pid = 0

    def boot(self) -> float:
        env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
        started = time.monotonic()
        with open(self.log, "ab") as log:
            self.nspawn = subprocess.Popen(
                ["systemd-nspawn", "-q", "-D", str(self.root), "--boot", "--register=no",
                 "--keep-unit", "--private-network", "--console=read-only",
                 "--capability=CAP_BPF", "--system-call-filter=bpf"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                start_new_session=True)
        deadline = time.monotonic() + 60
        state = ""
        while state not in ("running", "degraded"):
            if time.monotonic() > deadline or self.nspawn.poll() is not None:
                raise SystemExit(f"the container did not boot ({state!r}): "
                                 f"{self.log.read_text()[-2000:]}")
            # Its PID 1: the child of nspawn once it has become systemd.
            children = run(["pgrep", "-P", str(self.nspawn.pid), "-x", "systemd"]
                           ).stdout.split()
            if children:
                self.pid = int(children[0])
                state = self.sh("systemctl is-system-running --wait", timeout=120
                                ).stdout.strip()
            if state not in ("running", "degraded"):
                time.sleep(0.1)
        return time.monotonic() - started

    def sh(self, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return run(["nsenter", "-t", str(self.pid), "-a", "sh", "-c", command],
                   timeout=timeout)

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.sh(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_active(self, unit: str, after_restarts: int, timeout: float = 40) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.show(unit, "ActiveState", "SubState", "NRestarts", "MainPID",
                              "StatusText")
            if shown.get("ActiveState") == "active" and \
                    int(shown.get("NRestarts", 0)) >= after_restarts:
                return shown
            if time.monotonic() > deadline:
                return shown
            time.sleep(0.2)

    def status(self) -> dict:
        out = self.sh(f"{VENV_PYTHON} -m gstv status --config /etc/gstv/terminal.toml --json")
        return json.loads(out.stdout) if out.returncode == 0 else {}

    def stop(self) -> None:
        if self.nspawn is None or self.nspawn.poll() is not None:
            return
        self.nspawn.send_signal(signal.SIGTERM)  # nspawn's own pid: a clean poweroff
        try:
            self.nspawn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.nspawn.kill()
            self.nspawn.wait()


PAYMENT_CLIENT = r'''
import json, socket, sys, time
events = sys.argv[1:]
s = socket.socket(socket.AF_UNIX)
started = time.monotonic()
s.connect("/run/gstv/payment.sock")
f = s.makefile("rb")
replies = []
for event in events:
    s.sendall(json.dumps({"event": event}).encode() + b"\n")
    replies.append(json.loads(f.readline()))
print(json.dumps({"replies": replies, "waited_s": time.monotonic() - started}))
'''

PROBE = r'''
import errno, json, os, socket
def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
found = {
    "write_etc": attempt(lambda: open("/etc/gstv-probe", "w").close()),
    "write_usr": attempt(lambda: open("/usr/gstv-probe", "w").close()),
    "open_tun": attempt(lambda: os.close(os.open("/dev/net/tun", os.O_RDWR))),
    "open_null": attempt(lambda: os.close(os.open("/dev/null", os.O_RDWR))),
}
print(json.dumps(found))
'''


def hardening_of(root: Path, unit: str) -> list[str]:
    """The unit's [Service] lines that confine it, as systemd-run properties."""
    properties, section = [], ""
    for line in (root / "etc/systemd/system" / unit).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line and not line.startswith("#") and "=" in line:
            key = line.split("=", 1)[0]
            if key not in NOT_HARDENING:
                properties.append(line)
    return properties


class Checks:
    def __init__(self, container: Container, root: Path) -> None:
        self.c = container
        self.root = root
        self.results: dict[str, dict] = {}

    def record(self, name: str, ok: bool, detail: str) -> None:
        self.results[name] = {"ok": ok, "detail": detail}
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)

    def run_all(self) -> None:
        for check in (self.ready, self.watchdog, self.kill9, self.backlog,
                      self.prompt_restart, self.playing, self.hardening, self.listening,
                      self.journal, self.security):
            try:
                check()
            except Exception as exc:  # a check that crashed is a failed check
                self.record(check.__name__, False, f"{type(exc).__name__}: {exc}")

    def ready(self) -> None:
        details, ok = [], True
        for unit, status in (("gstv-player", "playing"), ("gstv-agent", "running")):
            shown = self.c.show(unit, "Type", "ActiveState", "StatusText",
                                "ExecMainStartTimestampMonotonic",
                                "ActiveEnterTimestampMonotonic")
            took = (int(shown["ActiveEnterTimestampMonotonic"])
                    - int(shown["ExecMainStartTimestampMonotonic"])) / 1e6
            good = (shown["Type"], shown["ActiveState"], shown["StatusText"]) == (
                "notify", "active", status) and took > 0
            ok &= good
            details.append(f"{unit} {shown['ActiveState']} '{shown['StatusText']}' "
                           f"{took:.2f} s after its start")
        self.record("ready", ok, "; ".join(details))

    def watchdog(self) -> None:
        before = self.c.show("gstv-player", "NRestarts", "MainPID")
        self.c.sh("systemctl kill -s SIGSTOP gstv-player")
        stopped = time.monotonic()
        after = self.c.wait_active("gstv-player", int(before["NRestarts"]) + 1, timeout=40)
        took = time.monotonic() - stopped
        journal = self.c.sh("journalctl -u gstv-player --no-pager -n 200").stdout
        ok = int(after["NRestarts"]) == int(before["NRestarts"]) + 1 and \
            after["MainPID"] != before["MainPID"] and "Watchdog timeout" in journal
        self.record("watchdog", ok, f"SIGSTOP'd pid {before['MainPID']}: watchdog kill and "
                    f"restart as pid {after['MainPID']} in {took:.1f} s")

    def kill9(self) -> None:
        details, ok = [], True
        for unit in ("gstv-player", "gstv-agent"):
            before = self.c.show(unit, "NRestarts", "MainPID")
            self.c.sh(f"systemctl kill -s SIGKILL {unit}")
            killed = time.monotonic()
            after = self.c.wait_active(unit, int(before["NRestarts"]) + 1)
            good = after["MainPID"] != before["MainPID"] and after["ActiveState"] == "active"
            ok &= good
            details.append(f"{unit} back as pid {after['MainPID']} in "
                           f"{time.monotonic() - killed:.1f} s")
        self.record("kill9", ok, "; ".join(details))

    def _client(self, *events: str, timeout: float = 60) -> dict:
        out = self.c.sh(f"{VENV_PYTHON} -c '{PAYMENT_CLIENT}' {' '.join(events)}",
                        timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"payment client: {out.stderr[-500:]}")
        return json.loads(out.stdout)

    def backlog(self) -> None:
        before = self.c.show("gstv-player", "NRestarts")
        self.c.sh("systemctl kill -s SIGKILL gstv-player")
        answer = self._client("transaction_start", "transaction_end")
        after = self.c.wait_active("gstv-player", int(before["NRestarts"]) + 1)
        ok = all(r.get("ok") for r in answer["replies"]) and answer["waited_s"] > 1.0 \
            and int(after["NRestarts"]) > int(before["NRestarts"])
        self.record("backlog", ok, f"a connection made right after kill -9 was answered "
                    f"{answer['waited_s']:.1f} s later by the restarted player")

    def prompt_restart(self) -> None:
        self.c.wait_active("gstv-player", 0)
        self._wait_state("playing", 30)
        started = self._client("transaction_start", "prompt_start")
        before = self.c.show("gstv-player", "NRestarts")
        self.c.sh("systemctl kill -s SIGKILL gstv-player")
        self.c.wait_active("gstv-player", int(before["NRestarts"]) + 1)
        seen = []
        for _ in range(10):  # 5 s after the restart, every 0.5 s: never a picture
            status = self.c.status()
            seen.append((status.get("state"), (status.get("now_playing") or {}).get("file")))
            time.sleep(0.5)
        ended = self._client("prompt_end")
        back = self._wait_state("playing", 30)
        hidden = all(state == "prompt" and file is None for state, file in seen)
        ok = started["replies"][-1].get("prompt") is True and hidden and back
        journal = self.c.sh("journalctl -u gstv-player --no-pager -n 300").stdout
        ok &= "prompt_restored_after_restart" in journal
        self.record("prompt_restart", ok, f"after kill -9 mid-prompt: {seen[0]} for 5 s "
                    f"({'all hidden' if hidden else 'NOT all hidden'}), playing again "
                    f"after prompt_end ({ended['replies'][0].get('state')})")
        self._client("transaction_end")

    def _wait_state(self, state: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.c.status().get("state") == state:
                return True
            time.sleep(0.3)
        return False

    def playing(self) -> None:
        playing = self._wait_state("playing", 30)
        status = self.c.status()
        agent = self.c.show("gstv-agent", "MemoryDenyWriteExecute", "ActiveState",
                            "NRestarts")
        time.sleep(6)  # the agent keeps polling (and failing: no cloud) under MDWE
        again = self.c.show("gstv-agent", "ActiveState", "NRestarts")
        ok = playing and status.get("slots_started", 0) > 0 and \
            agent["MemoryDenyWriteExecute"] == "yes" and again["ActiveState"] == "active" \
            and again["NRestarts"] == agent["NRestarts"]
        self.record("playing", ok, f"player {status.get('state')} "
                    f"{(status.get('now_playing') or {}).get('file')}, "
                    f"{status.get('slots_started')} slots; agent active under "
                    f"MemoryDenyWriteExecute={agent['MemoryDenyWriteExecute']}")

    def _probe(self, properties: list[str], user: str = "gstv") -> dict:
        props = " ".join(f"-p '{p}'" for p in properties)
        out = self.c.sh(f"systemd-run --quiet --wait --pipe --uid={user} {props} "
                        f"{VENV_PYTHON} -c '{PROBE}'")
        if out.returncode != 0:
            raise RuntimeError(f"probe: {out.stdout[-300:]} {out.stderr[-500:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def hardening(self) -> None:
        free = self._probe([], user="root")
        player = self._probe(hardening_of(self.root, "gstv-player.service"))
        agent = self._probe(hardening_of(self.root, "gstv-agent.service"))
        ok = free["open_tun"] == "ok" and free["write_etc"] == "ok"
        for found in (player, agent):
            ok &= found["write_etc"] in ("EROFS", "EACCES") and \
                found["write_usr"] in ("EROFS", "EACCES") and found["open_tun"] != "ok"
        ok &= player["open_null"] == "ok"
        self.c.sh("rm -f /etc/gstv-probe /usr/gstv-probe")
        self.record("hardening", ok, f"unconfined probe: {free}; as gstv-player: {player}; "
                    f"as gstv-agent: {agent}")

    def listening(self) -> None:
        tcp = self.c.sh("cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6"
                        ).stdout.splitlines()
        listening_inet = [line for line in tcp if re.match(r"\s*\d+:", line)
                          and line.split()[3] in ("0A", "07")]
        unix = self.c.sh("cat /proc/net/unix").stdout.splitlines()[1:]
        paths = {line.split()[-1] for line in unix
                 if len(line.split()) >= 8 and line.split()[5] == "01"}  # listening
        ours = {p for p in paths if not p.startswith(("/run/systemd", "/run/dbus",
                                                      "@", "/run/user"))}
        ok = not listening_inet and ours <= README_UNIX_SOCKETS
        self.record("listening", ok, f"inet sockets listening or bound: "
                    f"{len(listening_inet)}; Unix sockets listening outside systemd and "
                    f"dbus: {sorted(ours)}")

    def journal(self) -> None:
        warnings = self.c.sh("journalctl -u gstv-player -p warning -o json --no-pager"
                             ).stdout.splitlines()
        entries = [json.loads(line) for line in warnings if line.strip()]
        messages = [(e.get("MESSAGE", ""), int(e.get("PRIORITY", 6))) for e in entries]
        wanted = ("Watchdog timeout", "prompt_restored_after_restart", "clock_untrusted")
        present = {w: any(w in m for m, _ in messages) for w in wanted}
        info_leaked = [m for m, p in messages if p > 4]
        ok = all(present.values()) and not info_leaked
        self.record("journal", ok, f"-p warning shows {present}; lines above warning "
                    f"priority in it: {len(info_leaked)}")

    def security(self) -> None:
        details, ok = [], True
        for unit, target in EXPOSURE_TARGETS.items():
            out = self.c.sh(f"systemd-analyze security --no-pager {unit}").stdout
            found = re.search(rf"Overall exposure level for {unit}: (\d+\.\d)", out)
            score = float(found.group(1)) if found else None
            ok &= score is not None and score <= target
            details.append(f"{unit} {score} (target {target})")
        self.record("security", ok, "; ".join(details))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the run's rootfs")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("systemd-check: run as root (systemd-nspawn)", file=sys.stderr)
        return 2
    base = base_rootfs()
    work = args.keep or Path(tempfile.mkdtemp(prefix="gstv-systemd-"))
    root = work / "rootfs"
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)
    copied = run(["cp", "-a", "--reflink=auto", str(base), str(root)])
    if copied.returncode != 0:
        raise SystemExit(copied.stderr)
    container = Container(root, work / "nspawn.log")
    try:
        prepare(root)
        boot_s = container.boot()
        print(f"booted to running in {boot_s:.2f} s", flush=True)
        checks = Checks(container, root)
        checks.run_all()
    finally:
        container.stop()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    results = checks.results
    ok = all(r["ok"] for r in results.values())
    print(json.dumps({"check": "systemd", "ok": ok, "boot_s": round(boot_s, 2),
                      "not_enforceable_here": ["MemoryMax/CPUQuota: this host's cgroup v1 "
                                               "controllers are not delegated"],
                      "results": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
