"""Seeding from chinesecalendar, the load_calendar command, and hand-kept years and days."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from workcalendar.models import CalendarYear, SpecialDay
from workcalendar.services import (
    calendar_seed_from_package,
    calendar_year_save,
    package_years,
    special_day_delete,
    special_day_save,
)

pytestmark = pytest.mark.django_db

D = date.fromisoformat
HOLIDAY, MAKEUP = SpecialDay.Kind.HOLIDAY, SpecialDay.Kind.MAKEUP_WORKDAY


def snapshot():
    return (
        list(CalendarYear.objects.values_list("year", "source", "note", "updated_at")),
        list(SpecialDay.objects.values_list("date", "kind", "name", "calendar_year")),
    )


def test_seed_records_every_year_the_package_covers(seeded):
    assert package_years() == range(2004, 2027)
    assert seeded == 23
    assert list(CalendarYear.objects.order_by("year").values_list("year", flat=True)) == list(
        range(2004, 2027)
    )
    source = CalendarYear.objects.get(year=2026).source
    assert source.startswith("chinesecalendar 1.")
    assert source.endswith(" / 国务院办公厅关于2026年部分节假日安排的通知")


def test_seed_is_idempotent(seeded):
    before = snapshot()
    assert calendar_seed_from_package() == 0
    assert snapshot() == before


def test_seed_leaves_recorded_years_alone_and_fills_missing_ones(db):
    calendar_year_save(year=2026, source="手工录入")
    assert calendar_seed_from_package(years=[2025, 2026]) == 1
    assert not SpecialDay.objects.filter(date__year=2026).exists()
    assert SpecialDay.objects.filter(date__year=2025).count() > 10


def test_seed_refuses_years_the_package_does_not_cover(db):
    with pytest.raises(ValidationError, match="2027"):
        calendar_seed_from_package(years=[2026, 2027])
    assert not CalendarYear.objects.exists()  # one transaction: nothing written


def test_seeded_days_have_chinese_names(seeded):
    names = dict(SpecialDay.objects.filter(date__year=2026).values_list("date", "name"))
    assert names[D("2026-01-01")] == "元旦"
    assert names[D("2026-02-14")] == "春节"
    assert names[D("2026-04-06")] == "清明节"
    assert names[D("2026-05-09")] == "劳动节"
    assert names[D("2026-06-19")] == "端午节"
    assert names[D("2026-09-25")] == "中秋节"
    assert names[D("2026-10-10")] == "国庆节"
    assert set(SpecialDay.objects.values_list("name", flat=True)) == {
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
        "抗战胜利纪念日",
    }
    victory = SpecialDay.objects.filter(name="抗战胜利纪念日")
    assert set(victory.values_list("date", "kind")) == {
        (D("2015-09-03"), HOLIDAY),
        (D("2015-09-04"), HOLIDAY),
        (D("2015-09-06"), MAKEUP),
    }


def test_seeded_2026_kinds(seeded):
    makeup = SpecialDay.objects.filter(date__year=2026, kind=MAKEUP)
    assert sorted(makeup.values_list("date", flat=True)) == [
        D(d)
        for d in (
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        )
    ]


def test_load_calendar_command_is_idempotent(db):
    out = io.StringIO()
    call_command("load_calendar", stdout=out)
    assert "新录入23年" in out.getvalue()
    before = snapshot()
    out = io.StringIO()
    call_command("load_calendar", stdout=out)
    assert "新录入0年" in out.getvalue()
    assert snapshot() == before


def test_calendar_year_save_creates_and_updates(db):
    year = calendar_year_save(year=2027, source="通知", note="")
    assert year.year == 2027
    same = calendar_year_save(year=2027, source="通知", note="")
    assert same.updated_at == year.updated_at  # nothing changed, nothing saved
    changed = calendar_year_save(year=2027, source="通知（国办发明电〔2026〕X号）", note="补录")
    assert CalendarYear.objects.get(year=2027).note == "补录"
    assert changed.updated_at >= year.updated_at


def test_calendar_year_save_validates(db):
    with pytest.raises(ValidationError):
        calendar_year_save(year=1999, source="x")
    with pytest.raises(ValidationError):
        calendar_year_save(year=2027, source="")


def test_special_day_save_validates(db):
    year = calendar_year_save(year=2027, source="通知")
    with pytest.raises(ValidationError, match="2027年内"):
        special_day_save(calendar_year=year, day=D("2026-12-31"), kind=HOLIDAY, name="元旦")
    with pytest.raises(ValidationError, match="周六或周日"):
        # 2027-02-03 is a Wednesday: a make-up working day must be a weekend day.
        special_day_save(calendar_year=year, day=D("2027-02-03"), kind=MAKEUP, name="春节")
    with pytest.raises(ValidationError):
        special_day_save(calendar_year=year, day=D("2027-01-01"), kind="bogus", name="元旦")
    day = special_day_save(calendar_year=year, day=D("2027-01-01"), kind=HOLIDAY, name="元旦")
    with pytest.raises(ValidationError):
        special_day_save(calendar_year=year, day=D("2027-01-01"), kind=HOLIDAY, name="重复")
    special_day_save(
        calendar_year=year, day=D("2027-01-01"), kind=HOLIDAY, name="元旦节", special_day=day
    )
    assert SpecialDay.objects.get().name == "元旦节"
    special_day_delete(special_day=day)
    assert not SpecialDay.objects.exists()


def test_database_refuses_duplicate_dates_and_unknown_kinds(db):
    year = calendar_year_save(year=2027, source="通知")
    SpecialDay.objects.create(calendar_year=year, date=D("2027-01-01"), kind=HOLIDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialDay.objects.create(calendar_year=year, date=D("2027-01-01"), kind=HOLIDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecialDay.objects.create(calendar_year=year, date=D("2027-01-02"), kind="weekend")
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarYear.objects.create(year=207, source="typo")
