"""The terminal configuration file (`--config FILE`, default `/etc/gstv/terminal.toml`).

A contract shared with installers and tests: keys as documented in README ("Terminal
configuration"). Unknown keys are an error naming the key, so a typo never silently
falls back to a default on a forecourt. Every path can be overridden; paths not given
are derived from `state_dir`.
"""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from terminal.errors import ConfigError

DEFAULT_CONFIG = Path("/etc/gstv/terminal.toml")

Rect = tuple[int, int, int, int]  # x, y, width, height in pixels


def exposed_secret(mode: int) -> str | None:
    """Why a secret file the configuration names (the cloud token, the site key) with
    this `st_mode` must not be used, or None. Anyone who could read it could act as the
    terminal, so one that others may read is refused, as ssh refuses a private key."""
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"may be read by others (mode {stat.S_IMODE(mode):04o}); chmod 600 it"
    return None


DEFAULT_PLACEHOLDERS = (Path("/opt/gstv/share/placeholder.png"),
                        Path(__file__).resolve().parents[1] / "assets" / "placeholder.png")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Zones(_Section):
    """Zone rectangles for the full-screen state and the transaction state."""

    screen: tuple[int, int] = (1280, 720)
    # Where the window sits on the X screen: (0, 0) on a terminal; a rig that puts
    # several terminals' windows on one X server (gstv sim --output window) sets them
    # side by side.
    position: tuple[int, int] = (0, 0)
    full_video: Rect = (0, 0, 1280, 720)
    transaction_video: Rect = (0, 0, 853, 480)
    banner: Rect = (0, 600, 1280, 120)
    coupon: Rect = (853, 0, 427, 480)


class PlayerSection(_Section):
    output: Literal["window", "headless"] = "window"
    payment_socket: Path = Path("/run/gstv/payment.sock")
    status_socket: Path = Path("/run/gstv/status.sock")
    prompt_timeout_s: float = Field(default=120, gt=0)
    # Who may drive the payment socket (SO_PEERCRED); empty = root and our own user.
    payment_uids: tuple[int, ...] = ()
    payment_gids: tuple[int, ...] = ()
    default_volume: int = Field(default=50, ge=0, le=100)
    headless_size: tuple[int, int] = (160, 90)
    # libVLC threads at real-time priority where allowed (player.engine): frame timing.
    realtime: bool = True
    # Headless only, for rigs and `gstv sim`: append every displayed frame to this file
    # ("monotonic_ns deck number kind label" lines, player.daemon), reading frame
    # numbers drawn by the sync test clip when `read_frame_numbers`.
    frame_trace: Path | None = None
    read_frame_numbers: bool = False
    # Headless only: where the sound goes. "none": libVLC's null output; "pulse": the
    # PulseAudio server's default sink ($PULSE_SERVER, $PULSE_SINK pick which), so a rig
    # can record each screen's sound (gstv_rigs.sound). A window always plays it.
    headless_audio: Literal["none", "pulse"] = "none"
    # Who times the sound: "libvlc", its own output (PulseAudio or ALSA), which lets
    # sound wander tens of ms from the picture; "player", the player's own PulseAudio
    # output, each buffer placed on its instant (player.audio_out); "auto", the player's
    # wherever PulseAudio takes it, libVLC's elsewhere (ALSA alone, the null output;
    # player.audio_out.times_its_own_sound says why).
    sound_timing: Literal["auto", "libvlc", "player"] = "auto"
    # The picture a window shows in the video zone for a slot whose file this screen
    # lacks (GSTV's QA case 192); unset: the one `make install` puts in
    # /opt/gstv/share, else the source tree's assets/placeholder.png.
    placeholder: Path | None = None

    zones: Zones = Zones()

    @property
    def placeholder_image(self) -> Path:
        if self.placeholder is not None:
            return self.placeholder
        return next((p for p in DEFAULT_PLACEHOLDERS if p.exists()), DEFAULT_PLACEHOLDERS[0])


class Peer(_Section):
    id: str = Field(min_length=1)
    endpoint: str = Field(pattern=r"^(tcp|ipc)://")


class SyncSection(_Section):
    """Site sync (sync.site_sync). `peers` lists every terminal of the site, this one
    included: its own entry is where it listens, unless `bind` says otherwise (e.g.
    "tcp://*:5570" behind NAT or in a rig). One peer or none: a site of one."""

    peers: tuple[Peer, ...] = ()
    leader: str | None = None  # a preferred leader; default the lowest reachable id
    bind: str | None = Field(default=None, pattern=r"^(tcp|ipc)://")
    ntp_servers: tuple[str, ...] = ()  # "host" or "host:port"
    ntp_interval_s: float = Field(default=64, gt=0)
    # Wait this long at start for the site's time before playing on our own clock.
    join_wait_s: float = Field(default=3, ge=0)
    # Steer media onto the site clock's rate (player.rate); off only to show the drift.
    compensate_drift: bool = True
    # The site's CURVE key (sync.site_keys); default state_dir/keys/site.key_secret.
    key_file: Path | None = None
    # Site sync in the clear, readable and joinable by anyone on the network: only for
    # a bench that must watch the traffic. Never on a forecourt.
    insecure_plaintext: bool = False

    @field_validator("peers")
    @classmethod
    def _unique_ids(cls, peers: tuple[Peer, ...]) -> tuple[Peer, ...]:
        ids = [p.id for p in peers]
        if len(set(ids)) != len(ids):
            raise ValueError("peer ids must be unique")
        return peers


class AgentSection(_Section):
    """`gstv agent` (sync_agent.agent): where the cloud is and how often to ask it."""

    cloud_url: str = Field(default="https://cloud.invalid", pattern=r"^https?://")
    token_file: Path | None = None  # a file holding the bearer token (mode 0600)
    poll_interval_s: float = Field(default=60, gt=0)
    verify_tls: bool = True
    # Media nothing references are deleted this long after (sync_agent.media_cleanup).
    media_grace_h: float = Field(default=24, ge=0)
    # The zone of uploaded POP timestamps (sync_agent.delivery): the site's local time,
    # as GSTV's later POP document says and dayparts are sold, or UTC.
    pop_time: Literal["local", "utc"] = "local"


class FaultsSection(_Section):
    """Test and simulator only: a wrong RTC and a fast or slow crystal (sync.clock).
    Never set on a real terminal."""

    clock_offset_ms: float = 0.0
    clock_drift_ppm: float = Field(default=0.0, ge=-1000, le=1000)


class TerminalConfig(_Section):
    site_id: str
    terminal_id: str
    timezone: str
    state_dir: Path = Path("/var/lib/gstv")
    media_dir: Path | None = None
    player: PlayerSection = PlayerSection()
    sync: SyncSection = SyncSection()
    agent: AgentSection = AgentSection()
    faults: FaultsSection = FaultsSection()

    @model_validator(mode="after")
    def _listed_among_its_peers(self) -> TerminalConfig:
        ids = [p.id for p in self.sync.peers]
        if ids and self.terminal_id not in ids:
            raise ValueError(f"sync.peers has no entry for this terminal "
                             f"({self.terminal_id!r}): where would it listen?")
        if self.sync.leader is not None and self.sync.leader not in ids:
            raise ValueError(f"sync.leader {self.sync.leader!r} is not among sync.peers")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def media(self) -> Path:
        return self.media_dir or self.state_dir / "media"

    @property
    def active_dir(self) -> Path:
        return self.state_dir / "active"

    @property
    def inbox(self) -> Path:
        return self.state_dir / "inbox"

    @property
    def agent_dir(self) -> Path:
        return self.state_dir / "agent"

    @property
    def outbox_path(self) -> Path:
        return self.state_dir / "outbox.db"

    @property
    def site_key_file(self) -> Path:
        return self.sync.key_file or self.state_dir / "keys" / "site.key_secret"

    def to_toml(self) -> str:
        """This configuration as the file `load_config` reads back (for installers,
        rigs and tests that start `gstv player` as a process)."""
        return "\n".join(_toml_table("", self.model_dump(exclude_none=True))) + "\n"


def _toml_table(name: str, table: dict) -> list[str]:
    lines = [f"[{name}]"] if name else []
    lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()
              if not isinstance(value, dict)]
    for key, value in table.items():
        if isinstance(value, dict):
            lines += _toml_table(f"{name}.{key}" if name else key, value)
    return lines


def _toml_value(value: object) -> str:
    if isinstance(value, (str, Path)):
        return json.dumps(str(value))  # a JSON string is a TOML basic string
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):  # inside an array: an inline table
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def load_config(path: Path = DEFAULT_CONFIG) -> TerminalConfig:
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return TerminalConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        if first["type"] == "extra_forbidden":
            raise ConfigError(f"{path}: unknown key {key!r}") from None
        if first["type"] == "missing":
            raise ConfigError(f"{path}: missing key {key!r}") from None
        raise ConfigError(f"{path}: {key}: {first['msg']}") from None
