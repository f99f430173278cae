"""The control API under /__simulator__/ used by tests and demos that run a subprocess."""

from __future__ import annotations

import time


def test_state_reports_generation_size_faults_and_counts(client, sim):
    state = client.get("/__simulator__/state").json()
    assert state["ok"] is True
    assert state["generation"] == 0
    assert state["size"] == sim.dataset.size
    assert state["guides"] == sim.dataset.size
    assert len(state["areas"]) == 10
    assert state["faults"]["error_rate"] == 0
    assert state["base_url"] == sim.base_url


def test_faults_are_merged_from_json(client, sim, api):
    response = client.post("/__simulator__/faults", json={"failure_rate": 1})
    assert response.status_code == 200
    assert response.json()["faults"]["failure_rate"] == 1
    client.post("/__simulator__/faults", json={"latency_ms": 5, "endpoints": ["themes"]})
    assert sim.faults.failure_rate == 1
    assert sim.faults.latency_ms == 5
    assert api.themes().json()["msg"] == "系统繁忙，请稍后再试"
    assert api.list().json()["success"] is True
    client.post("/__simulator__/faults", json={"maintenance_seconds": 0.3})
    assert "系统维护中" in api.list().text
    time.sleep(0.35)
    assert api.list().json()["success"] is True


def test_bad_json_and_bad_values_are_400_with_a_message(client, sim):
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe"):
        response = client.post("/__simulator__/faults", content=body)
        assert response.status_code == 400
        assert response.json()["ok"] is False
        assert response.json()["msg"]
    for payload in ({"error_rate": 2}, {"bogus": True}):
        response = client.post("/__simulator__/faults", json=payload)
        assert response.status_code == 400
        assert response.json()["msg"]
    assert client.post("/__simulator__/mutate", content=b"{oops").status_code == 400
    assert client.post("/__simulator__/mutate", json={"vanish": "abc"}).status_code == 400
    assert client.post("/__simulator__/reset", json={"everything": 1}).status_code == 400
    assert sim.faults.error_rate == 0


def test_reset_clears_faults_and_optionally_data_and_stats(client, sim):
    client.post("/__simulator__/faults", json={"error_rate": 1})
    client.post("/__simulator__/advance")
    response = client.post("/__simulator__/reset")
    assert response.status_code == 200
    assert sim.faults.error_rate == 0
    assert sim.dataset.generation == 1
    client.post("/__simulator__/reset", json={"dataset": True, "stats": True})
    assert sim.dataset.generation == 0
    assert sim.dataset.guide_ids() == sim.dataset.all_ids()
    assert sim.stats["total"] == 0


def test_advance_and_mutate(client, sim, api):
    advanced = client.post("/__simulator__/advance").json()
    assert advanced["generation"] == 1
    assert advanced["vanished"]
    assert advanced["changed"]
    gone = advanced["vanished"][0]
    assert api.detail(gone).json()["success"] is False

    keep, change = sim.dataset.guide_ids()[:2]
    before = api.detail(change).content
    result = client.post(
        "/__simulator__/mutate",
        json={"vanish": [keep], "restore": [gone], "change": [change, "no-such-id"]},
    ).json()
    assert result["vanished"] == [keep]
    assert result["restored"] == [gone]
    assert result["changed"] == [change]
    assert result["unknown"] == ["no-such-id"]
    assert api.detail(keep).json()["success"] is False
    assert api.detail(gone).json()["success"] is True
    assert api.detail(change).content != before


def test_stats_count_requests_per_endpoint_and_faults(client, sim, api):
    sim.reset_stats()
    api.themes()
    api.list()
    api.detail(sim.dataset.guide_ids()[0])
    sim.set_faults(failure_rate=1)
    api.detail(sim.dataset.guide_ids()[0])
    stats = client.get("/__simulator__/stats").json()
    assert stats["themes"] == 1
    assert stats["list"] == 1
    assert stats["detail"] == 2
    assert stats["api"] == 4
    assert stats["faults"]["failure"] == 1
    assert stats["faults_total"] == 1
    assert stats["total"] == 5


def test_unknown_control_path_and_wrong_method(client):
    assert client.get("/__simulator__/nothing").status_code == 404
    assert client.get("/__simulator__/advance").status_code == 405
    assert client.post("/__simulator__/state").status_code == 405
