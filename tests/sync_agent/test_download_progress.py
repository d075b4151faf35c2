"""A large download shows its progress: in the agent's status file, in `gstv status`
while a real player and agent run, and on an interactive terminal with `--once`."""

from __future__ import annotations

import asyncio
import io
import json
import os
import pty
import select
import subprocess
import sys
import time

import httpx

from terminal.config import AgentSection
from sync_agent.download_progress import DownloadProgress, describe, read_downloads
from sync_agent.media_download import download
from tests import processes
from tests.player.harness import (
    GSTV,
    asset,
    playing_status,
    stage,
    start_player,
    terminal_config,
)
from tests.waits import READY_S, STOP_S


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_written_at_start_each_second_and_at_the_end(tmp_path):
    clock, tty = Clock(), io.StringIO()
    path = tmp_path / "status.json"
    progress = DownloadProgress(path, tty=tty, clock=clock)
    progress("big.mp4", 1_000_000, 4_000_000)
    assert read_downloads(path) == [{"file": "big.mp4", "bytes": 1_000_000,
                                     "total": 4_000_000, "bytes_per_s": None}]
    clock.now += 0.5
    progress("big.mp4", 2_000_000, 4_000_000)
    assert read_downloads(path)[0]["bytes"] == 1_000_000  # not yet a second later
    clock.now += 0.5
    progress("big.mp4", 3_000_000, 4_000_000)
    assert read_downloads(path)[0]["bytes"] == 3_000_000
    assert describe(read_downloads(path)[0]) == "big.mp4 75% (3.0 of 4.0 MB, 3.0 MB/s)"
    progress.finished("big.mp4")
    assert read_downloads(path) == []
    assert tty.getvalue().endswith("\n")
    assert "\rbig.mp4 25% (1.0 of 4.0 MB)" in tty.getvalue()


def test_a_status_file_left_by_a_dead_agent_shows_nothing_in_flight(tmp_path):
    dead = processes.run([sys.executable, "-c", "import os; print(os.getpid())"],
                         capture_output=True, text=True, check=True)
    path = tmp_path / "status.json"
    path.write_text(json.dumps({"pid": int(dead.stdout), "updated": 0, "downloads": [
        {"file": "big.mp4", "bytes": 1, "total": 2}]}))
    assert read_downloads(path) == []
    path.write_text("{ cut")
    assert read_downloads(path) == []


def big_file(cloud, name="big.mp4", size=512 * 1024):
    (cloud.store.media / name).write_bytes(os.urandom(size))
    return name


async def test_a_real_download_reports_while_it_runs(tmp_path, cloud):
    name = big_file(cloud)
    cloud.store.faults.throttle_kbps[name] = 256  # two seconds
    path = tmp_path / "status.json"
    seen = []

    async def watch():
        while True:
            seen.extend(d["bytes"] for d in read_downloads(path))
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        result = await download(client, tmp_path / "media", name,
                                progress=DownloadProgress(path))
    watcher.cancel()
    assert result.ok
    assert any(0 < have < 512 * 1024 for have in seen), seen


def test_once_on_a_terminal_draws_the_progress(tmp_path, cloud, procs):
    name = big_file(cloud, size=256 * 1024)
    cloud.store.faults.throttle_kbps[name] = 256
    cloud.store.add_update("media", {"guid": "m-1", "updatedOn": "2026-11-22 10:00:00.000",
                                     "media": [{"filename": name}]})
    config = terminal_config(tmp_path).model_copy(update={"agent": AgentSection(
        cloud_url=f"http://127.0.0.1:{cloud.port}")})
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    master, slave = pty.openpty()
    agent = procs.start([str(GSTV), "agent", "--once", "--config", str(config_path)],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], READY_S)
        assert ready, f"the agent drew nothing for {READY_S:.0f} s"
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the agent closed its end
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert agent.wait(timeout=STOP_S) == 0, drawn.decode(errors="replace")
    text = drawn.decode()
    assert f"\r{name} 100% (0.3 of 0.3 MB" in text
    assert any(f"\r{name} {p}%" in text for p in range(1, 100)), text


def test_status_shows_the_download_of_a_running_agent(tmp_path, cloud, procs):
    name = big_file(cloud, size=2 * 1024 * 1024)
    cloud.store.faults.throttle_kbps[name] = 256  # eight seconds
    cloud.store.add_update("media", {"guid": "m-1", "updatedOn": "2026-11-22 10:00:00.000",
                                     "media": [{"filename": name}]})
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    config = config.model_copy(update={"agent": AgentSection(
        cloud_url=f"http://127.0.0.1:{cloud.port}")})
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    start_player(procs, config_path)
    procs.start([str(GSTV), "agent", "--config", str(config_path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    playing_status(config_path)
    deadline = time.monotonic() + READY_S
    while True:
        proc = processes.run([str(GSTV), "status", "--config", str(config_path)],
                             capture_output=True, text=True, timeout=60)
        row = [line for line in proc.stdout.splitlines() if line.startswith("downloads")]
        if row and name in row[0]:
            break
        assert time.monotonic() < deadline, proc.stdout
        time.sleep(0.2)
    assert "% (" in row[0] and " of 2.1 MB" in row[0]
