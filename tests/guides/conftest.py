"""Fixtures for the guide sync: the provincial simulator served for real on 127.0.0.1."""

from __future__ import annotations

import pytest

from provincial_simulator.server import SimulatorServer

# Small enough to be quick; large enough to hold items listed as both 个人 and 法人.
SMALL = 100


@pytest.fixture
def sim():
    """Yield a simulator of SMALL guides serving on a free port of 127.0.0.1."""
    with SimulatorServer(host="127.0.0.1", port=0, size=SMALL) as server:
        yield server


@pytest.fixture
def sync(settings, reference_data):
    """Return a function that runs a full sync against a base URL and returns the run."""
    from guides.sync import sync_full

    settings.PROVINCIAL_CONCURRENCY = 4

    def run(base_url: str, **kwargs):
        return sync_full(trigger="command", base_url=base_url, **kwargs)

    return run
