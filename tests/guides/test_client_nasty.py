"""The client, the listing and the full sync against a second, independent fake platform
(tests/guides/nasty_server.py, not the simulator) that gives the nastiest answers the contract
(docs/provincial-api.md) allows: wrong HTTP statuses, broken bodies, slow and cut
connections, lying totals, repeated pages, placeholders, wrong types and hostile HTML."""

from __future__ import annotations

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from guides.client import API_PATH, ClientConfig, PlatformError, ProvincialClient
from guides.normalise import PLAIN_FIELDS, RICH_FIELDS, GuideDataError, guide_record
from guides.sync import EXTRA_PAGES_LIMIT, listing_fetch

from .nasty_server import (
    DETAIL,
    LIST,
    POST,
    THEMES,
    NastyServer,
    Reply,
    details_handler,
    envelope,
    list_handler,
    ok,
    refused,
)

CJK = "\u4e00-\u9fff"
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>系统维护</title></head>"
    "<body><h1>系统维护中，请稍后访问</h1></body></html>"
)
PLACEHOLDER_VALUES = ["", "暂无", "暂无信息", "无", "无。", "/", "null", None]


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def server():
    with NastyServer() as fake:
        yield fake


@pytest.fixture
def make_client(server):
    """Return a function making a client of the fake server; every client is closed after."""
    made: list[ProvincialClient] = []

    def make(*, timeout=1.0, retries=2, page_size=10, concurrency=4, base_url=None, **kwargs):
        config = ClientConfig(
            base_url=base_url or server.base_url,
            timeout=timeout,
            retries=retries,
            backoff=kwargs.pop("backoff", 0.001),
            backoff_max=kwargs.pop("backoff_max", 0.002),
            concurrency=concurrency,
            page_size=page_size,
        )
        client = ProvincialClient(config, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def good_detail(unify_id: str, name: str, area: str = "430102", **overrides) -> dict:
    detail = {
        "unifyId": unify_id,
        "unifyName": name,
        "rightsCode": "000201001000",
        "taskCode": "11430102MB1234567X2000201001000",
        "ywCode": "000201001000-01",
        "typeName": "行政许可",
        "areaCode": area,
        "orgName": "芙蓉区行政审批服务局",
        "deptName": "审批一科",
        "serveObject": "自然人,企业法人",
        "schemeLevels": "县级",
        "acceptanceCondition": "<p>申请人年满十八周岁。</p>",
        "according": "《中华人民共和国行政许可法》第十二条",
        "applicantPower": "依法获得办理结果",
        "applicantDuty": "如实提交材料",
        "approveLimit": "20个工作日",
        "approveLimitExplain": "自受理之日起计算",
        "commitmentLimit": "5个工作日",
        "commitmentLimitExplain": "",
        "isCharge": "否",
        "chargeList": [],
        "processDescript": "受理\n审查\n决定",
        "transactAddr": "芙蓉区政务服务中心二楼",
        "transactTime": "工作日 9:00-17:00",
        "consultTel": "0731-84000000",
        "complaintTel": "12345",
        "isonline": "是",
        "minSeq": "1",
        "doScope": "全市通办",
        "materialList": [
            {
                "materialId": "M1",
                "materialTitle": "申请书",
                "isMust": "必要",
                "materialType": "原件",
                "copiesNum": "1",
                "attachList": [{"attachName": "样表", "attachPath": "https://example.org/a.doc"}],
            }
        ],
        "resultList": [{"resultSampleName": "许可证", "attachPath": "https://example.org/r.pdf"}],
        "onlineHandleUrl": "https://zwfw.example.org/apply?id=" + unify_id,
    }
    detail.update(overrides)
    return detail


def row(unify_id: str, name: str = "") -> dict:
    return {"unifyId": unify_id, "unifyName": name or f"事项{unify_id}", "areaCode": "430102"}


# Transport: what the client sends ---------------------------------------------------------------


def test_every_call_is_a_post_with_an_empty_body_and_its_parameters_in_the_query(
    server, make_client
):
    server.route(THEMES, ok([{"ztflCode": "T1", "ztflName": "生育收养"}]))
    server.route(LIST, ok({"contents": [], "total": 0}))
    server.route(DETAIL, ok(good_detail("ID-1", "名称")))
    client = make_client()

    assert client.themes("2") == [{"ztflCode": "T1", "ztflName": "生育收养"}]
    client.list_page(audience="2", page=3, theme="T1", area_code="430102", name="食品 & 药品=?")
    client.detail("ID-1")

    themes, listing, detail = server.requests
    for request in server.requests:
        assert request.method == "POST"
        assert request.path == API_PATH
        assert request.body == b""
        assert request.headers.get("content-length", "0") == "0"
        # Only action and url reach the outer query: the inner query is encoded inside url=.
        assert set(request.query) == {"action", "url"}
        assert len(request.query["url"]) == 1
    assert themes.key == THEMES and themes.inner_query == {"type": ["2"]}
    assert listing.key == LIST and listing.action == POST
    assert listing.inner("page") == "3"
    assert listing.inner("rows") == "10"
    assert listing.data == {
        "type": "2",
        "unifyName": "食品 & 药品=?",
        "ztfl": "T1",
        "areaCode": "430102",
    }
    assert set(listing.inner_query) == {"page", "rows", "data"}
    assert detail.key == DETAIL and detail.inner_query == {"unifyId": ["ID-1"]}


@pytest.mark.parametrize("unify_id", ["a+b", "a&b=c", "a#b", "a%2Fb"])
def test_the_detail_call_encodes_the_unify_id(server, make_client, unify_id):
    server.route(DETAIL, lambda request: good_detail(request.inner("unifyId"), "名称"))
    client = make_client(retries=0)

    client.detail(unify_id)

    assert server.calls(DETAIL)[0].inner_query == {"unifyId": [unify_id]}


# Transport: the envelope is the truth ---------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 404])
def test_a_success_envelope_is_accepted_whatever_the_http_status(server, make_client, status):
    server.route(THEMES, Reply(envelope([{"ztflCode": "T9"}]), status=status))
    client = make_client()

    assert client.themes("1") == [{"ztflCode": "T9"}]
    assert len(server.requests) == 1


def test_http_200_with_success_false_is_retried_then_fails_with_the_platforms_reason(
    server, make_client
):
    server.route(DETAIL, refused("系统繁忙，请稍后再试"))
    client = make_client(retries=2)

    with pytest.raises(PlatformError) as caught:
        client.detail("X1")

    message = str(caught.value)
    assert "系统繁忙，请稍后再试" in message
    assert "X1" in message and "已尝试 3 次" in message
    assert len(server.calls(DETAIL)) == 3
    assert client.stats.requests == 3 and client.stats.retries == 2


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "error": True, "msg": "查询失败", "data": {"unifyName": "x"}},
        {"success": True, "error": "true", "msg": "查询失败", "data": {"unifyName": "x"}},
        {"success": False, "error": False, "msg": "查询失败", "data": {"unifyName": "x"}},
        {"success": "false", "msg": "查询失败", "data": {"unifyName": "x"}},
    ],
    ids=["error-true", "error-string-true", "success-false", "success-string-false"],
)
def test_a_failed_envelope_fails_even_with_data(server, make_client, body):
    server.route(DETAIL, Reply(body))
    client = make_client(retries=1)

    with pytest.raises(PlatformError, match="查询失败"):
        client.detail("X1")
    assert len(server.requests) == 2


def test_a_failure_without_a_reason_says_so(server, make_client):
    server.route(DETAIL, Reply({"success": False, "error": True, "msg": None}))
    client = make_client(retries=0)

    with pytest.raises(PlatformError, match="未说明原因"):
        client.detail("X1")


@pytest.mark.parametrize(
    "body",
    [
        {"error": False, "msg": "", "data": {"unifyName": "x"}},
        [{"success": True}],
        "null",
        '"success"',
    ],
    ids=["missing-success", "top-level-list", "json-null", "json-string"],
)
def test_a_body_that_is_not_the_envelope_fails(server, make_client, body):
    server.route(DETAIL, Reply(body))
    client = make_client(retries=1)

    with pytest.raises(PlatformError, match="信封"):
        client.detail("X1")
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(b"\xef\xbb\xbf" + json.dumps(envelope({"k": "值"}), ensure_ascii=False).encode()),
        Reply(envelope({"k": "值"}), content_type="text/html;charset=UTF-8"),
        Reply(envelope({"k": "值"}), content_type="text/plain"),
        Reply(envelope({"k": "值"}), gzip=True),
        Reply(envelope({"k": "值"}), gzip=True, status=500),
        Reply(json.dumps(envelope({"k": "值"}), indent=2) + "\r\n\r\n"),
    ],
    ids=["utf8-bom", "text-html", "text-plain", "gzip", "gzip-500", "escaped-whitespace"],
)
def test_odd_but_valid_bodies_are_read(server, make_client, reply):
    server.route(DETAIL, reply)
    client = make_client(retries=0)

    assert client.detail("X1") == {"k": "值"}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(json.dumps(envelope({"k": 1})) + "}garbage"), "无法解析的 JSON"),
        (Reply(json.dumps(envelope({"k": 1}))[:-7]), "无法解析的 JSON"),
        (Reply(b""), "无法解析的 JSON"),
        (Reply(b"\xff\xfe\x00{"), "无法解析的 JSON"),
        (Reply(HTML_PAGE, content_type="text/html"), "维护页面"),
        (Reply(HTML_PAGE, status=503, content_type="text/html"), "维护页面"),
        (Reply(b"not gzip at all", gzip=False, headers={"Content-Encoding": "gzip"}), "连接失败"),
    ],
    ids=[
        "trailing-garbage",
        "truncated-json",
        "empty",
        "not-utf8",
        "maintenance-200",
        "maintenance-503",
        "bad-gzip",
    ],
)
def test_broken_bodies_are_retried_then_fail_with_a_chinese_reason(
    server, make_client, reply, reason
):
    server.route(DETAIL, reply)
    client = make_client(retries=2)

    with pytest.raises(PlatformError) as caught:
        client.detail("X1")

    assert reason in str(caught.value) and has_cjk(str(caught.value))
    assert len(server.requests) == 3


def test_a_broken_body_once_is_retried_and_the_next_answer_is_used(server, make_client):
    server.route(DETAIL, [Reply(HTML_PAGE), Reply(b""), ok({"unifyName": "第三次"})])
    client = make_client(retries=2)

    assert client.detail("X1") == {"unifyName": "第三次"}
    assert len(server.requests) == 3


def test_a_redirect_to_a_login_page_is_not_followed_and_fails(server, make_client):
    server.route(
        DETAIL,
        Reply(
            envelope({"unifyName": "登录页"}),
            status=302,
            headers={"Location": "/login?redirect=/hnywtb"},
        ),
    )
    client = make_client(retries=1)

    # The 302 carries a success envelope, yet the client went nowhere else.
    client.detail("X1")
    assert all(request.path == API_PATH for request in server.requests)

    server.route(
        DETAIL,
        Reply(HTML_PAGE, status=302, headers={"Location": "/login"}, content_type="text/html"),
    )
    with pytest.raises(PlatformError, match="HTTP 302"):
        client.detail("X1")
    assert [r.path for r in server.requests] == [API_PATH] * 3


def test_a_response_slower_than_the_timeout_is_given_up_within_bounded_time(server, make_client):
    server.route(DETAIL, Reply(envelope({"unifyName": "迟到"}), delay=5))
    client = make_client(timeout=0.2, retries=1)

    started = time.monotonic()
    with pytest.raises(PlatformError, match="超时"):
        client.detail("X1")

    assert time.monotonic() - started < 1.5
    assert len(server.requests) == 2


def test_a_body_trickling_in_slower_than_the_timeout_is_given_up(server, make_client):
    # 42 bytes at 25 ms each: no single read waits 0.2 s, yet the answer takes over a second.
    body = json.dumps({"success": True, "error": False, "data": {}}, separators=(",", ":"))
    server.route(DETAIL, Reply(body + " " * (42 - len(body)), drip=0.025))
    client = make_client(timeout=0.2, retries=0)

    started = time.monotonic()
    with pytest.raises(PlatformError, match="超时"):
        client.detail("X1")
    assert time.monotonic() - started < 0.7


def test_a_connection_closed_mid_response_is_retried(server, make_client):
    good = envelope({"unifyName": "完整"})
    server.route(DETAIL, [Reply(good, cut_after=12), Reply(good)])
    client = make_client(retries=2)

    assert client.detail("X1") == {"unifyName": "完整"}
    assert len(server.requests) == 2

    server.route(DETAIL, Reply(good, cut_after=5))
    with pytest.raises(PlatformError, match="连接失败"):
        client.detail("X1")
    assert len(server.requests) == 2 + 3


def test_a_refused_connection_fails_fast(make_client):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}", retries=2)

    started = time.monotonic()
    with pytest.raises(PlatformError, match="连接失败"):
        client.themes("1")
    assert time.monotonic() - started < 1.0
    assert client.stats.requests == 3


# Retries and backoff --------------------------------------------------------------------------


def test_backoff_is_full_jitter_under_a_growing_cap_and_attempts_are_bounded(server, make_client):
    server.route(DETAIL, Reply(HTML_PAGE, status=503))
    sleeps: list[float] = []
    client = make_client(
        retries=4, backoff=0.1, backoff_max=0.25, sleep=sleeps.append, rng=random.Random(7)
    )

    with pytest.raises(PlatformError, match="已尝试 5 次"):
        client.detail("X1")

    assert len(server.requests) == 5
    caps = [0.1, 0.2, 0.25, 0.25]
    expected = random.Random(7)
    assert sleeps == [expected.uniform(0, cap) for cap in caps]
    assert all(0 <= wait <= cap for wait, cap in zip(sleeps, caps, strict=True))


def test_no_wait_and_no_extra_call_after_a_success(server, make_client):
    server.route(DETAIL, [Reply(b"", status=500), refused("忙"), ok({"unifyName": "好"})])
    sleeps: list[float] = []
    client = make_client(retries=5, sleep=sleeps.append, rng=random.Random(1))

    assert client.detail("X1") == {"unifyName": "好"}
    assert len(server.requests) == 3 and len(sleeps) == 2
    assert (client.stats.requests, client.stats.retries) == (3, 2)


def test_concurrent_failing_calls_make_no_retry_storm(server, make_client):
    server.route(DETAIL, Reply(HTML_PAGE, status=503))
    client = make_client(retries=2, concurrency=4)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(client.detail, f"ID{i}") for i in range(20)]
    errors = [f.exception() for f in futures]

    assert all(isinstance(error, PlatformError) for error in errors)
    assert len(server.requests) == 20 * 3 == client.stats.requests
    by_id: dict[str, int] = {}
    for request in server.requests:
        by_id[request.inner("unifyId")] = by_id.get(request.inner("unifyId"), 0) + 1
    assert set(by_id.values()) == {3}


# List answers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "contents", "total"),
    [
        (None, [], None),
        ("", [], None),
        ({"contents": None, "total": 3}, [], 3),
        ({"total": "25", "contents": [{"unifyId": "A"}]}, [{"unifyId": "A"}], 25),
        ({"total": " 7 ", "contents": []}, [], 7),
        ({"total": "二十五", "contents": []}, [], None),
        ({"total": -1, "contents": []}, [], None),
        ({"total": None, "contents": ["A", 3, None, {"unifyId": "B"}]}, [{"unifyId": "B"}], None),
    ],
    ids=[
        "data-null",
        "data-empty",
        "contents-null",
        "total-string",
        "total-padded",
        "total-words",
        "total-negative",
        "non-dict-rows",
    ],
)
def test_list_pages_survive_odd_shapes(server, make_client, data, contents, total):
    server.route(LIST, ok(data))
    page = make_client().list_page(audience="1", page=1)

    assert (page.contents, page.total, page.page) == (contents, total, 1)


@pytest.mark.parametrize(
    "data", [["A"], "列表", {"contents": "A,B"}, {"contents": {"unifyId": "A"}}]
)
def test_list_pages_of_the_wrong_type_fail(server, make_client, data):
    server.route(LIST, ok(data))

    with pytest.raises(PlatformError, match="事项列表第2页"):
        make_client().list_page(audience="1", page=2)


def rows_for(prefix: str, count: int) -> list[dict]:
    return [row(f"{prefix}{i:03d}") for i in range(count)]


def fetch_listing(client):
    with ThreadPoolExecutor(max_workers=4) as executor:
        return listing_fetch(client, executor)


def list_pages_requested(server, audience: str) -> list[int]:
    return [int(r.inner("page")) for r in server.calls(LIST) if r.data["type"] == audience]


def test_a_total_page_equal_to_total_is_not_trusted(server, make_client):
    rows = {"1": rows_for("P", 25), "2": rows_for("L", 3)}

    def liar(data):
        return {**data, "totalPage": data["total"]}

    server.route(LIST, list_handler(rows, extra=liar))
    listing = fetch_listing(make_client(page_size=10))

    assert listing.complete, listing.problems
    assert set(listing.audiences) == {r["unifyId"] for r in rows["1"] + rows["2"]}
    # Pages come from total (25 → 3) plus one empty page to check; never 25 pages.
    assert sorted(list_pages_requested(server, "1")) == [1, 2, 3, 4]
    assert sorted(list_pages_requested(server, "2")) == [1, 2]


@pytest.mark.parametrize(
    "total",
    [lambda t, real: None, lambda t, real: str(real), lambda t, real: 0],
    ids=["total-missing", "total-string", "total-zero"],
)
def test_a_missing_or_string_total_still_reads_every_page(server, make_client, total):
    rows = {"1": rows_for("P", 25), "2": rows_for("L", 10)}
    server.route(LIST, list_handler(rows, total=total))

    listing = fetch_listing(make_client(page_size=10))

    assert listing.complete, listing.problems
    assert len(listing.audiences) == 35
    assert max(list_pages_requested(server, "1")) <= 4


def test_a_total_larger_than_the_pages_marks_the_listing_incomplete_and_ends(server, make_client):
    rows = {"1": rows_for("P", 25), "2": rows_for("L", 5)}
    server.route(LIST, list_handler(rows, total=lambda t, real: 100 if t == "1" else real))

    listing = fetch_listing(make_client(page_size=10))

    assert not listing.complete
    assert any("不完整" in p and "100" in p and "25" in p for p in listing.problems)
    assert len(listing.audiences) == 30
    # Pages are read in windows of the pool's size (4 here); the window that meets the first
    # empty page (4) is the last: 1 + pages 2-5, not the 10 that `total` promises.
    assert sorted(list_pages_requested(server, "1")) == [1, 2, 3, 4, 5]


def test_a_total_smaller_than_reality_reads_on_while_pages_come(server, make_client):
    rows = {"1": rows_for("P", 45), "2": []}
    server.route(LIST, list_handler(rows, total=lambda t, real: 5 if real else 0))

    listing = fetch_listing(make_client(page_size=10))

    assert listing.complete, listing.problems
    assert len(listing.audiences) == 45
    assert sorted(list_pages_requested(server, "1")) == [1, 2, 3, 4, 5, 6]


def endless(audience, page, contents):
    return [row(f"E{audience}-{page}-{i}") for i in range(2)]


def test_pages_that_never_end_are_read_a_bounded_number_of_times_and_mark_it_incomplete(
    server, make_client
):
    server.route(LIST, list_handler({"1": [], "2": []}, total=lambda t, real: 1, page_rows=endless))

    listing = fetch_listing(make_client(page_size=2))

    for audience in ("1", "2"):
        pages = list_pages_requested(server, audience)
        assert len(pages) == 1 + EXTRA_PAGES_LIMIT
        assert max(pages) == 1 + EXTRA_PAGES_LIMIT
    assert len(listing.audiences) == 2 * 2 * (1 + EXTRA_PAGES_LIMIT)
    # Pages beyond the limit were never read, so guides on them must not be withdrawn.
    assert not listing.complete
    assert any("仍未结束" in p and "个人" in p for p in listing.problems)
    assert any("仍未结束" in p and "法人" in p for p in listing.problems)


def test_rows_without_a_unify_id_are_skipped(server, make_client):
    rows = {
        "1": [row("A"), {"unifyName": "无标识"}, {"unifyId": None}, {"unifyId": "  "}, row("B")],
        "2": [{"unifyId": "暂无"}, row("C")],
    }
    server.route(LIST, list_handler(rows))

    listing = fetch_listing(make_client(page_size=10))

    assert set(listing.audiences) == {"A", "B", "C"}
    # The platform counted rows that are not items: the listing does not claim to be complete.
    assert not listing.complete


def test_the_same_item_in_both_types_and_on_several_pages_is_one_item(server, make_client):
    people = [row("A", "婚姻登记"), row("B"), row("C"), row("A", "婚姻登记（另一主题）"), row("D")]
    firms = [row("E"), row("A", "婚姻登记"), row("B")]
    server.route(LIST, list_handler({"1": people, "2": firms}))

    listing = fetch_listing(make_client(page_size=3))

    assert listing.complete, listing.problems
    assert set(listing.audiences) == {"A", "B", "C", "D", "E"}
    assert listing.audiences["A"] == {"1", "2"} and listing.audiences["B"] == {"1", "2"}
    assert listing.audiences["C"] == {"1"} and listing.audiences["E"] == {"2"}
    assert listing.names["A"] == "婚姻登记"


def test_a_page_repeated_once_is_fetched_again(server, make_client):
    rows = {"1": rows_for("P", 30), "2": rows_for("L", 4)}
    served: dict[int, int] = {}

    def repeat_page_two_once(audience, page, contents):
        if audience == "1" and page == 2:
            served[page] = served.get(page, 0) + 1
            if served[page] == 1:
                return rows["1"][:10]
        return contents

    server.route(LIST, list_handler(rows, page_rows=repeat_page_two_once))

    listing = fetch_listing(make_client(page_size=10))

    assert listing.complete, listing.problems
    assert len(listing.audiences) == 34
    assert list_pages_requested(server, "1").count(2) == 2


def test_a_page_always_repeated_marks_the_listing_incomplete(server, make_client):
    rows = {"1": rows_for("P", 30), "2": rows_for("L", 4)}

    def always_page_one(audience, page, contents):
        return rows["1"][:10] if audience == "1" and contents else contents

    server.route(LIST, list_handler(rows, page_rows=always_page_one))

    listing = fetch_listing(make_client(page_size=10, retries=2))

    assert not listing.complete
    assert any("重复" in p for p in listing.problems)
    assert len(list_pages_requested(server, "1")) <= 4 + 3 * 3


def test_a_failing_list_page_keeps_what_was_read_and_marks_the_listing_incomplete(
    server, make_client
):
    rows = {"1": rows_for("P", 30), "2": rows_for("L", 4)}
    honest = list_handler(rows)

    def page_three_down(request):
        if request.data["type"] == "1" and request.inner("page") == "3":
            return Reply(HTML_PAGE, status=502)
        return honest(request)

    server.route(LIST, page_three_down)

    listing = fetch_listing(make_client(page_size=10, retries=1))

    assert not listing.complete
    assert any("个人事项列表" in p and "维护页面" in p for p in listing.problems)
    assert len(listing.audiences) == 24


# Detail answers through the client into the normalised record -------------------------------


def fetch_record(server, make_client, detail, unify_id="ID-1", audiences=("1",)):
    server.route(DETAIL, ok(detail))
    # No retry, so a generous timeout: on a loaded machine one second was missed (a 1 MB body).
    client = make_client(retries=0, timeout=5.0)
    return guide_record(client.detail(unify_id), unify_id=unify_id, audiences=list(audiences))


TEXT_KEYS = [k for k in (*PLAIN_FIELDS, *RICH_FIELDS) if k != "unifyName"]


@pytest.mark.parametrize(
    "placeholder",
    [*PLACEHOLDER_VALUES, "\u3000暂无\u3000", " NULL ", "<p>暂无</p>", "<p>&nbsp;无。</p>"],
)
def test_every_placeholder_in_every_field_is_stored_empty(server, make_client, placeholder):
    detail = dict.fromkeys(TEXT_KEYS, placeholder)
    detail.update(
        unifyId="ID-1",
        unifyName="占位符测试",
        areaCode="430102",
        isCharge=placeholder,
        isonline=placeholder,
        chargeList=placeholder,
        materialList=placeholder,
        resultList=placeholder,
        onlineHandleUrl=placeholder,
    )

    record = fetch_record(server, make_client, detail)

    for key in TEXT_KEYS:
        field = PLAIN_FIELDS[key][0] if key in PLAIN_FIELDS else RICH_FIELDS[key]
        assert record[field] == "", (key, record[field])
    assert record["is_charge"] is None and record["is_online"] is None
    assert record["charges"] == record["materials"] == record["results"] == []
    assert record["online_handle_url"] == ""
    assert record["name"] == "占位符测试"


def test_placeholders_inside_list_members_are_dropped(server, make_client):
    detail = good_detail(
        "ID-1",
        "列表占位",
        chargeList=[{"feeName": "暂无", "feeStand": "无", "byLaw": None}],
        materialList=[{"materialTitle": "无", "isMust": "必要"}, {"materialTitle": "身份证"}],
        resultList=[{"resultSampleName": "/", "attachPath": "null"}],
    )

    record = fetch_record(server, make_client, detail)

    assert record["charges"] == [] and record["results"] == []
    assert [m["title"] for m in record["materials"]] == ["身份证"]
    assert record["materials"][0]["required"] == "" and record["materials"][0]["attachments"] == []


def test_numbers_where_strings_are_expected_are_kept_as_written(server, make_client):
    detail = good_detail(
        "ID-1",
        "数字字段",
        minSeq=1,
        approveLimit=20,
        commitmentLimit=5.0,
        complaintTel=12345,
        rightsCode=201001000,
        materialList=[{"materialTitle": "申请书", "copiesNum": 2, "materialId": 7}],
    )

    record = fetch_record(server, make_client, detail)

    assert record["min_seq"] == "1"
    # A limit without a unit keeps no unit: the platform did not say days or working days.
    assert record["approve_limit"] == "20" and record["commitment_limit"] == "5"
    assert record["complaint_tel"] == "12345" and record["rights_code"] == "201001000"
    assert record["materials"][0]["copies"] == "2" and record["materials"][0]["id"] == "7"


@pytest.mark.parametrize(
    "value",
    [None, "收费标准见附件", {"feeName": "工本费"}, 3, ["工本费", 5, None]],
    ids=["null", "string", "dict", "number", "non-dict-members"],
)
def test_lists_of_the_wrong_shape_become_empty(server, make_client, value):
    detail = good_detail("ID-1", "列表形状", chargeList=value, materialList=value, resultList=value)

    record = fetch_record(server, make_client, detail)

    assert record["charges"] == record["materials"] == record["results"] == []


def test_non_dict_members_are_dropped_and_good_members_kept(server, make_client):
    detail = good_detail(
        "ID-1",
        "混合列表",
        chargeList=["工本费", {"feeName": "工本费", "feeStand": "10元"}, None],
        materialList=[None, {"materialTitle": "申请书", "attachList": "附件"}, 7],
        resultList=[{"resultSampleName": "证书"}, "样本"],
    )

    record = fetch_record(server, make_client, detail)

    assert record["charges"] == [{"name": "工本费", "standard": "10元", "basis": ""}]
    assert [(m["title"], m["attachments"]) for m in record["materials"]] == [("申请书", [])]
    assert record["results"] == [{"name": "证书", "url": ""}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        (True, True),
        (False, False),
        ("1", True),
        (1, True),
        (0, False),
        (" 是 ", True),
        ("<b>否</b>", False),
        ("收费", None),
        ("yes please", None),
        ([], None),
        ({}, None),
    ],
)
def test_is_charge_in_every_form(server, make_client, value, expected):
    record = fetch_record(server, make_client, good_detail("ID-1", "收费", isCharge=value))

    assert record["is_charge"] is expected


PUBLIC = "https://zwfw.example.org"


@pytest.mark.parametrize(
    ("url", "attachment"),
    [
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(document.cookie)", ""),
        (" javascript:alert(1)", ""),
        ("/hnywtb/files/a.pdf", PUBLIC + "/hnywtb/files/a.pdf"),
        ("apply.html", ""),
        ("//evil.example/x", ""),
        ("/\\evil.example/x", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("ftp://files.example/x", ""),
        ("https://ok.example/a b", ""),
        ('"><script>alert(1)</script>', ""),
    ],
)
def test_online_handle_urls_that_are_not_absolute_http_are_ignored(
    server, make_client, url, attachment
):
    detail = good_detail(
        "ID-1",
        "网办地址",
        onlineHandleUrl=url,
        resultList=[{"resultSampleName": "样本", "attachPath": url}],
        materialList=[
            {"materialTitle": "表", "attachList": [{"attachName": "附", "attachPath": url}]}
        ],
    )
    server.route(DETAIL, ok(detail))

    record = guide_record(
        make_client().detail("ID-1"), unify_id="ID-1", audiences=["1"], base_url=PUBLIC
    )

    # The online address must be absolute; only attachments may be paths on the platform.
    assert record["online_handle_url"] == ""
    assert record["results"][0]["url"] == attachment
    assert record["materials"][0]["attachments"][0]["url"] == attachment


HOSTILE = (
    '<p style="color:red" onclick="steal()">正文<script>alert(1)</script></p>'
    '<img src="x" onerror="alert(2)"><iframe src="https://evil.example"></iframe>'
    '<a href="javascript:alert(3)">链接</a><style>p{display:none}</style>'
    '<svg onload="alert(4)"></svg><form action="https://evil.example"><input></form>'
)


def test_hostile_html_is_sanitised_in_rich_fields_and_stripped_in_plain_fields(server, make_client):
    detail = dict.fromkeys(TEXT_KEYS, HOSTILE)
    detail.update(unifyId="ID-1", unifyName=HOSTILE, areaCode="430102")
    detail["materialList"] = [{"materialTitle": HOSTILE, "materialExplain": HOSTILE}]

    record = fetch_record(server, make_client, detail)

    for key in RICH_FIELDS.values():
        value = record[key].lower()
        assert "正文" in value and "链接" in value
        for bad in ("<script", "alert(", "onerror", "onclick", "onload", "<iframe", "style"):
            assert bad not in value, (key, bad, value)
        for bad in ("javascript:", "<svg", "<form", "<input", "<img"):
            assert bad not in value, (key, bad, value)
    for key, (field, _length) in PLAIN_FIELDS.items():
        value = record[field]
        assert "<" not in value and ">" not in value and "alert" not in value, (key, value)
    assert "正文" in record["name"]
    material = record["materials"][0]
    assert "<" not in material["title"] + material["explain"]


def test_html_entities_in_rich_text_without_tags_are_not_escaped_twice(server, make_client):
    detail = good_detail("ID-1", "实体", according="《行政许可法》&nbsp;第十二条&ldquo;许可&rdquo;")

    record = fetch_record(server, make_client, detail)

    assert "&amp;" not in record["according"]


def test_a_detail_for_another_item_fails(server, make_client):
    with pytest.raises(GuideDataError, match="ID-OTHER.*不一致"):
        fetch_record(server, make_client, good_detail("ID-OTHER", "别的事项"), unify_id="ID-1")


@pytest.mark.parametrize("name", [None, "", "暂无", "<p></p>", "<script>x</script>", []])
def test_a_detail_without_a_name_fails(server, make_client, name):
    with pytest.raises(GuideDataError, match="unifyName"):
        fetch_record(server, make_client, good_detail("ID-1", name))


@pytest.mark.parametrize(
    "area", [None, "", "4301", "43010", "abcdef", "4301020", "430102x", "四三〇一〇二", 4301.5]
)
def test_a_detail_whose_area_code_is_not_a_division_code_fails(server, make_client, area):
    with pytest.raises(GuideDataError, match="areaCode"):
        fetch_record(server, make_client, good_detail("ID-1", "区划", area=area))


@pytest.mark.parametrize("area", ["430102", 430102, " 430102 ", "430102001"])
def test_division_codes_in_odd_forms_are_accepted(server, make_client, area):
    record = fetch_record(server, make_client, good_detail("ID-1", "区划", area=area))

    assert record["area_code"] == str(area).strip()


@pytest.mark.parametrize("data", [None, "", [], "详情", 0])
def test_a_detail_that_is_not_an_object_fails(server, make_client, data):
    server.route(DETAIL, ok(data))

    with pytest.raises(PlatformError, match="ID-1.*为空或不是对象"):
        make_client(retries=0).detail("ID-1")


def test_a_one_megabyte_according_arrives_whole(server, make_client):
    according = "第一条" + ("依据《中华人民共和国行政许可法》。" * 60_000) + "末条"
    assert len(according.encode()) > 1_000_000

    started = time.monotonic()
    record = fetch_record(
        server, make_client, good_detail("ID-1", "长文本", according=according), audiences=("2",)
    )

    assert record["according"].startswith("<p>第一条") and record["according"].endswith("末条</p>")
    assert len(record["according"]) == len(according) + len("<p></p>")
    assert time.monotonic() - started < 5


def test_unicode_oddities_are_kept_or_cleaned(server, make_client):
    detail = good_detail(
        "ID-1",
        "\u3000机动车\u3000驾驶证\x00申领 🚗\u200b",
        according="第一款\x00\u3000\u3000第二款 📄",
        consultTel="０７３１-８４０００\u3000000",
        transactAddr="<p>芙蓉区\x00政务中心</p>",
        materialList=[{"materialTitle": "身份证\x00复印件🪪", "materialExplain": "\ufeff说明"}],
    )

    record = fetch_record(server, make_client, detail)

    assert record["name"] == "机动车 驾驶证申领 🚗\u200b"
    assert record["according"] == "<p>第一款 第二款 📄</p>"
    assert record["consult_tel"] == "０７３１-８４０００ 000"
    assert record["transact_addr"] == "<p>芙蓉区政务中心</p>"
    assert record["materials"][0]["title"] == "身份证复印件🪪"
    assert "\x00" not in json.dumps(record, ensure_ascii=False)
    # The name key folds width and drops spaces, so catalog entries still match.
    assert record["name_key"].startswith("机动车驾驶证申领")


def test_a_placeholder_with_a_nul_byte_in_a_rich_field_is_stored_empty(server, make_client):
    record = fetch_record(server, make_client, good_detail("ID-1", "NUL", according="暂无\x00"))

    assert record["according"] == ""


# The full sync against a mix of nasty answers --------------------------------------------------


@pytest.fixture
def nasty_sync(settings, reference_data, server):
    """Return a function that runs a full sync against the fake server with quick settings."""
    from guides.sync import sync_full

    settings.PROVINCIAL_TIMEOUT = 0.3
    settings.PROVINCIAL_RETRIES = 1
    settings.PROVINCIAL_BACKOFF = 0.001
    settings.PROVINCIAL_BACKOFF_MAX = 0.002
    settings.PROVINCIAL_CONCURRENCY = 4
    settings.PROVINCIAL_PAGE_SIZE = 5

    def run():
        return sync_full(trigger="command", base_url=server.base_url)

    return run


def guide_rows(ids) -> dict[str, dict]:
    from guides.models import Guide

    return {g["unify_id"]: g for g in Guide.objects.filter(unify_id__in=ids).values()}


IDS = [f"G{i:02d}" for i in range(1, 13)]
NAMES = {uid: f"事项{uid}" for uid in [*IDS, "G13"]}


def listing_rows(ids) -> dict[str, list[dict]]:
    people = [row(uid, NAMES[uid]) for uid in ids if uid not in ("G10", "G11", "G12")]
    firms = [row(uid, NAMES[uid]) for uid in ids if uid in ("G01", "G10", "G11", "G12", "G13")]
    return {"1": people, "2": firms}


def first_details() -> dict[str, dict]:
    return {uid: good_detail(uid, NAMES[uid]) for uid in IDS}


@pytest.mark.django_db
def test_a_full_sync_through_a_mix_of_nasty_answers(server, nasty_sync):
    from guides.models import Guide, SyncFailure, SyncRun
    from guides.sync import sync_retry

    first = first_details()
    server.route(LIST, list_handler(listing_rows(IDS)))
    server.route(DETAIL, details_handler(first))
    seed = nasty_sync()
    assert seed.status == SyncRun.Status.SUCCEEDED, seed.message
    assert (seed.listed, seed.created, seed.failed) == (12, 12, 0)
    before = guide_rows(IDS)

    bom = b"\xef\xbb\xbf" + json.dumps(envelope(first["G02"]), ensure_ascii=False).encode()
    placeholders = dict.fromkeys(TEXT_KEYS, "暂无")
    nasty = {
        # Changed, with HTTP 500 and gzip: the envelope is the truth.
        "G01": Reply(envelope({**first["G01"], "according": "新的依据"}), status=500, gzip=True),
        "G02": Reply(bom),  # unchanged, behind a BOM
        "G03": [Reply(HTML_PAGE, status=502), ok(first["G03"])],  # unchanged after one retry
        "G04": ok(good_detail("G99", NAMES["G04"])),
        "G05": ok({**first["G05"], "unifyName": "暂无"}),
        "G06": ok({**first["G06"], "areaCode": "4301"}),
        "G07": refused("该事项已暂停办理"),
        "G08": Reply(HTML_PAGE, content_type="text/html"),
        "G09": ok(None),
        "G10": Reply(envelope(first["G10"]), cut_after=20),
        "G11": ok({**first["G11"], **placeholders}),  # changed: every text now empty
        "G12": Reply(envelope(first["G12"]), delay=3),  # slower than the timeout
        "G13": ok(good_detail("G13", NAMES["G13"], area="430103")),  # new
    }
    server.route(LIST, list_handler(listing_rows([*IDS, "G13"])))
    server.route(DETAIL, details_handler(nasty))
    requests_before = len(server.requests)

    run = nasty_sync()

    assert run.status == SyncRun.Status.PARTIAL, run.message
    assert (run.listed, run.created, run.changed, run.unchanged, run.withdrawn, run.failed) == (
        13,
        1,
        2,
        2,
        0,
        8,
    )
    assert run.requests == len(server.requests) - requests_before
    failures = {f.unify_id: f for f in SyncFailure.objects.filter(run=run)}
    failed = ["G04", "G05", "G06", "G07", "G08", "G09", "G10", "G12"]
    assert sorted(failures) == failed
    expected_reasons = {
        "G04": "不一致",
        "G05": "事项名称",
        "G06": "区划代码",
        "G07": "该事项已暂停办理",
        "G08": "维护页面",
        "G09": "为空或不是对象",
        "G10": "连接失败",
        "G12": "超时",
    }
    for uid, failure in failures.items():
        assert failure.stage == "detail"
        assert failure.name == NAMES[uid]
        assert failure.audiences == (["2"] if uid in ("G10", "G12") else ["1"])
        assert has_cjk(failure.reason) and expected_reasons[uid] in failure.reason, failure.reason
        if uid in ("G07", "G08", "G09", "G10", "G12"):
            assert uid in failure.reason  # platform errors name the item in the reason too
    # Failed guides keep their last good version, column for column.
    after = guide_rows(IDS)
    for uid in failed:
        assert after[uid] == before[uid], uid
    assert after["G02"] == before["G02"] and after["G03"] == before["G03"]
    assert after["G01"]["according"] == "<p>新的依据</p>"
    assert after["G01"]["audiences"] == ["1", "2"]
    assert after["G11"]["according"] == after["G11"]["transact_addr"] == ""
    assert Guide.objects.get(unify_id="G13").division.code == "430103"
    assert Guide.objects.active().count() == 13

    # A retry of the failed items once the platform behaves settles every failure.
    server.route(DETAIL, details_handler(first))
    retry = sync_retry(run=run, trigger="command")

    assert retry.status == SyncRun.Status.SUCCEEDED, retry.message
    assert (retry.listed, retry.unchanged, retry.changed, retry.failed) == (8, 8, 0, 0)
    assert not SyncFailure.objects.filter(run=run, resolved_by__isnull=True).exists()
    assert guide_rows(failed) == {uid: before[uid] for uid in failed}


@pytest.mark.django_db
def test_an_incomplete_listing_withdraws_nothing_and_a_complete_one_does(server, nasty_sync):
    from guides.models import Guide, SyncFailure, SyncRun

    ids = [f"W{i:02d}" for i in range(10)]
    server.route(LIST, list_handler({"1": [row(uid) for uid in ids], "2": []}))
    server.route(DETAIL, lambda request: good_detail(request.inner("unifyId"), "撤销测试"))
    assert nasty_sync().created == 10

    # The platform still says 10, but pages hold only 7: the 3 others are not gone.
    server.route(
        LIST,
        list_handler({"1": [row(uid) for uid in ids[:7]], "2": []}, total=lambda t, n: n and 10),
    )
    run = nasty_sync()

    assert run.status == SyncRun.Status.PARTIAL
    assert run.withdrawn == 0 and run.unchanged == 7 and run.failed == 0
    assert Guide.objects.active().count() == 10
    problem = SyncFailure.objects.get(run=run)
    assert problem.stage == "list" and "不完整" in problem.reason and problem.unify_id == ""
    assert "不完整，本次不标记取消" in run.message

    # An honest listing without one item withdraws exactly that one.
    server.route(LIST, list_handler({"1": [row(uid) for uid in ids[1:]], "2": []}))
    run = nasty_sync()
    assert run.status == SyncRun.Status.SUCCEEDED and run.withdrawn == 1
    assert Guide.objects.get(unify_id="W00").status == Guide.Status.WITHDRAWN


@pytest.mark.django_db
def test_a_listing_that_always_fails_changes_nothing(server, nasty_sync):
    from guides.models import Guide, SyncRun

    server.route(LIST, list_handler({"1": [row("K1")], "2": []}))
    server.route(DETAIL, ok(good_detail("K1", "保留")))
    nasty_sync()
    before = guide_rows(["K1"])

    server.route(LIST, Reply(HTML_PAGE, status=200, content_type="text/html"))
    run = nasty_sync()

    assert run.status == SyncRun.Status.FAILED
    assert "未能从省平台取得事项列表" in run.message
    # Two audiences, each first page tried retries+1 times; no detail was asked for.
    assert run.requests == 2 * 2
    assert len(server.calls(DETAIL)) == 1
    assert guide_rows(["K1"]) == before and Guide.objects.active().count() == 1


@pytest.mark.django_db
def test_failing_details_stop_the_run_without_a_retry_storm(server, nasty_sync, settings):
    from guides.models import Guide, SyncRun

    settings.PROVINCIAL_CONCURRENCY = 2
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 3
    ids = [f"S{i:02d}" for i in range(40)]
    server.route(LIST, list_handler({"1": [row(uid) for uid in ids], "2": []}))
    server.route(DETAIL, Reply(HTML_PAGE, status=503, content_type="text/html"))

    run = nasty_sync()

    assert run.status == SyncRun.Status.FAILED and "连续 3 次" in run.message
    detail_calls = len(server.calls(DETAIL))
    # At most the three failures plus the bounded window (concurrency × 4) were ever started,
    # each tried retries+1 = 2 times: far from 40 × 2.
    assert detail_calls % 2 == 0 and 6 <= detail_calls <= (3 + 2 * 4) * 2
    assert Guide.objects.count() == 0


@pytest.mark.django_db
def test_a_platform_reason_with_a_nul_byte_is_stored_without_it(server, nasty_sync):
    from guides.models import SyncFailure

    server.route(LIST, list_handler({"1": [row("N1")], "2": []}))
    server.route(DETAIL, refused("事项\x00不存在"))

    run = nasty_sync()

    failure = SyncFailure.objects.get(run=run, unify_id="N1")
    assert "事项不存在" in failure.reason and "\x00" not in failure.reason
