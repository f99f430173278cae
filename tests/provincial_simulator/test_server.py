"""The platform API over HTTP: envelope, parameters, paging quirks, detail, pages."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx

from provincial_simulator.server import SimulatorServer, parse_api_query

from .conftest import API, Api, detail_params, list_params, themes_params


def test_same_seed_gives_identical_bytes_over_http():
    # The same public address, so that absolute links (onlineHandleUrl) match too.
    kwargs = {"public_url": "http://simulator.test", "size": 200}
    with SimulatorServer(**kwargs) as one, SimulatorServer(**kwargs) as two:
        ids = one.dataset.guide_ids()
        with_url = next(i for i in ids if "onlineHandleUrl" in one.dataset.detail(i))
        for params in (
            themes_params("2"),
            list_params(2, 20, type_code="2"),
            detail_params(ids[3]),
            detail_params(with_url),
        ):
            a = httpx.post(one.base_url + API, params=params)
            b = httpx.post(two.base_url + API, params=params)
            assert a.status_code == b.status_code == 200
            assert a.content == b.content
        detail = httpx.post(one.base_url + API, params=detail_params(with_url)).json()["data"]
        assert detail["onlineHandleUrl"] == (
            f"http://simulator.test/hnywtb/service/handle.html?id={with_url}"
        )


def test_themes_answer_in_the_envelope(api):
    response = api.themes("1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is True and body["error"] is False and body["msg"] == ""
    assert {"ztflCode": "GR001", "ztflName": "生育收养"} in body["data"]
    assert api.themes("2").json()["data"][0]["ztflCode"].startswith("FR")
    assert api.themes("3").json()["success"] is False


def test_list_quirks_total_page_equals_total_and_pages_past_the_end_are_empty(api, sim):
    body = api.list(1, 7, type_code="1").json()
    data = body["data"]
    assert data["total"] == len(sim.dataset.list_rows("1"))
    assert data["totalPage"] == data["total"]
    assert data["pageIndex"] == 1
    assert len(data["contents"]) == 7
    assert set(data["contents"][0]) == {
        "unifyId",
        "unifyName",
        "rightsCode",
        "rightsId",
        "ywCode",
        "isonline",
        "transactLevel",
        "minSeq",
        "areaCode",
    }
    past = api.list(data["total"] + 1, 7, type_code="1").json()
    assert past["success"] is True
    assert past["data"]["contents"] == []
    assert past["data"]["total"] == data["total"]


def test_list_repeats_ids_across_themes_and_filters(api, sim):
    rows = api.all_rows(type_code="1")
    assert len(rows) == len(sim.dataset.list_rows("1"))
    ids = [r["unifyId"] for r in rows]
    assert len(set(ids)) < len(ids)
    by_theme = api.all_rows(type_code="1", ztfl="GR003")
    assert by_theme
    assert all("GR003" in sim.dataset.guide_types(r["unifyId"])["1"] for r in by_theme)
    by_area = api.all_rows(type_code="2", area_code="430104")
    assert by_area
    assert {r["areaCode"] for r in by_area} == {"430104"}
    by_name = api.all_rows(type_code="2", unify_name="食品生产")
    assert by_name
    assert all("食品生产" in r["unifyName"] for r in by_name)


def test_list_caps_rows_at_100(full_sim):
    with httpx.Client(base_url=full_sim.base_url) as client:
        data = Api(client).list(1, 500, type_code="2").json()["data"]
    assert len(data["contents"]) == 100


def test_list_refuses_bad_paging_and_bad_data(api, client):
    for page, rows in (("0", "10"), ("1", "-1"), ("x", "10"), ("1", ""), ("1.5", "10")):
        body = api.post(list_params(page, rows)).json()
        assert body["success"] is False and body["error"] is True
        assert body["msg"]
        assert body["data"] is None
    url = "/unifyTaskToWt/getUnifyTaskByPage?page=1&rows=10&data=" + quote("{not json")
    body = api.post({"action": "toCatalogHttpPost", "url": url}).json()
    assert body["success"] is False
    body = api.list(1, 10, type_code="9").json()
    assert body["success"] is False


def test_list_accepts_the_inner_url_unencoded(client, api):
    data = quote(json.dumps({"type": "2", "unifyName": "", "ztfl": "", "areaCode": ""}))
    raw = (
        f"{API}?action=toCatalogHttpPost&url=/unifyTaskToWt/getUnifyTaskByPage"
        f"?page=2&rows=5&data={data}"
    )
    unencoded = client.post(raw)
    encoded = api.list(2, 5, type_code="2")
    assert unencoded.json()["success"] is True
    assert unencoded.content == encoded.content


def test_parse_api_query_reads_both_forms_like_a_servlet():
    encoded = "action=toCatalogHttpGet&url=%2FunifyTaskToWt%2FgetUnifyTaskInfo%3FunifyId%3Dabc"
    assert parse_api_query(encoded) == (
        "toCatalogHttpGet",
        "/unifyTaskToWt/getUnifyTaskInfo",
        {"unifyId": "abc"},
    )
    raw = "action=toCatalogHttpPost&url=/u/getUnifyTaskByPage?page=3&rows=20&data=%7B%7D"
    assert parse_api_query(raw) == (
        "toCatalogHttpPost",
        "/u/getUnifyTaskByPage",
        {"page": "3", "rows": "20", "data": "{}"},
    )


def test_detail_answers_all_fields_and_unknown_ids_fail(api, sim):
    unify_id = sim.dataset.guide_ids()[0]
    body = api.detail(unify_id).json()
    assert body["success"] is True
    assert body["data"] == sim.dataset.detail(unify_id)
    missing = api.detail("0" * 32)
    assert missing.status_code == 200
    assert missing.json() == {
        "success": False,
        "error": True,
        "msg": "事项不存在或已取消",
        "data": None,
    }


def test_cancelled_items_vanish_from_list_and_detail_after_advance(api, sim):
    result = sim.advance()
    gone = result["vanished"][0]
    assert api.detail(gone).json()["msg"] == "事项不存在或已取消"
    listed = {r["unifyId"] for t in "12" for r in api.all_rows(type_code=t)}
    assert gone not in listed
    assert listed == set(sim.dataset.guide_ids())
    sim.restore([gone])
    assert api.detail(gone).json()["success"] is True


def test_unknown_action_wrong_action_and_unknown_url_fail_in_the_envelope(api):
    for params in (
        {"action": "bogus", "url": "/unifyTaskToWt/getZtflByTask?type=1"},
        {"url": "/unifyTaskToWt/getZtflByTask?type=1"},
        {"action": "toCatalogHttpPost", "url": "/unifyTaskToWt/getZtflByTask?type=1"},
        {"action": "toCatalogHttpGet", "url": "/unifyTaskToWt/nothing"},
    ):
        response = api.post(params)
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is False and body["error"] is True and body["msg"]


def test_non_post_on_the_api_is_405_with_an_envelope(client, sim):
    response = client.get(API, params=themes_params("1"))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["success"] is False
    assert client.put(API).status_code == 405
    assert sim.stats["rejected"] == 2


def test_keep_alive_serves_many_calls_on_one_connection(sim):
    with httpx.Client(base_url=sim.base_url, limits=httpx.Limits(max_connections=1)) as client:
        api = Api(client)
        ids = {
            api.list(p, 5, type_code="1").json()["data"]["contents"][0]["unifyId"] for p in (1, 2)
        }
        for unify_id in sim.dataset.guide_ids()[:20]:
            assert api.detail(unify_id).json()["success"] is True
    assert ids


def test_public_guide_and_handle_pages_name_the_item(client, sim):
    unify_id = sim.dataset.guide_ids()[0]
    detail = sim.dataset.detail(unify_id)
    guide = client.get(
        "/hnywtb/service/guide.html",
        params={
            "id": unify_id,
            "type": "gr",
            "rightsCode": detail["rightsCode"],
            "ywCode": detail["ywCode"],
        },
    )
    assert guide.status_code == 200
    assert guide.headers["content-type"].startswith("text/html")
    assert detail["unifyName"] in guide.text
    handle = client.get("/hnywtb/service/handle.html", params={"id": unify_id})
    assert handle.status_code == 200
    assert detail["unifyName"] in handle.text
    assert client.get("/hnywtb/service/guide.html", params={"id": "x"}).status_code == 404
    assert client.get("/elsewhere").status_code == 404


def test_a_full_sync_pass_is_cheap(full_sim):
    # The sync benchmark measures the client: listing plus every detail must not be slow here.
    import time

    with httpx.Client(base_url=full_sim.base_url) as client:
        api = Api(client)
        started = time.perf_counter()
        ids = {r["unifyId"] for t in "12" for r in api.all_rows(type_code=t)}
        for unify_id in ids:
            assert api.detail(unify_id).status_code == 200
        elapsed = time.perf_counter() - started
    assert len(ids) >= 1300
    assert elapsed < 10
