from __future__ import annotations

from pathlib import Path

import pytest

from player.config import ConfigError, load_config

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
    ],
)
def test_bad_configuration_names_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)


def test_unreadable_configuration(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_a_configuration_written_as_toml_loads_back_the_same(tmp_path):
    config = load_config(write(tmp_path, BASE + "payment_uids = [1000, 1001]\n"
                                              "[player.zones]\nbanner = [0, 10, 20, 30]\n"))
    assert load_config(write(tmp_path, config.to_toml())) == config
