"""Compute an annual report's tables from the portal's data, in a fixed number of queries.

Reading and arithmetic are apart: ``fetch`` asks the database three questions (which source
types exist; the publications' counts; the requests grouped by applicant, reply and reason),
and the pure functions ``table_two``, ``table_three`` and ``table_four`` build the tables from
the answers and the office's typed-in figures. ``compute`` does both and returns the snapshot
that ``AnnualReport.snapshot`` keeps.

Whose data a report covers: a government's report (no department) covers everything recorded
under its division — the office's own and every department's — because the portal files a
department's publications and requests under its government, and the government's report
answers for the whole level; a department's report covers only what that department owns.
Lower divisions (a district's townships) publish reports of their own and are not included.

How the portal counts (docs of each cell in layout.py):

* 制发 / 处理决定: published, 主动公开 items of the type whose 信息形成日期 falls in the year, one
  per document (a revised document counts once, as its current version);
* 废止: such documents now marked 已废止 whose 已废止 was recorded in the year;
* 现行有效: such documents formed by 31 December and not repealed by then;
* table 三 follows each request's 收到申请日期 and 办结日期 (a request with an 办结日期 is closed
  that day, whatever else it records).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from foi.models import InfoRequest
from publications.models import Publication, PublicationEvent, PublicationType

from . import layout

REPEALED = Publication.Validity.REPEALED
REPLY_KEYS = frozenset(row.key for row in layout.REPLY_ROWS)


@dataclass(frozen=True)
class Scope:
    """Whose report: a division, or one of its departments, and the year."""

    division_id: int
    department_id: int | None
    year: int

    @classmethod
    def of(cls, report) -> Scope:
        return cls(report.division_id, report.department_id, report.year)

    def rows(self, queryset):
        queryset = queryset.filter(division_id=self.division_id)
        if self.department_id is not None:
            queryset = queryset.filter(department_id=self.department_id)
        return queryset


@dataclass
class Facts:
    """What the database answered: the counts by (type slug, measure), the request groups."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    groups: list[dict[str, Any]] = field(default_factory=list)


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=tz),
        dt.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def fetch_publication_counts(scope: Scope) -> dict[tuple[str, str], int]:
    """Return {(type slug, measure): count} for the source types that exist (two queries)."""
    types = dict(
        PublicationType.objects.filter(slug__in=layout.SOURCE_TYPES).values_list("slug", "pk")
    )
    if not types:
        return {}
    start, end = dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)
    year_start, next_year = _year_bounds(scope.year)
    # A repeal is recorded on the version that was current then; revisions share the 索引号.
    # The 索引号 sets are uncorrelated subqueries: the database reads each once (a hashed
    # subplan on PostgreSQL), not once per publication.
    repeals = PublicationEvent.objects.filter(
        action=PublicationEvent.Action.VALIDITY,
        changes__validity__1=str(REPEALED.label),
        publication__pub_type_id__in=types.values(),
    )
    repealed_in_year = Q(
        index_no__in=repeals.filter(created_at__gte=year_start, created_at__lt=next_year).values(
            "publication__index_no"
        )
    )
    repealed_later = Q(
        index_no__in=repeals.filter(created_at__gte=next_year).values("publication__index_no")
    )
    rows = scope.rows(Publication.objects.public()).filter(pub_type_id__in=types.values())
    in_year = Q(formed_on__gte=start, formed_on__lte=end)
    aggregates = {}
    for slug, type_id in types.items():
        of_type = Q(pub_type_id=type_id)
        aggregates[f"{slug}_issued"] = Count("pk", filter=of_type & in_year)
        aggregates[f"{slug}_repealed"] = Count(
            "pk", filter=of_type & Q(validity=REPEALED) & repealed_in_year
        )
        # In force on 31 December: formed by then, and not repealed — or repealed only later.
        aggregates[f"{slug}_in_force"] = Count(
            "pk",
            filter=of_type & Q(formed_on__lte=end) & (~Q(validity=REPEALED) | repealed_later),
        )
    found = rows.aggregate(**aggregates)
    counts = {}
    for slug in types:
        counts[(slug, "issued")] = counts[(slug, "decisions")] = found[f"{slug}_issued"]
        counts[(slug, "repealed")] = found[f"{slug}_repealed"]
        counts[(slug, "in_force")] = found[f"{slug}_in_force"]
    return counts


def fetch_request_groups(scope: Scope) -> list[dict[str, Any]]:
    """Return the year's requests grouped by applicant kind, reply category and reason (one
    query): each group's size ``n``, how many arrived in the year (``new``) and how many were
    closed in it (``closed``)."""
    start, end = dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)
    # Every request open at some point of the year: received by its end, not closed before it.
    rows = scope.rows(InfoRequest.objects.all()).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=start), received_on__lte=end
    )
    return list(
        rows.order_by()
        .values("applicant_kind", "reply_category", "reply_reason")
        .annotate(
            n=Count("pk"),
            new=Count("pk", filter=Q(received_on__gte=start)),
            closed=Count("pk", filter=Q(closed_on__lte=end)),
        )
    )


def fetch(scope: Scope) -> Facts:
    """Return what the report's tables need from the database, in three queries."""
    return Facts(counts=fetch_publication_counts(scope), groups=fetch_request_groups(scope))


# -- pure functions -------------------------------------------------------------------------------


def table_two(counts: dict[tuple[str, str], int], figures: dict[str, Any]) -> dict[str, dict]:
    """Return table 二: for each cell its value and whether the office typed it in.

    A typed-in figure wins over the portal's count (手工填报); a cell the portal cannot count
    and nobody typed in has the value None.
    """
    table = {}
    for cell in layout.TWO_CELLS:
        typed = figures.get(cell.key)
        if typed is not None and typed != "":
            table[cell.key] = {"value": typed, "manual": True}
        else:
            table[cell.key] = {"value": counts.get((cell.source, cell.measure)), "manual": False}
    return table


def table_three(groups: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Return table 三: {row key: {column key: count}}, the 总计 column and row （七） included.

    Row （七） counts every request closed in the year; one whose reply is not recorded (or
    whose reason is not one of its category's) falls in no row （一）–（六）, and the check
    （七） = （一）+…+（六） then names the column.
    """
    table = {row.key: dict.fromkeys(layout.KINDS, 0) for row in layout.ROWS}
    for group in groups:
        kind = group["applicant_kind"]
        if kind not in table[layout.NEW]:
            # An unknown applicant kind counts as 其他 (法人或其他组织): never silently lost.
            kind = layout.KINDS[-1]
        n, new, closed = group["n"], group["new"], group["closed"]
        table[layout.NEW][kind] += new
        table[layout.CARRIED][kind] += n - new
        table[layout.CLOSED][kind] += closed
        table[layout.FORWARD][kind] += n - closed
        if closed:
            key = layout.reply_row_key(group["reply_category"], group["reply_reason"] or 0)
            if key in REPLY_KEYS:
                table[key][kind] += closed
    for row in table.values():
        row[layout.TOTAL] = sum(row[kind] for kind in layout.KINDS)
    return table


def table_four(figures: dict[str, Any]) -> dict[str, int | None]:
    """Return table 四 as typed in: {key: figure}, None where nothing was typed."""
    return {key: figures.get(key) for key in layout.FOUR_KEYS}


def build(scope: Scope, facts: Facts, figures: dict[str, Any], *, name: str) -> dict[str, Any]:
    """Return the snapshot of a report from ``facts`` and the typed-in ``figures``."""
    return {
        "year": scope.year,
        "publisher": name,
        "two": table_two(facts.counts, figures),
        "three": table_three(facts.groups),
        "four": table_four(figures),
        "computed_at": timezone.now().isoformat(timespec="seconds"),
    }


def compute(report) -> dict[str, Any]:
    """Return the snapshot of ``report``'s tables computed now (three queries; the report's
    division and department are read from it, cached or one query each)."""
    scope = Scope.of(report)
    return build(scope, fetch(scope), report.figures or {}, name=report.publisher_name)


def fee_value(raw: Any) -> Decimal | None:
    """Return a typed fee as a Decimal (万元), or None when it is blank."""
    if raw is None or raw == "":
        return None
    return Decimal(str(raw))
