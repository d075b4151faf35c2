"""`gstv agent --once` as a real process against the reference cloud (real HTTP on
loopback): both procedures end to end, media and POP, in the seed's order."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

from player.config import AgentSection, TerminalConfig
from player.outbox import Outbox
from sync_agent.cloud import CloudServer, CloudStore
from sync_agent.media_cleanup import named_files

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets/samples"


def agent_once(config_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gstv", "agent", "--once", "--config",
                           str(config_path)], capture_output=True, text=True, timeout=120)


def test_once_runs_both_procedures_and_delivers(tmp_path, cloud):
    for clip in (ROOT / "assets/media").iterdir():
        shutil.copy(clip, cloud.store.media / clip.name)
    for kind, sample in (("playlist", "playlist.json"), ("media", "media.json"),
                         ("configuration", "config.json")):
        cloud.store.add_update(kind, json.loads((SAMPLES / sample).read_text()))
    token = tmp_path / "token"
    token.write_text("s3cret")
    token.chmod(0o600)
    cloud.token = "s3cret"
    config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="America/New_York",
                            state_dir=tmp_path / "state",
                            agent=AgentSection(cloud_url=f"http://127.0.0.1:{cloud.port}",
                                               token_file=token))
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    outbox = Outbox(config.outbox_path)
    record = outbox.open_record(filename="gstv-sports.mp4", asset_id="A1", ti_number="TI",
                                start_ms=1_795_000_000_000, screen_state="Full",
                                site_id="SITE-0042", screen_id="T1")
    outbox.close_record(record, 1_795_000_012_000)
    outbox.close()

    run = agent_once(config_path)
    assert run.returncode == 0, run.stderr
    received = cloud.store.received_all()
    steps = [(n["notificationType"], n["status"]) for n in received["notifications"]]
    # Configuration first, then the media update, then the playlist (seed 000's order).
    assert steps[:4] == [("CONFIGURATION_VALIDATION", "success"), ("MEDIA_CHECK", "success"),
                         ("CONFIGURATION_PUSH_TO_PLAYERS", "success"),
                         ("CONFIGURATION_ACCEPTED_BY_PLAYERS", "success")]
    media_checks = steps[4:4 + 13]
    assert media_checks == [("MEDIA_CHECK", "success")] * 13
    assert steps[17:19] == [("PLAYLIST_VALIDATION", "success"),
                            ("PLAYLIST_PULLED_BY_TERMINAL", "success")]
    assert steps[-1] == ("PLAYLIST_ACCEPTED_BY_TERMINAL", "success")
    assert all(s == "success" for _, s in steps)
    assert [r["recordId"] for r in received["pop"]] == [record]
    assert (config.active_dir / "playlist.json").exists()
    assert (config.active_dir / "config.json").exists()
    assert sorted(p.name for p in config.media.iterdir()) == sorted(
        p.name for p in (ROOT / "assets/media").iterdir())
    # Nothing is done twice: a second run finds nothing new and sends nothing.
    # With no grace period, the next round sweeps a file nothing names, and only it.
    (config.media / "stray.mp4").write_bytes(b"old campaign")
    config_path.write_text(config.model_copy(update={"agent": config.agent.model_copy(
        update={"media_grace_h": 0})}).to_toml())
    again = agent_once(config_path)
    assert again.returncode == 0, again.stderr
    assert len(cloud.store.received_all()["notifications"]) == len(steps)
    assert not (config.media / "stray.mp4").exists()
    named = named_files(json.loads((config.active_dir / "playlist.json").read_text()))
    assert named and all((config.media / name).exists() for name in named)
    assert (config.media / "gstv-blankout.mp4").exists()


def test_once_fails_with_status_1_when_the_cloud_is_down_and_keeps_everything(tmp_path):
    config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="UTC",
                            state_dir=tmp_path / "state",
                            agent=AgentSection(cloud_url="http://127.0.0.1:9"))
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    outbox = Outbox(config.outbox_path)
    record = outbox.open_record(filename="a.mp4", asset_id="A1", ti_number=None,
                                start_ms=1_795_000_000_000, screen_state="Full",
                                site_id="SITE-0042", screen_id="T1")
    outbox.close_record(record, 1_795_000_012_000)
    outbox.close()
    run = agent_once(config_path)
    assert run.returncode == 1
    outbox = Outbox(config.outbox_path)
    assert outbox.pending_count() == 1  # the record waits for the cloud
    outbox.close()


def test_an_unreadable_token_file_is_a_clear_error(tmp_path):
    config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="UTC",
                            state_dir=tmp_path / "state",
                            agent=AgentSection(cloud_url="http://127.0.0.1:9",
                                               token_file=tmp_path / "absent"))
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    run = agent_once(config_path)
    assert run.returncode == 2 and "cannot read agent.token_file" in run.stderr
    assert "absent" in run.stderr


def test_tls_is_verified_unless_the_configuration_says_otherwise(tmp_path):
    """A cloud with a certificate nobody vouches for is refused by default."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = CloudServer(("127.0.0.1", 0), CloudStore(tmp_path / "cloud"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_in_background()
    try:
        url = f"https://127.0.0.1:{server.port}"
        for verify, expected in ((True, 1), (False, 0)):
            config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="UTC",
                                    state_dir=tmp_path / "state",
                                    agent=AgentSection(cloud_url=url, verify_tls=verify))
            config_path = tmp_path / "terminal.toml"
            config_path.write_text(config.to_toml())
            run = agent_once(config_path)
            assert run.returncode == expected, run.stderr
            if verify:
                assert "poll_failed error=ConnectError" in run.stderr
    finally:
        server.close()


def test_a_token_file_others_may_read_is_refused(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret")
    token.chmod(0o644)
    config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="UTC",
                            state_dir=tmp_path / "state",
                            agent=AgentSection(cloud_url="http://127.0.0.1:9",
                                               token_file=token))
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    run = agent_once(config_path)
    assert run.returncode == 2
    assert f"agent.token_file {token} may be read by others (mode 0644); chmod 600 it" \
        in run.stderr
    assert "s3cret" not in run.stderr + run.stdout
