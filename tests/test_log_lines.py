"""What a technician reads in the journal: every log call in the code has the one line
shape (event, then key=value), repeats of a failure are held back and counted, and
no secret (the cloud token, credentials in the cloud URL) is ever written."""

from __future__ import annotations

import ast
import logging
import re
import sys
from pathlib import Path

from gstv.logs import JournalFormatter, RepeatFilter
from terminal.config import AgentSection, TerminalConfig
from tests import processes

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gstv", "player", "scheduler", "sync", "sync_agent", "terminal", "rigs")
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}
VALUE = r"(%[-0-9.]*[sdfr]|[^ =%]+)"
LINE = re.compile(rf"^(%s_)?[a-z][a-z0-9_]*( [a-z][a-z0-9_]*={VALUE}| %s)*$")


def log_calls():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in LEVELS and isinstance(node.func.value, ast.Name) \
                        and node.func.value.id in ("log", "logger") and node.args:
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0]


def test_every_log_call_writes_an_event_then_key_value_pairs():
    calls = list(log_calls())
    assert len(calls) > 60  # the walk found the code's log calls
    bad = [(where, ast.unparse(first)) for where, first in calls
           if not (isinstance(first, ast.Constant) and isinstance(first.value, str)
                   and LINE.match(first.value))]
    assert bad == []


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_failure_repeated_every_30_s_writes_a_line_every_5_minutes_with_its_count():
    clock = Clock()
    repeat = RepeatFilter(window_s=300, clock=clock)
    written = []
    for attempt in range(40):  # 20 minutes of a download failing every 30 s
        clock.now = attempt * 30.0
        record = logging.LogRecord("sync_agent", logging.WARNING, __file__, 1,
                                   "media_download_failed file=%s attempt=%d error=%s",
                                   ("big.mp4", attempt % 3 + 1, "HTTP 503"), None)
        if repeat.filter(record):
            written.append((clock.now, record.getMessage()))
    assert [at for at, _ in written] == [0, 300, 600, 900]
    assert written[0][1] == "media_download_failed file=big.mp4 attempt=1 error=HTTP 503"
    assert written[1][1].endswith(" repeated=9")
    # Another file's failure, and information lines, are their own events.
    other = logging.LogRecord("sync_agent", logging.WARNING, __file__, 1,
                              "media_download_failed file=%s attempt=%d error=%s",
                              ("other.mp4", 1, "HTTP 503"), None)
    info = logging.LogRecord("player", logging.INFO, __file__, 1, "slot_start file=%s",
                             ("a.mp4",), None)
    assert repeat.filter(other) and repeat.filter(info) and repeat.filter(info)


def test_lines_carry_their_journald_priority():
    formatter = JournalFormatter("%(message)s")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "pop_rejected status=%d",
                               (400,), None)
    assert formatter.format(record) == "<3>pop_rejected status=400"


def test_the_token_and_url_credentials_never_reach_the_log(tmp_path, cloud):
    cloud.token = "tok-SECRET1"
    token = tmp_path / "token"
    token.write_text("tok-SECRET1\n")
    token.chmod(0o600)
    cloud.store.add_update("media", {"guid": "m", "updatedOn": "2026-11-22 10:00:00.000",
                                      "media": [{"filename": "absent.mp4"}]})
    logs = ""
    for url in (f"http://127.0.0.1:{cloud.port}",  # the token, a failing download
                f"http://user:PASS-SECRET2@127.0.0.1:{cloud.port}",  # refused: 401
                "http://user:PASS-SECRET2@127.0.0.1:9"):  # nobody there
        config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="UTC",
                                state_dir=tmp_path / "state",
                                agent=AgentSection(cloud_url=url, token_file=token))
        path = tmp_path / "terminal.toml"
        path.write_text(config.to_toml())
        run = processes.run([sys.executable, "-m", "gstv", "agent", "--once", "--verbose",
                             "--config", str(path)], capture_output=True, text=True,
                            timeout=120)
        logs += run.stdout + run.stderr
    assert "media_download_failed file=absent.mp4" in logs  # it did talk to the cloud
    assert "poll_failed status=401" in logs and "poll_failed error=ConnectError" in logs
    assert "SECRET1" not in logs and "SECRET2" not in logs
