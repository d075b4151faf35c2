"""The reference cloud, as a real `gstv cloud` process on loopback, spoken to with
httpx: the contract, its switches, and its refusals."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys

import httpx
import pytest

from tests import processes
from tests.waits import STOP_S

CLIP = b"\x00\x01video bytes\xff" * 5000  # 70 000 bytes


@pytest.fixture
def cloud(tmp_path, procs):
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    process = procs.start(
        [sys.executable, "-m", "gstv", "cloud", "--port", "0", "--data", str(tmp_path / "c"),
         "--token-file", str(token)], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("cloud_listening url="), line
    url = line.split("=", 1)[1].strip()
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer s3cret"},
                      timeout=10) as client:
        yield client
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=STOP_S) == 0


def test_updates_come_in_order_after_the_cursor(cloud):
    for n in range(3):
        cloud.post("/_control/updates", json={"kind": "playlist", "body": {"n": n}})
    first = cloud.get("/sites/SITE-0042/updates").json()
    assert [u["body"]["n"] for u in first["updates"]] == [0, 1, 2]
    cloud.post("/_control/updates", json={"kind": "configuration", "body": {"n": 3}})
    later = cloud.get("/sites/SITE-0042/updates", params={"cursor": first["cursor"]}).json()
    assert [(u["kind"], u["body"]["n"]) for u in later["updates"]] == [("configuration", 3)]
    assert cloud.get("/sites/S/updates", params={"cursor": later["cursor"]}).json()[
        "updates"] == []
    assert cloud.get("/sites/S/updates", params={"cursor": "x"}).status_code == 400


def test_media_with_range_and_sha256(cloud):
    assert cloud.put("/_control/media/clip.mp4", content=CLIP).status_code == 200
    whole = cloud.get("/media/clip.mp4")
    assert whole.content == CLIP
    assert whole.headers["sha256"] == hashlib.sha256(CLIP).hexdigest()
    rest = cloud.get("/media/clip.mp4", headers={"Range": "bytes=60000-"})
    assert rest.status_code == 206 and rest.content == CLIP[60000:]
    assert rest.headers["Content-Range"] == f"bytes 60000-{len(CLIP) - 1}/{len(CLIP)}"
    assert cloud.get("/media/clip.mp4", headers={"Range": "bytes=70000-"}).status_code == 416
    assert cloud.get("/media/absent.mp4").status_code == 404


def test_switches_fail_delay_cut_and_corrupt(cloud):
    cloud.put("/_control/media/clip.mp4", content=CLIP)
    cloud.post("/_control/faults", json={"fail": {"GET /sites/": 2},
                                         "cut_after": {"clip.mp4": 1000},
                                         "wrong_bytes": ["other.mp4"]})
    assert cloud.get("/sites/S/updates").status_code == 503
    assert cloud.get("/sites/S/updates").status_code == 503
    assert cloud.get("/sites/S/updates").status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):  # the body stops short
        cloud.get("/media/clip.mp4")
    cloud.put("/_control/media/other.mp4", content=CLIP)
    wrong = cloud.get("/media/other.mp4")
    assert len(wrong.content) == len(CLIP) and wrong.content != CLIP
    assert wrong.headers["sha256"] == hashlib.sha256(CLIP).hexdigest()
    cloud.post("/_control/faults", json={})  # all off
    assert cloud.get("/media/clip.mp4").content == CLIP


def test_notifications_and_pop_are_kept_and_pop_deduplicated(cloud):
    assert cloud.post("/notifications", json={"type": "PLAYLIST_VALIDATION"}).json() == {
        "ok": True}
    records = [{"recordId": f"r{i}", "filename": "clip.mp4"} for i in range(3)]
    assert cloud.post("/pop", json=records).json() == {"accepted": 3, "duplicates": 0}
    again = cloud.post("/pop", json=records[1:] + [{"recordId": "r3"}]).json()
    assert again == {"accepted": 1, "duplicates": 2}
    received = cloud.get("/_control/received").json()
    assert [r["recordId"] for r in received["pop"]] == ["r0", "r1", "r2", "r3"]
    assert received["notifications"] == [{"type": "PLAYLIST_VALIDATION"}]


def test_bad_requests_are_refused_with_a_reason(cloud):
    assert cloud.post("/pop", content=b"not json").json() == {"error": "the body is not JSON"}
    assert cloud.post("/pop", json=[{"no": "id"}]).status_code == 400
    assert cloud.put("/_control/media/..", content=b"x").status_code in (400, 404)
    assert cloud.put("/_control/media/.hidden", content=b"x").json() == {
        "error": "file name starts with a dot"}
    no_token = httpx.get(str(cloud.base_url) + "/sites/S/updates")
    assert no_token.status_code == 401


def test_a_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = processes.run([sys.executable, "-m", "gstv", "cloud", "--port", str(port),
                             "--data", str(tmp_path)], capture_output=True, text=True,
                            timeout=30)
    assert run.returncode == 2 and "cannot listen" in run.stderr


def test_an_unreadable_token_file_is_a_clear_error(tmp_path):
    run = processes.run([sys.executable, "-m", "gstv", "cloud", "--port", "0", "--data",
                         str(tmp_path), "--token-file", str(tmp_path / "absent")],
                        capture_output=True, text=True, timeout=30)
    assert run.returncode == 2 and "cannot read" in run.stderr
