"""Synonyms the city keeps: the fixture list, query expansion on both databases, the cached
map (forgotten on every change, never an error when the cache or table fails), the admin."""

from __future__ import annotations

import csv
import io
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from districts.models import Division, Role
from search import synonyms
from search.models import SearchDocument, SearchSynonym
from search.selectors import search_documents, tsquery_text
from search.services import synonym_save, synonyms_delete, synonyms_load
from search.synonyms import SynonymMap, expand, synonym_map
from search.text import tokens_for

pytestmark = pytest.mark.django_db

URL = reverse("portal:search")
FIXTURE = settings.FIXTURES_DIR / "search_synonyms.csv"

REQUIRED = [
    ("低保", "最低生活保障"),
    ("社保", "社会保险"),
    ("医保", "医疗保障"),
    ("医保", "基本医疗保险"),
    ("公租房", "公共租赁住房"),
    ("准生证", "生育登记"),
    ("户口", "户籍"),
    ("五保", "特困人员供养"),
    ("养老金", "基本养老金"),
    ("失业金", "失业保险金"),
    ("危房改造", "农村危房改造"),
    ("新农合", "城乡居民基本医疗保险"),
]
REQUIRED_TERMS = [
    "廉租房",
    "独生子女",
    "低保户",
    "残疾证",
    "居住证",
    "身份证",
    "营业执照",
    "公积金",
]


def doc(title: str, n: int) -> SearchDocument:
    return SearchDocument.objects.create(
        kind=SearchDocument.Kind.PUBLICATION,
        object_id=n,
        title=title,
        url=f"/p/{n}/",
        tokens=tokens_for(title),
    )


def titles(qs) -> set[str]:
    return set(qs.values_list("title", flat=True))


def test_the_fixture_has_the_required_pairs_with_sources():
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 150
    pairs = {(r["term"], r["equivalent"]) for r in rows}
    assert len(pairs) == len(rows), "no pair twice"
    assert set(REQUIRED) <= pairs
    named = {r["term"] for r in rows} | {r["equivalent"] for r in rows}
    assert set(REQUIRED_TERMS) <= named
    assert all(r["note"].strip() for r in rows), "every pair says where it comes from"
    assert all(r["term"] != r["equivalent"] for r in rows)


def test_load_reference_data_loads_them_once(reference_data):
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    count = SearchSynonym.objects.count()
    assert count >= 150 and "搜索同义词：新增" in out.getvalue()
    report = synonyms_load(path=FIXTURE)
    assert (report.created, report.updated) == (0, 0)
    assert SearchSynonym.objects.count() == count


def test_a_hand_switched_off_pair_stays_off_on_reload(city_synonyms):
    pair = SearchSynonym.objects.get(term="低保", equivalent="最低生活保障")
    pair.is_active = False
    synonym_save(synonym=pair)
    synonyms_load(path=FIXTURE)
    pair.refresh_from_db()
    assert pair.is_active is False


def test_expand_groups_a_phrase_with_its_synonyms():
    smap = SynonymMap.from_pairs([("低保", "最低生活保障"), ("低保户", "低保对象")])
    assert expand("低保 资金", smap) == [(("低保",), ("最低", "生活", "保障")), (("资金",),)]
    # The longest phrase wins (低保户, not 低保 and 户).
    clauses = expand("低保户名单", smap)
    assert clauses[0][1] == ("低保", "对象") and clauses[-1] == (("名单",),)
    # The official name finds the colloquial one.
    assert expand("最低生活保障", smap) == [(("最低", "生活", "保障"), ("低保",))]
    # Without synonyms a query is its words.
    assert expand("最低生活保障") == [(("最低",),), (("生活",),), (("保障",),)]


def test_the_tsquery_of_a_synonym_group():
    clause = (("低保",), ("最低", "生活", "保障"))
    assert tsquery_text([clause, "资金"]) == "( '低保' | '最低' & '生活' & '保障' ) & '资金'"
    assert tsquery_text(["低保", "资金"]) == "'低保' & '资金'"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("低保", {"最低生活保障资金发放公示", "低保户名单", "城乡低保标准"}),
        ("最低生活保障", {"最低生活保障资金发放公示", "低保户名单", "城乡低保标准"}),
        ("公租房", {"公共租赁住房配租公告"}),
        ("社保卡", {"社会保障卡申领"}),
        ("新农合", {"城乡居民基本医疗保险缴费标准"}),
        ("准生证", {"生育登记服务"}),
    ],
)
def test_search_finds_either_name_on_both_databases(city_synonyms, query, expected):
    for n, title in enumerate(
        [
            "最低生活保障资金发放公示",
            "低保户名单",
            "城乡低保标准",
            "公共租赁住房配租公告",
            "社会保障卡申领",
            "城乡居民基本医疗保险缴费标准",
            "生育登记服务",
            "最低工资保障和生活补贴",  # 最低, 保障 and 生活 apart: not 最低生活保障 but matches
        ]
    ):
        doc(title, n)
    found = titles(search_documents(expand(query, synonym_map())))
    assert expected <= found


def test_a_multi_word_synonym_needs_all_its_words(city_synonyms):
    doc("最低生活保障资金", 1)
    doc("生活保障资金", 2)  # 最低 missing
    found = titles(search_documents(expand("低保", synonym_map())))
    assert found == {"最低生活保障资金"}


def test_the_map_is_cached_and_forgotten_on_change(
    city_synonyms, django_assert_num_queries, committed
):
    synonym_map()
    with django_assert_num_queries(0):
        smap = synonym_map()
    assert "低保" in smap.equivalents
    with committed():
        synonym_save(synonym=SearchSynonym(term="一网通办", equivalent="政务服务网"))
    with django_assert_num_queries(1):
        assert "一网通办" in synonym_map().equivalents
    pk = SearchSynonym.objects.get(term="一网通办").pk
    with committed():
        synonyms_delete(ids=[pk])
    assert "一网通办" not in synonym_map().equivalents


def test_a_cache_outage_reads_the_table(city_synonyms, client):
    doc("最低生活保障资金发放公示", 1)
    broken = mock.patch.object(synonyms.cache, "get", side_effect=ConnectionError("redis down"))
    with broken, mock.patch.object(synonyms.cache, "set", side_effect=ConnectionError("down")):
        assert "低保" in synonym_map().equivalents
        response = client.get(URL, {"q": "低保"})
    assert response.status_code == 200
    assert "找到 <strong>1</strong> 条结果" in response.content.decode()


def test_an_unreadable_table_searches_without_synonyms(client, reference_data):
    from django.db import DatabaseError

    doc("低保资金", 1)
    with mock.patch.object(synonyms, "_read_pairs", side_effect=DatabaseError("gone")):
        response = client.get(URL, {"q": "低保"})
    assert response.status_code == 200
    assert "找到 <strong>1</strong> 条结果" in response.content.decode()


def test_the_page_highlights_the_synonym(client, city_synonyms):
    doc("最低生活保障资金发放公示", 1)
    html = client.get(URL, {"q": "低保"}).content.decode()
    assert "<mark>最低</mark>" in html or "<mark>最低生活保障" in html


def test_query_count_with_synonyms(client, city_synonyms, django_assert_num_queries):
    for n in range(25):
        doc(f"最低生活保障资金第{n}批", n)
    # Cold cache: the synonyms are read once (one query) ...
    # (and every search is counted: an upsert in a savepoint, three statements in a test) ...
    with django_assert_num_queries(9):
        client.get(URL, {"q": "低保"})
    # ... then served from the cache: divisions, domains, the ranked page with the count, its
    # rows, navigation, the search's tally.
    with django_assert_num_queries(8):
        response = client.get(URL, {"q": "低保"})
    assert "找到 <strong>25</strong> 条结果" in response.content.decode()


# -- the admin ------------------------------------------------------------------------------------
ADMIN_LIST = reverse("admin:search_searchsynonym_changelist")
ADMIN_ADD = reverse("admin:search_searchsynonym_add")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_city_administrator_keeps_the_list(make_member, city_synonyms, reference_data):
    admin = client_for(make_member(reference_data, Role.ADMINISTRATOR))
    assert admin.get(ADMIN_LIST).status_code == 200
    response = admin.post(
        ADMIN_ADD, {"term": "ＹＢ卡", "equivalent": "医保卡", "note": "测试", "is_active": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SearchSynonym.objects.filter(term="yb卡", equivalent="医保卡").exists()
    assert "yb卡" in synonym_map().equivalents  # the cached map was forgotten
    # The same pair again (folded the same way) is refused with a message, not a 500.
    again = admin.post(
        ADMIN_ADD, {"term": "yb卡", "equivalent": "医保卡", "note": "", "is_active": "on"}
    )
    assert again.status_code == 200
    assert "这对同义词已经录入过了" in again.content.decode()
    same = admin.post(ADMIN_ADD, {"term": "医保", "equivalent": "医保", "note": ""})
    assert same.status_code == 200
    assert "常用说法和规范名称不能相同" in same.content.decode()


def test_a_district_administrator_only_looks(make_member, reference_data, city_synonyms):
    furong = Division.objects.get(code="430102")
    admin = client_for(make_member(furong, Role.ADMINISTRATOR))
    assert admin.get(ADMIN_LIST).status_code == 200
    assert admin.get(ADMIN_ADD).status_code == 403
    editor = client_for(make_member(furong, Role.EDITOR))
    assert editor.get(ADMIN_LIST).status_code == 403
