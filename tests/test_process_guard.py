"""The run's guarantee about processes (tests/processes.py, tests/conftest.py), tried on
a pytest of its own: a failing test leaves nothing running, and a process leaked past
every finalizer fails the run, named, and is killed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from tests import processes

ROOT = Path(__file__).resolve().parents[1]


def inner_pytest(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_inner.py").write_text(body)
    return processes.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest",
                          "--rootdir", str(tmp_path), "-p", "no:cacheprovider",
                          str(tmp_path / "test_inner.py")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)


def still_running(mark: str) -> str:
    return processes.run(["pgrep", "-af", mark], capture_output=True, text=True,
                         timeout=30).stdout


def test_a_failing_test_leaves_no_process_of_its_tree_behind(tmp_path):
    mark = f"{uuid.uuid4().int % 10**6}.{uuid.uuid4().int % 10**6}"
    run = inner_pytest(tmp_path, f"""
def test_made_to_fail(procs):
    # A process that starts one in a session of its own, as a demo's children are.
    procs.start(["sh", "-c", "setsid sleep {mark} & sleep {mark}"])
    assert False, "made to fail"
""")
    assert run.returncode == 1 and "made to fail" in run.stdout, run.stdout
    assert "left running" not in run.stdout
    assert still_running(mark) == ""


def test_a_leaked_process_fails_the_run_named_and_is_killed(tmp_path):
    mark = f"{uuid.uuid4().int % 10**6}.{uuid.uuid4().int % 10**6}"
    run = inner_pytest(tmp_path, f"""
import subprocess

def test_leaks():
    process = subprocess.Popen(["sleep", "{mark}"])
    process.returncode = 0  # no ResourceWarning: only the guard may notice
""")
    assert run.returncode == 1, run.stdout
    assert "processes the tests left running" in run.stdout
    assert f"test_inner.py::test_leaks: sleep {mark}" in run.stdout
    assert still_running(mark) == ""
