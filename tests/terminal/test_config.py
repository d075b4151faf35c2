from __future__ import annotations

from pathlib import Path

import pytest

from terminal.config import ConfigError, load_config

BASE = '''
site_id = "SITE-0042"
terminal_id = "T1"
timezone = "America/New_York"
state_dir = "/var/lib/gstv"
[player]
output = "window"
payment_socket = "/run/gstv/payment.sock"
status_socket = "/run/gstv/status.sock"
prompt_timeout_s = 120
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(text)
    return path


def test_the_documented_example_loads_with_derived_paths(tmp_path):
    config = load_config(write(tmp_path, BASE))
    assert config.player.output == "window" and config.player.prompt_timeout_s == 120
    assert config.media == Path("/var/lib/gstv/media")
    assert config.outbox_path == Path("/var/lib/gstv/outbox.db")
    assert config.active_dir == Path("/var/lib/gstv/active")
    assert config.tz.key == "America/New_York"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(BASE + "colour = 'red'\n", "unknown key 'player.colour'", id="unknown-in-player"),
        pytest.param("volume = 3\n" + BASE, "unknown key 'volume'", id="unknown-top"),
        pytest.param(BASE.replace('site_id = "SITE-0042"\n', ""), "missing key 'site_id'",
                     id="missing"),
        pytest.param(BASE.replace('"window"', '"fullscreen"'), "player.output", id="bad-output"),
        pytest.param(BASE.replace("America/New_York", "Mars/Base"), "unknown time zone",
                     id="bad-zone"),
        pytest.param(BASE.replace("prompt_timeout_s = 120", "prompt_timeout_s = 0"),
                     "player.prompt_timeout_s: Input should be greater than 0", id="zero-timeout"),
        pytest.param("site_id = ", "not valid TOML", id="not-toml"),
        pytest.param(BASE + "[agent]\nmedia_grace_h = -1\n",
                     "agent.media_grace_h: Input should be greater than or equal to 0",
                     id="negative-grace"),
        pytest.param(BASE + "[agent]\ncloud_url = 'ftp://cloud'\n", "agent.cloud_url",
                     id="not-http"),
        pytest.param(BASE + "[agent]\npop_time = 'gmt'\n", "agent.pop_time",
                     id="pop-time-zone-name"),
        pytest.param(BASE + "sound_timing = 'alsa'\n", "player.sound_timing",
                     id="sound-timing-unknown"),
        pytest.param(BASE + "[player.zones]\nposition = [0]\n", "player.zones.position",
                     id="window-position-one-number"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)


def test_pop_time_is_local_unless_utc_is_asked_for(tmp_path):
    assert load_config(write(tmp_path, BASE)).agent.pop_time == "local"
    assert load_config(write(tmp_path, BASE + "[agent]\npop_time = 'utc'\n")).agent.pop_time \
        == "utc"


def test_unreadable_configuration(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_a_configuration_written_as_toml_loads_back_the_same(tmp_path):
    config = load_config(write(tmp_path, BASE + "payment_uids = [1000, 1001]\n"
                                              "[player.zones]\nbanner = [0, 10, 20, 30]\n"))
    assert load_config(write(tmp_path, config.to_toml())) == config


SYNC = '''
[sync]
peers = [{id = "T1", endpoint = "tcp://10.0.0.11:5570"},
         {id = "T2", endpoint = "tcp://10.0.0.12:5570"}]
ntp_servers = ["10.0.0.1", "pool.ntp.org:123"]
'''


def test_the_sync_section_lists_the_sites_terminals(tmp_path):
    config = load_config(write(tmp_path, BASE + SYNC))
    assert [(p.id, p.endpoint) for p in config.sync.peers] == [
        ("T1", "tcp://10.0.0.11:5570"), ("T2", "tcp://10.0.0.12:5570")]
    assert config.sync.leader is None and config.sync.compensate_drift
    assert config.faults.clock_drift_ppm == 0
    assert load_config(write(tmp_path, config.to_toml())) == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(SYNC.replace('"T2"', '"T1"'), "peer ids must be unique", id="twice"),
        pytest.param(SYNC.replace("tcp://10.0.0.12", "udp://10.0.0.12"), "sync.peers.1.endpoint",
                     id="not-zmq"),
        pytest.param(SYNC + "heartbeat = 3\n", "unknown key 'sync.heartbeat'", id="unknown"),
        pytest.param("[faults]\nclock_drift_ppm = 5000\n", "faults.clock_drift_ppm",
                     id="absurd-drift"),
        pytest.param(SYNC.replace('"T1"', '"T9"'), "sync.peers has no entry for this terminal",
                     id="not-listed"),
        pytest.param(SYNC + 'leader = "T7"\n', "sync.leader 'T7' is not among sync.peers",
                     id="unknown-leader"),
    ],
)
def test_bad_sync_configuration_names_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE + text))
    assert message in str(caught.value)
