"""The home page: the city column with the map of its districts (一张图), the "1+9" columns, the
domains and the latest publications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render

from catalog.models import CatalogEntry, Domain
from districts.models import Division
from portal.citymap import MapDistrict, city_map
from publications.models import Publication

LATEST = 10


@dataclass(frozen=True)
class Column:
    """A column of the "1+9" navigation with what the public can read in it, townships included."""

    division: Division
    entries: int
    publications: int
    shape: MapDistrict | None = None

    @property
    def summary(self) -> str:
        return f"已公开目录事项 {self.entries} 项，公开信息 {self.publications} 条"


def _count_within(queryset: QuerySet) -> Coalesce:
    """Return a subquery counting the rows of ``queryset`` in the outer division's subtree."""
    within = Q(
        division__tree_id=OuterRef("tree_id"),
        division__lft__gte=OuterRef("lft"),
        division__rght__lte=OuterRef("rght"),
    )
    counted = queryset.filter(within).order_by().annotate(n=Func(F("pk"), function="COUNT"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def city_columns(city: Division) -> tuple[Column, list[Column]]:
    """Return the city's column and its districts' columns, with their counts, in one query."""
    rows = (
        Division.objects.filter(Q(pk=city.pk) | Q(parent=city))
        .annotate(
            entry_count=_count_within(CatalogEntry.objects.public()),
            publication_count=_count_within(Publication.objects.published()),
        )
        .order_by("tree_id", "lft")
    )
    shapes = city_map().by_code()
    columns = [
        Column(
            division=row,
            entries=row.entry_count,
            publications=row.publication_count,
            shape=shapes.get(row.code),
        )
        for row in rows
    ]
    city_column = next(column for column in columns if column.division.pk == city.pk)
    districts = sorted(
        (column for column in columns if column.division.pk != city.pk),
        key=lambda column: (column.division.display_order, column.division.code),
    )
    return city_column, districts


def home(request):
    """Show the city column: map, "1+9" navigation, domains and the latest publications."""
    city = Division.objects.root()
    if city is None:
        return render(request, "portal/home.html", {"city": None})
    city_column, districts = city_columns(city)
    latest = (
        Publication.objects.published()
        .within(city)
        .select_related("division")
        .order_by("-published_at", "-id")[:LATEST]
    )
    citymap = city_map()
    return render(
        request,
        "portal/home.html",
        {
            "city": city,
            "city_column": city_column,
            "districts": districts,
            # The map draws the districts the boundaries name, in the order of the columns.
            "map_districts": [column for column in districts if column.shape is not None],
            "citymap": citymap,
            "domains": Domain.objects.all(),
            "latest": latest,
        },
    )
