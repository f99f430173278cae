"""The reply categories' reasons, from fixtures/foi_replies.csv (条例 Art. 36–39 and
国办公开办函〔2021〕30号's table 三)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class Reason:
    category: str
    reason: int
    label: str
    report_row: str
    source: str


@cache
def reasons() -> tuple[Reason, ...]:
    """Return every (category, reason) the annual report counts, in the fixture's order."""
    with open(settings.FIXTURES_DIR / "foi_replies.csv", encoding="utf-8") as handle:
        return tuple(
            Reason(
                row["category"], int(row["reason"]), row["label"], row["report_row"], row["source"]
            )
            for row in csv.DictReader(handle)
        )


def reasons_of(category: str) -> dict[int, str]:
    """Return the reasons of ``category`` by number ({} when it has none to choose)."""
    return {r.reason: r.label for r in reasons() if r.category == category and r.reason}


def reason_label(category: str, reason: int) -> str:
    """Return the label of ``category``'s ``reason`` ("" when unknown)."""
    for r in reasons():
        if r.category == category and r.reason == reason:
            return r.label
    return ""


def choices() -> list[tuple[str, str]]:
    """Return "category:reason" choices for a form, labelled with the category and reason."""
    from .models import ReplyCategory

    labels = dict(ReplyCategory.choices)
    return [(f"{r.category}:{r.reason}", f"{labels[r.category]}——{r.label}") for r in reasons()]
