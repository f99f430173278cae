"""What people search for, counted anonymously: query text, ISO week, how often, found or not.

``record`` is one ``INSERT … ON CONFLICT … DO UPDATE`` per search (the counters rise in the
database, so concurrent searches never lose a count) and never fails a search: an error is
logged and the page is served. ``popular`` is the top queries of the last weeks that found
something, kept in the cache for an hour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from .models import SearchQueryStat
from .text import normalise

log = logging.getLogger(__name__)

MAX_CHARS = 60
# A query holding a long run of digits may be an ID card, phone or account number: never kept.
_PERSONAL = re.compile(r"\d{6,}|[\w.+-]+@[\w-]+\.")
POPULAR_KEY = "search:popular:v1"
POPULAR_SECONDS = 3600
POPULAR_WEEKS = 4
POPULAR_COUNT = 8


def week_of(day: dt.date) -> dt.date:
    """Return the Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def normalised_query(text: str) -> str:
    """Return ``text`` as it is counted: folded, spaces collapsed, cut to 60 characters."""
    text = "".join(c for c in normalise(text) if c.isprintable() or c.isspace())
    return " ".join(text.split())[:MAX_CHARS]


def record(text: str, result_count: int, *, today: dt.date | None = None) -> bool:
    """Count one search for ``text`` that found ``result_count`` results; never raise.

    Return False when nothing was counted (no text, personal-looking text, or an error).
    """
    query = normalised_query(text)
    if not query or _PERSONAL.search(query):
        return False
    week = week_of(today or timezone.localdate())
    table = connection.ops.quote_name(SearchQueryStat._meta.db_table)
    zero = 1 if result_count == 0 else 0
    sql = (
        f"INSERT INTO {table} "
        "(query, week, searches, zero_result_searches, last_result_count) "
        "VALUES (%s, %s, 1, %s, %s) "
        "ON CONFLICT (query, week) DO UPDATE SET "
        f"searches = {table}.searches + 1, "
        f"zero_result_searches = {table}.zero_result_searches + EXCLUDED.zero_result_searches, "
        "last_result_count = EXCLUDED.last_result_count"
    )
    params = [query, week, zero, min(result_count, 2**31 - 1)]
    try:
        if connection.in_atomic_block:
            # A savepoint, so that a failure leaves the surrounding transaction usable.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        else:
            # Autocommit (the public pages): the statement is its own transaction.
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    except Exception:  # noqa: BLE001 - counting must never cost the visitor their results
        log.exception("Search statistics not recorded; the search itself was served.")
        return False
    return True


def popular(*, today: dt.date | None = None) -> list[str]:
    """Return the most searched queries of the last weeks that found something (cached)."""
    try:
        found = cache.get(POPULAR_KEY)
    except Exception:  # noqa: BLE001 - a cache failure is a miss
        found = None
    if found is not None:
        return list(found)
    since = week_of(today or timezone.localdate()) - dt.timedelta(weeks=POPULAR_WEEKS - 1)
    try:
        found = list(
            SearchQueryStat.objects.filter(week__gte=since, last_result_count__gt=0)
            .values("query")
            .annotate(total=Sum("searches"))
            .order_by("-total", "query")
            .values_list("query", flat=True)[:POPULAR_COUNT]
        )
    except DatabaseError:
        log.exception("Popular searches unreadable; the page goes without them.")
        return []
    with contextlib.suppress(Exception):
        cache.set(POPULAR_KEY, found, POPULAR_SECONDS)
    return found
