"""libVLC's clock resets heard in its log (player.vlc_log), with real libVLC: a stream
from a real HTTP server on loopback that stalls mid-way starves the demuxer, as a
starved CPU does on a loaded terminal, and libVLC takes its clock again."""

from __future__ import annotations

import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from player.engine import VlcEngine
from tests.waits import wait_until

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "assets/sync/matrix/small-mp4720-h264.mp4"


@pytest.fixture(scope="module")
def transport_stream(tmp_path_factory) -> bytes:
    """The clip as MPEG-TS (ffmpeg, from `make setup`): a container libVLC plays from a
    stream that cannot seek."""
    out = tmp_path_factory.mktemp("ts") / "clip.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(CLIP), "-c", "copy",
                    "-f", "mpegts", str(out)], check=True, timeout=60)
    return out.read_bytes()


def serve(data: bytes, *, stall_s: float, at_share: float = 0.3):
    class Stalling(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/MP2T")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            cut = int(len(data) * at_share)
            try:
                self.wfile.write(data[:cut])
                self.wfile.flush()
                time.sleep(stall_s)
                self.wfile.write(data[cut:])
            except (BrokenPipeError, ConnectionResetError):  # the player stopped first
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def play(engine: VlcEngine, server, seconds: float, until=None) -> None:
    player = engine.instance.media_player_new()
    try:
        player.set_media(engine.instance.media_new_location(
            f"http://127.0.0.1:{server.server_address[1]}/clip.ts"))
        player.play()
        if until is None:
            time.sleep(seconds)
        else:
            wait_until(until, timeout_s=seconds, what="a clock reset in libVLC's log")
    finally:
        player.stop()
        player.release()
        server.shutdown()
        server.server_close()


def test_a_stalled_input_is_heard_as_a_clock_reset(transport_stream, caplog):
    engine = VlcEngine(output="headless", extra_args=("--network-caching=100",))
    try:
        play(engine, serve(transport_stream, stall_s=3.0), 15,
             until=lambda: engine.clock_resets.count > 0)
    finally:
        engine.close()
    assert engine.clock_resets.count >= 1
    assert "libvlc_clock_reset said=" in caplog.text


def test_a_stream_that_flows_is_no_clock_reset(transport_stream):
    engine = VlcEngine(output="headless", extra_args=("--network-caching=100",))
    try:
        play(engine, serve(transport_stream, stall_s=0.0), 3.0)
    finally:
        engine.close()
    assert engine.clock_resets.count == 0
