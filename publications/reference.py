"""Load the publication types and the 主题分类 from the fixtures.

Both are data the city office keeps in the admin: loading adds what is missing and leaves the
rows that exist as the city edited them, so running it again (``make run`` does) undoes
nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from districts.services import LoadReport

from .models import PublicationType, Theme


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def types_load(*, path: Path) -> LoadReport:
    """Create the publication types of the fixture that do not exist yet (by slug); return the
    report."""
    report = LoadReport()
    existing = set(PublicationType.objects.values_list("slug", flat=True))
    for row in _rows(path):
        if row["slug"] in existing:
            report.unchanged += 1
            continue
        PublicationType.objects.create(
            slug=row["slug"],
            name=row["name"],
            display_order=int(row["display_order"]),
            is_policy=row["is_policy"] == "1",
            needs_interpretation=row["needs_interpretation"] == "1",
            is_interpretation=row["is_interpretation"] == "1",
        )
        report.created += 1
    return report


@transaction.atomic
def themes_load(*, path: Path) -> LoadReport:
    """Create the 主题分类 of the fixture that do not exist yet (by code); return the report."""
    report = LoadReport()
    by_code = {t.code: t for t in Theme.objects.all()}
    for order, row in enumerate(_rows(path)):
        if row["code"] in by_code:
            report.unchanged += 1
            continue
        parent = by_code.get(row["parent"]) if row["parent"] else None
        if row["parent"] and parent is None:
            raise ValueError(f"主题分类 {row['code']} 的上级 {row['parent']} 须排在它之前。")
        by_code[row["code"]] = Theme.objects.create(
            code=row["code"], name=row["name"], parent=parent, display_order=order
        )
        report.created += 1
    return report
