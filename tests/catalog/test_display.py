"""The element value formatter shared by the review panel and the import preview."""

from __future__ import annotations

import json

import pytest

from catalog import display
from catalog.display import PREVIEW, Bounds, change, change_html, shown, shown_extra, value_html


@pytest.mark.parametrize(
    ("element", "value", "expected"),
    [
        ("time_limit", "  5个工作日内 ", {"kind": "text", "text": "5个工作日内", "cut": 0}),
        ("remarks", "", display.EMPTY),
        ("remarks", None, display.EMPTY),
        ("channels", [], display.EMPTY),
        (
            "channels",
            ["政府网站", "公开栏"],
            {"kind": "list", "items": ["政府网站", "公开栏"], "more": 0},
        ),
        ("audience", [True, True], {"kind": "list", "items": ["全社会", "特定群体"], "more": 0}),
        ("mode", [False, True], {"kind": "list", "items": ["依申请"], "more": 0}),
        ("mode", [False, False], display.EMPTY),
        ("item_type", "service", {"kind": "text", "text": "政务服务事项", "cut": 0}),
        ("item_type", "other", {"kind": "text", "text": "other", "cut": 0}),
        (
            "levels",
            [{"level": "县级", "channels": ["政府网站"]}, {"level": "乡级", "channels": []}],
            {
                "kind": "table",
                "head": ["公开层级", "公开渠道和载体"],
                "rows": [["县级", ["政府网站"]], ["乡级", []]],
                "more": 0,
            },
        ),
        (
            "levels",
            {"县级": True, "乡级": False},
            {
                "kind": "table",
                "head": ["公开层级", "是否公开"],
                "rows": [["县级", "是"], ["乡级", "否"]],
                "more": 0,
            },
        ),
        (
            "levels",
            {"县级": ["政府网站", "公开栏"], "乡级": "公开查阅点、便民服务站"},
            {
                "kind": "table",
                "head": ["公开层级", "公开渠道和载体"],
                "rows": [["县级", ["政府网站", "公开栏"]], ["乡级", ["公开查阅点", "便民服务站"]]],
                "more": 0,
            },
        ),
        (
            "levels",
            ["县级", "乡级"],
            {
                "kind": "table",
                "head": ["公开层级", "公开渠道和载体"],
                "rows": [["县级", []], ["乡级", []]],
                "more": 0,
            },
        ),
        ("levels", [], display.EMPTY),
        # Whatever else turns up reads as text, never as a repr.
        (
            "remarks",
            ["a", {"b": 1.0, "c": None}, True],
            {"kind": "list", "items": ["a", "b：1", "是"], "more": 0},
        ),
        (
            "remarks",
            {"x": [1, 2]},
            {"kind": "table", "head": ["列名", "内容"], "rows": [["x", ["1", "2"]]], "more": 0},
        ),
    ],
)
def test_each_kind_of_value_is_described(element, value, expected):
    assert shown(element, value) == expected
    json.dumps(shown(element, value))  # a job keeps it in its result


def test_descriptions_are_bounded():
    small = Bounds(text_chars=5, items=2, rows=1, item_chars=4)
    assert shown("content", "一二三四五六七", small) == {
        "kind": "text",
        "text": "一二三四五",
        "cut": 2,
    }
    assert shown("channels", ["甲", "乙", "丙丙丙丙丙"], small)["more"] == 1
    assert shown("channels", ["丙丙丙丙丙"], small)["items"] == ["丙丙丙…"]
    levels = [{"level": f"{n}级", "channels": ["a", "b", "c"]} for n in range(3)]
    assert shown("levels", levels, small) == {
        "kind": "table",
        "head": ["公开层级", "公开渠道和载体"],
        "rows": [["0级", ["a", "b"]]],
        "more": 2,
    }
    html = value_html(shown("content", "x" * 400, PREVIEW))
    assert "（另有 100 字未显示）" in html
    assert "另有 2 行未显示" in value_html(shown("levels", levels, small))


def test_rendering_escapes_and_labels_old_and_new():
    item = change("备注", shown("remarks", "<b>旧</b>"), shown("remarks", ["<i>", "新"]))
    html = change_html(item)
    assert "<b>" not in html and "&lt;b&gt;旧&lt;/b&gt;" in html and "<li>&lt;i&gt;</li>" in html
    assert html.index('<del class="value-old"><span class="change-label">原值') < html.index(
        '<ins class="value-new"><span class="change-label">新值'
    )
    assert (
        value_html(None) == value_html(display.EMPTY) == '<span class="value-empty">（无）</span>'
    )


def test_other_columns_read_as_a_table():
    assert shown_extra({"序号": 3, "联系电话": "0731-1234"}) == {
        "kind": "table",
        "head": ["列名", "内容"],
        "rows": [["序号", "3"], ["联系电话", "0731-1234"]],
        "more": 0,
    }
    assert shown_extra({}) == display.EMPTY


def test_weight_counts_what_is_shown():
    assert display.weight(shown("remarks", "一二三")) == 3
    assert display.weight(display.EMPTY) < 10
    assert display.weight(shown("channels", ["政府网站"])) > 4
