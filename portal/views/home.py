"""The home page: the city column with the map of its districts (一张图), the "1+9" columns, the
domains and the latest publications."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
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


def _counts_by_column(queryset: QuerySet, city: Division) -> dict[int, int]:
    """Return {division id: rows of ``queryset`` in its subtree} for the city and its districts.

    One grouped pass over the rows, by division and the division's parent (a township's parent
    is its district): cheaper than counting each subtree separately, which reads the table once
    per column.
    """
    counts: dict[int, int] = {}
    grouped = list(
        queryset.order_by()
        .values_list("division_id", "division__parent_id")
        .annotate(n=Count("pk"))
    )
    for division_id, parent_id, n in grouped:
        for column in {division_id, parent_id} - {None}:
            counts[column] = counts.get(column, 0) + n
    # Every row of the tree is under the city: its column counts them all.
    counts[city.pk] = sum(n for _d, _p, n in grouped)
    return counts


def city_columns(city: Division) -> tuple[Column, list[Column]]:
    """Return the city's column and its districts' columns with their counts, in three queries."""
    rows = Division.objects.filter(Q(pk=city.pk) | Q(parent=city)).order_by("tree_id", "lft")
    entries = _counts_by_column(CatalogEntry.objects.public().within(city), city)
    publications = _counts_by_column(Publication.objects.public().within(city), city)
    shapes = city_map().by_code()
    columns = [
        Column(
            division=row,
            entries=entries.get(row.pk, 0),
            publications=publications.get(row.pk, 0),
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
        Publication.objects.public()
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
