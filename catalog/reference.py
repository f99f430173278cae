"""Load the shared reference data of the catalog: the 26 domains and the channel list."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from districts.services import LoadReport

from .models import Channel, Domain


def _upsert(model, key: str, rows: list[dict], report: LoadReport) -> None:
    existing = {getattr(o, key): o for o in model.objects.all()}
    for values in rows:
        obj = existing.get(values[key])
        if obj is None:
            model.objects.create(**values)
            report.created += 1
            continue
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=changed)
            report.updated += 1
        else:
            report.unchanged += 1


@transaction.atomic
def domains_load(*, path: Path) -> LoadReport:
    """Create or update the domains from the fixture CSV (matched by name); return the report."""
    report = LoadReport()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            {
                "name": r["name"],
                "slug": r["slug"],
                "display_order": int(r["order"]),
                "issuing_department": r["issuing_department"],
                "doc_no": r["doc_no"],
                "issue_date": r["issue_date"],
                "source": r["source"],
            }
            for r in csv.DictReader(handle)
        ]
    _upsert(Domain, "name", rows, report)
    return report


@transaction.atomic
def channels_load(*, path: Path) -> LoadReport:
    """Create or update the channels from the fixture CSV (matched by name); return the report."""
    report = LoadReport()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            {
                "name": r["name"],
                "display_order": int(r["order"]),
                "is_standard": r["is_standard"] == "1",
            }
            for r in csv.DictReader(handle)
        ]
    _upsert(Channel, "name", rows, report)
    return report
