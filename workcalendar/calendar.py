"""Working-day arithmetic on China's statutory calendar.

Weekends are off, statutory holidays (and the weekdays moved into their breaks) are off, and the
weekend days worked instead (调休上班) are on. The days come from the ``workcalendar`` tables;
a year without a CalendarYear row is not known, and any computation that touches it raises
CalendarNotCovered instead of guessing.

The module-level functions make at most one query each. For loops over many dates, load a
WorkingCalendar once and call its methods: it queries only for years it has not seen yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from .models import CalendarYear, SpecialDay

SATURDAY = 5
ONE_DAY = timedelta(days=1)


class CalendarNotCovered(ValueError):
    """Raised when a computation touches a year whose holidays have not been recorded."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的法定节假日安排尚未录入工作日历，无法按工作日计算；"
            f"请管理员在「工作日历」中补录{year}年。"
        )


def calendar_span(start: date, n: int) -> tuple[date, date]:
    """Return dates that surely enclose ``n`` working days counted from ``start``.

    A year has ~250 working days and no break is longer than ten days, so 2|n| + 30 calendar
    days always suffice; loading that many years never misses one the walk can reach.
    """
    reach = timedelta(days=2 * abs(n) + 30)
    return (start, start + reach) if n >= 0 else (start - reach, start)


class WorkingCalendar:
    """The special days of some years, loaded in one query and reusable for many computations."""

    def __init__(self) -> None:
        self._queried: set[int] = set()
        self._covered: set[int] = set()
        self._off: set[date] = set()
        self._on: set[date] = set()

    @classmethod
    def for_years(cls, years: Iterable[int]) -> WorkingCalendar:
        """Return a calendar with ``years`` loaded (one query)."""
        calendar = cls()
        calendar.load(years)
        return calendar

    @classmethod
    def for_range(cls, first: date, last: date) -> WorkingCalendar:
        """Return a calendar with every year from ``first`` to ``last`` loaded (one query)."""
        return cls.for_years(range(min(first, last).year, max(first, last).year + 1))

    def load(self, years: Iterable[int]) -> None:
        """Load the years not loaded yet, all in one query (none when all are loaded)."""
        wanted = set(years) - self._queried
        if not wanted:
            return
        # One LEFT JOIN: a recorded year without special days still yields a (year, None, None)
        # row, so coverage and days arrive together.
        rows = CalendarYear.objects.filter(year__in=wanted).values_list(
            "year", "special_days__date", "special_days__kind"
        )
        for year, day, kind in rows:
            self._covered.add(year)
            if day is None:
                continue
            (self._off if kind == SpecialDay.Kind.HOLIDAY else self._on).add(day)
        self._queried |= wanted

    def covers(self, year: int) -> bool:
        """Return True when ``year`` is recorded (loading it if needed)."""
        self.load([year])
        return year in self._covered

    def is_working_day(self, d: date) -> bool:
        """Return True when ``d`` is a working day; raise CalendarNotCovered for unknown years."""
        if not self.covers(d.year):
            raise CalendarNotCovered(d.year)
        if d in self._off:
            return False
        if d in self._on:
            return True
        return d.weekday() < SATURDAY

    def add_working_days(self, start: date, n: int) -> date:
        """Return the date ``n`` working days after ``start``, not counting ``start`` itself.

        This is the statutory reading of “自…之日起N个工作日内”: day 1 is the first working day
        after the day the information was formed, and the result is the last day of the period.
        A negative ``n`` counts backwards; 0 returns ``start``.
        """
        if n == 0:
            return start
        self.load(range(*_year_bounds(*calendar_span(start, n))))
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining, day = abs(n), start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_working_hours(
        self, start: datetime, hours: float, day_start: time, day_end: time
    ) -> datetime:
        """Return the moment ``hours`` office hours after ``start`` (an aware datetime).

        Office hours are ``day_start``–``day_end`` on working days (see add_office_hours).
        Raise CalendarNotCovered when the period runs into a year not recorded.
        """
        return add_office_hours(self.is_working_day, start, hours, day_start, day_end)

    def next_working_day(self, d: date) -> date:
        """Return the first working day after ``d``."""
        return self.add_working_days(d, 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Return the working days after ``a`` up to and including ``b`` (negative if b < a).

        It is the inverse of add_working_days: ``working_days_between(a, add_working_days(a,
        n)) == n``.
        """
        if a == b:
            return 0
        if b < a:
            return -self.working_days_between(b, a)
        self.load(range(*_year_bounds(a + ONE_DAY, b)))
        count, day = 0, a
        while day < b:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def add_office_hours(
    is_working_day: Callable[[date], bool],
    start: datetime,
    hours: float,
    day_start: time,
    day_end: time,
) -> datetime:
    """Return the moment ``hours`` office hours after ``start`` (an aware datetime).

    Office hours are ``day_start``–``day_end`` on the days ``is_working_day`` accepts; time
    outside them does not count, so a start on a Saturday evening counts from the next working
    morning.
    """
    tz = start.tzinfo
    left = timedelta(hours=hours)
    day, moment = start.date(), start
    # Bounded: each pass moves on a day, and no sane number of hours needs years of them.
    for _ in range(400 + int(hours)):
        opens = datetime.combine(day, day_start, tzinfo=tz)
        closes = datetime.combine(day, day_end, tzinfo=tz)
        if moment < closes and is_working_day(day):
            begin = max(moment, opens)
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        day += ONE_DAY
        moment = datetime.combine(day, time.min, tzinfo=tz)
    raise ValueError(f"{hours} office hours is more than this calendar counts.")


def _year_bounds(first: date, last: date) -> tuple[int, int]:
    return first.year, last.year + 1


def is_working_day(d: date) -> bool:
    """Return True when ``d`` is a working day (one query)."""
    return WorkingCalendar.for_years([d.year]).is_working_day(d)


def add_working_days(start: date, n: int) -> date:
    """Return the date ``n`` working days after ``start``, not counting ``start`` (one query)."""
    return WorkingCalendar().add_working_days(start, n)


def next_working_day(d: date) -> date:
    """Return the first working day after ``d`` (one query)."""
    return WorkingCalendar().next_working_day(d)


def working_days_between(a: date, b: date) -> int:
    """Return the working days after ``a`` up to and including ``b`` (one query)."""
    return WorkingCalendar().working_days_between(a, b)
