"""Working-day arithmetic against the official 2026 schedule, refusal across unrecorded years,
hand-added years, and query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workcalendar import calendar as wc
from workcalendar.calendar import CalendarNotCovered, WorkingCalendar
from workcalendar.models import CalendarYear, SpecialDay
from workcalendar.services import calendar_year_save, special_day_save

pytestmark = pytest.mark.django_db

D = date.fromisoformat

# 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）, copied from the notice
# itself, not from the package: (holiday, first day off, last day off, make-up working days).
OFFICIAL_2026 = [
    ("元旦", "2026-01-01", "2026-01-03", ["2026-01-04"]),
    ("春节", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
    ("清明节", "2026-04-04", "2026-04-06", []),
    ("劳动节", "2026-05-01", "2026-05-05", ["2026-05-09"]),
    ("端午节", "2026-06-19", "2026-06-21", []),
    ("中秋节", "2026-09-25", "2026-09-27", []),
    ("国庆节", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
]


def official_2026_working_day(d: date) -> bool:
    for _name, first, last, makeup in OFFICIAL_2026:
        if D(first) <= d <= D(last):
            return False
        if d.isoformat() in makeup:
            return True
    return d.weekday() < 5


def days_of(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


NOT_COVERED_2027 = (
    "2027年的法定节假日安排尚未录入工作日历，无法按工作日计算；请管理员在「工作日历」中补录2027年。"
)


def test_every_day_of_2026_follows_the_official_notice(seeded):
    calendar = WorkingCalendar.for_years([2026])
    wrong = [d for d in days_of(2026) if calendar.is_working_day(d) != official_2026_working_day(d)]
    assert wrong == []
    # 261 weekdays − 19 weekdays off + 6 make-up weekend days.
    assert sum(map(calendar.is_working_day, days_of(2026))) == 248


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # 春节: 2月15日（日）至23日（一）放假，2月14日（六）、2月28日（六）上班.
        ("2026-02-13", True),
        ("2026-02-14", True),
        *[(f"2026-02-{d}", False) for d in range(15, 24)],
        ("2026-02-24", True),
        ("2026-02-28", True),
        ("2026-03-01", False),
        # 国庆节: 10月1日至7日放假，9月20日（日）、10月10日（六）上班.
        ("2026-09-20", True),
        ("2026-09-30", True),
        *[(f"2026-10-0{d}", False) for d in range(1, 8)],
        ("2026-10-08", True),
        ("2026-10-10", True),
        ("2026-10-11", False),
        # 元旦: 1月1日至3日放假，1月4日（日）上班.
        ("2026-01-01", False),
        ("2026-01-02", False),
        ("2026-01-03", False),
        ("2026-01-04", True),
        # 劳动节: 5月1日至5日放假，5月9日（六）上班.
        *[(f"2026-05-0{d}", False) for d in range(1, 6)],
        ("2026-05-06", True),
        ("2026-05-09", True),
        ("2026-05-10", False),
        # An ordinary weekend.
        ("2026-03-07", False),
        ("2026-03-09", True),
    ],
)
def test_is_working_day_2026(seeded, day, working):
    assert wc.is_working_day(D(day)) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-13", 1, "2026-02-14"),  # Friday → the make-up Saturday
        ("2026-02-14", 1, "2026-02-24"),  # across the nine-day Spring Festival break
        ("2026-02-13", 2, "2026-02-24"),
        ("2026-02-12", 20, "2026-03-18"),  # 2月14日 and 2月28日 count
        ("2026-09-30", 1, "2026-10-08"),  # across National Day
        ("2026-10-09", 1, "2026-10-10"),  # the make-up Saturday after it
        ("2026-10-10", 1, "2026-10-12"),
        ("2026-09-18", 1, "2026-09-20"),  # the make-up Sunday before it
        ("2026-09-24", 1, "2026-09-28"),  # 中秋 Friday to Sunday
        ("2025-12-31", 1, "2026-01-04"),  # 元旦, make-up Sunday, across the year boundary
        ("2026-04-30", 1, "2026-05-06"),
        ("2026-05-08", 1, "2026-05-09"),
        ("2026-06-01", 0, "2026-06-01"),
        ("2026-02-24", -1, "2026-02-14"),
    ],
)
def test_add_working_days(seeded, start, n, expected):
    assert wc.add_working_days(D(start), n) == D(expected)


def test_a_day_off_counts_from_the_next_working_day(seeded):
    # Formed on the first day of the Spring Festival break: day 1 is 2月24日.
    assert wc.add_working_days(D("2026-02-15"), 1) == D("2026-02-24")
    assert wc.add_working_days(D("2026-02-15"), 20) == D("2026-03-20")


def test_next_working_day_and_between(seeded):
    assert wc.next_working_day(D("2026-09-30")) == D("2026-10-08")
    assert wc.next_working_day(D("2026-10-09")) == D("2026-10-10")
    assert wc.working_days_between(D("2026-02-13"), D("2026-02-24")) == 2
    assert wc.working_days_between(D("2026-09-30"), D("2026-10-10")) == 3
    assert wc.working_days_between(D("2026-10-10"), D("2026-09-30")) == -3
    assert wc.working_days_between(D("2026-01-01"), D("2026-01-01")) == 0
    assert wc.working_days_between(D("2025-12-31"), D("2026-12-31")) == 248


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 9, 30)),
    n=st.integers(min_value=0, max_value=60),
)
def test_between_inverts_add(seeded, start, n):
    calendar = _cached_calendar()
    due = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, due) == n
    assert n == 0 or calendar.is_working_day(due)


_CALENDAR: list[WorkingCalendar] = []


def _cached_calendar() -> WorkingCalendar:
    # One calendar across hypothesis examples: the seeded rows live for the whole test.
    if not _CALENDAR:
        _CALENDAR.append(WorkingCalendar.for_range(date(2004, 1, 1), date(2026, 12, 31)))
    return _CALENDAR[0]


def test_refuses_to_cross_an_unrecorded_year(seeded):
    with pytest.raises(CalendarNotCovered) as caught:
        wc.add_working_days(D("2026-12-30"), 5)
    assert str(caught.value) == NOT_COVERED_2027
    assert caught.value.year == 2027
    assert isinstance(caught.value, ValueError)
    with pytest.raises(CalendarNotCovered, match="2027年"):
        wc.is_working_day(D("2027-03-01"))
    with pytest.raises(CalendarNotCovered, match="2027年"):
        wc.working_days_between(D("2026-12-01"), D("2027-01-05"))
    with pytest.raises(CalendarNotCovered, match="2003年"):
        wc.add_working_days(D("2004-01-05"), -5)


def test_a_period_ending_before_the_unrecorded_year_is_computed(seeded):
    # The search window reaches into 2027, but the walk stops on 2026-12-08.
    assert wc.add_working_days(D("2026-12-01"), 5) == D("2026-12-08")
    assert wc.add_working_days(D("2026-12-30"), 1) == D("2026-12-31")


def test_nothing_recorded_refuses_everything(db):
    with pytest.raises(CalendarNotCovered, match="2026年"):
        wc.add_working_days(D("2026-03-02"), 1)


def test_a_hand_added_2027_makes_it_work(seeded):
    year = calendar_year_save(year=2027, source="关于2027年部分节假日安排的通知（示例）")
    special_day_save(
        calendar_year=year, day=D("2027-01-01"), kind=SpecialDay.Kind.HOLIDAY, name="元旦"
    )
    # 2026-12-31 (Thursday) + 1: 元旦 Friday, then the weekend.
    assert wc.add_working_days(D("2026-12-31"), 1) == D("2027-01-04")
    assert wc.add_working_days(D("2026-12-30"), 5) == D("2027-01-07")
    assert wc.working_days_between(D("2026-12-01"), D("2027-01-05")) == 24
    assert CalendarYear.objects.filter(year=2027).exists()


def test_add_working_days_makes_one_query(seeded, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert wc.add_working_days(D("2026-02-14"), 1) == D("2026-02-24")
    with django_assert_num_queries(1):
        wc.add_working_days(D("2024-12-02"), 400)  # across three years, still one query
    with django_assert_num_queries(1):
        wc.working_days_between(D("2025-12-31"), D("2026-12-31"))
    with django_assert_num_queries(1):
        wc.is_working_day(D("2026-10-10"))
    with django_assert_num_queries(1), pytest.raises(CalendarNotCovered):
        wc.add_working_days(D("2026-12-30"), 5)
    with django_assert_num_queries(0):
        wc.add_working_days(D("2026-06-01"), 0)


def test_a_loaded_calendar_is_reused_without_queries(seeded, django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar = WorkingCalendar.for_range(D("2025-01-01"), D("2026-12-31"))
    starts = [D("2025-01-01") + timedelta(days=i) for i in range(0, 600, 3)]
    with django_assert_num_queries(0):
        dues = [calendar.add_working_days(s, 20) for s in starts]
    # 2025: 元旦 1月1日 off; 春节 1月28日–2月4日 off, 1月26日 (Sunday) on.
    assert dues[0] == D("2025-02-05")
    # A year it has not seen is loaded once, then remembered (also when it is missing).
    with django_assert_num_queries(1), pytest.raises(CalendarNotCovered):
        calendar.add_working_days(D("2026-12-30"), 5)
    with django_assert_num_queries(0), pytest.raises(CalendarNotCovered):
        calendar.is_working_day(D("2027-01-04"))
