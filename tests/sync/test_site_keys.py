"""Site sync under CURVE (sync.site_keys) over real ZeroMQ on loopback: a device without
the site key can neither read the traffic nor be reached, let alone lead; a terminal
without its key plays alone rather than in the clear; the key file itself."""

from __future__ import annotations

import asyncio
import json
import logging
import os

import pytest
import zmq
import zmq.asyncio

from gstv_rigs.site import free_port
from terminal.config import Peer, SyncSection, TerminalConfig
from sync import site_keys
from sync.clock import SiteClock
from sync.site_sync import SiteSync
from tests.sync.keys import new_site_key
from tests.sync.test_site_sync import configs, until


def test_the_key_file_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "keys" / "site.key_secret"
    keys = site_keys.generate()
    site_keys.write(keys, path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert site_keys.load(path) == keys
    assert "secret=<hidden>" in repr(keys) and keys.secret.decode() not in repr(keys)
    with pytest.raises(site_keys.SiteKeyError, match="exists already"):
        site_keys.write(site_keys.generate(), path)
    os.chmod(path, 0o644)
    with pytest.raises(site_keys.SiteKeyError, match=r"may be read by others \(mode 0644\)"):
        site_keys.load(path)
    with pytest.raises(site_keys.SiteKeyError, match="no site key at"):
        site_keys.load(tmp_path / "absent")
    (tmp_path / "junk").write_text("not a certificate")
    os.chmod(tmp_path / "junk", 0o600)
    with pytest.raises(site_keys.SiteKeyError, match="No public key found"):
        site_keys.load(tmp_path / "junk")
    public_only = tmp_path / "site.key"  # the public half alone cannot join a site
    public_only.write_text(f'curve\n    public-key = "{keys.public.decode()}"\n')
    os.chmod(public_only, 0o600)
    with pytest.raises(site_keys.SiteKeyError, match="holds no CURVE key pair"):
        site_keys.load(public_only)


async def test_a_device_without_the_site_key_is_never_reachable_nor_leader():
    # T0 sits at a configured peer address with a key of its own: were it reachable,
    # its lower id would make it the leader.
    site = configs(["T0", "T1", "T2"])
    rogue = site["T0"].model_copy(update={"sync": site["T0"].sync.model_copy(
        update={"key_file": new_site_key()})})
    syncs = {"T0": SiteSync(rogue, SiteClock(fault_offset_ms=5000.0)),
             "T1": SiteSync(site["T1"], SiteClock()), "T2": SiteSync(site["T2"], SiteClock())}
    for s in syncs.values():
        await s.start()
    try:
        await until(lambda: syncs["T2"].leader == "T1" and syncs["T2"].in_step, 10)
        await asyncio.sleep(3)  # long past the election's listening time
        for legit in ("T1", "T2"):
            status = syncs[legit].status()
            assert status["leader"] == "T1" and "T0" not in status["reachable"]
            assert status["keys"] == "curve"
        assert syncs["T0"].status()["reachable"] == []  # it hears nothing either
    finally:
        for s in syncs.values():
            await s.stop()


async def test_askers_without_the_site_secret_get_no_answer(caplog):
    """One in the clear; one that knows the site's public key (public keys are not
    secret) and brings a key pair of its own: the ZAP handler refuses it, and says so."""
    site = configs(["T1", "T2"])
    sync = SiteSync(site["T1"], SiteClock())
    await sync.start()
    context = zmq.asyncio.Context()
    plain, impostor = context.socket(zmq.DEALER), context.socket(zmq.DEALER)
    public, secret = zmq.curve_keypair()
    impostor.curve_publickey, impostor.curve_secretkey = public, secret
    impostor.curve_serverkey = site_keys.load(site["T1"].site_key_file).public
    try:
        for asker in (plain, impostor):
            asker.setsockopt(zmq.LINGER, 0)
            asker.connect(site["T1"].sync.peers[0].endpoint)
            await asker.send_multipart([b"", json.dumps({"t1": 1.0}).encode()])
        assert await plain.poll(1500) == 0 and await impostor.poll(100) == 0
    finally:
        plain.close()
        impostor.close()
        context.term()
        await sync.stop()
    assert "sync_peer_refused reason=not_the_site_key" in caplog.text


class RecordingRelay:
    """A TCP relay that keeps every byte it passes: what a tap on the site's network
    would see."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.seen = bytearray()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._pipe_both, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _pipe_both(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)

    async def _pipe(self, reader, writer) -> None:
        while data := await reader.read(65536):
            self.seen += data
            writer.write(data)
            await writer.drain()
        writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


async def tapped_site(**sync) -> bytes:
    """Two terminals, T2 reaching T1 through a recording relay, for 3 s; the bytes."""
    ports = {"T1": free_port(), "T2": free_port()}
    relay = RecordingRelay(ports["T1"])
    relay_port = await relay.start()
    views = {"T1": {"T1": ports["T1"], "T2": ports["T2"]},
             "T2": {"T1": relay_port, "T2": ports["T2"]}}
    syncs = []
    for terminal, view in views.items():
        peers = tuple(Peer(id=i, endpoint=f"tcp://127.0.0.1:{p}") for i, p in view.items())
        config = TerminalConfig(site_id="S", terminal_id=terminal, timezone="UTC",
                                sync=SyncSection(peers=peers, **sync))
        syncs.append(SiteSync(config, SiteClock()))
    for s in syncs:
        await s.start()
    try:
        await until(lambda: syncs[1].leader == "T1" and syncs[1].in_step, 10)
    finally:
        for s in syncs:
            await s.stop()
        await relay.stop()
    return bytes(relay.seen)


async def test_a_tap_on_the_network_reads_nothing_of_the_site(caplog):
    clear = await tapped_site(insecure_plaintext=True)
    assert b'"leader"' in clear and b'"role"' in clear and b'"T1"' in clear  # plain traffic
    assert "sync_insecure_plaintext terminal=T1" in caplog.text
    sealed = await tapped_site(key_file=new_site_key())
    assert len(sealed) > 1000  # the same exchanges went through the tap
    # Whole quoted words: a two-byte string turns up in random ciphertext now and then
    # (b"t1" did, in a make test of 2026-12-03).
    assert b'"leader"' not in sealed and b'"role"' not in sealed and b'"T1"' not in sealed


async def test_a_terminal_without_its_key_plays_alone_and_says_why(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    site = configs(["T1", "T2"], key_file=tmp_path / "absent")
    sync = SiteSync(site["T1"], SiteClock())
    await sync.start()
    try:
        assert sync.alone and sync.role == "alone" and sync.in_step
        assert sync.status()["keys"] == "missing"
    finally:
        await sync.stop()
    assert "sync_disabled playing=alone reason=no site key at" in caplog.text
