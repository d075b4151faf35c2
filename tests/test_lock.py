"""The dependency tree is locked (issue #19): `make setup` and `make install` take every
dependency from requirements/*.lock, pinned with hashes, and this environment holds
exactly what the lock says."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
OURS = {"gstv", "gstv-rigs"}
INSTALLERS = {"pip"}  # the venv's own installer, which installs the lock


def pins(lock: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of every requirement in a lock file."""
    found: dict[str, tuple[str, int]] = {}
    name = None
    for line in lock.read_text().splitlines():
        if match := PIN.match(line):
            name = match[1].lower().replace("_", "-")
            found[name] = (match[2], 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[name]
            found[name] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            raise AssertionError(f"{lock.name}: not a pinned requirement: {line}")
    return found


def test_every_requirement_is_pinned_with_hashes_and_the_runtime_is_in_the_dev_lock():
    runtime = pins(ROOT / "requirements/runtime.lock")
    dev = pins(ROOT / "requirements/dev.lock")
    for lock in (runtime, dev):
        assert lock and all(hashes > 0 for _, hashes in lock.values()), lock
    assert {"python-vlc", "pyzmq", "pydantic", "httpx", "setuptools"} <= set(runtime)
    assert {"pytest", "hypothesis"} <= set(dev) and "pytest" not in runtime
    assert all(dev[name][0] == version for name, (version, _) in runtime.items())


def test_this_environment_holds_exactly_the_lock():
    dev = pins(ROOT / "requirements/dev.lock")
    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version
                 for d in metadata.distributions(path=[p for p in sys.path if p])}
    for name, (version, _) in dev.items():
        assert installed.get(name) == version, (name, installed.get(name), version)
    unlocked = set(installed) - set(dev) - OURS - INSTALLERS
    assert not unlocked, f"installed without the lock: {sorted(unlocked)}"


def test_setup_and_install_require_the_hashes_and_add_the_project_alone():
    makefile = (ROOT / "Makefile").read_text()
    install = (ROOT / "scripts/install.sh").read_text()
    assert "--require-hashes --no-deps -r requirements/dev.lock" in makefile
    assert "--no-deps --no-build-isolation -e . -e ./rigs" in makefile
    assert "--require-hashes --no-deps -r requirements/runtime.lock" in install
    assert "--no-deps --no-build-isolation ." in install
