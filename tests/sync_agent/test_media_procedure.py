"""GSTV's media update procedure (upstream/media.md) against the reference cloud on
loopback (real HTTP, real files): the exact notifications of each path, the MD5 checked
and retried once, three download attempts, stale updates, replaced versions kept."""

from __future__ import annotations

import hashlib
import json
import os

import httpx
import pytest

from scheduler.filenames import old_version_name
from sync_agent.media_download import download
from sync_agent.media_procedure import MediaProcedure
from sync_agent.media_store import MediaStore, read_record

NAME = "GSTV_SportsMinute_1130.webm"
OLD = b"\x1aE\xdf\xa3 old cut of the sports minute" * 2000
NEW = b"\x1aE\xdf\xa3 new cut of the sports minute" * 2100


def message(data: bytes, *, updated_on: str = "2026-11-30 16:42:08.512",
            guid: str = "5e0d2c7a-1b3f-4d9e-8a6c-0f2e4b6d8a1c", name: str = NAME) -> dict:
    return {"guid": guid, "updatedOn": updated_on, "filename": name,
            "checksum": hashlib.md5(data).hexdigest()}


@pytest.fixture
def run_update(cloud, tmp_path):
    """Runs one media update through the procedure; (ok, notifications as JSON)."""
    media = tmp_path / "media"
    media.mkdir()

    async def run(body: dict) -> tuple[bool, list[dict]]:
        sent: list[dict] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
            async def fetch(name: str, *, place: bool = True):
                return await download(client, media, name, base_delay_s=0.01, place=place)

            procedure = MediaProcedure(site_id="104877", terminal_id="T2", media=media,
                                       fetch=fetch, notify=lambda n: sent.append(n.to_json()))
            ok = await procedure.run(body)
        return ok, sent

    run.media = media
    return run


def steps(sent: list[dict]) -> list[tuple[str, str]]:
    return [(n["notificationType"], n["status"]) for n in sent]


async def test_a_new_file_goes_through_the_five_steps_in_order(cloud, run_update):
    (cloud.store.media / NAME).write_bytes(NEW)
    ok, sent = await run_update(message(NEW))
    assert ok
    assert steps(sent) == [("MEDIA_VALIDATION", "success"), ("MEDIA_DOWNLOAD", "success"),
                           ("MEDIA_CHECKSUM_VALIDATION", "success"),
                           ("MEDIA_PULLED_BY_TERMINAL", "success"),
                           ("MEDIA_ACCEPTED_BY_TERMINAL", "success")]
    # The document's fields for each: the last two name the site and terminal.
    assert list(sent[0]) == ["guid", "id", "notificationTimestamp", "notificationType",
                             "status"]
    for note in sent[1:3]:
        assert list(note) == ["guid", "id", "filename", "notificationTimestamp",
                              "notificationType", "status"]
    for note in sent[3:]:
        assert list(note) == ["guid", "id", "filename", "notificationTimestamp",
                              "notificationType", "siteId", "status", "terminalId"]
        assert (note["siteId"], note["terminalId"], note["filename"]) == ("104877", "T2", NAME)
    assert {n["guid"] for n in sent} == {"5e0d2c7a-1b3f-4d9e-8a6c-0f2e4b6d8a1c"}
    assert (run_update.media / NAME).read_bytes() == NEW
    entry = read_record(run_update.media)[NAME]
    assert entry.md5 == hashlib.md5(NEW).hexdigest()
    assert entry.updated_on == "2026-11-30 16:42:08.512"
    assert not any(p.name.startswith(f".{NAME}") for p in run_update.media.iterdir())


async def test_bytes_that_never_match_the_md5_are_downloaded_twice_then_refused(
        cloud, run_update):
    (cloud.store.media / NAME).write_bytes(NEW)
    ok, sent = await run_update(message(OLD))  # the cloud holds other bytes
    assert not ok
    assert steps(sent) == [("MEDIA_VALIDATION", "success"), ("MEDIA_DOWNLOAD", "success"),
                           ("MEDIA_CHECKSUM_VALIDATION", "failure")]
    assert sent[-1]["additionalInformation"] == (
        f"Checksum does not Match - {NAME} (expected {hashlib.md5(OLD).hexdigest()}, "
        f"got {hashlib.md5(NEW).hexdigest()})")
    assert [n for n, _ in cloud.store.media_requests] == [NAME, NAME]
    assert sorted(p.name for p in run_update.media.iterdir()) == []  # nothing placed


async def test_one_bad_copy_is_downloaded_again_silently_and_then_taken(cloud, run_update):
    (cloud.store.media / NAME).write_bytes(NEW)
    cloud.store.faults.bad_copy[NAME] = 1
    ok, sent = await run_update(message(NEW))
    assert ok
    # The second download sends nothing of its own before its checksum result.
    assert steps(sent) == [("MEDIA_VALIDATION", "success"), ("MEDIA_DOWNLOAD", "success"),
                           ("MEDIA_CHECKSUM_VALIDATION", "success"),
                           ("MEDIA_PULLED_BY_TERMINAL", "success"),
                           ("MEDIA_ACCEPTED_BY_TERMINAL", "success")]
    assert len(cloud.store.media_requests) == 2
    assert (run_update.media / NAME).read_bytes() == NEW


async def test_a_file_the_cloud_does_not_have_fails_the_download_after_three_attempts(
        cloud, run_update):
    ok, sent = await run_update(message(NEW))
    assert not ok
    assert steps(sent) == [("MEDIA_VALIDATION", "success"), ("MEDIA_DOWNLOAD", "failure")]
    assert sent[-1]["filename"] == NAME and sent[-1]["additionalInformation"] == "HTTP 404"
    assert [n for n, _ in cloud.store.media_requests] == [NAME] * 3


async def test_an_older_update_for_a_file_is_refused_and_fetches_nothing(cloud, run_update):
    (cloud.store.media / NAME).write_bytes(NEW)
    assert (await run_update(message(NEW, updated_on="2026-11-30 16:42:08.512")))[0]
    (cloud.store.media / NAME).write_bytes(OLD)
    requests = len(cloud.store.media_requests)
    ok, sent = await run_update(message(OLD, updated_on="2026-11-30 09:00:00.000"))
    assert not ok
    assert steps(sent) == [("MEDIA_VALIDATION", "success"),
                           ("MEDIA_ACCEPTED_BY_TERMINAL", "failure")]
    assert sent[-1]["additionalInformation"] == f"Update is older than the file in force - {NAME}"
    assert len(cloud.store.media_requests) == requests
    assert (run_update.media / NAME).read_bytes() == NEW


async def test_a_new_version_replaces_the_file_and_the_old_one_is_kept(cloud, run_update):
    (cloud.store.media / NAME).write_bytes(OLD)
    assert (await run_update(message(OLD, updated_on="2026-11-29 08:00:00.000")))[0]
    media = run_update.media
    with open(media / NAME, "rb") as playing:  # a deck has the old version open
        (cloud.store.media / NAME).write_bytes(NEW)
        ok, sent = await run_update(message(NEW, guid="0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"))
        assert ok and steps(sent)[-1] == ("MEDIA_ACCEPTED_BY_TERMINAL", "success")
        assert playing.read() == OLD  # never disturbed
    assert (media / NAME).read_bytes() == NEW
    kept = media / old_version_name(NAME, hashlib.md5(OLD).hexdigest())
    assert kept.read_bytes() == OLD
    assert MediaStore(media).md5(NAME) == hashlib.md5(NEW).hexdigest()


async def test_bytes_already_at_the_terminal_are_not_fetched_again(cloud, run_update):
    (cloud.store.media / NAME).write_bytes(NEW)
    assert (await run_update(message(NEW)))[0]
    requests = len(cloud.store.media_requests)
    ok, sent = await run_update(message(NEW, updated_on="2026-12-01 07:00:00.000"))
    assert ok and len(cloud.store.media_requests) == requests
    assert steps(sent) == [("MEDIA_VALIDATION", "success"), ("MEDIA_DOWNLOAD", "success"),
                           ("MEDIA_CHECKSUM_VALIDATION", "success"),
                           ("MEDIA_PULLED_BY_TERMINAL", "success"),
                           ("MEDIA_ACCEPTED_BY_TERMINAL", "success")]
    assert sent[1]["additionalInformation"] == "Already at the terminal"
    assert read_record(run_update.media)[NAME].updated_on == "2026-12-01 07:00:00.000"


async def test_a_file_put_there_by_hand_counts_as_received_when_written(run_update):
    media = run_update.media
    (media / NAME).write_bytes(NEW)
    os.utime(media / NAME, ns=(1_795_000_000_000_000_000, 1_795_000_000_000_000_000))
    ok, _ = await run_update(message(NEW))
    assert ok
    assert read_record(media)[NAME].received_ms == 1_795_000_000_000


@pytest.mark.parametrize(("change", "text"), [
    pytest.param({"checksum": None}, "Checksum is Missing", id="checksum"),
    pytest.param({"guid": ""}, "GUID is Missing", id="guid"),
    pytest.param({"updatedOn": None}, "Updated On is Missing", id="updatedOn"),
    pytest.param({"checksum": "abc"}, f"Checksum is Incorrectly Formatted for {NAME}",
                 id="short"),
])
async def test_a_refused_message_says_why_names_the_file_and_fetches_nothing(
        cloud, run_update, change, text):
    ok, sent = await run_update({**message(NEW), **change})
    assert not ok and steps(sent) == [("MEDIA_VALIDATION", "failure")]
    assert sent[0]["additionalInformation"] == text and sent[0]["filename"] == NAME
    assert cloud.store.media_requests == []


async def test_our_list_form_still_works_and_now_says_it_was_validated(cloud, run_update):
    (cloud.store.media / "clip.mp4").write_bytes(NEW)
    ok, sent = await run_update({"guid": "g-1", "updatedOn": "2026-11-22 10:00:00.000",
                                 "media": [{"filename": "clip.mp4"}, {"filename": "gone.mp4"}]})
    assert not ok
    assert steps(sent) == [("MEDIA_VALIDATION", "success"), ("MEDIA_CHECK", "success"),
                           ("MEDIA_CHECK", "failure")]
    assert sent[-1]["additionalInformation"] == "Video File is Missing - gone.mp4"
    assert json.dumps(sent)  # every notification is plain JSON
