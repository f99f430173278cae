"""Reads for the staff side of the annual report: who has not published by the deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from disclosure import policies
from disclosure.models import AnnualReport
from districts.models import Department, Division

from . import layout


@dataclass(frozen=True)
class Missing:
    """One publisher that owed a report by ``due`` and had not published it by then."""

    division: Division
    department: Department | None
    due: dt.date
    state: str  # 未编报, the report's status, or 逾期发布 with its date

    @property
    def name(self) -> str:
        if self.department is not None:
            return f"{self.division.name}{self.department.name}"
        return self.division.name


def overdue(user, year: int, today: dt.date) -> list[Missing]:
    """Return, in tree order, the publishers in ``user``'s scope whose deadline for ``year``
    has passed by ``today`` without a report published on time (four queries).

    Every government owes one by 31 March; every active department (部门, not a township's
    科室 or 站所, which report through their township) of the city and the districts by 31
    January. A report published late is listed with its date.
    """
    divisions = list(policies.reports.divisions_for(user, "view"))
    if not divisions:
        return []
    ids = [d.pk for d in divisions]
    by_id = {d.pk: d for d in divisions}
    owe_departments = today > layout.deadline(year, department=True)
    owe_divisions = today > layout.deadline(year, department=False)
    departments = []
    if owe_departments:
        departments = list(
            Department.objects.filter(
                division_id__in=[d.pk for d in divisions if not d.is_township],
                is_active=True,
                kind=Department.Kind.BUREAU,
            ).order_by("display_order", "name")
        )
    found = {
        (r.division_id, r.department_id): r
        for r in AnnualReport.objects.filter(year=year, division_id__in=ids)
        .filter(Q(department__isnull=True) | Q(department__in=[d.pk for d in departments]))
        .only("division_id", "department_id", "status", "published_at")
    }
    statuses = dict(AnnualReport.Status.choices)
    missing = []
    per_division: dict[int, list[Department]] = {}
    for department in departments:
        per_division.setdefault(department.division_id, []).append(department)
    for division in divisions:
        owed = [(None, owe_divisions)] + [(d, True) for d in per_division.get(division.pk, [])]
        for department, owes in owed:
            if not owes:
                continue
            due = layout.deadline(year, department=department is not None)
            report = found.get((division.pk, department.pk if department else None))
            if report is None:
                state = "未编报"
            elif report.status != AnnualReport.Status.PUBLISHED:
                state = str(statuses[report.status])
            elif timezone.localdate(report.published_at) > due:
                state = f"逾期发布（{timezone.localdate(report.published_at):%Y-%m-%d}）"
            else:
                continue
            missing.append(Missing(by_id[division.pk], department, due, state))
    return missing
