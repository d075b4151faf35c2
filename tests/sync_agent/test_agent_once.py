"""`gstv agent --once` as a real process against the reference cloud (real HTTP on
loopback): both procedures end to end, media and POP, in the seed's order."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

from terminal.config import AgentSection, TerminalConfig
from terminal.outbox import Outbox
from gstv_rigs.cloud import CloudServer, CloudStore
from sync_agent.media_cleanup import named_files
from sync_agent.media_store import read_record
from tests import processes

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets/samples"


def agent_once(config_path: Path) -> subprocess.CompletedProcess:
    return processes.run([sys.executable, "-m", "gstv", "agent", "--once", "--config",
                          str(config_path)], capture_output=True, text=True, timeout=120)


def test_once_runs_every_procedure_and_delivers(tmp_path, cloud):
    for clip in (ROOT / "assets/media").iterdir():
        shutil.copy(clip, cloud.store.media / clip.name)
    media_messages = sorted((SAMPLES / "media").glob("*.json"))
    cloud.store.add_update("playlist", json.loads((SAMPLES / "playlist.json").read_text()))
    for path in media_messages:
        cloud.store.add_update("media", json.loads(path.read_text()))
    cloud.store.add_update("configuration", json.loads((SAMPLES / "config.json").read_text()))
    cloud.store.add_update("network", json.loads((SAMPLES / "network.json").read_text()))
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
    # Seed 000's order: the configurations first (the site's, then the network's, as
    # they arrived), then the media updates, then the playlist.
    assert steps[:4] == [("CONFIGURATION_VALIDATION", "success"), ("MEDIA_CHECK", "success"),
                         ("CONFIGURATION_PUSH_TO_PLAYERS", "success"),
                         ("CONFIGURATION_ACCEPTED_BY_PLAYERS", "success")]
    assert steps[4:9] == [("CONFIGURATION_VALIDATION", "success"), ("MEDIA_CHECK", "success"),
                          ("MEDIA_CHECK", "success"),
                          ("CONFIGURATION_PULLED_BY_TERMINAL", "success"),
                          ("CONFIGURATION_ACCEPTED_BY_TERMINAL", "success")]
    media_steps = steps[9:9 + 5 * len(media_messages)]
    assert media_steps == [("MEDIA_VALIDATION", "success"), ("MEDIA_DOWNLOAD", "success"),
                           ("MEDIA_CHECKSUM_VALIDATION", "success"),
                           ("MEDIA_PULLED_BY_TERMINAL", "success"),
                           ("MEDIA_ACCEPTED_BY_TERMINAL", "success")] * len(media_messages)
    playlist_steps = steps[9 + 5 * len(media_messages):]
    assert playlist_steps[:2] == [("PLAYLIST_VALIDATION", "success"),
                                  ("PLAYLIST_PULLED_BY_TERMINAL", "success")]
    assert playlist_steps[-1] == ("PLAYLIST_ACCEPTED_BY_TERMINAL", "success")
    assert set(playlist_steps[2:-1]) == {("MEDIA_CHECK", "success")}
    assert all(s == "success" for _, s in steps)
    assert [r["recordId"] for r in received["pop"]] == [record]
    # In the site's local time by default: 11:06:40 UTC is 06:06:40 in New York (EST).
    assert (received["pop"][0]["startTimestamp"], received["pop"][0]["endTimestamp"]) == (
        "2026-11-18 06:06:40", "2026-11-18 06:06:52")
    assert (config.active_dir / "playlist.json").exists()
    assert (config.active_dir / "config.json").exists()
    assert (config.active_dir / "network.json").exists()
    assert sorted(p.name for p in config.media.iterdir() if not p.name.startswith(".")) == \
        sorted(p.name for p in (ROOT / "assets/media").iterdir())
    # Every clip a media update brought is in the record, with its MD5 and updatedOn.
    record = read_record(config.media)
    for path in media_messages:
        message = json.loads(path.read_text())
        assert record[message["filename"]].md5 == message["checksum"]
        assert record[message["filename"]].updated_on == message["updatedOn"]
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
    processes.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
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


def test_an_answered_poll_records_the_last_contact_and_a_refused_one_does_not(tmp_path, cloud):
    """What the player's halt after `shutdownHours` counts from (terminal.cloud_contact):
    only a poll the cloud answered moves it; a wrong token (401) or no cloud does not."""
    import time

    from terminal.cloud_contact import last_contact_ms

    token = tmp_path / "token"
    token.write_text("s3cret")
    token.chmod(0o600)
    config = TerminalConfig(site_id="SITE-0042", terminal_id="T1", timezone="UTC",
                            state_dir=tmp_path / "state",
                            agent=AgentSection(cloud_url=cloud.url, token_file=token))
    config_path = tmp_path / "terminal.toml"
    config_path.write_text(config.to_toml())
    cloud.token = "another"
    agent_once(config_path)
    assert last_contact_ms(config.agent_dir) is None
    cloud.token = "s3cret"
    before = int(time.time() * 1000)
    assert agent_once(config_path).returncode == 0
    reached = last_contact_ms(config.agent_dir)
    assert reached is not None and before <= reached <= int(time.time() * 1000)
    down = config.model_copy(update={"agent": AgentSection(cloud_url="http://127.0.0.1:9")})
    config_path.write_text(down.to_toml())
    assert agent_once(config_path).returncode == 1
    assert last_contact_ms(config.agent_dir) == reached
