"""Tie catalog entries of service items to their service guides (我要看 / 我要办).

An entry is tied by code when its 对应本级政务服务事项名称 carries the guide's 31-character
实施编码 or 12-character 基本编码, otherwise by the normalised name, among the guides of the
entry's county-level area (a township's services are its district's). A name that several active
guides of the area share is ambiguous and left for staff to tie by hand. The public reads the
entry's published values, so ties follow them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from districts.models import Division, within_q
from guides.models import Guide
from guides.normalise import name_key

from . import policies
from .models import CatalogEntry, GuideLink

TASK_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{31}(?![0-9A-Za-z])")
RIGHTS_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{12}(?![0-9A-Za-z])")


@dataclass
class LinkCounts:
    created: int = 0
    changed: int = 0
    removed: int = 0
    kept: int = 0


def entry_area(entry_division_code: str) -> str:
    """Return the county-level area code whose guides serve a division (townships: their
    district's)."""
    return entry_division_code[:6]


def entry_service_values(entry: CatalogEntry) -> tuple[str, str]:
    """Return the entry's (item_type, service_name) as the public reads them."""
    values = entry.published_values
    if values is not None:
        return values.get("item_type") or "", values.get("service_name") or ""
    return entry.item_type, entry.service_name


def service_entries():
    """Return the entries that are, or were published as, service items."""
    service = CatalogEntry.ItemType.SERVICE
    return CatalogEntry.objects.filter(
        Q(item_type=service) | Q(published_values__item_type=service)
    )


class _GuideIndex:
    """The active guides by code and by (area, name key), read in one query.

    ``areas`` (county-level codes) limits it to the guides those areas' entries can tie to.
    """

    def __init__(self, areas: set[str] | None = None) -> None:
        self.by_task: dict[str, int] = {}
        self.by_rights: dict[tuple[str, str], list[int]] = {}
        self.by_name: dict[tuple[str, str], list[int]] = {}
        guides = Guide.objects.active()
        if areas is not None:
            where = Q(pk__in=[])
            for area in areas:
                where |= Q(area_code__startswith=area)
            guides = guides.filter(where)
        rows = guides.values_list("pk", "area_code", "name_key", "rights_code", "task_code")
        for pk, area, key, rights, task in rows:
            if task:
                self.by_task[task] = pk
            if rights:
                self.by_rights.setdefault((area[:6], rights), []).append(pk)
            self.by_name.setdefault((area[:6], key), []).append(pk)

    def match(self, area: str, service_name: str) -> tuple[int | None, str]:
        """Return (guide id, method) for an entry's service name, or (None, "")."""
        for code in TASK_CODE.findall(service_name):
            if code in self.by_task:
                return self.by_task[code], GuideLink.Method.CODE
        for code in RIGHTS_CODE.findall(service_name):
            found = self.by_rights.get((area, code), [])
            if len(found) == 1:
                return found[0], GuideLink.Method.CODE
        # A name with the code in brackets still matches on the name around it.
        bare = RIGHTS_CODE.sub("", TASK_CODE.sub("", service_name))
        found = self.by_name.get((area, name_key(bare)), [])
        if len(found) == 1:
            return found[0], GuideLink.Method.NAME
        return None, ""


def _scope_q(divisions, item_ids, entry_ids, within) -> Q | None:
    """Return a Q over entries for the scope given (None: every entry)."""
    parts = []
    if divisions is not None:
        parts.append(Q(division_id__in=list(divisions)))
    if item_ids is not None:
        parts.append(Q(item_id__in=list(item_ids)))
    if entry_ids is not None:
        parts.append(Q(pk__in=list(entry_ids)))
    if within is not None:
        subtree = Q(pk__in=[])
        for division in within:
            subtree |= within_q(division, prefix="division__")
        parts.append(subtree)
    if not parts:
        return None
    scope = Q(pk__in=[])
    for part in parts:
        scope |= part
    return scope


def links_refresh(*, divisions=None, item_ids=None, entry_ids=None, within=None) -> LinkCounts:
    """Tie the service entries in scope to their guides automatically; return what changed.

    The scope is the union of the entries of ``divisions`` (ids), of ``item_ids``, the entries
    ``entry_ids`` and those of the subtrees of ``within`` (Division objects); none given means
    every entry. Work is linear in the entries in scope: each is matched once against an
    index of its areas' guides, read once.

    Hand-made ties are kept. An automatic tie whose guide was withdrawn is kept until a new
    match appears, so that the entry's page can say the item was cancelled.
    """
    counts = LinkCounts()
    scope = _scope_q(divisions, item_ids, entry_ids, within)
    entries = service_entries()
    links_qs = GuideLink.objects.select_related("guide").only(
        "entry_id", "guide_id", "method", "guide__status"
    )
    if scope is not None:
        entries = entries.filter(scope)
        links_qs = links_qs.filter(entry__in=CatalogEntry.objects.filter(scope).values("pk"))
    rows = list(
        entries.values_list("pk", "division__code", "item_type", "service_name", "published_values")
    )
    index = _GuideIndex(None if scope is None else {entry_area(r[1]) for r in rows})
    now = timezone.now()
    links = {link.entry_id: link for link in links_qs}
    seen = set()
    to_create, to_update, to_remove = [], [], []
    for pk, code, item_type, service_name, published in rows:
        seen.add(pk)
        if published is not None:
            item_type = published.get("item_type") or ""
            service_name = published.get("service_name") or ""
        link = links.get(pk)
        if link is not None and link.method == GuideLink.Method.MANUAL:
            counts.kept += 1
            continue
        guide_id, method = (None, "")
        if item_type == CatalogEntry.ItemType.SERVICE and service_name:
            guide_id, method = index.match(entry_area(code), service_name)
        if guide_id is None:
            if link is not None and (
                item_type != CatalogEntry.ItemType.SERVICE
                or link.guide.status == Guide.Status.ACTIVE
            ):
                to_remove.append(pk)
            elif link is not None:
                counts.kept += 1
            continue
        if link is None:
            to_create.append(
                GuideLink(entry_id=pk, guide_id=guide_id, method=method, linked_at=now)
            )
        elif link.guide_id != guide_id or link.method != method:
            link.guide_id, link.method, link.linked_at = guide_id, method, now
            to_update.append(link)
        else:
            counts.kept += 1
    stale = [pk for pk, link in links.items() if pk not in seen and link.method != "manual"]
    with transaction.atomic():
        GuideLink.objects.bulk_create(to_create, batch_size=500)
        GuideLink.objects.bulk_update(to_update, ["guide", "method", "linked_at"], batch_size=500)
        if to_remove or stale:
            GuideLink.objects.filter(entry_id__in=[*to_remove, *stale]).delete()
    counts.created, counts.changed = len(to_create), len(to_update)
    counts.removed = len(to_remove) + len(stale)
    return counts


def links_refresh_on_commit(*, divisions=None, item_ids=None, entry_ids=None) -> None:
    """Refresh the ties of the entries in scope once the current transaction commits.

    Recorded in the outbox and run as a task (in-process when there is no broker): the
    request that published or derived does not wait for it, and an outage does not lose it.
    """
    from outbox.services import enqueue

    from .tasks import refresh_guide_links

    def ids(values):
        return None if values is None else sorted(set(values))

    enqueue(
        refresh_guide_links,
        divisions=ids(divisions),
        item_ids=ids(item_ids),
        entry_ids=ids(entry_ids),
    )


def _require(user, entry: CatalogEntry) -> None:
    if user is not None and not policies.entries.allows(user, "change", entry):
        raise PermissionDenied("您无权修改该区划的目录事项。")


def link_set(*, entry: CatalogEntry, guide: Guide, user) -> GuideLink:
    """Tie ``entry`` to ``guide`` by hand and return the tie; a later refresh keeps it."""
    _require(user, entry)
    if entry.is_dropped:
        raise ValidationError("该目录事项已删减，不能关联办事指南。")
    if entry_service_values(entry)[0] != CatalogEntry.ItemType.SERVICE:
        raise ValidationError("只有事项类型为“政务服务事项”的目录事项才能关联办事指南。")
    if guide.status != Guide.Status.ACTIVE:
        raise ValidationError("该办事指南已在省平台取消，不能关联。")
    if guide.area_code[:6] != entry_area(entry.division.code):
        raise ValidationError(
            f"该办事指南属于区划 {guide.area_code}，与目录事项所在区划"
            f"（{entry.division.name}）不一致。"
        )
    with transaction.atomic():
        link, _created = GuideLink.objects.update_or_create(
            entry=entry,
            defaults={
                "guide": guide,
                "method": GuideLink.Method.MANUAL,
                "linked_by": user if user is not None and user.is_authenticated else None,
                "linked_at": timezone.now(),
            },
        )
    return link


def link_clear(*, entry: CatalogEntry, user) -> bool:
    """Remove ``entry``'s tie; return whether there was one.

    A later refresh ties the entry again when its name or code still matches a guide; a wrong
    automatic tie is corrected by tying the right guide by hand, which refreshes keep.
    """
    _require(user, entry)
    deleted, _ = GuideLink.objects.filter(entry=entry).delete()
    return bool(deleted)


def entries_without_guide():
    """Return the entries the public reads as service items that no guide is tied to."""
    service = CatalogEntry.ItemType.SERVICE
    return (
        CatalogEntry.objects.filter(
            Q(published_values__isnull=True, item_type=service)
            | Q(published_values__item_type=service)
        )
        .filter(is_dropped=False)
        .exclude(Exists(GuideLink.objects.filter(entry=OuterRef("pk"))))
    )


def guides_without_entry():
    """Return the active guides that no catalog entry is tied to."""
    return Guide.objects.active().exclude(Exists(GuideLink.objects.filter(guide=OuterRef("pk"))))


# -- staff reads (the tie pages' lists and searches) -------------------------------------
def entries_visible_to(user) -> QuerySet[CatalogEntry]:
    """Return the entries in divisions where ``user`` may view or change catalog entries."""
    return policies.entries.instances_for(user, "view", "change")


def service_as_published_q() -> Q:
    """Keep the entries that are service items as the public reads them.

    ``entries_without_guide()`` also holds entries whose working copy became a service item
    while the published one is not; ``link_set`` refuses those, so the lists leave them out.
    """
    service = CatalogEntry.ItemType.SERVICE
    return Q(published_values__isnull=True, item_type=service) | Q(
        published_values__item_type=service
    )


def areas_visible_to(user) -> QuerySet[Division]:
    """Return the county-level (and city) divisions whose guides serve the user's divisions.

    A township's services are its district's, so a township editor sees the district's guides.
    """
    scope = policies.entries.division_q(user, "view", "change")
    areas = Division.objects.exclude(level=Division.Level.TOWNSHIP)
    if scope:
        codes = Division.objects.filter(scope).annotate(area=Substr("code", 1, 6)).values("area")
        areas = areas.filter(code__in=codes)
    return areas.order_by("tree_id", "lft")


def guide_area_q(codes: list[str] | None) -> Q:
    """Return a Q keeping the guides of the areas ``codes`` (None: of every area)."""
    if codes is None:
        return Q()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(area_code__startswith=code)
    return q


def guide_search(guides: QuerySet[Guide], term: str) -> QuerySet[Guide]:
    """Return the guides whose name (width, brackets and spaces aside) or code holds ``term``."""
    term = term.strip()
    if not term:
        return guides
    q = Q(name__icontains=term) | Q(task_code__icontains=term) | Q(rights_code__icontains=term)
    if key := name_key(term):
        q |= Q(name_key__contains=key)
    return guides.filter(q)


def entry_search(entries: QuerySet[CatalogEntry], term: str) -> QuerySet[CatalogEntry]:
    """Return the entries whose item, service name or division holds ``term``."""
    term = term.strip()
    if not term:
        return entries
    return entries.filter(
        Q(item__name__icontains=term)
        | Q(service_name__icontains=term)
        | Q(published_values__service_name__icontains=term)
        | Q(division__name__icontains=term)
    )
