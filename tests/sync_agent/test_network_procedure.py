"""GSTV's network configuration procedure (upstream/configuration-network.md) against
the reference cloud on loopback: its notifications in order, its files fetched at once,
stale and refused updates leaving the one in force."""

from __future__ import annotations

import json

import httpx
import pytest

from sync_agent.media_download import download
from sync_agent.network_procedure import NetworkProcedure
from tests.scheduler.test_network_validation import network


@pytest.fixture
def run_update(cloud, tmp_path):
    media, active = tmp_path / "media", tmp_path / "active"
    media.mkdir()

    async def run(body: dict) -> tuple[bool, list[dict]]:
        sent: list[dict] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
            async def fetch(name: str):
                return await download(client, media, name, base_delay_s=0.01)

            procedure = NetworkProcedure(site_id="104877", terminal_id="T3",
                                         active_dir=active, media=media, fetch=fetch,
                                         notify=lambda n: sent.append(n.to_json()))
            ok = await procedure.run(body)
        return ok, sent

    run.media, run.staged = media, active / "network.json"
    return run


def steps(sent):
    return [(n["notificationType"], n["status"], n.get("filename")) for n in sent]


async def test_validated_files_checked_pulled_and_accepted_in_that_order(cloud, run_update):
    for name in ("AccuWeather_Local_1130.webm", "GSTV_Weather_Generic.webm",
                 "GSTV_Traffic_AM.webm"):
        (cloud.store.media / name).write_bytes(name.encode() * 1000)
    ok, sent = await run_update(network())
    assert ok
    assert steps(sent) == [
        ("CONFIGURATION_VALIDATION", "success", None),
        ("MEDIA_CHECK", "success", "AccuWeather_Local_1130.webm"),
        ("MEDIA_CHECK", "success", "GSTV_Weather_Generic.webm"),
        ("MEDIA_CHECK", "success", "GSTV_Traffic_AM.webm"),
        ("CONFIGURATION_PULLED_BY_TERMINAL", "success", None),
        ("CONFIGURATION_ACCEPTED_BY_TERMINAL", "success", None)]
    assert list(sent[0]) == ["guid", "id", "notificationTimestamp", "notificationType",
                             "status"]
    for note in sent[1:]:
        assert (note["siteId"], note["terminalId"]) == ("104877", "T3")
    # Downloaded when the message was accepted, not when their swap falls due.
    assert sorted(p.name for p in run_update.media.iterdir() if not p.name.startswith(".")) == [
        "AccuWeather_Local_1130.webm", "GSTV_Traffic_AM.webm", "GSTV_Weather_Generic.webm"]
    staged = json.loads(run_update.staged.read_text())
    assert staged["guid"] == network()["guid"]
    assert staged["configuration"][0]["evergreen"][1]["swapFilename"] is None


async def test_a_file_the_cloud_lacks_is_reported_and_the_configuration_still_applies(
        cloud, run_update):
    (cloud.store.media / "AccuWeather_Local_1130.webm").write_bytes(b"x" * 5000)
    (cloud.store.media / "GSTV_Traffic_AM.webm").write_bytes(b"y" * 5000)
    ok, sent = await run_update(network())
    assert ok
    missing = [n for n in sent if n["status"] == "failure"]
    assert [(n["notificationType"], n["filename"], n["additionalInformation"]) for n in missing] \
        == [("MEDIA_CHECK", "GSTV_Weather_Generic.webm",
             "Video File is Missing - GSTV_Weather_Generic.webm")]
    assert steps(sent)[-1] == ("CONFIGURATION_ACCEPTED_BY_TERMINAL", "success", None)


async def test_an_older_update_is_refused_and_the_one_in_force_stays(cloud, run_update):
    assert (await run_update(network(**{"configuration.0.evergreen": []})))[0]
    in_force = run_update.staged.read_bytes()
    ok, sent = await run_update(network(**{"updatedOn": "2026-11-29 09:15:42.118",
                                           "guid": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
                                           "configuration.0.evergreen": []}))
    assert not ok
    assert steps(sent) == [("CONFIGURATION_VALIDATION", "success", None),
                           ("CONFIGURATION_ACCEPTED_BY_TERMINAL", "failure", None)]
    assert sent[-1]["additionalInformation"] == \
        "Update is older than the network configuration in force"
    assert run_update.staged.read_bytes() == in_force


async def test_a_refused_update_says_why_and_changes_nothing(cloud, run_update):
    assert (await run_update(network(**{"configuration.0.evergreen": []})))[0]
    in_force = run_update.staged.read_bytes()
    ok, sent = await run_update(network(**{"configuration.0.shutdownHours": 12.3}))
    assert not ok
    assert steps(sent) == [("CONFIGURATION_VALIDATION", "failure", None)]
    assert sent[0]["additionalInformation"] == "Shutdown Hours is Incorrectly Formatted"
    assert "siteId" not in sent[0]  # the network's messages name no site
    assert run_update.staged.read_bytes() == in_force
    assert cloud.store.media_requests == []
