"""What the player plays from: the staged playlist, site configuration and network
configuration in `state_dir/active/`, and the media present in the media directory.

The agent stages `active/playlist.json`, `active/config.json` and `active/network.json`
atomically; the player notices a change by the size and modification time of those
files and of the media they name, checked at slot boundaries only, and builds a new
`Timeline`. A staged file that fails to load leaves the previous content in force
(logged); with nothing ever staged, the player plays the default initialization
configuration and no playlist (black, or the blankout video if one is configured), and
the default network configuration (no shutdown, no swaps).

The inventory is each present file's duration and version (its MD5, player.durations):
what the site leader announces, so that every screen plays the same bytes
(player.media_files). With them go the inputs of GSTV's playback rules that differ
from screen to screen and must not: the receive time of each evergreen file (from the
agent's record, sync_agent.media_store.received_times) and the instant the site has
been offline since (terminal.cloud_contact, from this terminal's agent). Every screen
of a site uses its leader's, so all swap and halt at the same slot. The offline
instant is looked at on every refresh (each slot boundary): when the site goes
offline or comes back, the content changes and the leader announces it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from terminal.config import TerminalConfig
from player.durations import DurationCache
from player.media_files import MediaFiles
from scheduler.configuration import ConfigurationUpdate, SiteConfiguration, default_configuration
from scheduler.network import DEFAULT_NETWORK, NetworkConfiguration, NetworkUpdate
from scheduler.playlist import PlaylistUpdate, Site
from scheduler.timeformats import format_timestamp
from scheduler.timeline import Timeline
from scheduler.validation import validate_update
from sync.site_sync import Inventory
from sync_agent.media_store import RECORD, received_times
from terminal.cloud_contact import last_contact_ms, offline_after_ms, offline_since
from terminal.worker_thread import WorkerThread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    timeline: Timeline
    site: Site | None
    configuration: SiteConfiguration
    present: frozenset[str]  # files with a known duration
    playlist_version: str | None  # "guid@updatedOn" of the staged playlist
    config_version: str | None
    durations: Mapping[str, int]  # the inventory the timeline was built with
    versions: Mapping[str, str] = field(default_factory=dict)  # file: MD5 played
    network: NetworkConfiguration = DEFAULT_NETWORK
    network_version: str | None = None
    received: Mapping[str, int] = field(default_factory=dict)  # evergreen files' receipt
    offline_since: int | None = None  # the site's, epoch ms; None: online

    @property
    def digest(self) -> str:
        """A short fingerprint of the inventory, announced by the site leader."""
        text = json.dumps([sorted(self.durations.items()), sorted(self.versions.items()),
                           sorted(self.received.items()), self.offline_since])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def inventory(self) -> Inventory:
        return Inventory(dict(self.durations), dict(self.versions), dict(self.received),
                         self.offline_since)

    @property
    def key(self) -> tuple[str | None, str | None, str, str | None]:
        return self.playlist_version, self.config_version, self.digest, self.network_version

    def with_inventory(self, inventory: Inventory, tz) -> Content:
        """The same playlist and configuration on another inventory: the site
        leader's, so that every screen computes the leader's timeline and plays the
        leader's versions (a file only the leader has: black here, in step; a file
        the leader lacks: skipped site-wide), swaps and halts where the leader does."""
        durations = dict(inventory.durations)
        timeline = Timeline(site=self.site, configuration=self.configuration,
                            durations=durations, tz=tz, network=self.network,
                            received=inventory.received,
                            offline_since=inventory.offline_since)
        return replace(self, timeline=timeline, durations=durations,
                       versions=dict(inventory.versions), received=dict(inventory.received),
                       offline_since=inventory.offline_since)


Offload = Callable[..., Awaitable[Any]]  # runs blocking I/O off the event loop


def _wall_ms() -> int:
    return int(time.time() * 1000)


class ContentLoader:
    def __init__(self, config: TerminalConfig, durations: DurationCache, *,
                 offload: Offload | None = None,
                 now_ms: Callable[[], int] = _wall_ms) -> None:
        self._config = config
        self._durations = durations
        # Two threads (inline in virtual-time tests): the slot loop's file opening at a
        # slot boundary never waits behind a new playlist's duration probes.
        self.offload: Offload = offload or WorkerThread("slot-files")
        self._load_offload: Offload = offload or WorkerThread("content-load")
        # The system clock, as the agent's contact records (terminal.cloud_contact): the
        # offline decision compares the two on one clock. The instant then goes into
        # the timeline as it is; the system clock's error against site time (NTP keeps
        # both within milliseconds) moves the halt by as much.
        self._now_ms = now_ms
        self._offline_after_ms = offline_after_ms(config.agent.poll_interval_s)
        self.files = MediaFiles(config.media, durations)  # the version a slot plays
        self._stamp: tuple | None = None
        self._names: frozenset[str] = frozenset()  # media the content refers to
        self.content: Content | None = None

    def offline_since(self) -> int | None:
        """The instant this terminal's agent has not reached the cloud since, if it
        counts as offline now (terminal.cloud_contact)."""
        return offline_since(last_contact_ms(self._config.agent_dir), self._now_ms(),
                             self._offline_after_ms)

    def _current_stamp(self, offline: int | None) -> tuple:
        """What the content depends on: the staged files, the media they name and
        whether the site is offline. Not the media directory as a whole: the duration
        cache writes there, and a reload rebuilds the day's slot table (tens of ms of
        the interpreter)."""
        def version(path: Path) -> tuple[int, int] | None:
            try:
                stat = path.stat()
            except OSError:
                return None
            return stat.st_size, stat.st_mtime_ns
        active = self._config.active_dir
        media = self._config.media
        return (version(active / "playlist.json"), version(active / "config.json"),
                version(active / "network.json"),
                tuple(version(media / name) for name in sorted(self._names)),
                version(media / RECORD), offline)

    async def refresh(self) -> bool:
        """Reload if anything changed since the last load; whether content changed."""
        offline = self.offline_since()
        if self.content is not None and self._current_stamp(offline) == self._stamp:
            return False
        previous = self.content
        site, playlist_version = self._load_playlist(previous)
        configuration, config_version = self._load_configuration(previous)
        network, network_version = self._load_network(previous)
        names = {a.filename for s in (site.schedules if site else ()) for lp in s.loops
                 for a in lp.assets}
        names |= {b.filename for b in (site.banners if site else ())}
        if configuration.blankoutVideo:
            names.add(configuration.blankoutVideo)
        names |= {n for e in network.evergreen for n in (e.filename, e.swapFilename) if n}
        self._names = frozenset(names)
        self._stamp = self._current_stamp(offline)
        durations = await self._load_offload(self._durations.durations, names)
        versions = await self._load_offload(self._durations.versions, durations)
        received = await self._load_offload(
            received_times, self._config.media,
            [e.filename for e in network.evergreen if e.filename in durations])
        timeline = Timeline(site=site, configuration=configuration, durations=durations,
                            tz=self._config.tz, network=network, received=received,
                            offline_since=offline)
        self.content = Content(timeline, site, configuration, frozenset(durations),
                               playlist_version, config_version, durations, versions,
                               network, network_version, received, offline)
        log.info("content_loaded playlist=%s config=%s network=%s media_present=%d"
                 " offline_since=%s", playlist_version, config_version, network_version,
                 len(durations), offline)
        return True

    def _load_playlist(self, previous: Content | None) -> tuple[Site | None, str | None]:
        raw = self._read_staged("playlist.json")
        if raw is None:
            return (previous.site, previous.playlist_version) if previous else (None, None)
        outcome = validate_update("playlist", raw, site_id=self._config.site_id)
        if not outcome.ok or not isinstance(outcome.update, PlaylistUpdate):
            log.error("staged_playlist_rejected error=%s keeping=%s", outcome.error,
                      previous.playlist_version if previous else None)
            return (previous.site, previous.playlist_version) if previous else (None, None)
        update = outcome.update
        return update.site(self._config.site_id), _version(update)

    def _load_configuration(self, previous: Content | None) -> tuple[SiteConfiguration,
                                                                       str | None]:
        raw = self._read_staged("config.json")
        if raw is None:
            if previous:
                return previous.configuration, previous.config_version
            return default_configuration(self._config.site_id), None
        outcome = validate_update("configuration", raw, site_id=self._config.site_id)
        if not outcome.ok or not isinstance(outcome.update, ConfigurationUpdate):
            log.error("staged_config_rejected error=%s keeping=%s", outcome.error,
                      previous.config_version if previous else "default")
            if previous:
                return previous.configuration, previous.config_version
            return default_configuration(self._config.site_id), None
        update = outcome.update
        return update.site(self._config.site_id) or update.configuration[0], _version(update)

    def _load_network(self, previous: Content | None) -> tuple[NetworkConfiguration,
                                                                 str | None]:
        kept = (previous.network, previous.network_version) if previous \
            else (DEFAULT_NETWORK, None)
        raw = self._read_staged("network.json")
        if raw is None:
            return kept
        outcome = validate_update("network", raw)
        if not outcome.ok or not isinstance(outcome.update, NetworkUpdate):
            log.error("staged_network_rejected error=%s keeping=%s", outcome.error,
                      kept[1] or "default")
            return kept
        return outcome.update.configuration, _version(outcome.update)

    def _read_staged(self, name: str) -> bytes | None:
        """The staged file, or None when there is none or it cannot be read (logged):
        either way the content in force stays."""
        path = self._config.active_dir / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("staged_file_unreadable file=%s error=%s", name, exc.strerror or exc)
            return None


def _version(update: PlaylistUpdate | ConfigurationUpdate | NetworkUpdate) -> str:
    return f"{update.guid}@{format_timestamp(update.updatedOn)}"
