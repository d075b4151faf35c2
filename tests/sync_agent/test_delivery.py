"""POP and notification delivery from a real outbox to the reference cloud over real
HTTP on loopback (the cloud runs in a thread of the test)."""

from __future__ import annotations

import logging
import random
from zoneinfo import ZoneInfo

import httpx

from terminal.outbox import Outbox
from sync_agent.backoff import retry_delay
from gstv_rigs.cloud import Faults
from sync_agent.delivery import POP_BATCH, Delivery


def played(path, count: int, *, start_ms: int = 1_795_000_000_000) -> list[str]:
    outbox = Outbox(path)
    ids = []
    for i in range(count):
        record = outbox.open_record(filename=f"ad-{i % 3}.mp4", asset_id=f"A{i % 3}",
                                    ti_number="TI-1", start_ms=start_ms + i * 15_000,
                                    screen_state="Full", site_id="SITE-0042", screen_id="T1")
        outbox.close_record(record, start_ms + i * 15_000 + 15_000)
        ids.append(record)
    outbox.open_record(filename="still-on.mp4", asset_id="A9", ti_number=None,
                       start_ms=start_ms + count * 15_000, screen_state="Full",
                       site_id="SITE-0042", screen_id="T1")
    outbox.close()
    return ids


def delivery(store: Outbox, client: httpx.AsyncClient, **options) -> Delivery:
    return Delivery(store, client, site_id="SITE-0042", terminal_id="T1",
                    rng=random.Random(1), **options)


async def test_every_finished_record_is_delivered_once_oldest_first(tmp_path, cloud):
    ids = played(tmp_path / "outbox.db", POP_BATCH + 120)
    store = Outbox(tmp_path / "outbox.db")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        sender = delivery(store, client)
        assert await sender.deliver_once()
        assert await sender.deliver_once()  # nothing left: nothing sent twice
    received = cloud.store.received_all()["pop"]
    assert [r["recordId"] for r in received] == ids  # oldest first, the open one not yet
    # Seed 002's format, in UTC: 1 795 000 000 s after the epoch, and 15 s later.
    assert (received[0]["startTimestamp"], received[0]["endTimestamp"]) == (
        "2026-11-18 11:06:40", "2026-11-18 11:06:55")
    assert store.unsent_pop_count() == 1 and sender.sent_pop == len(ids)
    store.close()


async def test_a_failing_cloud_gets_one_notice_and_everything_later(tmp_path, cloud, caplog):
    ids = played(tmp_path / "outbox.db", 10)
    store = Outbox(tmp_path / "outbox.db")
    cloud.store.faults = Faults(fail={"POST /pop": 5})
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        sender = delivery(store, client)
        results = [await sender.deliver_once() for _ in range(5)]
        assert results == [False] * 5
        assert sender.pop_failures == 5
        assert await sender.deliver_once()  # the cloud is back
    received = cloud.store.received_all()
    assert [r["recordId"] for r in received["pop"]] == ids
    notices = [n for n in received["notifications"] if n["notificationType"] == "POP_DELIVERY"]
    assert len(notices) == 1  # once per streak, not once per attempt
    assert notices[0]["status"] == "failure"
    assert notices[0]["additionalInformation"] == "Failed to post POP"
    assert store.unsent_notifications(10) == []
    store.close()


async def test_an_unreachable_cloud_loses_nothing(tmp_path):
    ids = played(tmp_path / "outbox.db", 3)
    store = Outbox(tmp_path / "outbox.db")
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=1) as client:
        sender = delivery(store, client)
        for _ in range(3):
            assert not await sender.deliver_once()
    assert [r.record_id for r in store.unsent_pop(10)] == ids
    assert len(store.unsent_notifications(10)) == 1  # the notice waits for the cloud
    store.close()


def test_past_the_cap_the_oldest_unsent_are_evicted_loudly(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    ids = played(tmp_path / "outbox.db", 10)
    store = Outbox(tmp_path / "outbox.db", max_unsent=6)
    assert store.enforce_cap() == 5  # 11 unsent (one still open) down to 6
    assert [r.record_id for r in store.unsent_pop(20)] == ids[5:]
    assert store.evicted_total() == 5
    assert any("outbox_evicted kind=pop count=5" in r.message for r in caplog.records)
    store.close()


def test_retry_delays_grow_capped_and_jittered():
    rng = random.Random(7)
    delays = [retry_delay(n, rng=rng) for n in range(1, 13)]
    assert 0.5 <= delays[0] <= 1 and 1 <= delays[1] <= 2
    assert all(150 <= d <= 300 for d in delays[9:])
    assert len({round(d, 3) for d in delays}) == len(delays)


def test_a_notification_that_a_full_disk_cannot_take_is_held_then_stored(small_disk, caplog):
    """Found by bench/reliability.py (disk_full): the agent used to die here."""
    disk = small_disk("1m")
    store = Outbox(disk / "outbox.db")
    try:
        store.queue_notification({"id": "n-0", "notificationType": "MEDIA_CHECK"}, 1)
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as f:
            try:
                while f.write(b"\0" * 4096):
                    pass
            except OSError:
                pass
        for n in range(1, 40):  # enough to need a new page the disk cannot give
            store.queue_notification({"id": f"n-{n}", "notificationType": "MEDIA_CHECK",
                                      "pad": "x" * 2000}, n + 1)
        assert "notification_held" in caplog.text
        filler.unlink()
        assert store.store_held()
        assert [n["id"] for n in store.unsent_notifications(100)] == [f"n-{n}"
                                                                     for n in range(40)]
    finally:
        store.close()


async def test_pop_timestamps_go_in_the_zone_given_dst_included(tmp_path, cloud):
    played(tmp_path / "outbox.db", 1)  # 2026-11-18 11:06:40 UTC
    played(tmp_path / "outbox.db", 1, start_ms=1_784_000_000_000)  # 2026-07-14 03:33:20 UTC
    store = Outbox(tmp_path / "outbox.db")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        sender = delivery(store, client, pop_tz=ZoneInfo("America/New_York"))
        assert await sender.deliver_once()
    store.close()
    received = {r["startTimestamp"]: r["endTimestamp"] for r in cloud.store.received_all()["pop"]}
    # EST (UTC-5) in November, EDT (UTC-4) in July: the zone's own offset each day.
    assert received == {"2026-11-18 06:06:40": "2026-11-18 06:06:55",
                        "2026-07-13 23:33:20": "2026-07-13 23:33:35"}
