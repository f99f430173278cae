"""China's statutory working-day calendar: which years are recorded and their special days.

Weekends are off and weekdays on unless a SpecialDay says otherwise: a HOLIDAY is a day off
(法定节假日及其调休), a MAKEUP_WORKDAY a weekend day worked instead (调休上班). A year that has a
CalendarYear row is complete; working-day arithmetic refuses to cross a year that has none.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SATURDAY, SUNDAY = 5, 6


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(
        _("年份"),
        primary_key=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("录入本年即表示本年的法定节假日和调休上班日已全部录入。"),
    )
    source = models.CharField(
        _("来源"),
        max_length=200,
        help_text=_("如“国务院办公厅关于2027年部分节假日安排的通知”及其文号。"),
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历年份")
        verbose_name_plural = _("工作日历年份")
        ordering = ["-year"]
        constraints = [
            # The holiday system in force (weekends off since 1995, 调休 arrangements published
            # each year) makes no sense outside this range; a typo like 227 must not pass.
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="calendaryear_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年"


class SpecialDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休）")
        MAKEUP_WORKDAY = "makeup_workday", _("调休上班")

    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("年份"),
        on_delete=models.CASCADE,
        related_name="special_days",
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("节日名称"), max_length=50, blank=True, help_text=_("如：春节"))

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [
            # A date is either off or worked: two rows for one date would contradict each other.
            models.UniqueConstraint(fields=["date"], name="specialday_unique_date"),
            # The calendar only knows these two kinds; any other value would silently count
            # as an ordinary day.
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "makeup_workday"]),
                name="specialday_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} {self.get_kind_display()}".replace("  ", " ")

    def clean(self):
        errors = {}
        if self.date and self.calendar_year_id and self.date.year != self.calendar_year_id:
            errors["date"] = _("日期应在%(year)s年内。") % {"year": self.calendar_year_id}
        if (
            self.date
            and self.kind == self.Kind.MAKEUP_WORKDAY
            and self.date.weekday() not in (SATURDAY, SUNDAY)
        ):
            errors["kind"] = _("调休上班日应为周六或周日；工作日本来就上班。")
        if errors:
            raise ValidationError(errors)
