"""Parse a catalog entry's 公开时限 text into a rule, and compute a publication's due date.

The texts are free prose written by thousands of offices (“信息形成（变更）之日起20个工作日内”,
“10个工作日”, “实时公开”, “长期公开”, “同上” …). What is not understood falls back to the
statutory default, Article 26 of the 政府信息公开条例: 20 working days after the information is
formed or changed. Every rule carries a Chinese note that tells staff how it was read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import WorkingCalendar

STATUTORY_DAYS = 20
IMMEDIATE_NOTE = "实时公开：信息形成（变更）当日公开"
LONG_TERM_NOTE = "长期公开：持续公开、动态更新，无截止日期"
STATUTORY_BASIS = "按《中华人民共和国政府信息公开条例》第二十六条：20个工作日"


class DeadlineKind(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    IMMEDIATE = "immediate", _("实时")
    LONG_TERM = "long_term", _("长期")
    STATUTORY_DEFAULT = "statutory_default", _("法定期限")


@dataclass(frozen=True)
class DeadlineRule:
    kind: DeadlineKind
    days: int | None
    note: str
    has_exceptions: bool = False

    def due_date(self, formed_on: date, calendar: WorkingCalendar | None = None) -> date | None:
        """Return the last day to publish information formed on ``formed_on`` (None: no limit).

        Working days are counted from the day after ``formed_on``. A period in calendar days
        also starts the next day, and when its last day is a weekend or holiday it moves to the
        next working day (民法典 第二百零一条、第二百零三条). Raise CalendarNotCovered when the
        period touches a year the calendar does not have. Pass a loaded ``calendar`` when
        computing many due dates.
        """
        if self.kind == DeadlineKind.LONG_TERM:
            return None
        if self.kind == DeadlineKind.IMMEDIATE:
            return formed_on
        calendar = calendar or WorkingCalendar()
        if self.kind == DeadlineKind.CALENDAR_DAYS:
            last = formed_on + timedelta(days=self.days)
            return last if calendar.is_working_day(last) else calendar.next_working_day(last)
        return calendar.add_working_days(formed_on, self.days)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}
_NUMBER = r"(\d+|[零〇一二两三四五六七八九十百]+)"
# “20个工作日”, “二十个工作日”; “20日内”, “20天以内”, “30个自然日内” (not “3月10日”).
_WORKING = re.compile(_NUMBER + r"个?工作日")
_CALENDAR = re.compile(r"(?<![月号])" + _NUMBER + r"(?:个)?(?:自然)?[日天](?:以)?内")
_IMMEDIATE = re.compile(r"实时|即时")
_LONG_TERM = re.compile(r"长期")
_SEGMENT_SPLIT = re.compile(r"[;。\n]|(?<=[^\d])(?=\d+[.、](?!\d))")
_SAVING_CLAUSE = re.compile(r"另有规定的?,?从其规定")


def chinese_number(text: str) -> int:
    """Return the value of an Arabic or Chinese numeral (“20”, “二十”, “十五”, “一百二十”)."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
    return total + (digit or 0)


def _normalise(text: str) -> str:
    # NFKC turns full-width digits, letters and punctuation into ASCII (“２０” → “20”, “；” → “;”).
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _segments(text: str) -> list[str]:
    return [s.strip(",:") for s in _SEGMENT_SPLIT.split(text) if s.strip(",:")]


def _exception_note(text: str, first: re.Match) -> str:
    """Return the parts of ``text`` that name another limit than the one at ``first``."""
    found, start = [], 0
    for segment in _segments(text):
        index = text.find(segment, start)
        start = index + len(segment)
        if index <= first.start() < start:
            continue
        if _WORKING.search(segment) or _CALENDAR.search(segment) or _LONG_TERM.search(segment):
            found.append(re.sub(r"^\d+[.、]", "", segment))
    if not found:
        # Several limits in one sentence: quote the sentence after the first one.
        found.append(text[first.end() :].strip(",;:。"))
    return "；".join(found)


def parse_time_limit(text: str | None) -> DeadlineRule:
    """Return the rule a 公开时限 text states; the statutory default when it states none.

    When the text names several limits (a general one and exceptions for some matters), the
    first one is the rule and ``has_exceptions`` is set; the note quotes the exceptions.
    """
    normalised = _normalise(text)
    limits = sorted(
        [(m, DeadlineKind.WORKING_DAYS) for m in _WORKING.finditer(normalised)]
        + [(m, DeadlineKind.CALENDAR_DAYS) for m in _CALENDAR.finditer(normalised)],
        key=lambda pair: pair[0].start(),
    )
    if limits:
        first, kind = limits[0]
        days = chinese_number(first.group(1))
        unit = "个工作日" if kind == DeadlineKind.WORKING_DAYS else "日"
        note = f"信息形成（变更）之日起{days}{unit}内"
        if kind == DeadlineKind.CALENDAR_DAYS:
            note += "（按自然日计算，最后一日遇休息日或节假日顺延）"
        has_exceptions = len(limits) > 1 or bool(_LONG_TERM.search(normalised))
        if has_exceptions:
            note += f"；另有例外，请按具体事项核对：{_exception_note(normalised, first)}"
        if _SAVING_CLAUSE.search(normalised):
            note += "；法律、法规另有规定的，从其规定"
        return DeadlineRule(kind, days, note, has_exceptions)
    if _IMMEDIATE.search(normalised):
        return DeadlineRule(DeadlineKind.IMMEDIATE, 0, IMMEDIATE_NOTE)
    if _LONG_TERM.search(normalised):
        return DeadlineRule(DeadlineKind.LONG_TERM, None, LONG_TERM_NOTE)
    if not normalised:
        reason = "未填写公开时限"
    elif normalised in ("同上", "同前", "同上栏"):
        reason = "“同上”未写明具体期限"
    elif "及时" in normalised:
        reason = f"“{normalised}”未写明具体期限"
    else:
        reason = f"“{normalised}”未写明可识别的期限"
    return DeadlineRule(
        DeadlineKind.STATUTORY_DEFAULT, STATUTORY_DAYS, f"{reason}，{STATUTORY_BASIS}"
    )
