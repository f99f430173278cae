"""公开时限 texts → deadline rules, over every distinct text in the real catalog rows."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from django.conf import settings

from workcalendar.calendar import CalendarNotCovered, WorkingCalendar
from workcalendar.deadlines import DeadlineKind, DeadlineRule, chinese_number, parse_time_limit

D = date.fromisoformat
WD, CD = DeadlineKind.WORKING_DAYS, DeadlineKind.CALENDAR_DAYS
IMMEDIATE, LONG_TERM = DeadlineKind.IMMEDIATE, DeadlineKind.LONG_TERM
DEFAULT = DeadlineKind.STATUTORY_DEFAULT
ARTICLE_26 = "按《中华人民共和国政府信息公开条例》第二十六条：20个工作日"

PUNISHMENT = "1.除处罚决定外其他内容:长期公开(动态调整); 2.处罚决定:20个工作日内。"
LICENSING_SPACED = (
    "信息形成 20 个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起 7 个工作日内公示"
)
LICENSING = (
    "信息形成20个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示"
)
SAVING_CLAUSE = (
    "信息形成或者变更之日起 20 个工作日内。法律、法规对政府信息公开的期限另有规定的,从其规定。"
)

# Every distinct 公开时限 in fixtures/catalog_rows.csv: (kind, days, has_exceptions).
REAL_TEXTS = {
    PUNISHMENT: (WD, 20, True),
    LICENSING_SPACED: (WD, 20, True),
    "信息形成20个工作日内公开": (WD, 20, False),
    LICENSING: (WD, 20, True),
    "信息形成之日起20个工作日内": (WD, 20, False),
    "信息形成或变更之日起20个工作日内": (WD, 20, False),
    "信息形成或变更之日起7个工作日内": (WD, 7, False),
    SAVING_CLAUSE: (WD, 20, False),
    "信息形成或者变更之日起20个工作日内": (WD, 20, False),
    "信息形成或者变更之日起20个工作日内公开": (WD, 20, False),
    "制定或获取信息之日起10个工作日内": (WD, 10, False),
    "制定或获取扶持政策措施之日起10个工作日内": (WD, 10, False),
    "制定或获取指南之日起10个工作日内": (WD, 10, False),
    "制定或获取文件之日起10个工作日内": (WD, 10, False),
    "及时公开": (DEFAULT, 20, False),
    "同上": (DEFAULT, 20, False),
    "实时公开": (IMMEDIATE, 0, False),
    "本级人民代表大会或其常务委员会批准后20日内": (CD, 20, False),
    "本级政府财政部门批复后 20 日内": (CD, 20, False),
    "自制作或获取该信息之日起20个工作日内公开": (WD, 20, False),
    "自该信息形成或者变更之日起20个工作日内": (WD, 20, False),
}


def test_the_table_holds_every_real_text():
    with (settings.FIXTURES_DIR / "catalog_rows.csv").open(encoding="utf-8", newline="") as f:
        texts = {row["time_limit"] for row in csv.DictReader(f)}
    assert texts == set(REAL_TEXTS)
    assert len(texts) == 21


@pytest.mark.parametrize(("text", "expected"), REAL_TEXTS.items(), ids=range(len(REAL_TEXTS)))
def test_real_texts(text, expected):
    rule = parse_time_limit(text)
    assert (rule.kind, rule.days, rule.has_exceptions) == expected
    assert rule.note


def test_notes_explain_the_rule_to_staff():
    assert parse_time_limit("信息形成或变更之日起20个工作日内").note == (
        "信息形成（变更）之日起20个工作日内"
    )
    exceptions = parse_time_limit(LICENSING)
    assert exceptions.note.startswith("信息形成（变更）之日起20个工作日内；另有例外")
    assert "行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示" in exceptions.note
    long_term = parse_time_limit(PUNISHMENT)
    assert "除处罚决定外其他内容:长期公开(动态调整)" in long_term.note
    saving = parse_time_limit(SAVING_CLAUSE)
    assert saving.note.endswith("法律、法规另有规定的，从其规定")
    assert parse_time_limit("及时公开").note == f"“及时公开”未写明具体期限，{ARTICLE_26}"
    assert parse_time_limit("同上").note == f"“同上”未写明具体期限，{ARTICLE_26}"
    assert parse_time_limit("").note == f"未填写公开时限，{ARTICLE_26}"
    assert "自然日" in parse_time_limit("本级政府财政部门批复后 20 日内").note


@pytest.mark.parametrize(
    ("text", "kind", "days"),
    [
        ("10个工作日", WD, 10),
        ("信息形成（变更）之日起20个工作日内", WD, 20),
        ("信息形成之日起 ２０ 个工作日内", WD, 20),  # full-width digits
        ("二十个工作日内", WD, 20),
        ("十五个工作日", WD, 15),
        ("七个工作日内公开", WD, 7),
        ("自批准之日起三十日内", CD, 30),
        ("15天内", CD, 15),
        ("30天以内公开", CD, 30),
        ("实时", IMMEDIATE, 0),
        ("即时公开", IMMEDIATE, 0),
        ("长期", LONG_TERM, None),
        ("长期公开", LONG_TERM, None),
        ("及时", DEFAULT, 20),
        ("", DEFAULT, 20),
        (None, DEFAULT, 20),
        ("   ", DEFAULT, 20),
        ("按规定公开", DEFAULT, 20),
        ("每月10日前", DEFAULT, 20),  # a fixed day of the month, not a period
    ],
)
def test_variants(text, kind, days):
    rule = parse_time_limit(text)
    assert (rule.kind, rule.days) == (kind, days)


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("七", 7), ("十", 10), ("十五", 15), ("二十", 20), ("两", 2), ("一百二十", 120)],
)
def test_chinese_number(text, value):
    assert chinese_number(text) == value


def test_rules_are_frozen():
    rule = parse_time_limit("10个工作日")
    with pytest.raises(AttributeError):
        rule.days = 5  # type: ignore[misc]
    assert rule == DeadlineRule(WD, 10, "信息形成（变更）之日起10个工作日内", False)


@pytest.mark.django_db
def test_due_dates(seeded, django_assert_num_queries):
    formed = D("2026-02-13")
    # 2月14日 (make-up Saturday) is day 1; 2月15日–23日 are off; 2月28日 (Saturday) is day 6.
    assert parse_time_limit("10个工作日").due_date(formed) == D("2026-03-05")
    # National Day: 10月8日 is day 1, the make-up Saturday 10月10日 day 3.
    assert parse_time_limit("信息形成20个工作日内公开").due_date(D("2026-09-30")) == D("2026-11-03")
    assert parse_time_limit("实时公开").due_date(formed) == formed
    assert parse_time_limit("长期").due_date(formed) is None
    assert parse_time_limit("同上").due_date(D("2026-09-30")) == D("2026-11-03")
    # 20 calendar days after 2026-02-01 is 2月21日, inside the Spring Festival break:
    # the last day moves to the first working day after it.
    assert parse_time_limit("批准后20日内").due_date(D("2026-02-01")) == D("2026-02-24")
    assert parse_time_limit("批准后20日内").due_date(D("2026-03-02")) == D("2026-03-23")
    assert parse_time_limit("批准后20日内").due_date(D("2026-03-03")) == D("2026-03-23")
    with pytest.raises(CalendarNotCovered, match="2027年"):
        parse_time_limit("10个工作日").due_date(D("2026-12-25"))
    # Many due dates on one loaded calendar: no query per call.
    with django_assert_num_queries(1):
        calendar = WorkingCalendar.for_years([2026])
    rule = parse_time_limit("信息形成或变更之日起7个工作日内")
    with django_assert_num_queries(0):
        assert rule.due_date(D("2026-09-25"), calendar) == D("2026-10-12")
        assert [rule.due_date(D(f"2026-06-{d:02}"), calendar) for d in range(1, 4)] == [
            D("2026-06-10"),
            D("2026-06-11"),
            D("2026-06-12"),
        ]
