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
    Sum,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, RowNumber
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


def _matched(
    terms: Terms, filters: SearchFilters | None, *, newest: int | None = None
) -> tuple[QuerySet, list]:
    """Return the matching documents and their ordering; with ``newest``, only that many of the
    newest matches, ranked as the rest would be."""
    qs = SearchDocument.objects.select_related("division")
    if not terms:
        return qs.none(), ["-id"]
    if connection.vendor == "postgresql":
        matched, order = match_fulltext(qs, terms)
    else:
        matched, order = match_tokens(qs, terms)
    matched = apply_filters(matched, filters or SearchFilters())
    if newest is None:
        return matched, order
    # The ranked query reads the candidates by primary key, without matching them again: with
    # the match in the outer query too, PostgreSQL may scan the whole table for it.
    candidates = matched.order_by(*_CANDIDATE_ORDER).values("pk")[:newest]
    if connection.vendor == "postgresql":
        return rank_fulltext(qs.filter(pk__in=candidates), terms)
    return rank_by_title(qs.filter(pk__in=candidates), terms)


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


# What ranking and grouping read of a document. The window functions sort every match by group:
# carrying whole rows (body, tokens, the division) made that sort spill to disk (11 MB for
# 社会救助's 8,600 matches), so the ranked query keeps these and a page fetches its rows after.
_RANKED_FIELDS = ("id", "kind", "group_key", "date", "division_id")


def search_groups(
    terms: Terms, filters: SearchFilters | None = None, *, capped: bool = False
) -> QuerySet:
    """Return one document per group (the same item across divisions), best group first.

    Each is its group's representative: the member nearest the top of the division tree among
    those the filters keep (the district's own entry before its townships'; with a township
    filter, that township's), then the best match. It carries ``group_size`` and how many of
    the group are townships (``group_townships``), and of those 街道 (``group_streets``).
    The documents hold only the fields that rank them: ``GroupedResults`` reads a page whole.
    ``capped`` ranks only the newest ``MATCH_CAP + 1`` matches (see ``count_groups``).
    """
    qs, order = _matched(terms, filters, newest=MATCH_CAP + 1 if capped else None)
    nearest_first = [F("division__depth").asc(nulls_first=True), *order]
    township = Q(division__level=Division.Level.TOWNSHIP)
    qs = (
        qs.select_related(None)
        .only(*_RANKED_FIELDS)
        .annotate(
            group_size=Window(Count("id"), partition_by=[_GROUP]),
            group_townships=_counting(township),
            group_streets=_counting(township & Q(division__name__endswith="街道")),
            group_position=Window(RowNumber(), partition_by=[_GROUP], order_by=nearest_first),
        )
    )
    return qs.filter(group_position=1).order_by(*order)


class GroupedResults:
    """The grouped results of a search as ``Paginator`` reads them: ``count()`` counts the groups
    (``count_groups``), and a slice runs the ranked query for that slice (``search_groups``) and
    then reads those documents whole, with their divisions: three queries a page. ``capped``
    says whether the search matched more than ``MATCH_CAP`` documents (known once counted).
    """

    def __init__(self, terms: Terms, filters: SearchFilters | None = None):
        self.terms, self.filters = terms, filters
        self._counted: GroupCount | None = None

    def _count(self) -> GroupCount:
        if self._counted is None:
            self._counted = count_groups(self.terms, self.filters)
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
        if window.stop is not None and window.stop <= (window.start or 0):
            return []  # an empty search's page: no query
        ranked = list(search_groups(self.terms, self.filters, capped=self.capped)[window])
        whole = SearchDocument.objects.select_related("division").in_bulk([d.pk for d in ranked])
        page = []
        for doc in ranked:
            # A document removed between the two queries (re-indexing) leaves the page.
            if full := whole.get(doc.pk):
                full.group_size = doc.group_size
                full.group_townships = doc.group_townships
                full.group_streets = doc.group_streets
                page.append(full)
        return page


@dataclass(frozen=True)
class GroupCount:
    groups: int
    capped: bool


def count_groups(terms: Terms, filters: SearchFilters | None = None) -> GroupCount:
    """Return how many groups ``search_groups`` holds, and whether the matches passed
    ``MATCH_CAP`` (then the groups among the newest ``MATCH_CAP + 1``): one query, without the
    window functions or the rank.

    Counting the windowed query computed every window (and ts_rank) over every match a second
    time: a query matching 78,000 documents took seconds.
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
    ``search_searchdocument`` inside a subquery (aliased ``U0``) read the outer query's row,
    turning the capped search's candidates into a subquery run per row.
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
    if not in_title:
        return qs, list(_NEWEST)
    # Newest first alone let a fresh sync's guides that merely mention a word (社保 in a
    # materials list) bury the items named by it.
    qs = qs.alias(title_hits=sum(in_title[1:], in_title[0]))
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
