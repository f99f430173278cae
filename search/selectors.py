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
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, RowNumber
from django.utils import timezone

from catalog.models import Domain
from districts.models import Division, within_q

from .models import SearchDocument
from .synonyms import Clause, as_clauses

# The stored to_tsvector('simple', tokens) that the GIN index covers (search/migrations/0003).
_VECTOR = "{table}.tsv"


@dataclass(frozen=True)
class SearchFilters:
    division: Division | None = None
    domain: Domain | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


Terms = Sequence[str | Clause]


def _operand(token: str) -> str | None:
    # The tokens hold letters and digits only; quoting keeps each one a single operand anyway.
    return f"'{token}'" if token and "'" not in token and "\\" not in token else None


def tsquery_text(terms: Terms) -> str:
    """Return the ``to_tsquery`` input that requires every one of ``terms``.

    A plain term is one operand; a clause of synonyms is a parenthesised OR of its
    alternatives, each an AND of its tokens: ``('低保' | '最低' & '生活' & '保障')``
    (``&`` binds tighter than ``|``).
    """
    groups = []
    for clause in as_clauses(terms):
        alternatives = []
        for alternative in clause:
            operands = [o for o in map(_operand, alternative) if o]
            if operands:
                alternatives.append(" & ".join(operands))
        if len(alternatives) == 1:
            groups.append(alternatives[0])
        elif alternatives:
            groups.append(f"( {' | '.join(alternatives)} )")
    return " & ".join(groups)


def search_documents(terms: Terms, filters: SearchFilters | None = None) -> QuerySet:
    """Return the documents matching every term in ``terms``, filtered, best match first.

    Each term is a word or a clause of synonyms (``search.synonyms``), any of which matches.
    """
    qs, order = _matched(terms, filters)
    return qs.order_by(*order)


def _matched(terms: Terms, filters: SearchFilters | None) -> tuple[QuerySet, list]:
    qs = SearchDocument.objects.select_related("division")
    if not terms:
        return qs.none(), ["-id"]
    if connection.vendor == "postgresql":
        qs, order = match_fulltext(qs, terms)
    else:
        qs, order = match_tokens(qs, terms)
    return apply_filters(qs, filters or SearchFilters()), order


# A row without a key (written before keys existed) is a group of its own.
_GROUP = Coalesce(
    NullIf(F("group_key"), Value("")),
    Concat(F("kind"), Value(":"), Cast(F("id"), CharField())),
    output_field=CharField(),
)


def _counting(condition: Q) -> Window:
    return Window(
        Sum(Case(When(condition, then=Value(1)), default=Value(0))),
        partition_by=[_GROUP],
    )


def search_groups(terms: Terms, filters: SearchFilters | None = None) -> QuerySet:
    """Return one document per group (the same item across divisions), best group first.

    Each is its group's representative: the member nearest the top of the division tree among
    those the filters keep (the district's own entry before its townships'; with a township
    filter, that township's), then the best match. It carries ``group_size`` and how many of
    the group are townships (``group_townships``), and of those 街道 (``group_streets``).
    """
    qs, order = _matched(terms, filters)
    nearest_first = [F("division__depth").asc(nulls_first=True), *order]
    township = Q(division__level=Division.Level.TOWNSHIP)
    qs = qs.annotate(
        group_size=Window(Count("id"), partition_by=[_GROUP]),
        group_townships=_counting(township),
        group_streets=_counting(township & Q(division__name__endswith="街道")),
        group_position=Window(RowNumber(), partition_by=[_GROUP], order_by=nearest_first),
    )
    return qs.filter(group_position=1).order_by(*order)


def count_groups(terms: Terms, filters: SearchFilters | None = None) -> int:
    """Return how many groups ``search_groups`` holds, without its window functions or rank.

    Counting the windowed query computed every window (and ts_rank) over every match a second
    time: a query matching 78,000 documents took seconds.
    """
    qs, _ = _matched(terms, filters)
    return qs.values(group=_GROUP).distinct().count()


def search_group(terms: Terms, filters: SearchFilters | None, key: str) -> QuerySet:
    """Return every matching member of the group ``key``, from the top of the division tree."""
    qs, order = _matched(terms, filters)
    return qs.filter(group_key=key).order_by(
        F("division__tree_id").asc(nulls_first=True),
        F("division__lft").asc(nulls_first=True),
        *order,
    )


def match_fulltext(qs: QuerySet, terms: Terms) -> tuple[QuerySet, list]:
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


def match_tokens(qs: QuerySet, terms: Terms) -> tuple[QuerySet, list]:
    """Return ``qs`` matched by whole space-delimited tokens (any database), and its ordering:
    documents whose title holds more of the query's phrases (or a synonym of each) first, then
    newest first.

    A clause of synonyms is an OR of its alternatives, each an AND of its tokens.
    """
    qs = qs.alias(padded=Concat(Value(" "), "tokens", Value(" "), output_field=TextField()))
    in_title = []
    for clause in as_clauses(terms):
        either, titled = Q(pk__in=[]), Q(pk__in=[])
        for alternative in clause:
            both = Q()
            for token in alternative:
                both &= Q(padded__contains=f" {token} ")
            either |= both
            titled |= Q(title__contains="".join(alternative))
        qs = qs.filter(either)
        in_title.append(Case(When(titled, then=Value(1)), default=Value(0)))
    if not in_title:
        return qs, [F("date").desc(nulls_last=True), F("id").desc()]
    # Without PostgreSQL's ts_rank, newest first let a fresh sync's guides that merely mention
    # a word (社保 in a materials list) bury the items named by it.
    qs = qs.alias(title_hits=sum(in_title[1:], in_title[0]))
    return qs, [F("title_hits").desc(), F("date").desc(nulls_last=True), F("id").desc()]


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
