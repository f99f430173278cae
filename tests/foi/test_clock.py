"""foi.clock.compute against hand-worked 2026 dates and an independent day-by-day reference.

The reference below reads the calendar tables (CalendarYear, SpecialDay) straight into sets and
steps one day at a time, implementing the rules of docs/foi-rules.md on its own:

- the reply is due on the 20th counted working day after the period's start (day 1 = the first
  working day after receipt); one extension of at most 20 working days;
- a 补正 notice stops the clock until the correction arrives; the period then starts again
  from the day it arrives, and what happened before no longer counts;
- a consultation does not count: the working days after the letter, up to and including the
  day the answer arrives, at most 15 per consultation; nor does the time from a fee notice to
  the payment (no cap);
- past the due date, every working day counts against the office.

2026 calendar (国办发明电〔2025〕7号), the days used below:
  春节: 2026-02-14 (Sat) worked; 02-15 – 02-23 off; 02-28 (Sat) worked.
  清明: 2026-04-06 (Mon) off.  劳动节: 05-01 – 05-05 off, 05-09 (Sat) worked.
  中秋: 2026-09-25 (Fri) off.  国庆: 09-20 (Sun) worked; 10-01 – 10-07 off; 10-10 (Sat) worked.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from foi.clock import Clock, Step, compute
from tests.publications.conftest import calendar  # noqa: F401 (fixture)
from workcalendar.calendar import CalendarNotCovered, WorkingCalendar
from workcalendar.models import CalendarYear, SpecialDay

D = date.fromisoformat
ONE = timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# The reference


class NotRecorded(Exception):
    """The reference's own "year not recorded"."""


class TableCalendar:
    """Working days straight from the tables: weekdays on, weekends off, special days override."""

    def __init__(self) -> None:
        self.years = set(CalendarYear.objects.values_list("year", flat=True))
        self.off: set[date] = set()
        self.on: set[date] = set()
        for day, kind in SpecialDay.objects.values_list("date", "kind"):
            if kind == "holiday":
                self.off.add(day)
            else:
                self.on.add(day)

    def working(self, day: date) -> bool:
        if day.year not in self.years:
            raise NotRecorded(day.year)
        if day in self.on:
            return True
        if day in self.off:
            return False
        return day.isoweekday() <= 5

    def after(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself never counts)."""
        while n > 0:
            day += ONE
            if self.working(day):
                n -= 1
        return day

    def working_days(self, after: date, upto: date, cap: int | None = None) -> list[date]:
        """The working days in (after, upto], the first ``cap`` of them at most."""
        days: list[date] = []
        day = after
        while day < upto and (cap is None or len(days) < cap):
            day += ONE
            if self.working(day):
                days.append(day)
        return days


@dataclasses.dataclass
class Expected:
    state: str
    start: date
    limit: int
    used: int
    due_on: date | None
    extended: bool
    closed_on: date | None
    correction_notice_by: date
    correction_due: date | None
    fee_due: date | None


def reference(steps: list[Step], today: date, cal: TableCalendar) -> Expected:
    # Python's sort is stable: same-day steps keep the order they were given in.
    steps = sorted(steps, key=lambda s: s.on)
    assert steps[0].kind == "received"
    receipt = steps[0].on
    start = receipt
    limit, extended = 20, False
    # [kind, letter/notice day, answer/payment day or None]
    pauses: list[list] = []
    waiting_for_correction = False
    correction_due = fee_due = closed_on = None
    for step in steps[1:]:
        if step.kind in ("reply", "closed_unanswered"):
            closed_on = step.on
            break
        if step.kind == "correction_notice":
            waiting_for_correction = True
            correction_due = cal.after(step.on, step.days if step.days else 15)
        elif step.kind == "correction_received" and waiting_for_correction:
            waiting_for_correction = False
            correction_due = None
            start = step.on
            pauses = []
        elif step.kind in ("consult_start", "fee_notice"):
            kind = "consult" if step.kind == "consult_start" else "fee"
            pauses.append([kind, step.on, None])
            if kind == "fee":
                fee_due = cal.after(step.on, 20)
        elif step.kind in ("consult_end", "fee_paid"):
            kind = "consult" if step.kind == "consult_end" else "fee"
            open_ones = [p for p in pauses if p[0] == kind and p[2] is None]
            if open_ones:
                open_ones[-1][2] = max(step.on, open_ones[-1][1])
            if kind == "fee":
                fee_due = None
        elif step.kind == "extension" and not extended:
            extended = True
            limit = 20 + min(step.days, 20)
    notice_by = cal.after(receipt, 7)
    horizon = closed_on if closed_on else today

    if waiting_for_correction and not closed_on:
        return Expected(
            "correction", start, limit, 0, None, extended, None, notice_by, correction_due, fee_due
        )

    not_counted: set[date] = set()
    for kind, begin, end in pauses:
        cap = 15 if kind == "consult" else None
        not_counted.update(cal.working_days(begin, end if end else horizon, cap))

    counted = used = 0
    due = None
    day = start
    while due is None or day < horizon:
        day += ONE
        if not cal.working(day):
            continue
        if due is not None:
            used += 1  # overdue: every working day counts
            continue
        if day in not_counted:
            continue
        counted += 1
        if day <= horizon:
            used += 1
        if counted == limit:
            due = day

    if closed_on:
        state = "closed"
    else:
        # A consultation open past its 15 working days stops nothing any more.
        open_pauses = [
            p
            for p in pauses
            if p[2] is None
            and not (p[0] == "consult" and len(cal.working_days(p[1], horizon, 15)) >= 15)
        ]
        if open_pauses:
            state = "consulting" if open_pauses[0][0] == "consult" else "fee"
        else:
            state = "running"
    return Expected(
        state, start, limit, used, due, extended, closed_on, notice_by, correction_due, fee_due
    )


def as_expected(clock: Clock) -> Expected:
    return Expected(
        clock.state,
        clock.start,
        clock.limit,
        clock.used,
        clock.due_on,
        clock.extended,
        clock.closed_on,
        clock.correction_notice_by,
        clock.correction_due,
        clock.fee_due,
    )


@pytest.fixture
def cal(calendar):  # noqa: F811 (the imported fixture)
    return WorkingCalendar()


@pytest.fixture
def table(calendar):  # noqa: F811
    return TableCalendar()


def run(*steps: tuple, today: str | date, cal: WorkingCalendar) -> Clock:
    return compute(
        [Step(kind, D(on), *days) for kind, on, *days in steps],
        D(today) if isinstance(today, str) else today,
        cal,
    )


# ---------------------------------------------------------------------------------------------
# The calendar the reference reads is the one the scenarios below were worked out on


def test_the_2026_special_days_are_the_ones_the_scenarios_assume(table):
    worked = {D(x) for x in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09")}
    worked |= {D("2026-09-20"), D("2026-10-10")}
    assert {d for d in table.on if d.year == 2026} == worked
    off = {D("2026-04-06"), D("2026-06-19"), D("2026-09-25")}
    off |= {D("2026-01-01"), D("2026-01-02")}
    off |= {D("2026-02-16") + n * ONE for n in (0, 1, 2, 3, 4, 7)}  # 02-16 – 02-20, 02-23
    off |= {D("2026-05-01"), D("2026-05-04"), D("2026-05-05")}
    off |= {D("2026-10-01"), D("2026-10-02"), D("2026-10-05"), D("2026-10-06"), D("2026-10-07")}
    weekday_off = {d for d in table.off if d.year == 2026 and d.weekday() < 5}
    assert weekday_off == off
    assert 2027 not in table.years and {2024, 2025, 2026} <= table.years


# ---------------------------------------------------------------------------------------------
# Named scenarios, dates counted by hand


def test_received_the_tuesday_before_national_day(cal, table):
    # 09-30 (1); 10-01–10-07 off; 10-08 (2) 10-09 (3) Sat 10-10 worked (4); 10-12 … 10-16 (5–9);
    # 10-19 … 10-23 (10–14); 10-26 … 10-30 (15–19); 11-02 (20).
    clock = run(("received", "2026-09-29"), today="2026-09-29", cal=cal)
    assert clock.due_on == D("2026-11-02")
    assert (clock.state, clock.used, clock.days_left, clock.limit) == ("running", 0, 20, 20)
    # 补正 notice: 7 working days: 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14.
    assert clock.correction_notice_by == D("2026-10-14")
    # Mid-holiday: only 09-30 has counted.
    assert run(("received", "2026-09-29"), today="2026-10-07", cal=cal).used == 1
    # The make-up Saturday counts.
    assert run(("received", "2026-09-29"), today="2026-10-11", cal=cal).used == 4


def test_received_on_the_eve_of_national_day(cal):
    clock = run(("received", "2026-09-30"), today="2026-10-08", cal=cal)
    assert clock.due_on == D("2026-11-03")
    assert clock.used == 1
    assert clock.correction_notice_by == D("2026-10-15")


@pytest.mark.parametrize("holiday", ["2026-10-01", "2026-10-03", "2026-10-07"])
def test_received_during_the_national_day_break(cal, holiday):
    # Same as on 09-30: day 1 is 10-08.
    clock = run(("received", holiday), today=holiday, cal=cal)
    assert clock.due_on == D("2026-11-03")
    assert clock.correction_notice_by == D("2026-10-15")


def test_received_on_the_make_up_sunday_before_national_day(cal):
    # 09-21 – 09-24 (1–4), 09-25 中秋 off, 09-28 – 09-30 (5–7), 10-08 (8), 10-09 (9),
    # 10-10 (10), 10-12 – 10-16 (11–15), 10-19 – 10-23 (16–20).
    clock = run(("received", "2026-09-20"), today="2026-09-20", cal=cal)
    assert clock.due_on == D("2026-10-23")


def test_received_the_friday_before_spring_festival(cal):
    # Sat 02-14 worked (1); 02-15 – 02-23 off; 02-24 – 02-27 (2–5); Sat 02-28 worked (6);
    # 03-02 – 03-06 (7–11); 03-09 – 03-13 (12–16); 03-16 – 03-19 (17–20).
    clock = run(("received", "2026-02-13"), today="2026-02-23", cal=cal)
    assert clock.due_on == D("2026-03-19")
    assert clock.used == 1
    assert clock.correction_notice_by == D("2026-03-02")  # 02-14, 02-24 … 02-28, 03-02


def test_received_on_the_make_up_saturday_before_spring_festival(cal):
    # A worked Saturday is a working day: receipt is that day, day 1 is 02-24.
    # 02-24 – 02-27 (1–4), 02-28 (5), 03-02 – 03-06 (6–10), 03-09 – 03-13 (11–15),
    # 03-16 – 03-20 (16–20).
    clock = run(("received", "2026-02-14"), today="2026-02-14", cal=cal)
    assert clock.due_on == D("2026-03-20")


@pytest.mark.parametrize("holiday", ["2026-02-15", "2026-02-17", "2026-02-23"])
def test_received_during_spring_festival(cal, holiday):
    clock = run(("received", holiday), today="2026-02-24", cal=cal)
    assert clock.due_on == D("2026-03-20")
    assert clock.used == 1


def test_received_on_the_make_up_saturday_after_spring_festival(cal):
    # 03-02 – 03-06 (1–5), …, 03-23 – 03-27 (16–20).
    assert run(("received", "2026-02-28"), today="2026-02-28", cal=cal).due_on == D("2026-03-27")


def test_received_on_an_ordinary_sunday(cal):
    # 03-02 (1) … 03-27 (20): the same as on the Saturday before.
    assert run(("received", "2026-03-01"), today="2026-03-01", cal=cal).due_on == D("2026-03-27")


def test_tomb_sweeping_day_does_not_count(cal):
    # Received 03-10: 03-11 – 03-13 (1–3), 03-16 … 04-03 (4–18), 04-06 off, 04-07 (19), 04-08 (20).
    assert run(("received", "2026-03-10"), today="2026-03-10", cal=cal).due_on == D("2026-04-08")


def test_correction_restarts_the_period_from_its_arrival(cal):
    steps = [
        ("received", "2026-09-29"),
        ("correction_notice", "2026-09-30", 15),
    ]
    waiting = run(*steps, today="2026-10-09", cal=cal)
    assert waiting.state == "correction" and waiting.paused
    assert waiting.due_on is None and waiting.used == 0
    # 15 working days from 09-30: 10-08 (1) … 10-27 (15).
    assert waiting.correction_due == D("2026-10-27")

    # The correction arrives on Monday 10-12: 10-13 (1) … 11-09 (20).
    corrected = run(*steps, ("correction_received", "2026-10-12"), today="2026-10-14", cal=cal)
    assert corrected.state == "running"
    assert corrected.start == D("2026-10-12")
    assert corrected.due_on == D("2026-11-09")
    assert corrected.used == 2
    assert corrected.correction_due is None
    # The notice period is always counted from the receipt.
    assert corrected.correction_notice_by == D("2026-10-14")


def test_correction_arriving_on_a_holiday_counts_from_the_next_working_day(cal):
    clock = run(
        ("received", "2026-09-25"),  # 中秋, itself a holiday
        ("correction_notice", "2026-09-28"),  # days 0: the default 15
        ("correction_received", "2026-10-03"),
        today="2026-10-03",
        cal=cal,
    )
    assert clock.due_on == D("2026-11-03")
    assert clock.used == 0


def test_default_correction_period_is_15_working_days(cal):
    clock = run(
        ("received", "2026-03-02"), ("correction_notice", "2026-03-03"), today="2026-03-03", cal=cal
    )
    # 03-04 (1) … 03-24 (15).
    assert clock.correction_due == D("2026-03-24")


def test_a_pause_before_the_correction_no_longer_counts(cal):
    with_pause = run(
        ("received", "2026-03-02"),
        ("consult_start", "2026-03-03"),
        ("consult_end", "2026-03-06"),
        ("correction_notice", "2026-03-09"),
        ("correction_received", "2026-03-16"),
        today="2026-03-16",
        cal=cal,
    )
    # 03-17 (1) … 04-03 (14), 04-06 off, 04-07 (15) … 04-14 (20).
    assert with_pause.due_on == D("2026-04-14")
    assert with_pause.pauses == []


def test_consultation_pause(cal):
    # Received Mon 03-02; letter out Mon 03-09 (day 5); the answer arrives Fri 03-13:
    # 03-10 – 03-13 do not count. 03-03 – 03-09 (1–5), 03-16 … 03-31 (6–17), 04-01 – 04-03.
    steps = [
        ("received", "2026-03-02"),
        ("consult_start", "2026-03-09"),
        ("consult_end", "2026-03-13"),
    ]
    clock = run(*steps, today="2026-03-16", cal=cal)
    assert clock.due_on == D("2026-04-03")
    assert clock.used == 6  # 03-03 – 03-09 and 03-16
    assert clock.state == "running"
    baseline = run(("received", "2026-03-02"), today="2026-03-02", cal=cal)
    assert baseline.due_on == D("2026-03-30")


def test_open_consultation_is_reckoned_as_ending_today(cal):
    steps = [("received", "2026-03-02"), ("consult_start", "2026-03-09")]
    clock = run(*steps, today="2026-03-11", cal=cal)  # 03-10, 03-11 paused so far
    assert clock.state == "consulting" and clock.paused
    assert clock.used == 5
    # 30 March + 2 working days
    assert clock.due_on == D("2026-04-01")


def test_consultation_pause_is_capped_at_15_working_days(cal):
    # Letter 03-09, answer 04-30: only 03-10 … 03-30 (15 working days) do not count.
    # 03-03 – 03-09 (1–5), 03-31 – 04-03 (6–9), 04-06 off, 04-07 – 04-10 (10–13),
    # 04-13 – 04-17 (14–18), 04-20 (19), 04-21 (20).
    steps = [
        ("received", "2026-03-02"),
        ("consult_start", "2026-03-09"),
        ("consult_end", "2026-04-30"),
    ]
    assert run(*steps, today="2026-04-30", cal=cal).due_on == D("2026-04-21")
    # Still open: the same cap.
    open_clock = run(*steps[:2], today="2026-04-20", cal=cal)
    assert open_clock.due_on == D("2026-04-21")
    # Its 15 working days are used up (03-30): the clock runs again, though still open.
    assert open_clock.state == "running"
    assert open_clock.used == 19
    assert run(*steps[:2], today="2026-03-30", cal=cal).state == "running"
    assert run(*steps[:2], today="2026-03-27", cal=cal).state == "consulting"


def test_two_consultations_each_have_their_own_cap(cal):
    steps = [
        ("received", "2026-03-02"),
        ("consult_start", "2026-03-03"),
        ("consult_end", "2026-03-04"),  # 03-04 paused
        ("consult_start", "2026-03-05"),
        ("consult_end", "2026-03-06"),  # 03-06 paused
    ]
    # Counted: 03-03, 03-05, 03-09 … → 20th is two working days after 03-30: 04-01.
    assert run(*steps, today="2026-03-06", cal=cal).due_on == D("2026-04-01")


def test_fee_pause_is_uncapped_and_sets_the_payment_deadline(cal):
    steps = [("received", "2026-03-02"), ("fee_notice", "2026-03-16")]
    waiting = run(*steps, today="2026-03-18", cal=cal)
    assert waiting.state == "fee" and waiting.paused
    # 20 working days to pay: 03-17 (1) … 04-03 (14), 04-07 (15) … 04-14 (20).
    assert waiting.fee_due == D("2026-04-14")
    assert waiting.used == 10
    # Unpaid for 30 working days: all of them are outside the period.
    long_wait = run(*steps, today="2026-04-28", cal=cal)
    assert long_wait.used == 10
    assert long_wait.days_left == 10

    paid = run(*steps, ("fee_paid", "2026-03-20"), today="2026-03-23", cal=cal)
    # 03-17 – 03-20 do not count: 03-30 + 4 working days.
    assert paid.due_on == D("2026-04-03")
    assert paid.fee_due is None
    assert paid.state == "running"
    assert paid.used == 11


def test_extension(cal):
    base = [("received", "2026-09-29")]
    # 11-02 is day 20; November 2026 has no holidays: 11-03 (21) … 11-30 (40).
    full = run(*base, ("extension", "2026-10-20", 20), today="2026-10-20", cal=cal)
    assert (full.due_on, full.limit, full.extended) == (D("2026-11-30"), 40, True)
    part = run(*base, ("extension", "2026-10-20", 10), today="2026-10-20", cal=cal)
    assert part.due_on == D("2026-11-16")
    # At most 20 days, and only once.
    too_long = run(*base, ("extension", "2026-10-20", 30), today="2026-10-20", cal=cal)
    assert too_long.due_on == D("2026-11-30")
    twice = run(
        *base,
        ("extension", "2026-10-20", 5),
        ("extension", "2026-10-21", 20),
        today="2026-10-21",
        cal=cal,
    )
    assert twice.due_on == D("2026-11-09") and twice.limit == 25


def test_reply_closes_and_freezes_the_count(cal):
    steps = [("received", "2026-09-29"), ("reply", "2026-10-12"), ("extension", "2026-10-13", 20)]
    clock = run(*steps, today="2026-12-01", cal=cal)
    assert clock.state == "closed" and not clock.paused
    assert clock.closed_on == D("2026-10-12")
    assert clock.used == 5
    assert not clock.extended  # steps after the close are ignored
    assert clock.due_on == D("2026-11-02")


def test_overdue_counts_every_working_day(cal):
    clock = run(("received", "2026-09-29"), today="2026-11-06", cal=cal)
    assert clock.used == 24 and clock.days_left == -4
    late = run(("received", "2026-09-29"), ("reply", "2026-11-03"), today="2026-11-30", cal=cal)
    assert late.used == 21


def test_steps_in_any_order_same_day_ties_in_given_order(cal):
    ordered = [
        Step("received", D("2026-03-02")),
        Step("consult_start", D("2026-03-09")),
        Step("consult_end", D("2026-03-13")),
    ]
    shuffled = [ordered[2], ordered[0], ordered[1]]
    assert compute(ordered, D("2026-03-20"), cal) == compute(shuffled, D("2026-03-20"), cal)
    # Same day, answer first: nothing to close yet, so the consultation stays open.
    tie = [Step("received", D("2026-03-02"))]
    tie += [Step("consult_end", D("2026-03-09")), Step("consult_start", D("2026-03-09"))]
    assert compute(tie, D("2026-03-10"), cal).state == "consulting"
    tie[1], tie[2] = tie[2], tie[1]
    assert compute(tie, D("2026-03-10"), cal).state == "running"


def test_history_must_start_with_receipt(cal):
    with pytest.raises(ValueError):
        compute([], D("2026-03-02"), cal)
    with pytest.raises(ValueError):
        compute(
            [Step("received", D("2026-03-02")), Step("consult_start", D("2026-03-01"))],
            D("2026-03-02"),
            cal,
        )


# ---------------------------------------------------------------------------------------------
# 2027 is not recorded


def test_latest_receipt_whose_period_fits_in_2026(cal):
    # December 2026 has no holidays: 12-04 (1) … 12-31 (20).
    assert run(("received", "2026-12-03"), today="2026-12-03", cal=cal).due_on == D("2026-12-31")


@pytest.mark.parametrize(
    "steps, today",
    [
        ([("received", "2026-12-04")], "2026-12-04"),  # the 20th working day is in 2027
        ([("received", "2026-11-30")], "2027-01-04"),  # overdue into 2027
        ([("received", "2026-12-28")], "2026-12-28"),
        # Due 12-07 without the extension, in 2027 with it.
        ([("received", "2026-11-09"), ("extension", "2026-11-20", 20)], "2026-11-20"),
        # Only the 20 working days to pay reach 2027.
        ([("received", "2026-11-02"), ("fee_notice", "2026-12-14")], "2026-12-14"),
        # Only the applicant's 30 working days to correct reach 2027.
        ([("received", "2026-12-01"), ("correction_notice", "2026-12-02", 30)], "2026-12-02"),
    ],
)
def test_periods_reaching_2027_raise(cal, table, steps, today):
    with pytest.raises(CalendarNotCovered) as raised:
        run(*steps, today=today, cal=cal)
    assert raised.value.year == 2027
    with pytest.raises(NotRecorded):
        reference([Step(k, D(on), *days) for k, on, *days in steps], D(today), table)


def test_a_stopped_clock_does_not_need_2027(cal, table):
    # The clock waits for a 补正; a consultation opened before the notice is still open.
    # Nothing of the answer depends on the days after the notice, so 2027 is not needed.
    steps = [
        ("received", "2026-12-10"),
        ("consult_start", "2026-12-21"),
        ("correction_notice", "2026-12-21", 5),
    ]
    clock = run(*steps, today="2027-01-05", cal=cal)
    assert (clock.state, clock.due_on, clock.used) == ("correction", None, 0)
    assert clock.correction_notice_by == D("2026-12-21")
    assert clock.correction_due == D("2026-12-28")
    assert reference(
        [Step(kind, D(on), *days) for kind, on, *days in steps], D("2027-01-05"), table
    ) == as_expected(clock)


def test_closed_in_2026_is_not_affected_by_a_later_today(cal):
    steps = [("received", "2026-11-02"), ("reply", "2026-11-20")]
    clock = run(*steps, today="2027-03-01", cal=cal)
    assert clock.state == "closed" and clock.used == 14


def test_correction_outstanding_into_2027_does_not_need_2027(cal):
    steps = [("received", "2026-11-02"), ("correction_notice", "2026-11-03", 15)]
    clock = run(*steps, today="2027-01-10", cal=cal)
    assert clock.state == "correction" and clock.correction_due == D("2026-11-24")


# ---------------------------------------------------------------------------------------------
# Properties against the reference

RECEIPTS = st.dates(date(2024, 1, 1), date(2026, 12, 31))
NOT_PAUSING = ("extension", "reply", "closed_unanswered", "note", "transfer")


@st.composite
def histories(draw, receipts=RECEIPTS):
    """A plausible history: 补正 only at the start and once, pauses of one kind never overlap."""
    receipt = draw(receipts)
    steps = [Step("received", receipt)]
    day = receipt
    consulting = paying = waiting = noticed = False
    for _ in range(draw(st.integers(0, 8))):
        day += timedelta(days=draw(st.integers(0, 12)))
        if waiting:
            options = ["correction_received", "closed_unanswered", "note"]
        else:
            options = list(NOT_PAUSING)
            options.append("consult_end" if consulting else "consult_start")
            options.append("fee_paid" if paying else "fee_notice")
            if not (noticed or consulting or paying):
                options.append("correction_notice")
        kind = draw(st.sampled_from(options))
        days = draw(st.integers(0, 30)) if kind in ("extension", "correction_notice") else 0
        steps.append(Step(kind, day, days))
        consulting = {"consult_start": True, "consult_end": False}.get(kind, consulting)
        paying = {"fee_notice": True, "fee_paid": False}.get(kind, paying)
        if kind == "correction_notice":
            waiting = noticed = True
        if kind == "correction_received":
            waiting = consulting = paying = False
        if kind in ("reply", "closed_unanswered"):
            break
    today = day + timedelta(days=draw(st.integers(0, 90)))
    return steps, today


KINDS = (
    "correction_notice",
    "correction_received",
    "consult_start",
    "consult_end",
    "extension",
    "fee_notice",
    "fee_paid",
    "transfer",
    "reply",
    "closed_unanswered",
    "note",
)


@st.composite
def any_histories(draw):
    """Any steps at all after the receipt, in any order of kinds, some on the same day."""
    receipt = draw(RECEIPTS)
    steps = [Step("received", receipt)]
    for _ in range(draw(st.integers(0, 10))):
        on = receipt + timedelta(days=draw(st.integers(0, 80)))
        steps.append(Step(draw(st.sampled_from(KINDS)), on, draw(st.integers(0, 60))))
    today = receipt + timedelta(days=draw(st.integers(0, 150)))
    return steps, today


def agree(steps, today, cal, table):
    try:
        expected = reference(steps, today, table)
    except NotRecorded as missing:
        with pytest.raises(CalendarNotCovered) as raised:
            compute(steps, today, cal)
        assert raised.value.year == missing.args[0]
        return None
    clock = compute(steps, today, cal)
    assert as_expected(clock) == expected, (steps, today)
    return clock


PROPERTY = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(history=histories())
def test_agrees_with_the_reference(cal, table, history):
    agree(*history, cal, table)


@PROPERTY
@given(history=any_histories())
def test_agrees_with_the_reference_on_arbitrary_steps(cal, table, history):
    steps, today = history
    agree([s for s in steps if s.on <= today] or steps[:1], today, cal, table)


@PROPERTY
@given(history=histories())
def test_due_on_is_a_working_day_and_used_is_bounded(cal, table, history):
    steps, today = history
    try:
        clock = compute(steps, today, cal)
    except CalendarNotCovered:
        return
    if clock.due_on is not None:
        assert table.working(clock.due_on)
        assert clock.due_on > clock.start
        horizon = clock.closed_on or today
        assert 0 <= clock.used <= len(table.working_days(clock.start, horizon))
    assert 20 <= clock.limit <= 40


@PROPERTY
@given(history=histories(), data=st.data())
def test_an_extension_never_shortens(cal, history, data):
    steps, today = history
    assume(not any(s.kind == "extension" for s in steps))
    stop = next((s.on for s in steps if s.kind in ("reply", "closed_unanswered")), today)
    on = data.draw(st.dates(steps[0].on, stop))
    extension = Step("extension", on, data.draw(st.integers(0, 40)))
    try:
        before = compute(steps, today, cal)
        after = compute([*steps, extension], today, cal)
    except CalendarNotCovered:
        return
    if before.due_on is None:
        assert after.due_on is None
    else:
        assert after.due_on >= before.due_on
        assert after.limit >= before.limit


@PROPERTY
@given(history=histories(), kind=st.sampled_from(["consult", "fee"]), data=st.data())
def test_a_pause_never_brings_the_due_date_forward(cal, history, kind, data):
    steps, today = history
    # A pause of a kind the history has none of: which answer ends which consultation is
    # the steps' order (the latest open one), so overlapping ones could swap their ends.
    assume(not any(s.kind.startswith(kind) for s in steps))
    begin = data.draw(st.dates(steps[0].on, today))
    end = data.draw(st.one_of(st.none(), st.dates(begin, today)))
    opening, closing = (
        ("consult_start", "consult_end")
        if kind == "consult"
        else (
            "fee_notice",
            "fee_paid",
        )
    )
    extra = [Step(opening, begin)] + ([Step(closing, end)] if end else [])
    try:
        before = compute(steps, today, cal)
        after = compute([*steps, *extra], today, cal)
    except CalendarNotCovered:
        return
    if before.due_on is not None and after.due_on is not None:
        assert after.due_on >= before.due_on


@PROPERTY
@given(history=histories())
def test_order_of_steps_given_does_not_matter_across_days(cal, history):
    steps, today = history
    # Reverse the days but keep each day's steps in their order.
    by_day: dict[date, list[Step]] = {}
    for step in steps:
        by_day.setdefault(step.on, []).append(step)
    reordered = [s for d in sorted(by_day, reverse=True) for s in by_day[d]]
    try:
        clock = compute(steps, today, cal)
    except CalendarNotCovered:
        return
    assert compute(reordered, today, cal) == clock
