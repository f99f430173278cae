"""Read the search index: match the query's words, apply the filters, order the results.

PostgreSQL matches ``to_tsvector('simple', tokens) @@ to_tsquery('simple', 'w1 & w2 …')``
on the stored column ``tsv`` (generated from ``tokens``, GIN-indexed: migration 0003) and
ranks with ``ts_rank``, then by date. Elsewhere
(SQLite) every word must appear space-delimited in ``tokens``, newest first. The words come
from ``search.text.query_tokens``: letters and digits only, so no tsquery operator or LIKE
wildcard from the user's input ever reaches the database as one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, FloatField, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils import timezone

from catalog.models import Domain
from districts.models import Division, within_q

from .models import SearchDocument

# The stored to_tsvector('simple', tokens) that the GIN index covers (search/migrations/0003).
_VECTOR = "{table}.tsv"


@dataclass(frozen=True)
class SearchFilters:
    division: Division | None = None
    domain: Domain | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def tsquery_text(terms: list[str]) -> str:
    """Return the ``to_tsquery`` input that requires every one of ``terms``."""
    # The terms hold letters and digits only; quoting keeps each one a single operand anyway.
    return " & ".join(f"'{t}'" for t in terms if t and "'" not in t and "\\" not in t)


def search_documents(terms: list[str], filters: SearchFilters | None = None) -> QuerySet:
    """Return the documents holding every term in ``terms``, filtered, best match first."""
    qs = SearchDocument.objects.select_related("division")
    if not terms:
        return qs.none()
    if connection.vendor == "postgresql":
        qs, order = match_fulltext(qs, terms)
    else:
        qs, order = match_tokens(qs, terms)
    return apply_filters(qs, filters or SearchFilters()).order_by(*order)


def match_fulltext(qs: QuerySet, terms: list[str]) -> tuple[QuerySet, list]:
    """Return ``qs`` matched through PostgreSQL full-text search, and its ranked ordering."""
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    query = tsquery_text(terms)
    vector = _VECTOR.format(table=table)
    tsquery = "to_tsquery('simple'::regconfig, %s)"
    qs = qs.filter(RawSQL(f"{vector} @@ {tsquery}", [query], output_field=BooleanField()))
    qs = qs.annotate(
        rank=RawSQL(f"ts_rank({vector}, {tsquery})", [query], output_field=FloatField())
    )
    return qs, [F("rank").desc(), F("date").desc(nulls_last=True), F("id").desc()]


def match_tokens(qs: QuerySet, terms: list[str]) -> tuple[QuerySet, list]:
    """Return ``qs`` matched by whole space-delimited tokens (any database), newest first."""
    qs = qs.alias(padded=Concat(Value(" "), "tokens", Value(" "), output_field=TextField()))
    for term in terms:
        qs = qs.filter(padded__contains=f" {term} ")
    return qs, [F("date").desc(nulls_last=True), F("id").desc()]


def apply_filters(qs: QuerySet, filters: SearchFilters) -> QuerySet:
    """Return ``qs`` limited to a division (and everything below it), domain, kind and dates."""
    if filters.division is not None:
        qs = qs.filter(within_q(filters.division, prefix="division__"))
    if filters.domain is not None:
        qs = qs.filter(domain=filters.domain)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    # Whole local days, as bounds on the stored instant (an index range, not a cast per row).
    if filters.date_from:
        qs = qs.filter(date__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(date__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return qs


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
