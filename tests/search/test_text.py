"""Segmentation of real Chinese phrases, query terms without operators, escaped highlighting."""

from __future__ import annotations

import pytest

from search.selectors import tsquery_text
from search.text import MAX_QUERY_TOKENS, highlight, html_to_text, query_tokens, segment, tokens_for


@pytest.mark.parametrize(
    ("phrase", "words"),
    [
        ("最低生活保障", ["最低", "生活", "保障"]),
        # 环境影响评价 is a term of the user dictionary (fixtures/jieba_userdict.txt): one unit.
        ("建设项目环境影响评价", ["建设项目", "环境影响评价", "评价", "建设", "项目", "环境"]),
        ("食品生产许可", ["食品", "生产", "许可"]),
        ("城乡居民最低生活保障对象认定", ["城乡居民", "城乡", "居民", "对象", "认定"]),
    ],
)
def test_segment_real_phrases(phrase, words):
    tokens = segment(phrase)
    for word in words:
        assert word in tokens


def test_query_keeps_the_finest_words():
    assert query_tokens("建设项目环境影响评价") == ["建设", "项目", "环境", "影响", "评价"]
    assert query_tokens("食品生产许可") == ["食品", "生产", "许可"]


def test_tokens_are_lowercased_folded_and_without_punctuation():
    assert tokens_for("ＡＢＣ２０２６年，《食品》安全！") == "abc2026 年 食品 安全"
    assert tokens_for("Food_Safety-Law") == "food safety law"


@pytest.mark.parametrize(
    "query",
    ["&|!():*'\\", "' OR 1=1 --", "a:* & !b | (c)", "<->", "%_", "'; DROP TABLE x; --"],
)
def test_query_terms_never_carry_operators(query):
    for term in query_tokens(query):
        assert term.isalnum(), term
    assert all(ch.isalnum() or ch in " &'" for ch in tsquery_text(query_tokens(query)))


def test_operators_between_words_are_dropped():
    assert query_tokens("低保 & 资金 | !发放") == ["低保", "资金", "发放"]


def test_huge_query_is_bounded():
    terms = query_tokens("最低生活保障食品生产许可" * 200)
    assert 0 < len(terms) <= MAX_QUERY_TOKENS


def test_highlight_escapes_before_marking():
    html = highlight("<script>alert('低保')</script>通知", ["script", "低保"])
    assert html == (
        "&lt;<mark>script</mark>&gt;alert(&#x27;<mark>低保</mark>&#x27;)&lt;/<mark>script</mark>"
        "&gt;通知"
    )


def test_highlight_never_marks_inside_an_entity():
    assert highlight("a & b amp", ["amp"]) == "a &amp; b <mark>amp</mark>"
    assert highlight("<b>", ["lt", "b"]) == "&lt;<mark>b</mark>&gt;"


def test_highlight_is_case_and_width_insensitive():
    assert highlight("ABC 食品", ["abc"]) == "<mark>ABC</mark> 食品"
    assert highlight("ＡＢＣ", ["abc"]) == "<mark>ＡＢＣ</mark>"


def test_snippet_window_around_first_match():
    text = "甲" * 300 + "低保" + "乙" * 300
    html = highlight(text, ["低保"], width=40)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>低保</mark>" in html
    assert len(html) < 80


def test_snippet_without_match_shows_the_start():
    assert highlight("一二三四五六", ["低保"], width=3) == "一二三…"


def test_html_to_text():
    assert html_to_text("<p>甲&amp;乙</p><ol><li>丙</li></ol>") == "甲&乙 丙"
