"""Two real players in one event loop forming a site over ZeroMQ on loopback: the
follower computes the leader's timeline from the leader's inventory."""

from __future__ import annotations

import asyncio

from gstv.sim_command import free_port
from player.config import Peer, SyncSection
from player.outbox import Outbox
from tests.player.harness import asset, running_player, stage, terminal_config
from tests.sync.keys import new_site_key



def site_of_two(tmp_path, assets, media: dict[str, list[str]]):
    """T1 and T2 listed as one site, each staged with `assets` and its own `media`."""
    peers = (Peer(id="T1", endpoint=f"tcp://127.0.0.1:{free_port()}"),
             Peer(id="T2", endpoint=f"tcp://127.0.0.1:{free_port()}"))
    key = new_site_key()
    configs = {}
    for terminal in ("T1", "T2"):
        config = terminal_config(tmp_path / terminal).model_copy(update={
            "terminal_id": terminal,
            "sync": SyncSection(peers=peers, join_wait_s=5, key_file=key)})
        stage(config, assets, media=media[terminal])
        configs[terminal] = config
    return configs


async def until_following(follower, slots: int) -> None:
    for _ in range(200):
        if follower.daemon._sync.in_step and follower.daemon.slots_started >= slots:
            return
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
    assert follower.daemon._sync.role == "follower"
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
        announced = leader.daemon._announced
        firsts = {}
        for name, player in (("T1", leader), ("T2", follower)):
            firsts[name] = next(f.monotonic_ns for f in player.frames
                                if f.label == "three.mp4")
            assert player.daemon._active.playlist_version.startswith("g-2@")
        switch_mono = leader.clock.monotonic_at(announced["switch_at"])
    assert announced["playlist"].startswith("g-2@")
    # Both switched at the announced boundary, not when their own copy arrived.
    for first in firsts.values():
        assert abs(first / 1e9 - switch_mono) < 0.05
    assert abs(firsts["T1"] - firsts["T2"]) < 20_000_000
