"""Keep the search index in step with what the public can read.

Only public content is indexed: published publications (not drafts, withdrawn or superseded
ones), catalog entries as last published and not dropped (their ``published_values``), and
active service guides. Every function here is idempotent: it upserts by (kind, object_id) and
removes the rows of objects that are no longer public, so running it twice, or late, is safe.
Work is set-based: rows are read with ``values()`` in primary-key chunks and written with one
``bulk_create(update_conflicts=True)`` per chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from catalog import elements
from catalog.models import CatalogEntry
from guides.models import Guide
from publications.models import Publication

from .models import SearchDocument
from .text import html_to_text, tokens_for

Kind = SearchDocument.Kind

CHUNK = 2000
# The snippet is cut from this much of the text; the tokens cover all of it.
BODY_CHARS = 4000
UPDATE_FIELDS = [
    "title",
    "body",
    "url",
    "division",
    "domain",
    "date",
    "tokens",
    "group_key",
    "context",
    "indexed_at",
]
# What joins the parts of a result's context line.
SEP = " · "


def _context(*parts: str | None) -> str:
    return SEP.join(p for p in parts if p)[:300]


@dataclass
class IndexResult:
    indexed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.indexed.values())


def _url_pattern(name: str) -> Callable[[Any], str]:
    """Return a fast ``pk -> url`` for an ``<int:pk>`` route (reverse() once, not per row)."""
    marker = 987654321
    pattern = reverse(name, kwargs={"pk": marker})
    head, tail = pattern.split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


# ---------------------------------------------------------------------------------------------
# What each kind indexes.

PUBLICATION_FIELDS = (
    "pk",
    "title",
    "doc_no",
    "body",
    "responsible_body",
    "division_id",
    "entry__item__first_level__domain_id",
    "published_at",
    "pub_type__name",
)


def _publication_documents(rows: Iterable[dict]) -> list[SearchDocument]:
    url = _url_pattern("portal:publication")
    docs = []
    for row in rows:
        text = html_to_text(row["body"])
        extra = " ".join(v for v in (row["doc_no"], row["responsible_body"]) if v)
        docs.append(
            SearchDocument(
                kind=Kind.PUBLICATION,
                object_id=row["pk"],
                title=row["title"][:300],
                body=(f"{extra} {text}" if extra else text)[:BODY_CHARS],
                url=url(row["pk"]),
                division_id=row["division_id"],
                domain_id=row["entry__item__first_level__domain_id"],
                date=row["published_at"],
                tokens=tokens_for(row["title"], extra, text),
                group_key=f"{Kind.PUBLICATION}:{row['pk']}",
                context=_context(row["pub_type__name"], row["responsible_body"]),
            )
        )
    return docs


ENTRY_FIELDS = (
    "pk",
    "division_id",
    "item_id",
    "item__name",
    "item__first_level__name",
    "item__first_level__domain_id",
    "item__first_level__domain__name",
    "published_values",
    "published_at",
)
# The elements whose text is searched, in the registry's order (公开内容 first, for the snippet).
ENTRY_TEXT = elements.SEARCHABLE


def _entry_documents(rows: Iterable[dict]) -> list[SearchDocument]:
    url = _url_pattern("portal:entry")
    docs = []
    for row in rows:
        values = row["published_values"] or {}
        parts = [str(values.get(name) or "") for name in ENTRY_TEXT]
        text = "；".join(p for p in parts if p)
        title = row["item__name"]
        docs.append(
            SearchDocument(
                kind=Kind.ENTRY,
                object_id=row["pk"],
                title=title[:300],
                body=f"{row['item__first_level__name']}：{text}"[:BODY_CHARS],
                url=url(row["pk"]),
                division_id=row["division_id"],
                domain_id=row["item__first_level__domain_id"],
                date=row["published_at"],
                tokens=tokens_for(title, row["item__first_level__name"], text),
                # Every division's entry of one second-level item is one result.
                group_key=f"{Kind.ENTRY}:{row['item_id']}",
                context=_context(
                    row["item__first_level__domain__name"], row["item__first_level__name"]
                ),
            )
        )
    return docs


GUIDE_FIELDS = (
    "pk",
    "unify_id",
    "name",
    "name_key",
    "rights_code",
    "division_id",
    "changed_at",
    "type_name",
    "org_name",
    "dept_name",
    "serve_object",
    "acceptance_condition",
    "according",
    "process",
    "transact_addr",
)
# The fields whose text is searched (the snippet is cut from them in this order).
GUIDE_TEXT = GUIDE_FIELDS[7:]


def _guide_documents(rows: Iterable[dict]) -> list[SearchDocument]:
    docs = []
    for row in rows:
        parts = [html_to_text(row[name]) for name in GUIDE_TEXT]
        text = "；".join(p for p in parts if p)
        docs.append(
            SearchDocument(
                kind=Kind.GUIDE,
                object_id=row["pk"],
                title=row["name"][:300],
                body=text[:BODY_CHARS],
                url=reverse("portal:guide", args=[row["unify_id"]]),
                division_id=row["division_id"],
                domain_id=None,
                date=row["changed_at"],
                # Segmented field by field, so that the parts areas share (process, addresses,
                # departments) are segmented once: the tokens are the same, as jieba segments
                # each run of Han characters apart and the joiner is punctuation.
                tokens=tokens_for(row["name"], *parts),
                # One service item offered by several areas shares its 基本编码 (else its name).
                group_key=f"{Kind.GUIDE}:{row['rights_code'] or row['name_key']}"[:120],
                context=_context(row["type_name"], row["dept_name"] or row["org_name"]),
            )
        )
    return docs


@dataclass(frozen=True)
class _Source:
    kind: str
    public: Callable[[], QuerySet]
    fields: tuple[str, ...]
    build: Callable[[Iterable[dict]], list[SearchDocument]]


SOURCES = {
    Kind.PUBLICATION: _Source(
        Kind.PUBLICATION,
        lambda: Publication.objects.public(),
        PUBLICATION_FIELDS,
        _publication_documents,
    ),
    Kind.ENTRY: _Source(
        Kind.ENTRY, lambda: CatalogEntry.objects.public(), ENTRY_FIELDS, _entry_documents
    ),
    Kind.GUIDE: _Source(Kind.GUIDE, lambda: Guide.objects.active(), GUIDE_FIELDS, _guide_documents),
}


# ---------------------------------------------------------------------------------------------
# Writing.


def _upsert(docs: list[SearchDocument]) -> int:
    SearchDocument.objects.bulk_create(
        docs,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=UPDATE_FIELDS,
    )
    return len(docs)


def index_kind(kind: str, ids: Iterable[int] | None = None) -> IndexResult:
    """Index the public objects of ``kind`` (all, or those of ``ids``); unindex the rest.

    With ``ids``, an id whose object is gone or no longer public loses its row; without,
    every row of ``kind`` whose object is not public goes.
    """
    source = SOURCES[Kind(kind)]
    started = time.monotonic()
    indexed = removed = 0
    public = source.public().order_by("pk")
    if ids is None:
        last = 0
        while True:
            rows = list(public.filter(pk__gt=last).values(*source.fields)[:CHUNK])
            if not rows:
                break
            indexed += _upsert(source.build(rows))
            last = rows[-1]["pk"]
        removed, _ = (
            SearchDocument.objects.filter(kind=kind)
            .exclude(object_id__in=source.public().values("pk"))
            .delete()
        )
    else:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            if chunk[-1] - chunk[0] < 2 * len(chunk):
                # Dense ids (a bulk load or publish): a range scan, keeping the ids asked for,
                # reads them faster than a long IN list.
                wanted_here = set(chunk)
                rows = public.filter(pk__gte=chunk[0], pk__lte=chunk[-1]).values(*source.fields)
                rows = [row for row in rows if row["pk"] in wanted_here]
            else:
                rows = list(public.filter(pk__in=chunk).values(*source.fields))
            indexed += _upsert(source.build(rows))
            found = {row["pk"] for row in rows}
            gone = [pk for pk in chunk if pk not in found]
            if gone:
                n, _ = SearchDocument.objects.filter(kind=kind, object_id__in=gone).delete()
                removed += n
    return IndexResult(
        indexed={kind: indexed}, removed={kind: removed}, seconds=time.monotonic() - started
    )


def index_guides(ids: Iterable[int] | None = None) -> IndexResult:
    """Index active guides (all, or those of ``ids``) and unindex withdrawn or vanished ones."""
    return index_kind(Kind.GUIDE, ids)


def index_entries(ids: Iterable[int] | None = None, *, with_derived: bool = True) -> IndexResult:
    """Index public catalog entries (all, or ``ids``) and unindex dropped or unpublished ones.

    An approval also rewrites the published snapshots of the entries derived from it, so with
    ``with_derived`` those are indexed again too.
    """
    if ids is not None and with_derived:
        ids = entries_with_derived(ids)
    return index_kind(Kind.ENTRY, ids)


def entries_with_derived(ids: Iterable[int]) -> list[int]:
    """Return ``ids`` and the ids of every entry derived from them, at any depth."""
    seen = set(ids)
    frontier = list(seen)
    while frontier:
        below = []
        for start in range(0, len(frontier), CHUNK):
            below += CatalogEntry.objects.filter(
                source_id__in=frontier[start : start + CHUNK]
            ).values_list("pk", flat=True)
        frontier = [pk for pk in below if pk not in seen]
        seen.update(frontier)
    return sorted(seen)


def index_guides_changed_since(since) -> IndexResult:
    """Index the guides a sync run changed (changed or withdrawn since ``since``)."""
    from django.db.models import Q

    ids = Guide.objects.filter(Q(changed_at__gte=since) | Q(withdrawn_at__gte=since)).values_list(
        "pk", flat=True
    )
    return index_guides(list(ids))
