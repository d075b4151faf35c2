"""`gstv keys new | install | show`: the site key from its making to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from terminal.config import TerminalConfig
from sync import site_keys
from tests import processes


def gstv(*args: str) -> subprocess.CompletedProcess:
    return processes.run([sys.executable, "-m", "gstv", "keys", *args], capture_output=True,
                         text=True, timeout=60)


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(TerminalConfig(site_id="S", terminal_id="T1", timezone="UTC",
                                   state_dir=tmp_path / "state").to_toml())
    return path


def test_new_install_show(tmp_path):
    made = gstv("new", str(tmp_path / "site.key_secret"))
    assert made.returncode == 0, made.stderr
    keys = site_keys.load(tmp_path / "site.key_secret")
    assert f"public key {keys.public.decode()}" in made.stdout
    assert keys.secret.decode() not in made.stdout + made.stderr
    again = gstv("new", str(tmp_path / "site.key_secret"))
    assert again.returncode == 1 and "exists already" in again.stderr

    config = config_file(tmp_path)
    (tmp_path / "state").mkdir()
    os.chown(tmp_path / "state", 4321, 4321)  # the player's user owns its state directory
    installed = gstv("install", str(tmp_path / "site.key_secret"), "--config", str(config))
    assert installed.returncode == 0, installed.stderr
    target = tmp_path / "state/keys/site.key_secret"
    assert (os.stat(target).st_uid, os.stat(target).st_gid) == (4321, 4321)  # tests run as root
    assert "installed at" in installed.stdout and "restart gstv-player" in installed.stdout
    assert site_keys.load(target) == keys and os.stat(target).st_mode & 0o777 == 0o600
    shown = gstv("show", "--config", str(config))
    assert shown.returncode == 0 and shown.stdout.split()[0] == keys.public.decode()

    gstv("new", str(tmp_path / "next.key_secret"))  # rotation
    replaced = gstv("install", str(tmp_path / "next.key_secret"), "--config", str(config))
    assert replaced.returncode == 0 and "replaced at" in replaced.stdout
    assert site_keys.load(target) == site_keys.load(tmp_path / "next.key_secret")


def test_bad_key_files_are_refused_with_the_reason(tmp_path):
    config = config_file(tmp_path)
    missing = gstv("show", "--config", str(config))
    assert missing.returncode == 1 and "no site key at" in missing.stderr
    loose = tmp_path / "loose.key_secret"
    site_keys.write(site_keys.generate(), loose)
    os.chmod(loose, 0o644)
    refused = gstv("install", str(loose), "--config", str(config))
    assert refused.returncode == 1 and "may be read by others" in refused.stderr
    assert not (tmp_path / "state/keys/site.key_secret").exists()
    broken = gstv("show", "--config", str(tmp_path / "absent.toml"))
    assert broken.returncode == 2
