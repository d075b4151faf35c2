"""The configuration procedure with the sample configuration, the blankout video
fetched from the reference cloud over real HTTP on loopback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx

from scheduler.validation import validate_update
from sync_agent.configuration_procedure import STALE_TEXT, ConfigurationProcedure
from tests.sync_agent.conftest import fetcher


ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "assets/samples/config.json").read_text())
BLANKOUT = SAMPLE["configuration"][0]["blankoutVideo"]


async def run(tmp_path, cloud, *bodies):
    state = tmp_path / "state"
    sent = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        procedure = ConfigurationProcedure(
            site_id="SITE-0042", active_dir=state / "active", media=state / "media",
            fetch=fetcher(client, state / "media"),
            notify=lambda n: sent.append(n.to_json()))
        results = [await procedure.run(body) for body in bodies]
    return results, [(n["notificationType"], n["status"]) for n in sent], sent, state


async def test_applied_with_the_blankout_video_fetched(tmp_path, cloud):
    shutil.copy(ROOT / "assets/media" / BLANKOUT, cloud.store.media / BLANKOUT)
    (applied,), steps, sent, state = await run(tmp_path, cloud, SAMPLE)
    assert applied
    assert steps == [("CONFIGURATION_VALIDATION", "success"), ("MEDIA_CHECK", "success"),
                     ("CONFIGURATION_PUSH_TO_PLAYERS", "success"),
                     ("CONFIGURATION_ACCEPTED_BY_PLAYERS", "success")]
    assert all(n["guid"] == SAMPLE["guid"] and n["siteId"] == "SITE-0042" for n in sent)
    staged = (state / "active" / "config.json").read_bytes()
    assert validate_update("configuration", staged, site_id="SITE-0042").ok
    assert (state / "media" / BLANKOUT).is_file()


async def test_a_blankout_video_nowhere_to_be_had_keeps_the_previous(tmp_path, cloud):
    (applied,), steps, sent, state = await run(tmp_path, cloud, SAMPLE)
    assert not applied
    assert steps == [("CONFIGURATION_VALIDATION", "success"), ("MEDIA_CHECK", "failure")]
    assert sent[-1]["additionalInformation"] == f"Blankout Video File is Missing - {BLANKOUT}"
    assert not (state / "active" / "config.json").exists()  # the player keeps its own


async def test_invalid_and_stale_updates_are_refused(tmp_path, cloud):
    shutil.copy(ROOT / "assets/media" / BLANKOUT, cloud.store.media / BLANKOUT)
    bad = json.loads(json.dumps(SAMPLE))
    del bad["guid"]
    older = json.loads(json.dumps(SAMPLE))
    older["updatedOn"] = "2026-01-01 00:00:00.000"
    results, steps, sent, state = await run(tmp_path, cloud, bad, SAMPLE, older)
    assert results == [False, True, False]
    assert sent[0]["additionalInformation"] == "GUID is Missing"  # seed 003
    assert steps[-1] == ("CONFIGURATION_ACCEPTED_BY_PLAYERS", "failure")
    assert sent[-1]["additionalInformation"] == STALE_TEXT
    staged = json.loads((state / "active" / "config.json").read_text())
    assert staged["updatedOn"].startswith("2026-11-22")
