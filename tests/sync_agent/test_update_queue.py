from __future__ import annotations

from sync_agent.update_queue import UpdateQueue, kind_of


def drain(queue: UpdateQueue) -> list[str]:
    order = []
    while (item := queue.peek()) is not None:
        order.append(item.source)
        queue.done(item)
    return order


def test_configuration_first_then_media_then_playlists_each_in_arrival_order(tmp_path):
    queue = UpdateQueue(tmp_path / "queue")
    for source, kind in (("p1", "playlist"), ("m1", "media"), ("c1", "configuration"),
                         ("p2", "playlist"), ("m2", "media"), ("c2", "configuration")):
        queue.put(kind, {"n": source}, source)
    assert drain(queue) == ["c1", "c2", "m1", "m2", "p1", "p2"]


def test_a_playlist_being_processed_completes_before_media_that_arrive_meanwhile(tmp_path):
    queue = UpdateQueue(tmp_path / "queue")
    queue.put("playlist", {}, "p1")
    working = queue.peek()
    queue.put("media", {}, "m1")  # arrives while p1 is processed
    assert working.source == "p1"  # the worker goes on with what it holds
    queue.done(working)
    assert drain(queue) == ["m1"]


def test_a_restart_finds_the_queue_as_it_was_and_nothing_done_comes_back(tmp_path):
    queue = UpdateQueue(tmp_path / "queue")
    for n in range(3):
        queue.put("playlist", {"n": n}, f"p{n}")
    queue.done(queue.peek())
    again = UpdateQueue(tmp_path / "queue")
    assert len(again) == 2
    assert again.put("playlist", {}, "p3").sequence == 4  # after those still queued
    assert drain(UpdateQueue(tmp_path / "queue")) == ["p1", "p2", "p3"]


def test_kinds_from_the_message_itself():
    assert kind_of({"guid": "g", "playlist": []}) == "playlist"
    assert kind_of({"configuration": []}) == "configuration"
    assert kind_of({"media": []}) == "media"
    # GSTV's forms, told by their shape: the network's configuration has no siteId.
    assert kind_of({"configuration": [{"shutdownHours": 72, "evergreen": []}]}) == "network"
    assert kind_of({"configuration": [{"siteId": "104877", "hours": {}}]}) == "configuration"
    assert kind_of({"guid": "g", "filename": "a.webm", "checksum": "0" * 32}) == "media"
    assert kind_of(["not", "an", "update"]) == "unknown"
