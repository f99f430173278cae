"""PostgreSQL only: the GIN index serves the full-text match, tsquery input is inert, and the
full-text match returns the same documents as the space-delimited fallback used on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from search.models import SearchDocument
from search.selectors import match_fulltext, match_tokens, search_documents, tsquery_text
from search.text import query_tokens, tokens_for

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql_only]

TITLES = [
    "最低生活保障资金发放公示",
    "城乡居民最低生活保障对象认定",
    "建设项目环境影响评价文件审批",
    "食品生产许可证核发",
    "食品经营许可",
    "义务教育阶段学校招生入学",
    "特困人员救助供养",
    "临时救助资金发放情况",
    "ABC公司2026年度环境信息公开",
    "农村危房改造补助资金",
]
QUERIES = [
    "最低生活保障",
    "建设项目环境影响评价",
    "食品生产许可",
    "许可",
    "资金发放",
    "救助",
    "abc",
    "2026",
    "环境",
    "入学",
    "宇宙",
]


def fill(n: int) -> None:
    now = timezone.now()
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                kind=SearchDocument.Kind.PUBLICATION,
                object_id=i,
                title=f"{TITLES[i % len(TITLES)]}（第{i}号）",
                url=f"/p/{i}/",
                date=now,
                tokens=tokens_for(f"{TITLES[i % len(TITLES)]}（第{i}号）"),
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_gin_index_covers_the_stored_vector_of_tokens():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_doc_tsv_gin'")
        (definition,) = cursor.fetchone()
        cursor.execute(
            "SELECT generation_expression FROM information_schema.columns "
            "WHERE table_name = 'search_searchdocument' AND column_name = 'tsv'"
        )
        (generated,) = cursor.fetchone()
    assert "USING gin (tsv)" in definition
    assert "to_tsvector('simple'::regconfig, tokens)" in generated


def test_the_match_uses_the_gin_index(reference_data):
    fill(3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
    qs = search_documents(query_tokens("食品生产许可"))
    sql, params = qs.query.sql_with_params()
    text = plan(sql, params)
    assert "search_doc_tsv_gin" in text, text
    assert "Bitmap Index Scan" in text, text


def test_the_gin_index_is_chosen_without_forcing_on_a_large_table(reference_data):
    fill(20000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
        sql, params = search_documents(query_tokens("建设项目环境影响评价")).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_doc_tsv_gin" in text, text


@pytest.mark.parametrize("query", QUERIES)
def test_fulltext_and_fallback_return_the_same_documents(reference_data, query):
    fill(200)
    terms = query_tokens(query)
    base = SearchDocument.objects.all()
    fulltext, _ = match_fulltext(base, terms)
    fallback, _ = match_tokens(base, terms)
    assert set(fulltext.values_list("pk", flat=True)) == set(fallback.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "raw",
    ["&|!():*'\\", "a:*", "'x' | 'y'", "!!!", "a <-> b", "(((", "' & '", "\\\\'"],
)
def test_tsquery_operators_in_input_are_inert(reference_data, raw):
    fill(20)
    terms = query_tokens(raw)
    list(search_documents(terms))  # never a syntax error
    text = tsquery_text(terms)
    if text:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsquery('simple', %s)", [text])


def test_ranking_puts_more_occurrences_first(reference_data):
    now = timezone.now()
    for i, title in enumerate(["低保 公示", "低保 低保 低保 资金 公示"]):
        SearchDocument.objects.create(
            kind="publication",
            object_id=i,
            title=title,
            url="/",
            date=now,
            tokens=tokens_for(title),
        )
    found = list(search_documents(["低保"]).values_list("object_id", flat=True))
    assert found == [1, 0]
