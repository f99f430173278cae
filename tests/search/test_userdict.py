"""The portal's jieba user dictionary: its terms segment as units, and a query for any of them
(or for any synonym the city keeps) names only words that a document holding it is indexed with,
whatever surrounds it."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings

from search.text import query_tokens, segment, tokens_for, user_terms

CONTEXTS = [
    "{}",
    "关于{}的通知",
    "我市{}工作实施方案",
    "申请{}需要哪些材料",
    "区民政局{}资金发放公示",
    "2026年{}",
]


def synonym_phrases() -> list[str]:
    with (settings.FIXTURES_DIR / "search_synonyms.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return sorted({r["term"] for r in rows} | {r["equivalent"] for r in rows})


def test_the_dictionary_holds_the_domain_terms():
    terms = user_terms()
    assert len(terms) >= 100
    assert len(set(terms)) == len(terms)
    for term in ["城乡低保", "特困供养", "危房改造", "最低生活保障", "公共租赁住房"]:
        assert term in terms
    assert "城乡居民基本养老保险" in terms


@pytest.mark.parametrize(
    "term", ["城乡低保", "特困供养", "最低生活保障", "公共租赁住房", "残疾人证"]
)
def test_terms_segment_as_units(term):
    assert term in segment(f"关于{term}的通知")


def test_every_term_segments_as_a_unit():
    assert [t for t in user_terms() if t not in segment(t)] == []


def test_queries_and_documents_agree_on_every_term_and_synonym():
    missing = []
    for phrase in sorted(set(user_terms()) | set(synonym_phrases())):
        wanted = set(query_tokens(phrase))
        assert wanted, phrase
        for context in CONTEXTS:
            indexed = set(tokens_for(context.format(phrase)).split())
            if not wanted <= indexed:
                missing.append((phrase, context, sorted(wanted - indexed)))
    assert missing == []
