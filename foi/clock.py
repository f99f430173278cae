"""A request's statutory clock, computed from its events on the working-day calendar.

The rules (条例 2019; 国办函〔2020〕109号; see docs/foi-rules.md):

- The reply is due 20 working days after the date of receipt (Art. 33); day 1 is the first
  working day after it, as for every "自…之日起N个工作日" period (workcalendar.calendar).
- One extension of at most 20 working days, approved and notified before the period ends.
- A 补正 notice goes out within 7 working days of receipt (Art. 30). Until the correction
  arrives the clock does not run; when it arrives, the period starts again from that day.
- Time spent consulting a third party or other agencies (Art. 32, 34) does not count: the
  working days after the letter goes out up to the day the answer arrives, at most 15 per
  consultation (the parties' 15 working days; past them the office decides, and time counts).
- Time between a fee notice and the payment does not count (109号); the applicant has 20
  working days to pay.

``compute`` is a pure function of the events, ``today`` and a WorkingCalendar; it raises
workcalendar's CalendarNotCovered when a period runs into a year not recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from workcalendar.calendar import WorkingCalendar

REPLY_DAYS = 20
MAX_EXTENSION_DAYS = 20
CORRECTION_NOTICE_DAYS = 7
DEFAULT_CORRECTION_PERIOD = 15
CONSULT_DAYS = 15
FEE_PAYMENT_DAYS = 20
DUE_SOON_DAYS = 5

ONE_DAY = timedelta(days=1)
# No real request needs a walk longer than this: 20 + 20 working days plus pauses.
MAX_WALK_DAYS = 3 * 366


@dataclass(frozen=True)
class Step:
    """What the clock reads of an event: its kind (RequestEvent.Kind values), date and days."""

    kind: str
    on: date
    days: int = 0


@dataclass
class Pause:
    kind: str  # "consult" or "fee"
    start: date
    end: date | None  # None: still open
    cap: int | None  # at most this many working days do not count (None: no cap)
    exhausted: bool = False  # its cap was reached: the clock runs again though it is open


@dataclass
class Clock:
    state: str  # running, correction, consulting, fee, closed (InfoRequest.State values)
    start: date  # the day the period counts from: receipt, or the correction's arrival
    limit: int  # 20, plus the extension
    used: int  # working days counted up to today (or up to the close)
    due_on: date | None  # the last day to reply; None while a 补正 is outstanding
    extended: bool = False
    closed_on: date | None = None
    correction_notice_by: date | None = None  # last day the office may ask for a 补正
    correction_due: date | None = None  # last day for the applicant's correction
    fee_due: date | None = None  # last day to pay
    pauses: list[Pause] = field(default_factory=list)

    @property
    def days_left(self) -> int:
        """Return the working days left to reply (negative once overdue)."""
        return self.limit - self.used

    @property
    def paused(self) -> bool:
        return self.state in ("correction", "consulting", "fee")


def compute(steps: Iterable[Step], today: date, calendar: WorkingCalendar) -> Clock:
    """Return the clock of a request whose history is ``steps`` (in any order), as of ``today``.

    The first step must be "received"; steps are applied in date order, ties in the given order.
    """
    ordered = sorted(enumerate(steps), key=lambda pair: (pair[1].on, pair[0]))
    steps = [step for _, step in ordered]
    if not steps or steps[0].kind != "received":
        raise ValueError("A request's history starts with its receipt.")
    start = steps[0].on
    limit, extended = REPLY_DAYS, False
    pauses: list[Pause] = []
    correction_due = fee_due = closed_on = None
    correcting = False
    for step in steps[1:]:
        if step.kind == "correction_notice":
            correcting = True
            correction_due = calendar.add_working_days(
                step.on, step.days or DEFAULT_CORRECTION_PERIOD
            )
        elif step.kind == "correction_received" and correcting:
            # Art. 30: the period counts again from the day the correction arrives; pauses
            # before it belong to a period that no longer matters.
            correcting, correction_due = False, None
            start, pauses = step.on, []
        elif step.kind == "consult_start":
            pauses.append(Pause("consult", step.on, None, CONSULT_DAYS))
        elif step.kind == "fee_notice":
            pauses.append(Pause("fee", step.on, None, None))
            fee_due = calendar.add_working_days(step.on, FEE_PAYMENT_DAYS)
        elif step.kind in ("consult_end", "fee_paid"):
            kind = "consult" if step.kind == "consult_end" else "fee"
            for pause in reversed(pauses):
                if pause.kind == kind and pause.end is None:
                    pause.end = max(step.on, pause.start)
                    break
            if kind == "fee":
                fee_due = None
        elif step.kind == "extension" and not extended:
            extended, limit = True, REPLY_DAYS + min(step.days, MAX_EXTENSION_DAYS)
        elif step.kind in ("reply", "closed_unanswered"):
            closed_on = step.on
            break

    horizon = closed_on or today
    correction_notice_by = calendar.add_working_days(steps[0].on, CORRECTION_NOTICE_DAYS)
    if correcting and closed_on is None:
        return Clock(
            "correction",
            start,
            limit,
            0,
            None,
            extended,
            None,
            correction_notice_by,
            correction_due,
            fee_due,
            pauses,
        )
    # Only a running clock needs its pauses (a stopped one must not walk into unrecorded years).
    paused_days = _paused_days(pauses, horizon, calendar)
    due_on = _walk(start, limit, paused_days, calendar)
    used = _count(start, min(horizon, due_on) if due_on else horizon, paused_days, calendar)
    if horizon > due_on:
        # Past the due date every working day counts against the office.
        used += calendar.working_days_between(due_on, horizon)
    # A consultation left open past its 15 working days no longer stops the clock: the request
    # is running (and may fall overdue) until the office decides.
    open_pause = next((p for p in pauses if p.end is None and not p.exhausted), None)
    if closed_on is not None:
        state = "closed"
    elif open_pause is not None:
        state = "consulting" if open_pause.kind == "consult" else "fee"
    else:
        state = "running"
    return Clock(
        state,
        start,
        limit,
        used,
        due_on,
        extended,
        closed_on,
        correction_notice_by,
        correction_due,
        fee_due,
        pauses,
    )


def _paused_days(pauses: list[Pause], horizon: date, calendar: WorkingCalendar) -> set[date]:
    """Return the working days that do not count: after each pause starts, up to its end.

    An open pause is taken to end at ``horizon`` (today), so a due date computed while paused
    is the date it would be if the pause ended today.
    """
    days: set[date] = set()
    for pause in pauses:
        end = pause.end or horizon
        day, counted = pause.start, 0
        while day < end and (pause.cap is None or counted < pause.cap):
            day += ONE_DAY
            if calendar.is_working_day(day):
                days.add(day)
                counted += 1
        pause.exhausted = pause.cap is not None and counted >= pause.cap
    return days


def _walk(start: date, limit: int, paused: set[date], calendar: WorkingCalendar) -> date:
    """Return the day on which the ``limit``-th counted working day after ``start`` falls."""
    if limit == 0:
        return start
    day, counted = start, 0
    for _ in range(MAX_WALK_DAYS):
        day += ONE_DAY
        if day not in paused and calendar.is_working_day(day):
            counted += 1
            if counted == limit:
                return day
    raise ValueError("The reply period runs past any sane date.")


def _count(start: date, last: date, paused: set[date], calendar: WorkingCalendar) -> int:
    """Return the counted working days after ``start`` up to and including ``last``."""
    day, counted = start, 0
    while day < last:
        day += ONE_DAY
        counted += day not in paused and calendar.is_working_day(day)
    return counted
