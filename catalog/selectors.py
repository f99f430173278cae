"""Reads of the catalog with domain names, for pages and exports."""

from __future__ import annotations

from itertools import groupby

from districts.models import Division

from .models import CatalogEntry


def division_catalog(division: Division) -> list[tuple]:
    """Return the division's published entries as [(domain, [(first_level, [entries])])].

    Each entry's ``published`` snapshot is what the page shows, not the working copy.
    """
    entries = list(
        CatalogEntry.objects.public().in_division(division).with_item().in_catalog_order()
    )
    grouped = []
    for domain, by_domain in groupby(entries, key=lambda e: e.item.first_level.domain):
        firsts = [
            (first, list(rows))
            for first, rows in groupby(by_domain, key=lambda e: e.item.first_level)
        ]
        grouped.append((domain, firsts))
    return grouped
