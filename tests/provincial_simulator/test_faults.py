"""The fault switches: latency, 5xx, success:false, malformed JSON, repeated pages, maintenance."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from provincial_simulator.server import Faults, SimulatorServer

from .conftest import Api


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def test_latency_is_added_to_every_api_call(api, sim):
    baseline = min(timed(lambda: api.themes("1")) for _ in range(3))
    sim.faults.latency_ms = 150
    slow = [timed(lambda: api.themes("1")), timed(lambda: api.list(1, 5)), timed(api.themes)]
    assert min(slow) >= 0.15
    assert min(slow) - baseline >= 0.14
    assert sim.stats["faults"]["latency"] == 3
    sim.set_faults(latency_ms=0, latency_jitter_ms=100)
    jittered = [timed(api.themes) for _ in range(4)]
    assert max(jittered) < 0.5
    sim.reset_faults()
    assert timed(api.themes) < 0.1


def test_error_rate_one_makes_every_call_a_5xx_html_page(api, sim):
    sim.set_faults(error_rate=1)
    statuses = set()
    unify_id = sim.dataset.guide_ids()[0]
    calls = [api.themes, api.list, lambda: api.detail(unify_id)] * 4
    for response in (call() for call in calls):
        assert 500 <= response.status_code <= 503
        assert response.headers["content-type"].startswith("text/html")
        statuses.add(response.status_code)
        with pytest.raises(ValueError):
            response.json()
    assert statuses <= {500, 502, 503}
    assert len(statuses) > 1
    assert sim.stats["faults"]["error"] == 12


def test_failure_rate_one_answers_success_false(api, sim):
    sim.set_faults(failure_rate=1)
    for response in (api.themes(), api.list(), api.detail(sim.dataset.guide_ids()[0])):
        assert response.status_code == 200
        assert response.json() == {
            "success": False,
            "error": True,
            "msg": "系统繁忙，请稍后再试",
            "data": None,
        }


def test_malformed_rate_one_answers_invalid_json(api, sim):
    sim.set_faults(malformed_rate=1)
    unify_id = sim.dataset.guide_ids()[0]
    calls = [api.themes, api.list, lambda: api.detail(unify_id)] * 3
    for response in (call() for call in calls):
        assert response.status_code == 200
        with pytest.raises(ValueError):
            json.loads(response.content.decode("utf-8", errors="replace"))


def test_endpoints_limit_where_rate_faults_apply(api, sim):
    sim.set_faults(error_rate=1, endpoints=["detail"])
    assert api.themes().status_code == 200
    assert api.list().status_code == 200
    assert api.detail(sim.dataset.guide_ids()[0]).status_code >= 500


def test_rate_faults_are_reproducible_from_the_seed():
    def sequence(sim: SimulatorServer) -> list[int]:
        with httpx.Client(base_url=sim.base_url) as client:
            api = Api(client)
            return [api.themes().status_code for _ in range(30)]

    with SimulatorServer(size=20) as one, SimulatorServer(size=20) as two:
        one.set_faults(error_rate=0.3, failure_rate=0.2)
        two.set_faults(error_rate=0.3, failure_rate=0.2)
        first = sequence(one)
        assert first == sequence(two)
        assert 200 in first and any(s >= 500 for s in first)
        # Clearing restarts the fault sequence.
        one.reset_faults()
        one.set_faults(error_rate=0.3, failure_rate=0.2)
        assert sequence(one) == first


def test_partial_rates_inject_about_that_share():
    faults = Faults(seed=1)
    faults.update(error_rate=0.1, failure_rate=0.1, malformed_rate=0.1)
    drawn = [faults.draw("list")[0] for _ in range(3000)]
    for kind in ("error", "failure", "malformed"):
        assert 0.07 < drawn.count(kind) / 3000 < 0.13
    assert faults.draw("unknown-endpoint") == (None, 0.0)


def test_repeat_page_serves_the_previous_page_the_first_times(api, sim):
    page_1 = api.list(1, 5).json()["data"]["contents"]
    page_2 = api.list(2, 5).json()["data"]["contents"]
    assert page_1 != page_2
    sim.set_faults(repeat_page={"page": 2, "times": 2})
    first = api.list(2, 5).json()["data"]
    assert first["contents"] == page_1
    assert first["pageIndex"] == 2
    assert api.list(2, 5).json()["data"]["contents"] == page_1
    assert api.list(2, 5).json()["data"]["contents"] == page_2
    sim.set_faults(repeat_page={"page": 2, "times": None})
    for _ in range(3):
        assert api.list(2, 5).json()["data"]["contents"] == page_1
    assert api.list(3, 5).json()["data"]["contents"] != page_1
    assert sim.stats["faults"]["repeat_page"] == 5


def test_maintenance_window_ends_by_itself(api, sim):
    sim.set_faults(maintenance_seconds=0.6)
    response = api.themes()
    assert response.status_code == 200
    assert "系统维护中" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 0 < sim.faults.maintenance_seconds <= 0.6
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and "系统维护中" in api.themes().text:
        time.sleep(0.1)
    assert api.themes().json()["success"] is True
    assert sim.faults.maintenance_seconds == 0


def test_bad_fault_values_are_refused():
    faults = Faults()
    for values in (
        {"error_rate": 1.5},
        {"failure_rate": -0.1},
        {"malformed_rate": "half"},
        {"latency_ms": -1},
        {"endpoints": ["everything"]},
        {"repeat_page": {"page": 0}},
        {"repeat_page": {"page": 2, "times": 0}},
        {"no_such_switch": 1},
    ):
        with pytest.raises(ValueError):
            faults.update(**values)
    assert faults.to_dict()["error_rate"] == 0.0


def test_reset_clears_every_fault(api, sim):
    sim.set_faults(
        latency_ms=10,
        error_rate=1,
        repeat_page={"page": 2, "times": None},
        maintenance_seconds=30,
        endpoints=["list"],
    )
    sim.reset_faults()
    assert sim.faults.to_dict() == Faults().to_dict()
    assert api.themes().json()["success"] is True
