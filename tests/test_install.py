"""`make install` into a throwaway root (DESTDIR), the units it installs checked by
systemd's own tools, `make uninstall` back out of it; and the hardening the agent's unit
asks for, checked on the real program where this machine can check it without
systemd (memory never writable and executable at once)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from terminal.config import DEFAULT_PLACEHOLDERS, AgentSection, load_config
from tests import processes
from tests.player.harness import GSTV, write_config

ROOT = Path(__file__).resolve().parents[1]
UNITS = ("gstv-player.service", "gstv-agent.service", "gstv-payment.socket")
EXPOSURE_TARGETS = {"gstv-agent.service": 2.0, "gstv-player.service": 3.0}
MDWE = [sys.executable, str(ROOT / "tests/mdwe.py")]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    run = processes.run(["make", "-s", "install", f"DESTDIR={root}"], cwd=ROOT,
                        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    # systemd-analyze resolves the units' dependencies (sysinit.target, ...) inside the
    # root: give it the system's own unit files, as on a real machine.
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system",
                    symlinks=True, dirs_exist_ok=True)
    return root


def test_install_lays_out_the_application_units_config_and_users(installed):
    venv = installed / "opt/gstv/venv"
    assert (venv / "bin/gstv").read_text().splitlines()[0] == "#!/opt/gstv/venv/bin/python"
    assert str(installed) not in (venv / "bin/activate").read_text()
    run = processes.run([str(venv / "bin/python"), "-m", "gstv", "validate", "playlist",
                         str(ROOT / "assets/samples/playlist.json"), "--site-id",
                         "SITE-0042"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    # No rig ships to a terminal: the rig commands say how to get them.
    assert not list((venv / "lib").glob("python3*/site-packages/gstv_rigs*"))
    for rig in ("cloud", "sim", "demo"):
        run = processes.run([str(venv / "bin/python"), "-m", "gstv", rig, "--help"],
                            capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and "part of the gstv-rigs distribution" in run.stderr \
            and "pip install ./rigs" in run.stderr, run.stderr
    for unit in UNITS:
        assert (installed / "etc/systemd/system" / unit).is_file()
    config = load_config(installed / "etc/gstv/terminal.toml")
    assert config.state_dir == Path("/var/lib/gstv") and config.agent.verify_tls
    # The placeholder a window shows for a missing file, where the default looks first.
    shipped = installed / str(DEFAULT_PLACEHOLDERS[0]).lstrip("/")
    assert shipped.read_bytes() == (ROOT / "assets/placeholder.png").read_bytes()
    passwd = (installed / "etc/passwd").read_text()
    assert re.search(r"^gstv:x:\d+:\d+:.*:/var/lib/gstv:/usr/sbin/nologin$", passwd, re.M)
    assert re.search(r"^gstv-payment:x:\d+:", (installed / "etc/group").read_text(), re.M)


def test_units_verify_without_a_word(installed):
    run = processes.run(["systemd-analyze", "verify", f"--root={installed}", *UNITS],
                        capture_output=True, text=True, timeout=60)
    # verify exits 0 on an unknown key and only says so: silence is the pass.
    assert run.returncode == 0 and run.stdout + run.stderr == "", run.stdout + run.stderr


def test_units_meet_their_exposure_targets(installed):
    for unit, target in EXPOSURE_TARGETS.items():
        run = processes.run(["systemd-analyze", "security", "--offline=true",
                             f"--root={installed}", "--no-pager", unit],
                            capture_output=True, text=True, timeout=60)
        found = re.search(rf"Overall exposure level for {unit}: (\d+\.\d)", run.stdout)
        assert found, run.stdout + run.stderr
        assert float(found.group(1)) <= target, f"{unit}: {found.group(1)}"


def test_uninstall_reverses_install_and_keeps_the_state(installed, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(installed, root, symlinks=True)
    state = root / "var/lib/gstv/outbox.db"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"POP the cloud does not have yet")
    edited = root / "etc/gstv/terminal.toml"
    edited.write_text(edited.read_text().replace("SITE-0042", "SITE-7"))
    run = processes.run(["make", "-s", "uninstall", f"DESTDIR={root}"], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (root / "opt/gstv").exists()
    assert not any((root / "etc/systemd/system" / unit).exists() for unit in UNITS)
    assert not (root / "usr/lib/sysusers.d/gstv.conf").exists()
    assert "gstv" not in (root / "etc/passwd").read_text()
    assert "gstv" not in (root / "etc/group").read_text()
    assert state.read_bytes() == b"POP the cloud does not have yet"
    assert "SITE-7" in edited.read_text()  # someone's edits are never thrown away


def test_the_agent_runs_with_memory_never_writable_and_executable(tmp_path, cloud):
    (cloud.store.media / "new.mp4").write_bytes(b"fresh media" * 1000)
    cloud.store.add_update("media", {"guid": "m-1", "updatedOn": "2026-11-22 10:00:00.000",
                                      "media": [{"filename": "new.mp4"}]})
    config = load_config(write_config(tmp_path))
    config_path = tmp_path / "agent.toml"
    config_path.write_text(config.model_copy(update={"agent": AgentSection(
        cloud_url=f"http://127.0.0.1:{cloud.port}")}).to_toml())
    run = processes.run([*MDWE, str(GSTV), "agent", "--once", "--config", str(config_path)],
                        capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert (config.media / "new.mp4").read_bytes() == b"fresh media" * 1000
