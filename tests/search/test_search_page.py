"""The search page /search/: results, filters, highlighting, paging, bad input, query counts.

Runs on SQLite (space-delimited token match) and on PostgreSQL (full-text search with the GIN
index); the same documents come back on both.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Domain
from districts.models import Division
from search.models import SearchDocument
from search.text import tokens_for

pytestmark = pytest.mark.django_db

URL = reverse("portal:search")
Kind = SearchDocument.Kind


def day(y, m, d):
    return timezone.make_aware(dt.datetime(y, m, d, 10))


def make_doc(title, *, body="", kind=Kind.PUBLICATION, division=None, domain=None, date=None):
    n = SearchDocument.objects.count() + 1
    return SearchDocument.objects.create(
        kind=kind,
        object_id=n,
        title=title,
        body=body,
        url=f"/p/{n}/",
        division=division,
        domain=domain,
        date=date or day(2026, 3, 1),
        tokens=tokens_for(title, body),
    )


def titles(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r'<h2 class="search-result-title"><a [^>]*>(.*?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", t) for t in found]


@pytest.fixture
def corpus(reference_data):
    city = reference_data
    furong = Division.objects.get(code="430102")
    wenyilu = Division.objects.get(code="430102001")
    tianxin = Division.objects.get(code="430103")
    relief = Domain.objects.get(name="社会救助")
    other = Domain.objects.exclude(pk=relief.pk).first()
    make_doc("芙蓉区最低生活保障资金发放公示", division=furong, domain=relief, date=day(2026, 1, 5))
    make_doc("文艺路街道最低生活保障名单", division=wenyilu, domain=relief, date=day(2026, 2, 5))
    make_doc("天心区最低生活保障标准", division=tianxin, domain=relief, date=day(2026, 3, 5))
    make_doc("长沙市最低生活保障政策解读", division=city, domain=other, date=day(2025, 12, 5))
    make_doc("食品生产许可", kind=Kind.GUIDE, division=furong, date=day(2026, 1, 20))
    make_doc(
        "建设项目环境影响评价审批",
        kind=Kind.ENTRY,
        division=tianxin,
        domain=other,
        body="建设项目环境影响评价文件审批结果",
    )
    return {"furong": furong, "wenyilu": wenyilu, "tianxin": tianxin, "relief": relief}


def test_empty_query_shows_tips_and_the_form(client, reference_data, django_assert_num_queries):
    # The form's divisions and domains, the site's "1+9" navigation (base template), and the
    # popular searches (then kept in the cache for an hour).
    with django_assert_num_queries(4):
        client.get(URL)
    with django_assert_num_queries(3):
        response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="search-q">' in html and 'id="search-q"' in html
    assert "搜索提示" in html
    assert 'role="search"' in html


def test_results_newest_first_with_count_labels_and_links(client, corpus):
    response = client.get(URL, {"q": "最低生活保障"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "找到 <strong>4</strong> 条结果" in html
    found = titles(response)
    assert set(found) == {
        "芙蓉区最低生活保障资金发放公示",
        "文艺路街道最低生活保障名单",
        "天心区最低生活保障标准",
        "长沙市最低生活保障政策解读",
    }
    assert found[-1] == "长沙市最低生活保障政策解读"  # the oldest (equal rank on PostgreSQL)
    assert 'value="最低生活保障"' in html  # the box is filled in again
    assert '<ol class="search-results" start="1">' in html
    assert "<mark>最低</mark><mark>生活</mark>" in html or "<mark>最低生活" in html
    assert "公开信息" in html and "芙蓉区" in html and "2026-01-05" in html


def test_a_multi_word_phrase_matches_every_word(client, corpus):
    response = client.get(URL, {"q": "建设项目环境影响评价"})
    assert titles(response) == ["建设项目环境影响评价审批"]
    assert "<mark>" in response.content.decode().split("search-snippet")[1]
    assert titles(client.get(URL, {"q": "食品生产许可"})) == ["食品生产许可"]


def test_division_filter_includes_everything_below(client, corpus):
    found = titles(client.get(URL, {"q": "最低生活保障", "division": "furong" and _slug("430102")}))
    assert set(found) == {"芙蓉区最低生活保障资金发放公示", "文艺路街道最低生活保障名单"}
    found = titles(client.get(URL, {"q": "最低生活保障", "division": _slug("430102001")}))
    assert found == ["文艺路街道最低生活保障名单"]
    city = titles(client.get(URL, {"q": "最低生活保障", "division": _slug("430100")}))
    assert len(city) == 4


def _slug(code):
    return Division.objects.get(code=code).slug


def test_domain_kind_and_date_filters(client, corpus):
    relief = corpus["relief"].slug
    assert len(titles(client.get(URL, {"q": "最低生活保障", "domain": relief}))) == 3
    assert titles(client.get(URL, {"q": "许可", "type": "guide"})) == ["食品生产许可"]
    assert titles(client.get(URL, {"q": "许可", "type": "entry"})) == []
    found = titles(client.get(URL, {"q": "最低生活保障", "from": "2026-01-05", "to": "2026-02-05"}))
    assert set(found) == {"芙蓉区最低生活保障资金发放公示", "文艺路街道最低生活保障名单"}
    # Reversed dates are swapped, and say so.
    response = client.get(URL, {"q": "最低生活保障", "from": "2026-02-05", "to": "2026-01-05"})
    assert len(titles(response)) == 2
    assert "对调" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"division": "no-such-place"}, "没有找到所选的区划"),
        ({"domain": "no-such-domain"}, "没有找到所选的领域"),
        ({"type": "<script>"}, "没有这种内容类型"),
        ({"from": "2026-13-45"}, "不是有效日期"),
        ({"to": "yesterday'; --"}, "不是有效日期"),
        ({"from": "0001-01-01"}, "超出可查询的范围"),
        ({"to": "9999-12-31"}, "超出可查询的范围"),
    ],
)
def test_bad_filters_are_ignored_with_a_notice(client, corpus, params, notice):
    response = client.get(URL, {"q": "最低生活保障", **params})
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert len(titles(response)) == 4


@pytest.mark.parametrize(
    "query",
    [
        "&|!():*'\\",
        "最低 & 生活 | !保障",
        "最低生活保障')) OR 1=1 --",
        "保障:* & (",
        "\\' ; DROP TABLE search_searchdocument; --",
        "%_%",
        "\x00最低",
    ],
)
def test_metacharacters_are_safe(client, corpus, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert SearchDocument.objects.count() == 6


def test_operators_between_words_only_separate_them(client, corpus):
    assert len(titles(client.get(URL, {"q": "最低 & 生活 | !保障"}))) == 4


def test_only_symbols_says_there_is_nothing_to_search(client, corpus):
    html = client.get(URL, {"q": "&|!():*"}).content.decode()
    assert "没有可检索的文字" in html and "搜索提示" in html


def test_huge_input_is_cut_with_a_notice(client, corpus):
    response = client.get(URL, {"q": "最低生活保障" * 400, "page": "9" * 2000})
    assert response.status_code == 200
    assert "搜索词过长" in response.content.decode()


def test_no_results_shows_suggestions(client, corpus):
    html = client.get(URL, {"q": "宇宙飞船", "domain": corpus["relief"].slug}).content.decode()
    assert "没有找到与“宇宙飞船”相关的内容" in html
    assert "去掉筛选条件再搜索" in html and "?q=%E5%AE%87" in html


def test_highlighting_is_escaped(client, reference_data):
    make_doc(
        "<script>alert('低保')</script>低保资金",
        body="<img src=x onerror=alert(1)> 低保 & 救助",
    )
    html = client.get(URL, {"q": "script 低保"}).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert (
        "&lt;<mark>script</mark>&gt;alert(&#x27;<mark>低保</mark>&#x27;)&lt;/<mark>script</mark>"
        "&gt;<mark>低保</mark>资金"
    ) in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>低保</mark> &amp; 救助" in html


def test_paging_twenty_a_page(client, reference_data):
    for i in range(45):
        make_doc(f"低保资金发放第{i}批", date=day(2026, 1, 1) + dt.timedelta(hours=i))
    first = client.get(URL, {"q": "低保"})
    assert len(titles(first)) == 20
    assert titles(first)[0] == "低保资金发放第44批"
    html = first.content.decode()
    assert "第 1/3 页" in html and 'rel="next" href="?q=%E4%BD%8E%E4%BF%9D&amp;page=2"' in html
    third = client.get(URL, {"q": "低保", "page": "3"})
    assert len(titles(third)) == 5
    assert '<ol class="search-results" start="41">' in third.content.decode()
    # Past the end or not a number: the last or the first page, never an error.
    assert titles(client.get(URL, {"q": "低保", "page": "99999999999"})) == titles(third)
    assert titles(client.get(URL, {"q": "低保", "page": "abc"})) == titles(first)
    assert titles(client.get(URL, {"q": "低保", "page": "-1"})) == titles(third)
    assert titles(client.get(URL, {"q": "低保", "page": "0"})) == titles(third)
    # Digits int() reads beside ones it does not: full-width ２ is page 2; superscript ² is none.
    second = client.get(URL, {"q": "低保", "page": "2"})
    assert titles(client.get(URL, {"q": "低保", "page": "２"})) == titles(second)
    assert titles(client.get(URL, {"q": "低保", "page": "²"})) == titles(first)


@pytest.mark.parametrize("rows", [3, 60])
def test_query_count_is_constant(client, reference_data, django_assert_num_queries, rows):
    furong = Division.objects.get(code="430102")
    for i in range(rows):
        make_doc(f"低保资金发放第{i}批", division=furong)
    params = {"q": "低保", "division": furong.slug, "type": "publication"}
    # The first search reads the synonyms into the cache (one query), later ones do not.
    # (Every search is counted: one upsert, in a savepoint inside the test's transaction.)
    with django_assert_num_queries(9):
        client.get(URL, params)
    # Divisions, domains, the ranked page with the count, its rows (divisions joined), the site
    # navigation, the search's tally.
    with django_assert_num_queries(8):
        response = client.get(URL, params)
    assert len(titles(response)) == min(rows, 20)


def test_end_to_end_publication_found_and_linked(client, office, committed):
    with committed():
        item = office.publication("township", "published", title="2026年第一季度低保资金发放名单")
        office.publication("township", "draft", title="低保资金草稿")
    response = client.get(URL, {"q": "低保资金"})
    html = response.content.decode()
    assert titles(response) == ["2026年第一季度低保资金发放名单"]
    assert f'href="{reverse("portal:publication", kwargs={"pk": item.pk})}"' in html
