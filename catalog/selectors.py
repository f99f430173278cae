"""Reads of the catalog with domain names, for pages and exports."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from districts.models import Division

from .levels import CANONICAL, canonical_levels, levels_from
from .models import CatalogEntry, Domain, FirstLevelItem, PublishedEntry


def _count_of(queryset, group_by: str):
    """Return a subquery counting ``queryset``'s rows for the outer row (0 when none)."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def domains_with_counts(division: Division):
    """Return every domain annotated with ``n_entries``: the division's public entries in it.

    One query, whatever the number of domains and entries.
    """
    public = CatalogEntry.objects.public().in_division(division)
    return Domain.objects.annotate(
        n_entries=_count_of(
            public.filter(item__first_level__domain=OuterRef("pk")), "item__first_level__domain"
        )
    ).order_by("display_order", "name")


def children_with_counts(division: Division):
    """Return the division's children in order, each annotated with ``n_entries`` (public)."""
    public = CatalogEntry.objects.public().filter(division=OuterRef("pk"))
    return division.children_in_order().annotate(n_entries=_count_of(public, "division"))


@dataclass
class CatalogRow:
    """One line of the official table: a second-level entry as published."""

    number: int
    entry: CatalogEntry
    published: PublishedEntry
    levels: list[tuple[str, bool, list[str]]]

    def _flags(self, element: str) -> list[bool]:
        flags = self.published.values.get(element) or []
        return [bool(f) for f in flags] + [False] * (2 - len(flags))

    @property
    def audience_all(self) -> bool:
        return self._flags("audience")[0]

    @property
    def audience_specific(self) -> bool:
        return self._flags("audience")[1]

    @property
    def mode_active(self) -> bool:
        return self._flags("mode")[0]

    @property
    def mode_on_request(self) -> bool:
        return self._flags("mode")[1]


@dataclass
class FirstLevelGroup:
    """The lines under one first-level item (its cell spans them: ``rowspan``)."""

    first_level: FirstLevelItem
    rows: list[CatalogRow] = field(default_factory=list)

    @property
    def rowspan(self) -> int:
        return len(self.rows)


@dataclass
class CatalogTable:
    """A division's published catalog of one domain, laid out as the official table."""

    groups: list[FirstLevelGroup]
    level_labels: list[str]

    @property
    def row_count(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def domain_table(division: Division, domain: Domain) -> CatalogTable:
    """Return the division's public entries of ``domain`` as the official table, in one query.

    Everything comes from the published snapshot: a working-copy change that is not yet
    approved does not show, and entries dropped when last approved are absent. The 公开层级
    sub-columns are the canonical levels (catalog/levels.py) from the division's own level
    down that the lines use, in canonical order: a variant label in an older snapshot
    (区级, 镇(街)级, 乡、村级) is read as the level(s) it stands for.
    """
    entries = (
        CatalogEntry.objects.public()
        .in_division(division)
        .in_domain(domain)
        .select_related("item__first_level")
        .in_catalog_order()
    )
    shown = set(levels_from(division))
    groups: list[FirstLevelGroup] = []
    used: set[str] = set()
    pending = []
    for number, entry in enumerate(entries, start=1):
        published = entry.published
        levels: dict[str, list[str]] = {}
        for level in published.levels or []:
            if not isinstance(level, dict):
                continue
            channels = [str(c) for c in level.get("channels") or []]
            for label in canonical_levels(str(level.get("level", ""))):
                if label in shown:
                    merged = levels.setdefault(label, [])
                    merged.extend(c for c in channels if c not in merged)
                    used.add(label)
        if not groups or groups[-1].first_level.pk != entry.item.first_level_id:
            groups.append(FirstLevelGroup(first_level=entry.item.first_level))
        row = CatalogRow(number=number, entry=entry, published=published, levels=[])
        groups[-1].rows.append(row)
        pending.append((row, levels))
    labels = [label for label in CANONICAL if label in used]
    for row, levels in pending:
        row.levels = [(label, label in levels, levels.get(label, [])) for label in labels]
    return CatalogTable(groups=groups, level_labels=labels)
