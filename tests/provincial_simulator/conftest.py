"""Fixtures for the simulator tests: servers in-process, and a helper to call the platform API.

These tests need no database.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest

from provincial_simulator.server import SimulatorServer

API = "/hnywtb/anony"
SMALL = 60


def themes_params(type_code: str) -> dict:
    return {"action": "toCatalogHttpGet", "url": f"/unifyTaskToWt/getZtflByTask?type={type_code}"}


def list_params(page, rows, type_code="1", ztfl="", area_code="", unify_name="") -> dict:
    data = json.dumps(
        {"type": type_code, "unifyName": unify_name, "ztfl": ztfl, "areaCode": area_code},
        ensure_ascii=False,
    )
    url = f"/unifyTaskToWt/getUnifyTaskByPage?page={page}&rows={rows}&data={quote(data)}"
    return {"action": "toCatalogHttpPost", "url": url}


def detail_params(unify_id: str) -> dict:
    return {
        "action": "toCatalogHttpGet",
        "url": f"/unifyTaskToWt/getUnifyTaskInfo?unifyId={unify_id}",
    }


class Api:
    """A thin test client for the platform API of one simulator."""

    def __init__(self, client: httpx.Client):
        self.client = client

    def post(self, params: dict) -> httpx.Response:
        return self.client.post(API, params=params)

    def themes(self, type_code="1") -> httpx.Response:
        return self.post(themes_params(type_code))

    def list(self, page=1, rows=10, **criteria) -> httpx.Response:
        return self.post(list_params(page, rows, **criteria))

    def detail(self, unify_id: str) -> httpx.Response:
        return self.post(detail_params(unify_id))

    def all_rows(self, rows=100, **criteria) -> list[dict]:
        """Return every list row, paging until a page comes back empty."""
        found, page = [], 1
        while True:
            contents = self.list(page, rows, **criteria).json()["data"]["contents"]
            if not contents:
                return found
            found += contents
            page += 1


@pytest.fixture(scope="module")
def full_sim():
    """Return a running simulator with the full dataset (shared by a module; do not mutate)."""
    with SimulatorServer() as sim:
        yield sim


@pytest.fixture
def sim():
    """Return a running simulator with a small dataset, fresh for each test."""
    with SimulatorServer(size=SMALL) as server:
        yield server


@pytest.fixture
def client(sim):
    with httpx.Client(base_url=sim.base_url, timeout=10) as c:
        yield c


@pytest.fixture
def api(client):
    return Api(client)
