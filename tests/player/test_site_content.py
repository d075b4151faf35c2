"""Two real players in one event loop forming a site over ZeroMQ on loopback: the
follower computes the leader's timeline from the leader's inventory."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import time

from gstv_rigs.site import free_port
from terminal.config import Peer, SyncSection
from terminal.outbox import Outbox
from sync_agent.media_store import MediaStore
from tests.player.harness import DATA, asset, running_player, stage, terminal_config
from tests.sync.keys import new_site_key
from tests.waits import READY_S


def site_of_two(tmp_path, assets, media: dict[str, list[str]]):
    """T1 and T2 listed as one site, each staged with `assets` and its own `media`
    (`assets` None: nothing staged)."""
    peers = (Peer(id="T1", endpoint=f"tcp://127.0.0.1:{free_port()}"),
             Peer(id="T2", endpoint=f"tcp://127.0.0.1:{free_port()}"))
    key = new_site_key()
    configs = {}
    for terminal in ("T1", "T2"):
        config = terminal_config(tmp_path / terminal).model_copy(update={
            "terminal_id": terminal,
            "sync": SyncSection(peers=peers, join_wait_s=5, key_file=key)})
        if assets is not None:
            stage(config, assets, media=media[terminal])
        configs[terminal] = config
    return configs


async def until_following(follower, slots: int) -> None:
    deadline = time.monotonic() + READY_S
    while not (follower.daemon.in_step and follower.daemon.slots_started >= slots):
        assert time.monotonic() < deadline, f"the follower never followed for {slots} slots"
        await asyncio.sleep(0.05)


async def test_a_file_only_the_leader_has_is_black_and_one_it_lacks_is_skipped(tmp_path):
    assets = [asset("one.mp4", "A1"), asset("two.mp4", "A2"), asset("three.mp4", "A3")]
    configs = site_of_two(tmp_path, assets, {"T1": ["one.mp4", "two.mp4"],
                                             "T2": ["one.mp4", "three.mp4"]})
    async with running_player(configs["T1"]) as leader, \
            running_player(configs["T2"]) as follower:
        await until_following(follower, 2)
        await asyncio.sleep(6)  # two passes of the loop
        site = list(leader.timeline.slots_between(leader.clock.now_ms() - 4_000,
                                                  leader.clock.now_ms()))
        seen = list(follower.timeline.slots_between(leader.clock.now_ms() - 4_000,
                                                    leader.clock.now_ms()))
        follower_files = {f.label for f in follower.frames}
        leader_files = {f.label for f in leader.frames}
    assert follower.daemon.role == "follower"
    # The same slots on both screens: the follower counts two.mp4, which it lacks, and
    # skips three.mp4, which the leader lacks.
    assert [(s.start, s.filename) for s in seen] == [(s.start, s.filename) for s in site]
    assert {s.filename for s in site} == {"one.mp4", "two.mp4"}
    assert leader_files == {"one.mp4", "two.mp4"}
    assert follower_files == {"one.mp4"}  # black for two.mp4, never three.mp4
    outbox = Outbox(configs["T2"].outbox_path)
    assert {r.filename for r in outbox.rows()} == {"one.mp4"}  # no POP for black
    outbox.close()


def restage(config, guid: str, filenames: list[str]) -> None:
    """A new playlist version, as the agent would stage it."""
    import json

    path = config.active_dir / "playlist.json"
    message = json.loads(path.read_text())
    message["guid"] = guid
    for schedule in message["playlist"][0]["schedules"]:
        schedule["loops"][0]["assets"] = [asset(name, f"B{i}") for i, name in
                                          enumerate(filenames)]
    path.write_text(json.dumps(message))


async def test_a_new_version_starts_on_the_same_boundary_on_every_screen(tmp_path):
    every_clip = ["one.mp4", "two.mp4", "three.mp4"]
    configs = site_of_two(tmp_path, [asset("one.mp4", "A1"), asset("two.mp4", "A2")],
                          {"T1": every_clip, "T2": every_clip})
    async with running_player(configs["T1"]) as leader, \
            running_player(configs["T2"]) as follower:
        await until_following(follower, 1)
        restage(configs["T2"], "g-2", ["three.mp4"])  # the follower's agent is first
        await asyncio.sleep(1.0)
        restage(configs["T1"], "g-2", ["three.mp4"])
        await asyncio.sleep(8)
        announced = leader.daemon.slots.choice.announced
        firsts = {}
        for name, player in (("T1", leader), ("T2", follower)):
            firsts[name] = next(f.monotonic_ns for f in player.frames
                                if f.label == "three.mp4")
            assert player.daemon.active.playlist_version.startswith("g-2@")
        switch_mono = leader.clock.monotonic_at(announced.switch_at)
    assert announced.playlist.startswith("g-2@")
    # Both switched at the announced boundary, not when their own copy arrived.
    for first in firsts.values():
        assert abs(first / 1e9 - switch_mono) < 0.05
    assert abs(firsts["T1"] - firsts["T2"]) < 20_000_000


async def test_a_replaced_file_switches_on_every_screen_at_the_same_boundary(tmp_path):
    """A new version of one.mp4 (the bytes of three.mp4: 2 s instead of 1 s) reaches the
    follower first, as a media update would place it (sync_agent.media_store), then the
    leader. The follower plays the kept old version until the leader has the new one;
    then both switch at the boundary the leader announced."""
    configs = site_of_two(tmp_path, [asset("one.mp4", "A1"), asset("two.mp4", "A2")],
                          {"T1": ["one.mp4", "two.mp4"], "T2": ["one.mp4", "two.mp4"]})
    new = DATA / "three.mp4"
    old_md5 = hashlib.md5((DATA / "one.mp4").read_bytes()).hexdigest()
    new_md5 = hashlib.md5(new.read_bytes()).hexdigest()

    def replace(config) -> None:
        partial = config.media / ".one.mp4.partial"
        shutil.copy(new, partial)
        MediaStore(config.media).place(partial, "one.mp4", md5=new_md5, now_ms=0)

    async with running_player(configs["T1"]) as leader, \
            running_player(configs["T2"]) as follower:
        opened: dict[str, list[tuple[float, str]]] = {"T1": [], "T2": []}
        for name, player in (("T1", leader), ("T2", follower)):
            def spy(path, label, *args, _real=player.engine.preroll, _name=name, **kw):
                opened[_name].append((time.monotonic(), path.name))
                return _real(path, label, *args, **kw)
            player.engine.preroll = spy
        await until_following(follower, 2)
        replace(configs["T2"])  # the follower's agent is first
        follower_has_it = time.monotonic()
        await asyncio.sleep(3.0)
        replace(configs["T1"])
        leader_has_it = time.monotonic()
        deadline = time.monotonic() + READY_S
        def announced():
            return leader.daemon.slots.choice.announced
        while announced() is None or announced().switch_at == 0 or \
                leader.clock.now_ms() < announced().switch_at + 5_000:
            assert time.monotonic() < deadline, "the leader never announced the new version"
            await asyncio.sleep(0.1)
        switch_mono = leader.clock.monotonic_at(announced().switch_at)
        frames = {"T1": leader.frames, "T2": follower.frames}
        versions = {n: p.daemon.active.versions["one.mp4"] for n, p in
                    (("T1", leader), ("T2", follower))}
    assert versions == {"T1": new_md5, "T2": new_md5}
    kept = f".one.mp4@{old_md5}"
    # Between its own copy and the switch, the follower played the old version, kept.
    before = [f for t, f in opened["T2"] if follower_has_it < t < switch_mono - 1.6]
    assert kept in before and "one.mp4" not in before
    # The leader too keeps to the old version until the boundary it announced.
    assert "one.mp4" not in [f for t, f in opened["T1"]
                             if leader_has_it < t < switch_mono - 1.6]
    # After the switch both opened the new one.mp4 and never the old one again.
    for name in ("T1", "T2"):
        after = [f for t, f in opened[name] if t > switch_mono]
        assert "one.mp4" in after and kept not in after, (name, after)
    # The first 2 s one.mp4 slot after the switch starts at the same instant on both.
    firsts = {}
    for name, shown in frames.items():
        runs = []
        for frame in shown:
            if frame.label == "one.mp4" and (not runs or runs[-1][1] != "one.mp4"):
                runs.append([frame.monotonic_ns, "one.mp4"])
            elif frame.label != "one.mp4":
                runs.append([frame.monotonic_ns, frame.label])
        firsts[name] = next(start for start, label in runs
                            if label == "one.mp4" and start / 1e9 >= switch_mono - 0.05)
    assert abs(firsts["T1"] - firsts["T2"]) < 20_000_000
