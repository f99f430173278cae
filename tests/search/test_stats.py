"""What people search for: anonymous weekly counts, one upsert per search, never an error;
the admin's 热门搜索 and 无结果搜索; popular searches on the empty search page."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from districts.models import Division, Role
from search import stats
from search.models import SearchDocument, SearchQueryStat
from search.text import tokens_for

pytestmark = pytest.mark.django_db

URL = reverse("portal:search")


def doc(title: str, n: int = 1) -> None:
    SearchDocument.objects.create(
        kind="publication", object_id=n, title=title, url=f"/p/{n}/", tokens=tokens_for(title)
    )


def test_each_search_is_counted_in_its_week(client, reference_data):
    doc("低保资金发放")
    for q in ["低保", " 低保 ", "ＸＹＺ不存在", "低保"]:
        client.get(URL, {"q": q})
    rows = {r.query: r for r in SearchQueryStat.objects.all()}
    assert set(rows) == {"低保", "xyz不存在"}
    assert rows["低保"].searches == 3 and rows["低保"].zero_result_searches == 0
    assert rows["低保"].last_result_count == 1
    assert rows["xyz不存在"].searches == 1 and rows["xyz不存在"].zero_result_searches == 1
    assert rows["低保"].week == stats.week_of(dt.date.today())
    assert rows["低保"].week.weekday() == 0
    # Nothing about who searched: the model has no such field.
    names = {f.name for f in SearchQueryStat._meta.get_fields()}
    assert names == {"id", "query", "week", "searches", "zero_result_searches", "last_result_count"}


def test_later_pages_groups_and_personal_numbers_are_not_counted(client, reference_data):
    doc("低保资金发放")
    client.get(URL, {"q": "低保", "page": "2"})
    client.get(URL, {"q": "低保", "group": "entry:1"})
    client.get(URL, {"q": "430102199001011234"})
    client.get(URL, {"q": "13812345678 低保"})
    client.get(URL, {"q": "someone@example.com"})
    assert SearchQueryStat.objects.count() == 0


def test_weeks_are_kept_apart():
    stats.record("低保", 3, today=dt.date(2026, 3, 4))
    stats.record("低保", 0, today=dt.date(2026, 3, 8))  # the same ISO week (Sunday)
    stats.record("低保", 2, today=dt.date(2026, 3, 9))  # the next
    first, second = SearchQueryStat.objects.order_by("week")
    assert (first.week, first.searches, first.zero_result_searches) == (dt.date(2026, 3, 2), 2, 1)
    assert (second.week, second.searches) == (dt.date(2026, 3, 9), 1)


def test_a_failing_log_never_breaks_search(client, reference_data):
    doc("低保资金发放")
    with mock.patch.object(stats.connection, "cursor", side_effect=DatabaseError("disk full")):
        assert stats.record("低保", 1) is False
    real = stats.record

    def broken(*args, **kwargs):
        with mock.patch.object(stats.connection, "cursor", side_effect=DatabaseError("gone")):
            return real(*args, **kwargs)

    with mock.patch.object(stats, "record", broken):
        response = client.get(URL, {"q": "低保"})
    assert response.status_code == 200
    assert "找到 <strong>1</strong> 条结果" in response.content.decode()
    # The test's transaction is still usable after the failed statement.
    assert SearchDocument.objects.count() == 1


def test_popular_searches_on_the_empty_page(client, reference_data):
    today = dt.date.today()
    for q, n, found in [("低保", 5, 3), ("公租房", 3, 2), ("宇宙飞船", 9, 0)]:
        for _ in range(n):
            stats.record(q, found, today=today)
    stats.record("旧的热门", 1, today=today - dt.timedelta(weeks=10))
    html = client.get(URL).content.decode()
    assert "热门搜索" in html
    assert html.index(">低保<") < html.index(">公租房<")
    assert '<a href="?q=%E4%BD%8E%E4%BF%9D">低保</a>' in html
    assert "宇宙飞船" not in html  # found nothing: not offered
    assert "旧的热门" not in html


def test_popular_survives_a_cache_outage(client, reference_data):
    stats.record("低保", 1)
    down = ConnectionError("down")
    with (
        mock.patch.object(stats.cache, "get", side_effect=down),
        mock.patch.object(stats.cache, "set", side_effect=down),
    ):
        response = client.get(URL)
    assert response.status_code == 200 and ">低保<" in response.content.decode()


def test_the_admin_lists_popular_and_zero_result_searches(make_member, reference_data):
    stats.record("低保", 2)
    stats.record("宇宙飞船", 0)
    client = Client()
    client.force_login(make_member(reference_data, Role.ADMINISTRATOR))
    popular = client.get(reverse("admin:search_searchquerystat_changelist")).content.decode()
    assert "低保" in popular and "宇宙飞船" in popular
    zero = client.get(reverse("admin:search_zeroresultquery_changelist")).content.decode()
    assert "宇宙飞船" in zero and ">低保<" not in zero
    week = stats.week_of(dt.date.today()).isoformat()
    filtered = client.get(reverse("admin:search_zeroresultquery_changelist"), {"week": week})
    assert filtered.status_code == 200
    add = client.get(reverse("admin:search_searchquerystat_add"))
    assert add.status_code == 403
    editor = Client()
    editor.force_login(make_member(Division.objects.get(code="430102"), Role.EDITOR))
    assert editor.get(reverse("admin:search_searchquerystat_changelist")).status_code == 403
