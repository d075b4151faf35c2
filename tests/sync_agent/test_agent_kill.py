"""kill -9 of a real `gstv agent` mid-download and mid-upload: after a restart nothing
is lost, nothing half-written is ever visible to the player, and the cloud sees every
POP record (at least once) and no record it should not."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from bench._common import fill_outbox
from terminal.config import AgentSection
from sync_agent.media_download import partial_path
from tests.player.harness import GSTV, terminal_config
from tests.processes import ProcessSet
from tests.sync_agent.conftest import playlist
from tests.waits import READY_S, STOP_S, wait_until


def agent_config(tmp_path: Path, cloud) -> tuple:
    config = terminal_config(tmp_path).model_copy(update={"agent": AgentSection(
        cloud_url=f"http://127.0.0.1:{cloud.port}")})
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    return config, path


def start_agent(procs: ProcessSet, config_path: Path) -> subprocess.Popen:
    with open(config_path.parent / "agent.log", "ab") as log:
        return procs.start([str(GSTV), "agent", "--once", "--config", str(config_path)],
                           stdout=subprocess.DEVNULL, stderr=log)


def test_kill_9_mid_download_resumes_and_never_shows_a_partial_file(tmp_path, cloud, procs):
    data = os.urandom(1024 * 1024)
    (cloud.store.media / "big.mp4").write_bytes(data)
    cloud.store.faults.throttle_kbps["big.mp4"] = 256  # four seconds
    cloud.store.add_update("playlist", playlist("p-1", "big.mp4"))
    config, config_path = agent_config(tmp_path, cloud)
    partial = partial_path(config.media, "big.mp4")

    agent = start_agent(procs, config_path)
    wait_until(lambda: partial.exists() and partial.stat().st_size > 200_000, "partial",
               every_s=0.02)
    agent.send_signal(signal.SIGKILL)
    agent.wait(timeout=STOP_S)
    cut_at = partial.stat().st_size
    assert not (config.media / "big.mp4").exists()
    assert not (config.active_dir / "playlist.json").exists()  # not applied half-way

    cloud.store.faults.throttle_kbps.clear()
    rerun = start_agent(procs, config_path)
    assert rerun.wait(timeout=READY_S) == 0, (tmp_path / "agent.log").read_text()
    assert hashlib.sha256((config.media / "big.mp4").read_bytes()).digest() == \
        hashlib.sha256(data).digest()
    assert not partial.exists()
    ranges = [r for name, r in cloud.store.media_requests if name == "big.mp4"]
    assert ranges[-1] == f"bytes={cut_at}-"  # resumed where the killed one stopped
    steps = [(n["notificationType"], n["status"])
             for n in cloud.store.received_all()["notifications"] if n.get("guid") == "p-1"]
    # The first run's notifications were queued in the outbox and go out now; the
    # procedure ran again from its first step, and was accepted once.
    assert steps.count(("PLAYLIST_ACCEPTED_BY_TERMINAL", "success")) == 1
    assert steps[-1] == ("PLAYLIST_ACCEPTED_BY_TERMINAL", "success")
    assert ("MEDIA_CHECK", "failure") not in steps
    staged = json.loads((config.active_dir / "playlist.json").read_text())
    assert staged["guid"] == "p-1"


def test_kill_9_mid_upload_loses_no_pop_and_invents_none(tmp_path, cloud, procs):
    config, config_path = agent_config(tmp_path, cloud)
    ids = fill_outbox(config.outbox_path, 2_000)
    cloud.store.faults.delay_ms["POST /pop"] = 1_500
    received = cloud.store.received / "pop.jsonl"

    def batches_in() -> int:
        return len(received.read_text().splitlines()) if received.exists() else 0

    agent = start_agent(procs, config_path)
    wait_until(lambda: batches_in() >= 500, "the first batch", every_s=0.02)
    time.sleep(0.3)  # the second batch is on its way, held by the cloud's delay
    agent.send_signal(signal.SIGKILL)
    agent.wait(timeout=STOP_S)
    db = sqlite3.connect(config.outbox_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    unsent_after_kill = db.execute("SELECT count(*) FROM pop WHERE sent_ms IS NULL").fetchone()[0]
    db.close()
    assert 0 < unsent_after_kill <= 1_500

    cloud.store.faults.delay_ms.clear()
    rerun = start_agent(procs, config_path)
    assert rerun.wait(timeout=READY_S) == 0, (tmp_path / "agent.log").read_text()
    at_cloud = [r["recordId"] for r in cloud.store.received_all()["pop"]]
    assert sorted(at_cloud) == sorted(ids)  # every one, each stored once, none invented
    db = sqlite3.connect(config.outbox_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM pop WHERE sent_ms IS NULL").fetchone()[0] == 0
    db.close()
