"""Recurring publications (日报告、日发布): which issues a series expects and which are missing.

An issue is expected on each date of the series' cadence from its start to its end; it is
missing once the date's due time has passed without a published issue for that date. The
working list shows the missing ones of the last LOOKBACK_DAYS days, in two queries whatever
the number of series.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from .models import Publication, PublicationSeries

Cadence = PublicationSeries.Cadence
#: How far back the working list looks for missing issues.
LOOKBACK_DAYS = 14
#: Issues that count as there: published, or published and since replaced by a revision.
PRESENT = (Publication.Status.PUBLISHED, Publication.Status.SUPERSEDED)


def _monthly(day: int, year: int, month: int) -> dt.date:
    # The 31st of a 30-day month is its last day.
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _expected(series: PublicationSeries, day: dt.date, is_working_day) -> bool:
    cadence = series.cadence
    if cadence == Cadence.WORKDAY:
        return is_working_day(day)
    if cadence == Cadence.WEEKLY:
        return day.weekday() == series.starts_on.weekday()
    if cadence == Cadence.MONTHLY:
        return day == _monthly(series.starts_on.day, day.year, day.month)
    return cadence == Cadence.DAILY


def expected_dates(
    series: PublicationSeries, first: dt.date, last: dt.date, is_working_day=None
) -> Iterator[dt.date]:
    """Yield the dates from ``first`` to ``last`` (inclusive) on which ``series`` expects an issue.

    ``is_working_day`` decides 每个工作日 (weekdays when not given).
    """
    first = max(first, series.starts_on)
    if series.ends_on is not None:
        last = min(last, series.ends_on)
    day = first
    while day <= last:
        if _expected(series, day, is_working_day or (lambda d: d.weekday() < 5)):
            yield day
        day += dt.timedelta(days=1)


def due_at(series: PublicationSeries, day: dt.date) -> dt.datetime:
    """Return the moment the issue for ``day`` is due (the series' due time that day)."""
    return timezone.make_aware(dt.datetime.combine(day, series.due_time))


@dataclass(frozen=True)
class Missing:
    series: PublicationSeries
    day: dt.date
    due: dt.datetime
    #: An issue for the day is written but not yet published (draft, in review, scheduled).
    in_progress: bool


def missing_issues(series_qs, now: dt.datetime | None = None) -> list[Missing]:
    """Return the issues of ``series_qs`` (active series) due by ``now`` and not published.

    Two queries (the series, and the issues of the lookback window), and one for the working-day
    calendar when a series counts working days.
    """
    from workcalendar.calendar import CalendarNotCovered, WorkingCalendar

    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=LOOKBACK_DAYS - 1)
    series_list = list(
        series_qs.filter(is_active=True, starts_on__lte=today)
        .exclude(ends_on__lt=first)
        .select_related("division", "entry__item")
        .order_by("division__tree_id", "division__lft", "name")
    )
    if not series_list:
        return []
    issues: dict[tuple[int, dt.date], bool] = {}
    for series_id, day, status in Publication.objects.filter(
        series__in=series_list, series_date__gte=first, series_date__lte=today
    ).values_list("series_id", "series_date", "status"):
        key = (series_id, day)
        issues[key] = issues.get(key, False) or status in PRESENT
    calendar_ = WorkingCalendar()

    def working(day: dt.date) -> bool:
        try:
            return calendar_.is_working_day(day)
        except CalendarNotCovered:
            return day.weekday() < 5

    missing = []
    for series in series_list:
        for day in expected_dates(series, first, today, working):
            due = due_at(series, day)
            if due > now or issues.get((series.pk, day)):
                continue
            missing.append(Missing(series, day, due, (series.pk, day) in issues))
    missing.sort(key=lambda m: m.due)
    return missing
