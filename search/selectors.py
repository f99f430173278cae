"""Read the search index: match the query's words, apply the filters, order the results.

PostgreSQL matches ``to_tsvector('simple', tokens) @@ to_tsquery('simple', 'w1 & w2 …')``
on the stored column ``tsv`` (generated from ``tokens``, GIN-indexed: migration 0003) and
ranks with ``ts_rank``, then by date. Elsewhere (SQLite) every word must appear
space-delimited in ``tokens``, and titles holding the query's phrases come first, then the
newest. A search ranks at most ``MATCH_CAP`` (+1) matches, the newest. The words come from
``search.text.query_tokens``: letters and digits only, so no tsquery operator or LIKE wildcard
from the user's input ever reaches the database as one.
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
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.utils import timezone

from catalog.models import Domain
from districts.models import Division, within_q

from .models import SearchDocument
from .synonyms import Clause, as_clauses


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


# A search never ranks more than this many matches: a word that nearly every document holds
# (公开信息 matched 232,000 of 236,000) took two seconds to rank and group, a cheap way to load
# the server and no help to the reader. Past it, the newest MATCH_CAP + 1 matches are ranked and
# the page says so (as Elasticsearch counts hits exactly up to 10,000 by default).
MATCH_CAP = 10_000
_NEWEST = (F("date").desc(nulls_last=True), F("id").desc())
# The same, in the order of the index search_doc_date, which PostgreSQL can walk and stop at the
# cap (every document is dated; NULLs would come first here on PostgreSQL, last on SQLite).
_CANDIDATE_ORDER = ("-date", "-id")


def _matched(terms: Terms, filters: SearchFilters | None) -> tuple[QuerySet, list]:
    """Return the matching documents, filtered, and their ordering (best, then newest)."""
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


@dataclass(frozen=True)
class GroupCount:
    groups: int
    capped: bool


# One statement ranks a page of groups: ``m`` reads each match once (the newest MATCH_CAP + 1,
# with the fields grouping needs and the score), ``g`` groups them, and the page's rows carry
# the number of groups and of matches, so no separate count runs. Whole rows stay out of the
# window sorts (they spilled to disk: 11 MB for 社会救助's 8,600 matches).
_RANKED_SQL = """
WITH m AS ({matches}),
g AS (
    SELECT m.id, m.score, m.date,
        COUNT(*) OVER (PARTITION BY m.grp) AS group_size,
        SUM(CASE WHEN d.level = %s THEN 1 ELSE 0 END)
            OVER (PARTITION BY m.grp) AS group_townships,
        SUM(CASE WHEN d.level = %s AND d.name LIKE %s THEN 1 ELSE 0 END)
            OVER (PARTITION BY m.grp) AS group_streets,
        ROW_NUMBER() OVER (
            PARTITION BY m.grp
            ORDER BY d.depth ASC NULLS FIRST, m.score DESC, m.date DESC NULLS LAST, m.id DESC
        ) AS position
    FROM m LEFT JOIN {division} d ON d.id = m.division_id
)
SELECT id, group_size, group_townships, group_streets,
    COUNT(*) OVER () AS groups, (SELECT COUNT(*) FROM m) AS matches
FROM g WHERE position = 1
ORDER BY score DESC, date DESC NULLS LAST, id DESC
LIMIT %s OFFSET %s
"""


def ranked_groups(
    terms: Terms, filters: SearchFilters | None, window: slice
) -> tuple[list[dict], GroupCount | None]:
    """Return the group representatives in ``window`` (best group first) as dicts of ``id``,
    ``group_size``, ``group_townships`` and ``group_streets``, and the search's GroupCount
    (None when the window holds no row, as past the last page).

    A group is the same item across divisions; its representative is the member nearest the
    top of the division tree among those the filters keep (the district's own entry before its
    townships'; with a township filter, that township's), then the best match. Past
    ``MATCH_CAP`` matches only the newest ``MATCH_CAP + 1`` are ranked (PostgreSQL walks the
    date index and stops). One query.
    """
    if not terms:
        return [], GroupCount(0, False)
    matched, _ = _matched(terms, filters)
    score = "rank" if connection.vendor == "postgresql" else "title_hits"
    matches = matched.order_by(*_CANDIDATE_ORDER).values(
        "id", "date", "division_id", grp=_GROUP, score=F(score)
    )[: MATCH_CAP + 1]
    inner, params = matches.query.sql_with_params()
    division = connection.ops.quote_name(Division._meta.db_table)
    sql = _RANKED_SQL.format(matches=inner, division=division)
    township = Division.Level.TOWNSHIP.value
    start = window.start or 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, township, township, "%街道", window.stop - start, start])
        rows = cursor.fetchall()
    if not rows:
        return [], None
    found = GroupCount(groups=rows[0][4], capped=rows[0][5] > MATCH_CAP)
    keys = ("id", "group_size", "group_townships", "group_streets")
    return [dict(zip(keys, row[:4], strict=True)) for row in rows], found


class GroupedResults:
    """The grouped results of a search as ``Paginator`` reads them, in two queries a page: the
    ranked page with its counts (``ranked_groups``), then its documents whole, with their
    divisions.

    ``Paginator`` counts before it slices, so ``count()`` ranks the page the view expects
    (``page``, of ``page_size``) and keeps it for the slice; only a page past the last costs a
    separate count (``count_groups``) and the last page's query.
    """

    def __init__(
        self,
        terms: Terms,
        filters: SearchFilters | None = None,
        *,
        page: int = 1,
        page_size: int = 20,
    ):
        self.terms, self.filters = terms, filters
        start = (max(page, 1) - 1) * page_size
        self._expected = slice(start, start + page_size)
        self._ranked: tuple[int, list[dict]] | None = None  # (start, rows) of the ranked page
        self._counted: GroupCount | None = None

    def _count(self) -> GroupCount:
        if self._counted is None:
            rows, counted = ranked_groups(self.terms, self.filters, self._expected)
            self._ranked = (self._expected.start, rows)
            self._counted = counted or count_groups(self.terms, self.filters)
        return self._counted

    def count(self) -> int:
        """Return how many groups the search finds (among the newest matches, when capped)."""
        return self._count().groups

    @property
    def capped(self) -> bool:
        """Return whether the search matched more documents than it ranks."""
        return self._count().capped

    def __getitem__(self, window: slice) -> list[SearchDocument]:
        """Return the representatives in ``window``, whole, each with its group's counts."""
        start = window.start or 0
        if window.stop is not None and window.stop <= start:
            return []  # an empty search's page: no query
        if self._ranked is not None and self._ranked[0] == start:
            rows = self._ranked[1][: window.stop - start]
        else:
            rows, _ = ranked_groups(self.terms, self.filters, slice(start, window.stop))
        whole = SearchDocument.objects.select_related("division").in_bulk([r["id"] for r in rows])
        page = []
        for row in rows:
            # A document removed between the two queries (re-indexing) leaves the page.
            if doc := whole.get(row["id"]):
                doc.group_size = row["group_size"]
                doc.group_townships = row["group_townships"]
                doc.group_streets = row["group_streets"]
                page.append(doc)
        return page


def count_groups(terms: Terms, filters: SearchFilters | None = None) -> GroupCount:
    """Return how many groups ``ranked_groups`` ranks, and whether the matches passed
    ``MATCH_CAP`` (then the groups among the newest ``MATCH_CAP + 1``): one query, without the
    window functions or the rank. Asked only for a page past the last, where ``ranked_groups``
    has no row to carry the count.
    """
    qs, _ = _matched(terms, filters)
    newest = qs.order_by(*_CANDIDATE_ORDER).values(group=_GROUP)[: MATCH_CAP + 1]
    figures = newest.aggregate(matches=Count("*"), groups=Count("group", distinct=True))
    return GroupCount(groups=figures["groups"], capped=figures["matches"] > MATCH_CAP)


def search_group(terms: Terms, filters: SearchFilters | None, key: str) -> QuerySet:
    """Return every matching member of the group ``key``, from the top of the division tree."""
    qs, order = _matched(terms, filters)
    return qs.filter(group_key=key).order_by(
        F("division__tree_id").asc(nulls_first=True),
        F("division__lft").asc(nulls_first=True),
        *order,
    )


class _FullText(Expression):
    """``tsv @@ query`` (``rank=False``) or ``ts_rank(tsv, query)`` on the stored vector of the
    query's own search document table.

    The column is named under the alias the compiling query gives the table: raw SQL naming
    ``search_searchdocument`` inside a subquery (aliased ``U0``) reads the outer query's row,
    a correlated subquery run per row.
    """

    def __init__(self, terms: Terms, *, rank: bool):
        self.query_text, self.rank = tsquery_text(terms), rank
        super().__init__(output_field=FloatField() if rank else BooleanField())

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        tsquery = "to_tsquery('simple'::regconfig, %s)"
        if self.rank:
            return f"ts_rank({table}.tsv, {tsquery})", [self.query_text]
        return f"{table}.tsv @@ {tsquery}", [self.query_text]


def match_fulltext(qs: QuerySet, terms: Terms) -> tuple[QuerySet, list]:
    """Return ``qs`` matched through PostgreSQL full-text search, and its ranked ordering."""
    return rank_fulltext(qs.filter(_FullText(terms, rank=False)), terms)


def rank_fulltext(qs: QuerySet, terms: Terms) -> tuple[QuerySet, list]:
    """Return ``qs`` with its ``ts_rank`` for ``terms``, and the ordering: best, then newest."""
    return qs.annotate(rank=_FullText(terms, rank=True)), [F("rank").desc(), *_NEWEST]


def match_tokens(qs: QuerySet, terms: Terms) -> tuple[QuerySet, list]:
    """Return ``qs`` matched by whole space-delimited tokens (any database), and its ordering
    (``rank_by_title``).

    A clause of synonyms is an OR of its alternatives, each an AND of its tokens.
    """
    qs = qs.alias(padded=Concat(Value(" "), "tokens", Value(" "), output_field=TextField()))
    for clause in as_clauses(terms):
        either = Q(pk__in=[])
        for alternative in clause:
            both = Q()
            for token in alternative:
                both &= Q(padded__contains=f" {token} ")
            either |= both
        qs = qs.filter(either)
    return rank_by_title(qs, terms)


def rank_by_title(qs: QuerySet, terms: Terms) -> tuple[QuerySet, list]:
    """Return ``qs`` and its ordering without PostgreSQL's rank: documents whose title holds
    more of the query's phrases (or a synonym of each) first, then newest first."""
    in_title = []
    for clause in as_clauses(terms):
        titled = Q(pk__in=[])
        for alternative in clause:
            titled |= Q(title__contains="".join(alternative))
        in_title.append(Case(When(titled, then=Value(1)), default=Value(0)))
    # Newest first alone let a fresh sync's guides that merely mention a word (社保 in a
    # materials list) bury the items named by it.
    qs = qs.alias(title_hits=sum(in_title[1:], in_title[0]) if in_title else Value(0))
    return qs, [F("title_hits").desc(), *_NEWEST]


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
