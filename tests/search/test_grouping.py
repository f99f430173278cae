"""One result per thing: the same catalog item (or service guide) in several divisions is one
result, represented by the member nearest the top of the scope, naming the others and listing
them one click away; every result carries its context; the page's query count stays constant."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from districts.models import Division
from search.indexing import index_kind
from search.models import SearchDocument
from search.text import tokens_for

pytestmark = pytest.mark.django_db

URL = reverse("portal:search")
Kind = SearchDocument.Kind


def titles(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r'<h2 class="search-result-title"><a [^>]*>(.*?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", t) for t in found]


def links(response) -> list[str]:
    return re.findall(
        r'<h2 class="search-result-title"><a href="([^"]*)"', response.content.decode()
    )


def group_links(response) -> list[tuple[str, str]]:
    html = response.content.decode().replace("&amp;", "&")
    return re.findall(r'<p class="search-group"><a href="([^"]*)">([^<]*)</a>', html)


@pytest.fixture
def streets(reference_data):
    """Return 芙蓉区, four of its 街道 and 天心区, each with the entry of one item (group 7)."""
    furong = Division.objects.get(code="430102")
    towns = list(Division.objects.filter(parent=furong).order_by("code")[:4])
    tianxin = Division.objects.get(code="430103")
    for n, division in enumerate([tianxin, *towns, furong], start=1):
        SearchDocument.objects.create(
            kind=Kind.ENTRY,
            object_id=n,
            title="低保对象认定",
            body="最低生活保障：低保对象认定结果",
            url=f"/entry/{n}/",
            division=division,
            tokens=tokens_for("低保对象认定 最低生活保障"),
            group_key="entry:7",
            context="社会救助 · 最低生活保障",
        )
    SearchDocument.objects.create(
        kind=Kind.PUBLICATION,
        object_id=99,
        title="低保对象认定办法",
        url="/p/99/",
        division=furong,
        tokens=tokens_for("低保对象认定办法"),
        group_key="publication:99",
        context="规范性文件 · 芙蓉区民政局",
    )
    return {"furong": furong, "towns": towns, "tianxin": tianxin}


def test_the_same_item_in_six_divisions_is_one_result(client, streets):
    response = client.get(URL, {"q": "低保对象认定"})
    assert sorted(titles(response)) == ["低保对象认定", "低保对象认定办法"]
    assert "找到 <strong>2</strong> 条结果" in response.content.decode()
    ((url, label),) = group_links(response)
    # No division is above the others but the two districts: the first district stands for them.
    assert label.endswith("等 6 个区划")
    assert "group=entry%3A7" in url


def test_inside_a_district_its_own_entry_represents_its_streets(client, streets):
    response = client.get(URL, {"q": "低保对象认定", "division": streets["furong"].slug})
    html = response.content.decode()
    entry_url = links(response)[titles(response).index("低保对象认定")]
    assert entry_url == "/entry/6/"  # 芙蓉区's own
    ((url, label),) = group_links(response)
    assert label == "芙蓉区及 4 个街道"
    # Searching inside a column says so and offers the whole city.
    assert "正在“芙蓉区”范围内搜索" in html
    assert (
        '<a href="?q=%E4%BD%8E%E4%BF%9D%E5%AF%B9%E8%B1%A1%E8%AE%A4%E5%AE%9A">在全市搜索</a>' in html
    )
    # The group opens as a list of its members, still inside the column.
    members = client.get(URL + url)
    assert links(members) == ["/entry/6/", "/entry/2/", "/entry/3/", "/entry/4/", "/entry/5/"]
    assert group_links(members) == []
    assert "返回合并后的结果" in members.content.decode()


def test_inside_a_street_that_streets_entry_is_the_result(client, streets):
    town = streets["towns"][2]
    response = client.get(URL, {"q": "低保对象认定", "division": town.slug})
    assert links(response) == ["/entry/4/"]
    assert group_links(response) == []


def test_every_result_reads_with_its_context(client, streets):
    html = client.get(URL, {"q": "低保对象认定", "division": streets["furong"].slug}).content
    html = html.decode()
    assert '<p class="search-context">芙蓉区 · 社会救助 · 最低生活保障</p>' in html
    assert "<span>规范性文件 · 芙蓉区民政局</span>" in html


@pytest.mark.parametrize("bad", ["nonsense", "entry:<script>", "x" * 500, "entry:"])
def test_a_bad_group_is_ignored_with_a_notice(client, streets, bad):
    response = client.get(URL, {"q": "低保对象认定", "group": bad})
    assert response.status_code == 200
    assert "无法识别要展开的合并结果" in response.content.decode()
    assert len(titles(response)) == 2


def test_an_unknown_group_lists_nothing(client, streets):
    response = client.get(URL, {"q": "低保对象认定", "group": "entry:12345"})
    assert response.status_code == 200
    assert "没有找到" in response.content.decode()


@pytest.mark.parametrize("expanded", [False, True])
def test_query_count_is_constant_with_groups(client, streets, django_assert_num_queries, expanded):
    furong = streets["furong"]
    for i in range(30):
        SearchDocument.objects.create(
            kind=Kind.ENTRY,
            object_id=1000 + i,
            title=f"低保对象认定{i}",
            url=f"/entry/{1000 + i}/",
            division=streets["towns"][i % 4],
            tokens=tokens_for(f"低保对象认定{i}"),
            group_key=f"entry:{100 + i % 10}",
        )
    params = {"q": "低保对象认定", "division": furong.slug}
    if expanded:
        params["group"] = "entry:101"
    client.get(URL, params)  # the synonyms reach the cache
    # Divisions, domains, the site navigation, and the page: an expanded group's count and
    # members (divisions joined), or the ranked representatives with the count and then their
    # whole rows; a new search is counted (one upsert, in a savepoint inside the test's
    # transaction: three statements).
    with django_assert_num_queries(5 if expanded else 8):
        response = client.get(URL, params)
    assert response.status_code == 200
    assert len(titles(response)) == (3 if expanded else 12)


def test_the_indexed_catalog_groups_the_derived_entries(client, indexed_office):
    office = indexed_office
    response = client.get(URL, {"q": "低保资金发放", "type": "entry"})
    ((url, label),) = group_links(response)
    assert titles(response) == ["低保资金发放"]
    assert label == "长沙市等 5 个区划"
    district = office.divisions["430102"]
    response = client.get(URL, {"q": "低保资金发放", "type": "entry", "division": district.slug})
    assert links(response) == [f"/entry/{office.entries['district'].pk}/"]
    assert group_links(response)[0][1] == "芙蓉区及 1 个街道"
    html = response.content.decode()
    assert "芙蓉区 · 社会救助 · 最低生活保障" in html
    members = client.get(URL + group_links(response)[0][0])
    assert len(titles(members)) == 2


def test_guides_of_one_service_item_group_by_their_basic_code(client, furong, tianxin):
    from tests.portal.test_guide_pages import GuideFactory

    GuideFactory(name="食品经营许可", division=furong, rights_code="000123", type_name="行政许可")
    GuideFactory(name="食品经营许可", division=tianxin, rights_code="000123", type_name="行政许可")
    index_kind(Kind.GUIDE)
    response = client.get(URL, {"q": "食品经营许可"})
    assert titles(response) == ["食品经营许可"]
    assert group_links(response)[0][1].endswith("等 2 个区划")
    assert "行政许可" in response.content.decode()


def test_the_header_search_inside_a_column_scopes_to_it(client, streets):
    """A district's column page sends its slug with the header's search; the city's does not."""
    furong = streets["furong"]
    html = client.get(furong.get_absolute_url()).content.decode()
    form = re.search(r'<form role="search"[^>]*>(.*?)</form>', html, re.S).group(1)
    assert f'<input type="hidden" name="division" value="{furong.slug}">' in form
    assert 'placeholder="在芙蓉区搜索"' in form
    city = Division.objects.get(code="430100")
    form = re.search(
        r'<form role="search"[^>]*>(.*?)</form>',
        client.get(city.get_absolute_url()).content.decode(),
        re.S,
    ).group(1)
    assert 'name="division"' not in form
    # The scoped search it sends: the district's own entry, and a way to the whole city.
    response = client.get(URL, {"q": "低保对象认定", "division": furong.slug})
    assert "在全市搜索" in response.content.decode()
