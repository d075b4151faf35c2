"""Fixtures every test directory shares."""

from __future__ import annotations

import pytest

from sync_agent.cloud import CloudServer, CloudStore


@pytest.fixture
def cloud(tmp_path):
    """The reference cloud in a thread of the test, on a loopback port (real HTTP)."""
    server = CloudServer(("127.0.0.1", 0), CloudStore(tmp_path / "cloud"))
    yield server.serve_in_background()
    server.close()
