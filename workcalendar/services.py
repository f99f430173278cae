"""Writes to the working-day calendar: seeding from chinesecalendar and hand-kept years."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import CalendarYear, SpecialDay
from .signals import calendar_changed


def _announce(*years: int) -> None:
    """Tell listeners (e.g. publications' due dates) once the change is committed."""
    transaction.on_commit(
        lambda: calendar_changed.send(sender=CalendarYear, years=sorted(set(years))), robust=True
    )


# chinesecalendar names its holidays in English (Holiday enum values); the portal speaks Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def package_years() -> range:
    """Return the years the installed chinesecalendar package fully covers."""
    import chinese_calendar

    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def _package_source(year: int) -> str:
    import chinese_calendar

    return (
        f"chinesecalendar {chinese_calendar.__version__} / "
        f"国务院办公厅关于{year}年部分节假日安排的通知"
    )


def _holiday_name(english: str | None) -> str:
    if not english:
        return ""
    return HOLIDAY_NAMES.get(english, english)


@transaction.atomic
def calendar_seed_from_package(*, years: Iterable[int] | None = None) -> int:
    """Record every year chinesecalendar covers (or ``years``) that is not recorded yet.

    Return the number of years created. A year already in the table is left alone: it may have
    been corrected by hand, and a recorded year is complete by definition. So running it again
    changes nothing.
    """
    import chinese_calendar

    available = package_years()
    wanted = sorted(set(available if years is None else years))
    missing = [y for y in wanted if y not in available]
    if missing:
        raise ValidationError(
            f"chinesecalendar {chinese_calendar.__version__} 只收录"
            f"{available.start}—{available.stop - 1}年，不含：{'、'.join(map(str, missing))}年。"
        )
    existing = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    todo = [y for y in wanted if y not in existing]
    if not todo:
        return 0
    rows = []
    for year in todo:
        calendar_year = CalendarYear(year=year, source=_package_source(year))
        calendar_year.full_clean()
        rows.append(calendar_year)
    CalendarYear.objects.bulk_create(rows)
    days = [
        SpecialDay(calendar_year_id=day.year, date=day, kind=kind, name=_holiday_name(english))
        for table, kind in (
            (chinese_calendar.holidays, SpecialDay.Kind.HOLIDAY),
            (chinese_calendar.workdays, SpecialDay.Kind.MAKEUP_WORKDAY),
        )
        for day, english in table.items()
        if day.year in todo
    ]
    SpecialDay.objects.bulk_create(sorted(days, key=lambda d: d.date))
    if todo:
        _announce(*todo)
    return len(todo)


@transaction.atomic
def calendar_year_save(*, year: int, source: str, note: str = "") -> CalendarYear:
    """Create or change the record of ``year``; return it.

    Record a year only once all its holidays and make-up days are entered (in the same
    transaction, e.g. the admin's page with its inline days): from then on deadlines are
    computed across it.
    """
    calendar_year = CalendarYear.objects.filter(year=year).first()
    if calendar_year is None:
        calendar_year = CalendarYear(year=year, source=source, note=note)
        calendar_year.full_clean()
        calendar_year.save(force_insert=True)
        _announce(year)
        return calendar_year
    changed = [
        field
        for field, value in (("source", source), ("note", note))
        if getattr(calendar_year, field) != value
    ]
    if changed:
        calendar_year.source, calendar_year.note = source, note
        calendar_year.full_clean()
        calendar_year.save(update_fields=[*changed, "updated_at"])
    return calendar_year


def _touch(calendar_year_id: int) -> None:
    # The year's "updated" time says when its days last changed, too.
    CalendarYear.objects.filter(pk=calendar_year_id).update(updated_at=timezone.now())


@transaction.atomic
def special_day_save(
    *,
    calendar_year: CalendarYear,
    day: date,
    kind: str,
    name: str = "",
    special_day: SpecialDay | None = None,
) -> SpecialDay:
    """Add a holiday or make-up working day to ``calendar_year``, or change ``special_day``."""
    if special_day is None:
        special_day = SpecialDay()
    special_day.calendar_year = calendar_year
    special_day.date, special_day.kind, special_day.name = day, kind, name
    special_day.full_clean()
    if special_day.pk is None:
        special_day.save(force_insert=True)
    else:
        special_day.save(update_fields=["calendar_year", "date", "kind", "name"])
    _touch(calendar_year.pk)
    _announce(calendar_year.year)
    return special_day


@transaction.atomic
def special_day_delete(*, special_day: SpecialDay) -> None:
    """Remove a special day (entered by mistake); the date becomes an ordinary day."""
    year = special_day.calendar_year_id
    special_day.delete()
    _touch(year)
    _announce(special_day.date.year)


@transaction.atomic
def calendar_year_delete(*, calendar_year: CalendarYear) -> None:
    """Forget a year and its days: deadlines across it are refused until it is entered again."""
    year = calendar_year.year
    calendar_year.delete()
    _announce(year)
