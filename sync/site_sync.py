"""The site's shared clock and leadership, inside each `gstv player`.

Every terminal listed in `[sync] peers` binds its own endpoint and asks each of the
others for a time exchange every `PEER_POLL_S` (its leader every `LEADER_POLL_S`).
Each answer tells who is alive, who leads and what content the leader announces
(sync.time_service); the leader's answers also discipline this terminal's SiteClock
(sync.discipline). Leadership follows sync.election, recomputed on every answer.

Timing decisions:
- A peer is reachable while it answered within `REACH_S`. A leader that goes silent is
  replaced once that expires plus one poll: under 3 s (the target), and meanwhile the
  followers free-run on the rate they had learned, so no clock moves.
- A terminal that starts listens `LISTEN_S` before it may lead, so a restarted leader
  hears the site's current leader before it could claim the site for itself.
- With one peer (or none) the terminal is a site of one: no sockets, role "alone".

Security (sync.site_keys): the exchanges run over CURVE with the site's key; the ZAP
handler admits only askers holding it, and refusals are logged (`sync_peer_refused`,
rate-limited like every repeated warning). A terminal whose site key is missing or
unusable does not fall back to the clear: it logs `sync_disabled` with the reason and
plays on its own as a site of one (role "alone", `keys` in `gstv status` says why),
because a screen that plays unsynchronised is better than a black one, and one that
talks to anyone is worse. `[sync] insecure_plaintext` turns CURVE off, for benches.

NTP (sync.ntp): the leader (or a terminal alone) measures its clock against the
configured servers every `ntp_interval_s` and corrects its SiteClock (stepped or
slewed as any correction); once one answered, its clock is trusted. A follower's
clock is trusted while it is in step with a leader whose clock is trusted. Until then
the player plays on system time and says so (`clock_untrusted` in the log, `trusted`
false in `gstv status`).

Content: the leader publishes an announcement (its content versions, the digest of its
inventory, the instant they take effect) and its `Inventory`: the duration of each
file it plays and the version (MD5) it plays of each. A follower asks for the
inventory whenever the digest it holds is not the announced one. On the wire the
durations go as `inventory`, the versions as `versions`, the evergreen files' receive
times as `received` and the site's offline instant as `offline_since`; a leader that
sends no versions leaves every follower free to play whatever version it holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import zmq
import zmq.asyncio
from zmq.auth.asyncio import AsyncioAuthenticator

from terminal.config import TerminalConfig
from terminal.worker_thread import WorkerThread
from sync.clock import SiteClock
from sync.discipline import Discipline
from sync.election import Candidate, choose_leader
from sync.ntp import NtpMeter, NtpServer
from sync.announcement import Announcement
from sync.errors import SiteKeyError
from sync.site_keys import SiteKeys, load
from sync.time_service import TimeClient, TimeServer

log = logging.getLogger(__name__)

LEADER_POLL_S = 0.25
PEER_POLL_S = 0.5
REACH_S = 1.5
LISTEN_S = 1.0
EXCHANGE_TIMEOUT_S = 0.4


@dataclass(frozen=True)
class Inventory:
    """The media a leader plays: each file's duration (ms) and version (MD5), with the
    inputs of the playback rules the whole site shares (scheduler.timeline): each
    evergreen file's receive time and the instant the site has been offline since."""

    durations: dict[str, int]
    versions: dict[str, str] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    offline_since: int | None = None


@dataclass
class _Peer:
    id: str
    client: TimeClient
    last_seen: float = float("-inf")
    state: dict[str, Any] = field(default_factory=dict)


class SiteSync:
    def __init__(self, config: TerminalConfig, clock: SiteClock) -> None:
        self._config = config
        self._clock = clock
        self.id = config.terminal_id
        sync = config.sync
        self._others = [p for p in sync.peers if p.id != self.id]
        self._own = next((p for p in sync.peers if p.id == self.id), None)
        self.alone = not self._others
        self.role = "alone" if self.alone else "starting"
        self.leader: str | None = self.id if self.alone else None
        self.discipline = Discipline(clock)
        self._context: zmq.asyncio.Context | None = None
        self._server: TimeServer | None = None
        self._peers: dict[str, _Peer] = {}
        self._tasks: list[asyncio.Task] = []
        self._started = 0.0
        self._announcement: Announcement | None = None  # what we announce as leader
        self._inventory = Inventory({})
        self._leader_inventory: tuple[str | None, Inventory] = (None, Inventory({}))
        self._ntp = NtpMeter([_ntp_server(s) for s in sync.ntp_servers]) \
            if sync.ntp_servers else None
        self._ntp_thread = WorkerThread("ntp")  # a query may wait out its timeout
        self._ntp_trusted = False
        self._said_untrusted = False
        self._auth: AsyncioAuthenticator | None = None
        self.keys = "none" if self.alone else "curve"  # "curve", "plaintext", "missing"

    # -- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        self._started = time.monotonic()
        if self._ntp is not None:
            self._tasks.append(asyncio.create_task(self._ntp_loop(), name="ntp"))
        else:
            self._note_trust()
        if self.alone:
            return
        if self._own is None:
            raise ValueError(f"[sync] peers lists no endpoint for this terminal "
                             f"({self.id!r})")
        keys = self._site_keys()
        if keys is None and not self._config.sync.insecure_plaintext:
            return
        self._context = zmq.asyncio.Context()
        if keys is not None:
            self._auth = AsyncioAuthenticator(self._context)
            self._auth.start()
            self._auth.configure_curve_callback("*", _SiteMembers(keys))
        bind = self._config.sync.bind or self._own.endpoint
        self._server = TimeServer(self._context, bind, self._clock, self._state, keys=keys)
        self._server.start()
        for peer in self._others:
            client = TimeClient(self._context, peer.endpoint, self._clock,
                                stamp=self._clock.local_ms, keys=keys)
            self._peers[peer.id] = _Peer(peer.id, client)
            self._tasks.append(asyncio.create_task(self._poll(self._peers[peer.id]),
                                                   name=f"sync-{peer.id}"))
        log.info("sync_started terminal=%s peers=%s bind=%s", self.id,
                 ",".join(p.id for p in self._others), bind)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for peer in self._peers.values():
            peer.client.close()
        if self._server is not None:
            await self._server.close()
        if self._auth is not None:
            self._auth.stop()
        if self._context is not None:
            self._context.term()
        self._ntp_thread.close()

    def _site_keys(self) -> SiteKeys | None:
        """The site key, or None: in the clear when so configured, else alone."""
        if self._config.sync.insecure_plaintext:
            self.keys = "plaintext"
            log.warning("sync_insecure_plaintext terminal=%s", self.id)
            return None
        try:
            return load(self._config.site_key_file)
        except SiteKeyError as exc:
            self.keys = "missing"
            self.alone, self.role, self.leader = True, "alone", self.id
            self._others = []
            log.error("sync_disabled playing=alone reason=%s", exc)
            return None

    async def wait_in_step(self, timeout_s: float) -> bool:
        """Wait until this terminal knows the site's time (leading, alone, or in step
        with the leader), at most `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.in_step:
                return True
            await asyncio.sleep(0.05)
        return self.in_step

    # -- what the player asks ---------------------------------------------------------
    @property
    def in_step(self) -> bool:
        return self.role in ("alone", "leader") or (
            self.role == "follower" and self.discipline.in_step)

    def publish(self, announcement: Announcement, inventory: Inventory) -> None:
        """What this terminal announces while it leads: its content versions, the
        digest of its inventory and the site instant they take effect."""
        self._announcement = announcement
        self._inventory = inventory

    def leader_content(self) -> tuple[Announcement | None, Inventory | None]:
        """The leader's announcement and inventory (ours when we lead), or Nones while
        no leader is known or its inventory has not arrived."""
        if self.role in ("alone", "leader"):
            return self._announcement, self._inventory
        peer = self._peers.get(self.leader or "")
        if peer is None:
            return None, None
        announcement = Announcement.from_wire(peer.state.get("content"))
        if announcement is None:
            return None, None
        digest, inventory = self._leader_inventory
        if digest != announcement.digest:
            return announcement, None
        return announcement, inventory

    def status(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "role": self.role, "leader": self.leader, "in_step": self.in_step,
            "offset_error_ms": None if self.discipline.error_ms is None
            else round(self.discipline.error_ms, 3),
            "rate_ppm": round((self._clock.rate - 1) * 1e6, 1),
            "reachable": sorted(p.id for p in self._peers.values()
                                if now - p.last_seen < REACH_S),
            "keys": self.keys,
        }

    # -- the protocol -----------------------------------------------------------------
    def _state(self, want_inventory: bool) -> dict[str, Any]:
        state = {"id": self.id, "role": self.role, "leader": self.leader,
                 "in_step": self.in_step, "trusted": self._clock.trusted,
                 "content": self._announcement.to_wire()
                 if self.role == "leader" and self._announcement else None}
        if want_inventory and self.role == "leader":
            state["inventory"] = self._inventory.durations
            state["versions"] = self._inventory.versions
            state["received"] = self._inventory.received
            state["offline_since"] = self._inventory.offline_since
        return state

    async def _poll(self, peer: _Peer) -> None:
        while True:
            leading = peer.id == self.leader and self.role == "follower"
            announced = peer.state.get("content") if leading else None
            want_inventory = isinstance(announced, dict) and \
                announced.get("digest") != self._leader_inventory[0]
            exchange = await peer.client.exchange(EXCHANGE_TIMEOUT_S, inventory=want_inventory)
            if exchange is not None:
                peer.last_seen = time.monotonic()
                peer.state = peer.client.state
                inventory = peer.state.get("inventory")
                content = peer.state.get("content")
                if isinstance(inventory, dict) and isinstance(content, dict):
                    self._leader_inventory = (content.get("digest"), _inventory(peer.state))
                if peer.id == self.leader and self.role == "follower":
                    if self.discipline.add(exchange) == "step":
                        log.warning("clock_stepped leader=%s by_ms=%.1f", peer.id,
                                    self.discipline.error_ms or 0.0)
            self._elect()
            await asyncio.sleep(LEADER_POLL_S if peer.id == self.leader else PEER_POLL_S)

    def _elect(self) -> None:
        now = time.monotonic()
        if now - self._started < LISTEN_S:
            return
        reachable = [Candidate(p.id, bool(p.state.get("in_step")))
                     for p in self._peers.values() if now - p.last_seen < REACH_S]
        leader = choose_leader(Candidate(self.id, self.in_step), reachable,
                               self._config.sync.leader)
        if leader == self.leader:
            self._note_trust()
            return
        previous, self.leader = self.leader, leader
        self.role = "leader" if leader == self.id else "follower"
        if self.role == "follower":
            self.discipline.reset()
        log.info("sync_leader_changed from=%s to=%s role=%s reachable=%s", previous, leader,
                 self.role, ",".join(sorted(c.id for c in reachable)) or "-")
        self._note_trust()

    # -- trust ------------------------------------------------------------------------
    def _note_trust(self) -> None:
        if self.role in ("alone", "leader"):
            trusted = self._ntp_trusted
        else:
            leader = self._peers.get(self.leader or "")
            trusted = bool(leader and leader.state.get("trusted")) and self.discipline.in_step
        if trusted and not self._clock.trusted:
            log.info("clock_trusted source=%s", "ntp" if self.role in ("alone", "leader")
                     else f"leader:{self.leader}")
            self._said_untrusted = False
        elif not trusted and not self._said_untrusted and self.role != "starting":
            log.warning("clock_untrusted role=%s reason=%s playing_on=%s", self.role,
                        "no_ntp_answer" if self.role in ("alone", "leader")
                        else "leader_untrusted_or_not_in_step",
                        "system_time" if self._clock.steps == 0 else "site_time")
            self._said_untrusted = True
        self._clock.trusted = trusted

    async def _ntp_loop(self) -> None:
        assert self._ntp is not None
        while True:
            if self.role in ("alone", "leader", "starting"):
                sample = await self._ntp_thread(self._ntp.measure)
                if sample is not None:
                    error = time.time() * 1000 + sample.offset_ms - self._clock.now_exact_ms()
                    action = self._clock.correct(error)
                    log.info("ntp_sync server=%s error_ms=%.1f delay_ms=%.1f action=%s",
                             sample.server, error, sample.delay_ms, action)
                    self._ntp_trusted = True
                self._note_trust()
            await asyncio.sleep(self._config.sync.ntp_interval_s)


def _inventory(state: dict[str, Any]) -> Inventory:
    """A leader's inventory as it came over the wire; what is malformed in its optional
    parts reads as absent (no versions, no receive times, online)."""
    versions, received = state.get("versions"), state.get("received")
    offline = state.get("offline_since")
    def is_int(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    return Inventory(state["inventory"], versions if isinstance(versions, dict) else {},
                     {k: v for k, v in received.items() if is_int(v)}
                     if isinstance(received, dict) else {},
                     offline if is_int(offline) else None)


def _ntp_server(spec: str) -> NtpServer:
    host, _, port = spec.rpartition(":") if spec.count(":") == 1 else (spec, "", "")
    return NtpServer(host, int(port)) if port else NtpServer(spec)


class _SiteMembers:
    """ZAP: admits an asker only when it presents the site's public key."""

    def __init__(self, keys: SiteKeys) -> None:
        self._public = keys.public

    def callback(self, domain: str, key: bytes | str) -> bool:
        presented = key.encode() if isinstance(key, str) else key
        if presented == self._public:
            return True
        log.warning("sync_peer_refused reason=not_the_site_key")
        return False
