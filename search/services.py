"""Writes the city's staff make to search: the synonyms, kept by hand or loaded from a file.

The admin and the fixture loader both come through here, so the cached synonym map is always
forgotten once a change is committed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from districts.services import LoadReport

from . import synonyms
from .models import SearchSynonym
from .text import normalise


def _forget_on_commit() -> None:
    transaction.on_commit(synonyms.invalidate)


@transaction.atomic
def synonym_save(*, synonym: SearchSynonym) -> SearchSynonym:
    """Validate and save ``synonym`` (its terms folded), and forget the cached map."""
    synonym.term = normalise(synonym.term).strip()
    synonym.equivalent = normalise(synonym.equivalent).strip()
    synonym.note = synonym.note.strip()
    synonym.full_clean()
    synonym.save()
    _forget_on_commit()
    return synonym


@transaction.atomic
def synonyms_delete(*, ids: list[int]) -> int:
    """Delete the synonyms with ``ids``; return how many went, and forget the cached map."""
    deleted, _ = SearchSynonym.objects.filter(pk__in=ids).delete()
    _forget_on_commit()
    return deleted


@transaction.atomic
def synonyms_load(*, path: Path) -> LoadReport:
    """Create or update the synonyms of the fixture CSV (term, equivalent, note); return the report.

    Pairs are matched by (term, equivalent), so running it again changes nothing; pairs the
    staff added by hand, or switched off, are left as they are (the file only adds and
    corrects notes).
    """
    report = LoadReport()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            (normalise(r["term"]).strip(), normalise(r["equivalent"]).strip(), r["note"].strip())
            for r in csv.DictReader(handle)
        ]
    existing = {(s.term, s.equivalent): s for s in SearchSynonym.objects.all()}
    for term, equivalent, note in rows:
        found = existing.get((term, equivalent))
        if found is None:
            synonym = SearchSynonym(term=term, equivalent=equivalent, note=note)
            synonym.full_clean()
            synonym.save()
            existing[(term, equivalent)] = synonym
            report.created += 1
        elif found.note != note:
            found.note = note
            found.save(update_fields=["note", "updated_at"])
            report.updated += 1
        else:
            report.unchanged += 1
    if report.created or report.updated:
        _forget_on_commit()
    return report
