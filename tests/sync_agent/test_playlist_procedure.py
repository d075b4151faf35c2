"""The playlist procedure with the sample playlist, media fetched from the reference
cloud over real HTTP on loopback, staged on the real filesystem."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import httpx

from scheduler.validation import validate_update
from sync_agent.playlist_procedure import STALE_TEXT, PlaylistProcedure
from tests.sync_agent.conftest import fetcher


ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "assets/samples/playlist.json").read_text())
MEDIA = ROOT / "assets/media"


async def run(tmp_path, cloud, *bodies):
    state = tmp_path / "state"
    sent = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        procedure = PlaylistProcedure(
            site_id="SITE-0042", terminal_id="T1", active_dir=state / "active",
            media=state / "media",
            fetch=fetcher(client, state / "media"),
            notify=lambda n: sent.append(n.to_json()), today=lambda: date(2026, 11, 23))
        results = [await procedure.run(body) for body in bodies]
    return results, sent, state


def steps(sent):
    return [(n["notificationType"], n["status"], n.get("filename")) for n in sent]


async def test_the_whole_procedure_with_one_file_fetched_and_one_missing(tmp_path, cloud):
    state = tmp_path / "state"
    (state / "media").mkdir(parents=True)
    for clip in MEDIA.iterdir():
        if clip.name not in ("gstv-sports.mp4", "amber-alert-psa.mp4"):
            shutil.copy(clip, state / "media" / clip.name)
    shutil.copy(MEDIA / "gstv-sports.mp4", cloud.store.media / "gstv-sports.mp4")
    (applied,), sent, state = await run(tmp_path, cloud, SAMPLE)
    assert applied
    kinds = steps(sent)
    assert kinds[:2] == [("PLAYLIST_VALIDATION", "success", None),
                         ("PLAYLIST_PULLED_BY_TERMINAL", "success", None)]
    assert kinds[-1] == ("PLAYLIST_ACCEPTED_BY_TERMINAL", "success", "playlist.json")
    checks = [k for k in kinds if k[0] == "MEDIA_CHECK"]
    assert ("MEDIA_CHECK", "success", "gstv-sports.mp4") in checks  # fetched
    assert ("MEDIA_CHECK", "failure", "amber-alert-psa.mp4") in checks
    assert len(checks) == 12  # nine clips and three banners, once each
    missing = next(n for n in sent if n.get("filename") == "amber-alert-psa.mp4")
    assert missing["additionalInformation"] == "Video File is Missing - amber-alert-psa.mp4"
    assert missing["segmentIds"] and missing["terminalId"] == "T1"
    assert all(n["guid"] == SAMPLE["guid"] for n in sent)
    staged = validate_update("playlist", (state / "active/playlist.json").read_bytes(),
                             site_id="SITE-0042")
    assert staged.ok and staged.guid == SAMPLE["guid"]
    assert (state / "media" / "gstv-sports.mp4").read_bytes() == (
        MEDIA / "gstv-sports.mp4").read_bytes()


async def test_an_invalid_update_gets_the_seed_text_and_changes_nothing(tmp_path, cloud):
    bad = json.loads(json.dumps(SAMPLE))
    bad["playlist"][0]["schedules"][0]["loops"][0]["assets"][0]["type"] = "infomercial"
    (applied,), sent, state = await run(tmp_path, cloud, bad)
    assert not applied
    assert steps(sent) == [("PLAYLIST_VALIDATION", "failure", None)]
    assert sent[0]["additionalInformation"] == "Asset Type Does Not Exist"  # seed 001
    assert not (state / "active" / "playlist.json").exists()


async def test_an_older_update_is_not_applied(tmp_path, cloud):
    older = json.loads(json.dumps(SAMPLE))
    older["guid"] = "older-guid"
    older["updatedOn"] = "2026-11-20 08:00:00.000"
    (first, second), sent, state = await run(tmp_path, cloud, SAMPLE, older)
    assert first and not second
    last = sent[-1]
    assert (last["notificationType"], last["status"], last["additionalInformation"]) == (
        "PLAYLIST_ACCEPTED_BY_TERMINAL", "failure", STALE_TEXT)
    staged = json.loads((state / "active/playlist.json").read_text())
    assert staged["guid"] == SAMPLE["guid"]
