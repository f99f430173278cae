"""Review of catalog entries: draft → submitted → published, or back to draft with a reason.

The reviewer is the office of the division above (township → district, district → city), or the
city office; nobody approves what they submitted. Every path that changes an entry's review state
(admin, import, shell) calls these functions, which check the state, the reviewer and the scope
themselves, record the step and queue the notices after the transaction commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from outbox.services import enqueue
from portal.review_kernel import clean_reason, require_reviewer, require_status

from . import policies, routing
from .guide_links import links_refresh_on_commit
from .models import (
    ELEMENT_COLUMNS,
    CatalogEntry,
    CatalogEvent,
    Channel,
    Element,
    ReviewStatus,
)
from .services import get_value
from .signals import entries_published

# The name of the change page's 保存并提交审核 button (the form is saved, then submitted).
SUBMIT_FIELD = "_submit_review"


# ---------------------------------------------------------------------------------------------
# The published snapshot.
#
# ``published_values`` holds every element as the public reads it, plus two facts about the
# approval itself: ``overridden`` (the elements this entry's own office approved as its own; the
# others follow what the source *published*) and ``dropped_here`` (this entry's office approved
# dropping it). ``is_dropped`` is what the public sees: dropped here, or dropped above.


def entries_snapshot(entries: Iterable[CatalogEntry]) -> dict[int, dict[str, Any]]:
    """Return, per entry id, its working copy's elements as the public would read them.

    Entries should come with their channels prefetched; the channel names are read once. The
    result holds the entry's own values for every element (see ``approved_snapshot`` for what
    an approval publishes).
    """
    names = dict(Channel.objects.values_list("pk", "name"))
    snapshots = {}
    for entry in entries:
        values: dict[str, Any] = {}
        for element in Element.values:
            value = get_value(entry, element)
            if element == Element.CHANNELS:
                value = [names.get(pk, str(pk)) for pk in value]
            values[element] = value
        dropped_here = entry.is_dropped and entry.drop_reason != CatalogEntry.DropReason.UPSTREAM
        values["is_dropped"] = entry.is_dropped
        values["dropped_here"] = dropped_here
        values["overridden"] = list(entry.overridden) if entry.source_id else []
        snapshots[entry.pk] = values
    return snapshots


def published_overridden(entry: CatalogEntry, snapshot: dict[str, Any]) -> list[str]:
    """Return the elements whose published value is the entry's own (not its source's)."""
    if entry.source_id is None:
        return list(Element.values)
    # Snapshots taken before these keys existed: the working copy's list (migration 0006 fills
    # them in; this keeps a half-migrated row readable).
    return list(snapshot.get("overridden", entry.overridden))


def approved_snapshot(
    entry: CatalogEntry, own: dict[str, Any], source_published: dict[str, Any] | None
) -> dict[str, Any]:
    """Return what approving ``entry`` publishes, from its working copy ``own``.

    Each element the entry follows takes its source's *published* value, never the source's
    working copy, which may carry a change nobody approved yet; a drop that came down from an
    unapproved drop above is not published either.
    """
    snapshot = dict(own)
    if entry.source_id is None:
        return snapshot
    if source_published is None:
        raise ValidationError(
            f"“{entry.item.name}”（{entry.division.name}）的来源事项尚未在"
            f"{entry.source.division.name}的目录中审核发布，请先审核发布上级目录。"
        )
    for element in Element.values:
        if element not in entry.overridden:
            snapshot[element] = source_published.get(element)
    snapshot["is_dropped"] = bool(snapshot["dropped_here"] or source_published.get("is_dropped"))
    return snapshot


def _cascade_snapshots(entry_ids: list[int]) -> int:
    """Refresh the published snapshots of entries derived from ``entry_ids``; return how many.

    What a derived entry follows was just approved upstream, so the public sees it at once: each
    element it published as following takes the value its source *published*. What its own
    office approved as its own stays; a pending change of its own (working copy) changes nothing
    until it is approved in turn. Dropped above means dropped below, for the public too.
    """
    updated = 0
    published = dict(
        CatalogEntry.objects.filter(pk__in=entry_ids).values_list("pk", "published_values")
    )
    frontier = entry_ids
    while frontier:
        level = list(CatalogEntry.objects.filter(source_id__in=frontier))
        changed = []
        for child in level:
            source = published.get(child.source_id)
            if child.published_values is None or source is None:
                continue
            snapshot = dict(child.published_values)
            own = published_overridden(child, snapshot)
            for element in Element.values:
                if element not in own:
                    snapshot[element] = source.get(element)
            here = snapshot.get("dropped_here")
            if here is None:  # an old snapshot: its drop was its own unless the source's
                here = bool(snapshot.get("is_dropped")) and not source.get("is_dropped")
            snapshot["dropped_here"] = here
            snapshot["overridden"] = own
            snapshot["is_dropped"] = bool(here or source.get("is_dropped"))
            published[child.pk] = snapshot
            if snapshot != child.published_values:
                child.published_values = snapshot
                changed.append(child)
        CatalogEntry.objects.bulk_update(changed, ["published_values"], batch_size=500)
        updated += len(changed)
        frontier = [c.pk for c in level]
    return updated


# ---------------------------------------------------------------------------------------------
# Checks.


def _locked(entries: Iterable[CatalogEntry]) -> list[CatalogEntry]:
    ids = [e.pk for e in entries]
    rows = list(
        CatalogEntry.objects.select_for_update(of=("self",))
        .select_related("division", "item__first_level", "submitted_by")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(rows) != len(set(ids)):
        raise ValidationError("部分目录事项已不存在，请刷新后重试。")
    return rows


def _require_editor(user, entry: CatalogEntry) -> None:
    if not policies.entries.allows(user, "change", entry):
        raise PermissionDenied(f"您没有{entry.division.name}目录的填报权限。")


def _require_reviewer(user, entry: CatalogEntry) -> None:
    require_reviewer(user, entry, allows=policies.entries.allows, name=entry.item.name)


def _stage(entry: CatalogEntry, routes) -> tuple[routing.Route | None, str]:
    route = routing.route_of(entry, routes)
    return route, routing.stage_of(entry, route)


def _require_office_stage(entry: CatalogEntry, routes) -> None:
    route, stage = _stage(entry, routes)
    if route is not None and route.before and stage == routing.DEPARTMENT:
        raise ValidationError(
            f"“{entry.item.name}”（{entry.division.name}）须先经{route.department_name}"
            "业务审核通过，再由市政务公开办审核发布。"
        )


def _require_status(entry: CatalogEntry, status: str, doing: str) -> None:
    require_status(entry, doing, status, name=entry.item.name, where=entry.division.name)


def _transition(entry: CatalogEntry, action: str, to: str, user, reason: str = "") -> CatalogEvent:
    event = CatalogEvent(
        division_id=entry.division_id,
        entry=entry,
        action=action,
        user=user,
        from_status=entry.status,
        to_status=to,
        reason=reason,
    )
    entry.status = to
    return event


# ---------------------------------------------------------------------------------------------
# Transitions. Each takes several entries so that a whole catalog moves in one transaction.


@transaction.atomic
def entries_submit(*, entries: Iterable[CatalogEntry], user) -> list[CatalogEntry]:
    """Submit draft entries to the office above and return them; all or none."""
    rows = _locked(entries)
    now = timezone.now()
    events = []
    for entry in rows:
        _require_editor(user, entry)
        _require_status(entry, ReviewStatus.DRAFT, "提交审核")
        events.append(_transition(entry, CatalogEvent.Action.SUBMIT, ReviewStatus.SUBMITTED, user))
        entry.submitted_by, entry.submitted_at = user, now
        entry.return_reason = ""
        entry.checked_by, entry.checked_at = None, None
    CatalogEntry.objects.bulk_update(
        rows,
        ["status", "submitted_by", "submitted_at", "return_reason", "checked_by", "checked_at"],
        batch_size=500,
    )
    CatalogEvent.objects.bulk_create(events, batch_size=1000)
    _notify("submitted", rows, user)
    return rows


@transaction.atomic
def entries_recall(*, entries: Iterable[CatalogEntry], user) -> list[CatalogEntry]:
    """Take submitted entries back to draft before review and return them; all or none."""
    rows = _locked(entries)
    events = []
    for entry in rows:
        _require_editor(user, entry)
        _require_status(entry, ReviewStatus.SUBMITTED, "撤回提交")
        events.append(_transition(entry, CatalogEvent.Action.RECALL, ReviewStatus.DRAFT, user))
    CatalogEntry.objects.bulk_update(rows, ["status"], batch_size=500)
    CatalogEvent.objects.bulk_create(events, batch_size=1000)
    return rows


@transaction.atomic
def entries_approve(*, entries: Iterable[CatalogEntry], user) -> list[CatalogEntry]:
    """Approve submitted entries, publish their current content and return them; all or none.

    Entries derived from them take the newly published values of what they follow.
    """
    rows = _locked(entries)
    if not rows:
        # Nothing published, nothing owed: no signal, and no re-tie of guides queued (a bulk
        # approve whose selection lay wholly out of the reviewer's scope arrives here empty).
        return rows
    events = []
    routes = routing.load_routes()
    for entry in rows:
        _require_reviewer(user, entry)
        _require_status(entry, ReviewStatus.SUBMITTED, "审核通过")
        _require_office_stage(entry, routes)
    now = timezone.now()
    snapshots = entries_snapshot(
        CatalogEntry.objects.filter(pk__in=[e.pk for e in rows]).prefetch_related("channels")
    )
    # Sources first (city, then districts), so that an entry approved together with its
    # source follows what the source publishes in the same step.
    rows.sort(key=lambda e: (e.division.depth or 0, e.pk))
    source_ids = {e.source_id for e in rows if e.source_id}
    published = dict(
        CatalogEntry.objects.filter(pk__in=source_ids).values_list("pk", "published_values")
    )
    for entry in rows:
        entry.published_values = approved_snapshot(
            entry, snapshots[entry.pk], published.get(entry.source_id)
        )
        published[entry.pk] = entry.published_values
        events.append(_transition(entry, CatalogEvent.Action.APPROVE, ReviewStatus.PUBLISHED, user))
        entry.reviewed_by, entry.reviewed_at, entry.published_at = user, now, now
    CatalogEntry.objects.bulk_update(
        rows,
        ["status", "reviewed_by", "reviewed_at", "published_at", "published_values"],
        batch_size=500,
    )
    CatalogEvent.objects.bulk_create(events, batch_size=1000)
    _cascade_snapshots([e.pk for e in rows])
    entries_published.send(CatalogEntry, entry_ids=[e.pk for e in rows])
    _notify("approved", rows, user)
    links_refresh_on_commit(item_ids=[e.item_id for e in rows])
    return rows


@transaction.atomic
def entries_check(*, entries: Iterable[CatalogEntry], user) -> list[CatalogEntry]:
    """Pass submitted district entries on to the city office after a department's check.

    For domains a city department reviews before the city office (``DomainReview``, mode
    "before"): the department's reviewer records the check, the entries stay submitted and
    now wait for the office. Return the entries; all or none.
    """
    rows = _locked(entries)
    routes = routing.load_routes()
    events = []
    now = timezone.now()
    for entry in rows:
        _require_status(entry, ReviewStatus.SUBMITTED, "业务审核")
        route, stage = _stage(entry, routes)
        if route is None or not route.before or stage != routing.DEPARTMENT:
            raise ValidationError(
                f"“{entry.item.name}”（{entry.division.name}）不需要或已经过市直部门业务审核。"
            )
        _require_reviewer(user, entry)
        events.append(_transition(entry, CatalogEvent.Action.CHECK, ReviewStatus.SUBMITTED, user))
        entry.checked_by, entry.checked_at = user, now
    CatalogEntry.objects.bulk_update(rows, ["checked_by", "checked_at"], batch_size=500)
    CatalogEvent.objects.bulk_create(events, batch_size=1000)
    # The city office is told that the entries now wait for it.
    _notify("checked", rows, user)
    return rows


@transaction.atomic
def entries_return(*, entries: Iterable[CatalogEntry], user, reason: str) -> list[CatalogEntry]:
    """Send submitted entries back to draft with ``reason`` and return them; all or none."""
    reason = clean_reason(reason, "退回")
    rows = _locked(entries)
    events = []
    now = timezone.now()
    for entry in rows:
        _require_reviewer(user, entry)
        _require_status(entry, ReviewStatus.SUBMITTED, "退回")
        events.append(
            _transition(entry, CatalogEvent.Action.RETURN, ReviewStatus.DRAFT, user, reason)
        )
        entry.return_reason, entry.reviewed_by, entry.reviewed_at = reason, user, now
        entry.checked_by, entry.checked_at = None, None
    CatalogEntry.objects.bulk_update(
        rows,
        ["status", "return_reason", "reviewed_by", "reviewed_at", "checked_by", "checked_at"],
        batch_size=500,
    )
    CatalogEvent.objects.bulk_create(events, batch_size=1000)
    _notify("returned", rows, user)
    return rows


# What ``entries_snapshot`` reads of an entry: the elements' columns and how it was dropped or
# personalised (the rest, JSON columns among them, is not loaded for 150,000 entries).
_SNAPSHOT_FIELDS = (
    *sorted({column for columns in ELEMENT_COLUMNS.values() for column in columns}),
    "is_dropped",
    "drop_reason",
    "overridden",
    "source",
)


@transaction.atomic
def catalog_publish_as_loaded(*, entry_ids: list[int]) -> int:
    """Mark entries published as they stand, without a review step; return how many.

    Only for loading data that was reviewed elsewhere (the demo catalog, taken from published
    pages); it records one event per entry so that the history says where the state came from.
    """
    now = timezone.now()
    done = 0
    # Entries with the same snapshot (an item's copies across divisions, as loaded) are
    # written by one UPDATE each: row by row (bulk_update's CASE per row) a city's catalog
    # of 150,000 entries took minutes.
    by_snapshot: dict[str, list[int]] = {}
    for start in range(0, len(entry_ids), 2000):
        chunk = list(
            CatalogEntry.objects.filter(pk__in=entry_ids[start : start + 2000])
            .only(*_SNAPSHOT_FIELDS)
            .prefetch_related(Prefetch("channels", queryset=Channel.objects.only("pk")))
        )
        snapshots = entries_snapshot(chunk)
        for entry in chunk:
            key = json.dumps(snapshots[entry.pk], ensure_ascii=False, sort_keys=True)
            by_snapshot.setdefault(key, []).append(entry.pk)
        _record_loaded([entry.pk for entry in chunk], now)
        done += len(chunk)
    for key, ids in by_snapshot.items():
        snapshot = json.loads(key)
        for start in range(0, len(ids), 2000):
            CatalogEntry.objects.filter(pk__in=ids[start : start + 2000]).update(
                status=ReviewStatus.PUBLISHED, published_at=now, published_values=snapshot
            )
    entries_published.send(CatalogEntry, entry_ids=list(entry_ids))
    links_refresh_on_commit()
    return done


def _record_loaded(entry_ids: list[int], now) -> None:
    """Record one 审核通过并发布 event per entry, from its current status, in one INSERT …
    SELECT: a city's catalog loaded as published is 150,000 events, which cost seconds as
    model instances (``make run`` loads it)."""
    if not entry_ids:
        return
    event, entry = CatalogEvent._meta, CatalogEntry._meta
    quote = connection.ops.quote_name
    column = {
        name: quote(event.get_field(name).column)
        for name in (
            "division",
            "entry",
            "action",
            "element",
            "old_value",
            "new_value",
            "detail",
            "from_status",
            "to_status",
            "reason",
            "user",
            "created_at",
        )
    }
    # A JSON literal needs its type on PostgreSQL (text is not assigned to jsonb implicitly).
    empty = "CAST('{}' AS jsonb)" if connection.vendor == "postgresql" else "'{}'"
    placeholders = ", ".join(["%s"] * len(entry_ids))
    sql = (
        f"INSERT INTO {quote(event.db_table)} ({', '.join(column.values())}) "
        f"SELECT e.{quote(entry.get_field('division').column)}, e.{quote(entry.pk.column)}, "
        f"%s, '', NULL, NULL, {empty}, e.{quote(entry.get_field('status').column)}, %s, %s, "
        f"NULL, %s FROM {quote(entry.db_table)} e "
        f"WHERE e.{quote(entry.pk.column)} IN ({placeholders})"
    )
    params = [
        CatalogEvent.Action.APPROVE.value,
        ReviewStatus.PUBLISHED.value,
        "载入时已是公开发布的目录（演示数据），未经本平台审核。",
        connection.ops.adapt_datetimefield_value(now),
        *entry_ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _notify(kind: str, rows: list[CatalogEntry], user) -> None:
    """Queue the e-mail about ``rows`` once the transaction commits."""
    from . import tasks

    ids = [e.pk for e in rows]
    if not ids:
        return
    task = {
        "submitted": tasks.notify_entries_submitted,
        "checked": tasks.notify_entries_submitted,
        "approved": tasks.notify_entries_reviewed,
        "returned": tasks.notify_entries_reviewed,
    }[kind]
    extra = {"checked": True} if kind == "checked" else {}
    # Recorded with the commit (outbox): a broker outage delays the e-mail, never loses it.
    enqueue(task, ids, getattr(user, "pk", None), **extra)
