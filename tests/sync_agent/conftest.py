"""The reference cloud in a thread of the test, on a loopback port (real HTTP), and a
media fetcher bound to it, for the agent's tests."""

from __future__ import annotations

import random
import threading

import pytest

from sync_agent.cloud import CloudServer, CloudStore
from sync_agent.media_download import download


@pytest.fixture
def cloud(tmp_path):
    server = CloudServer(("127.0.0.1", 0), CloudStore(tmp_path / "cloud"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def fetcher(client, media):
    """Download into `media` with short retry delays."""
    return lambda name: download(client, media, name, rng=random.Random(1),
                                 base_delay_s=0.01)
