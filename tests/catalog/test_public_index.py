"""The public entries' partial index serves the home page's count by column.

With the full demo catalog (156,600 entries, 527 MB of wide rows on PostgreSQL) the count of
public entries per division read the whole table: 160 ms, and the uncached home page took 230 ms.
The index ``entry_public_division`` covers (division, id) of the entries ``public()`` returns; its
condition must stay the one ``public()`` writes, or PostgreSQL cannot use it: with sequential
scans ruled out, the plan must name it. (SQLite cannot use it: its query binds the JSON path and
value as parameters, which a partial index's literal condition never matches.)
"""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django.db.models import Count

from catalog.models import CatalogEntry
from districts.models import Division
from portal.views.home import _counts_by_column
from tests.factories import CityEntryFactory

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgresql_only
def test_the_count_of_public_entries_by_division_can_use_the_partial_index(reference_data):
    grouped = (
        CatalogEntry.objects.public().order_by().values_list("division_id").annotate(n=Count("pk"))
    )
    assert "entry_public_division" in plan(grouped)


def test_the_home_page_counts_only_public_entries(reference_data):
    city = reference_data
    district = Division.objects.get(code="430102")
    shown, dropped, unpublished = CityEntryFactory.create_batch(3, division=district)
    # Every snapshot names is_dropped (catalog/review.py); public() needs it to be there.
    snapshot = {"content": "x", "is_dropped": False}
    CatalogEntry.objects.filter(pk=shown.pk).update(published_values=snapshot)
    CatalogEntry.objects.filter(pk=dropped.pk).update(published_values={"is_dropped": True})
    counts = _counts_by_column(CatalogEntry.objects.public().within(city), city)
    assert counts == {city.pk: 1, district.pk: 1}


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_demo_load_vacuums_its_bulk_tables_outside_a_transaction():
    from portal.management.commands.load_demo_data import Command

    def vacuumed() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname IN "
                "('catalog_catalogentry', 'publications_publication', 'search_searchdocument')"
            )
            return dict(cursor.fetchall())

    before = vacuumed()
    Command()._vacuum_after_bulk_load()
    after = vacuumed()
    assert len(after) == 3
    # The statistics collector reports with a short delay; bounded wait.
    for _ in range(50):
        if all(after[t] > before.get(t, 0) for t in after):
            break
        time.sleep(0.1)
        after = vacuumed()
    assert all(after[t] > before.get(t, 0) for t in after), (before, after)
