"""Which content from which boundary (player.content_choice.choose): pure decisions."""

from __future__ import annotations

from player.content import Content
from player.content_choice import choose
from sync.announcement import Announcement


class Staged(Content):
    @property
    def digest(self) -> str:
        return self._digest


def staged(playlist: str, digest: str = "d1") -> Staged:
    item = Staged(timeline=None, site=None, configuration=None, present=frozenset(),
                  playlist_version=playlist, config_version="c@1", durations={})
    object.__setattr__(item, "_digest", digest)
    return item


def test_alone_the_staged_content_plays_from_the_next_boundary():
    assert choose(role="alone", candidate=staged("p@2"), active=staged("p@1"), announced=None,
                  leader=None, leader_inventory=False, boundary=10, switch_boundary=0
                  ).play == "candidate"


def test_a_leader_announces_a_change_for_the_switch_boundary_and_waits_for_it():
    old, new = staged("p@1"), staged("p@2")
    first = choose(role="leader", candidate=new, active=old, announced=None, leader=None,
                   leader_inventory=False, boundary=1_000, switch_boundary=5_000)
    assert first.announce == Announcement("p@2", "c@1", "d1", 5_000)
    assert first.play == "active"  # not before the boundary it announced
    at_switch = choose(role="leader", candidate=new, active=old, announced=first.announce,
                       leader=None, leader_inventory=False, boundary=5_000,
                       switch_boundary=9_000)
    assert at_switch == type(at_switch)("candidate")  # no new announcement either


def test_a_leader_starting_announces_its_content_in_force_now():
    choice = choose(role="leader", candidate=staged("p@1"), active=None, announced=None,
                    leader=None, leader_inventory=False, boundary=0, switch_boundary=0)
    assert choice.announce.switch_at == 0 and choice.play == "candidate"


def test_a_follower_waits_for_the_inventory_then_the_announced_boundary():
    mine, playing = staged("p@2"), staged("p@1")
    heard = Announcement("p@2", "c@1", "d9", 5_000)
    args = dict(role="follower", candidate=mine, active=playing, announced=None,
                switch_boundary=0)
    assert choose(**args, leader=heard, leader_inventory=False, boundary=5_000).play == "active"
    assert choose(**args, leader=heard, leader_inventory=True, boundary=1_000).play == "active"
    assert choose(**args, leader=heard, leader_inventory=True, boundary=5_000).play == "leader"


def test_a_follower_without_the_announced_versions_keeps_what_it_plays_and_says_so():
    choice = choose(role="follower", candidate=staged("p@1"), active=staged("p@1"),
                    announced=None, leader=Announcement("p@3", "c@1", "d9", 0),
                    leader_inventory=True, boundary=0, switch_boundary=0)
    assert choice.play == "active" and choice.lagging == ("p@3", "c@1", None)


def test_an_announcement_reads_back_and_a_broken_one_reads_as_none():
    heard = Announcement("p@2", None, "d1", 5_000)
    assert Announcement.from_wire(heard.to_wire()) == heard
    assert Announcement.from_wire({"digest": 3}) is None
    assert Announcement.from_wire("nonsense") is None


def test_the_network_version_must_match_unless_an_earlier_leader_sent_none():
    from dataclasses import replace

    from sync.announcement import NOT_ANNOUNCED

    ours = replace(staged("p@2"), network_version="n@2")
    object.__setattr__(ours, "_digest", "d1")

    def follow(network):
        return choose(role="follower", candidate=ours, active=staged("p@1"),
                      announced=None, leader=Announcement("p@2", "c@1", "d1", 0, network),
                      leader_inventory=True, boundary=10, switch_boundary=0)

    assert follow("n@2").play == "leader"
    lagging = follow("n@1")
    assert lagging.play == "active" and lagging.lagging == ("p@2", "c@1", "n@1")
    # A leader of the earlier release sends no network version: followed all the same.
    old_wire = {k: v for k, v in Announcement("p@2", "c@1", "d1", 0).to_wire().items()
                if k != "network"}
    heard = Announcement.from_wire(old_wire)
    assert heard.network == NOT_ANNOUNCED and follow(heard.network).play == "leader"
    assert Announcement.from_wire({**old_wire, "network": None}).network is None


def test_a_leaders_inventory_reads_back_and_its_malformed_parts_read_as_absent():
    from sync.site_sync import Inventory, _inventory

    whole = _inventory({"inventory": {"a.mp4": 1000}, "versions": {"a.mp4": "m"},
                        "received": {"a.mp4": 5}, "offline_since": 7})
    assert whole == Inventory({"a.mp4": 1000}, {"a.mp4": "m"}, {"a.mp4": 5}, 7)
    for received, offline in (([5], "yesterday"), ({"a.mp4": "5"}, 7.5),
                              ({"a.mp4": True}, True)):
        part = _inventory({"inventory": {"a.mp4": 1000}, "received": received,
                           "offline_since": offline})
        assert part.received == {} and part.offline_since is None, (received, offline)
    earlier = _inventory({"inventory": {"a.mp4": 1000}})  # a leader of the last release
    assert (earlier.received, earlier.offline_since) == ({}, None)
