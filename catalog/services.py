"""Every write to a catalog: one function per action, each atomic and each recorded.

Derivation rules (``docs/DESIGN.md``, "The model, in words", 一把尺): the city catalog is the
reference; a county catalog derives from it and may change any element or drop entries; a township
catalog derives from its county's and may only drop entries and adjust elements. An element that
was not changed follows its source; a changed one stays, and the entry records that its source
moved, so that its owner can decide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from districts.models import Department, Division
from districts.policy import acting_department

from . import policies
from .guide_links import links_refresh_on_commit
from .levels import canonical_levels, levels_from, merge_levels
from .models import (
    ELEMENT_COLUMNS,
    CatalogEntry,
    CatalogEvent,
    Channel,
    DomainReview,
    Element,
    ReviewStatus,
    SecondLevelItem,
)

ChannelLink = CatalogEntry.channels.through
TEXT_LIMITS = {
    f.name: f.max_length
    for f in CatalogEntry._meta.get_fields()
    if getattr(f, "max_length", None) and f.name in ELEMENT_COLUMNS
}


class DropNeedsConfirmation(Exception):
    """Raised when dropping an entry would also drop entries derived from it."""

    def __init__(self, entry: CatalogEntry, affected: list[CatalogEntry]):
        self.entry = entry
        self.affected = affected
        names = "、".join(e.division.name for e in affected[:10])
        more = f"等{len(affected)}个" if len(affected) > 10 else ""
        super().__init__(
            f"删减“{entry.item.name}”会同时删减下级目录中的同一事项（{names}{more}），请确认后再操作。"
        )

    @property
    def affected_divisions(self) -> list[Division]:
        return [e.division for e in self.affected]


@dataclass(frozen=True)
class DeriveResult:
    division: Division
    created: int


# ---------------------------------------------------------------------------------------------
# Element values: one comparable, JSON-able value per element, whatever its storage.


def get_value(entry: CatalogEntry, element: str) -> Any:
    """Return the element's value as a comparable plain value."""
    if element == Element.CHANNELS:
        return sorted(c.pk for c in entry.channels.all())
    columns = ELEMENT_COLUMNS[element]
    if len(columns) == 1:
        return getattr(entry, columns[0])
    return [getattr(entry, c) for c in columns]


def _set_columns(entry: CatalogEntry, element: str, value: Any) -> list[str]:
    """Set the element's columns on ``entry`` (not channels) and return their names."""
    columns = ELEMENT_COLUMNS[element]
    if len(columns) == 1:
        setattr(entry, columns[0], value)
    else:
        for column, part in zip(columns, value, strict=True):
            setattr(entry, column, part)
    return list(columns)


# Choices' .values builds a new list on each access; imports check every cell against these.
ELEMENT_VALUES = frozenset(Element.values)
ITEM_TYPE_VALUES = frozenset(CatalogEntry.ItemType.values)


def normalise_value(element: str, value: Any) -> Any:
    """Return ``value`` in the element's canonical form, or raise ValidationError in Chinese."""
    if element not in ELEMENT_VALUES:
        raise ValidationError(f"未知的公开要素：{element}")
    label = Element(element).label
    if element == Element.CHANNELS:
        try:
            pks = sorted({v.pk if isinstance(v, Channel) else int(v) for v in (value or [])})
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{label}：应为渠道列表。") from error
        if len(pks) != Channel.objects.filter(pk__in=pks).count():
            raise ValidationError(f"{label}：含有不存在的渠道。")
        return pks
    if element in (Element.AUDIENCE, Element.MODE):
        need = "全社会或特定群体" if element == Element.AUDIENCE else "主动或依申请"
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValidationError(f"{label}：应给出两项勾选（{need.replace('或', '、')}）。")
        parts = [bool(v) for v in value]
        if not any(parts):
            raise ValidationError(f"{label}：至少选择{need}之一。")
        return parts
    if element == Element.LEVELS:
        if not isinstance(value, list | tuple):
            raise ValidationError(f"{label}：应为层级列表。")
        levels = []
        for i, level in enumerate(value, 1):
            name = str(level.get("level", "")).strip() if isinstance(level, dict) else ""
            if not name:
                raise ValidationError(f"{label}：第{i}个层级缺少名称。")
            raw = level.get("channels") or []
            if isinstance(raw, str):
                # A single cell of names, as people type it: 政府网站、政务服务中心
                raw = re.split(r"[、,，;；]", raw)
            if not isinstance(raw, list | tuple):
                raise ValidationError(f"{label}：第{i}个层级的渠道应为列表。")
            channels = [str(c).strip() for c in raw if str(c).strip()]
            found = canonical_levels(name)
            if not found:
                raise ValidationError(
                    f"{label}：第{i}个层级“{name[:30]}”不是公开层级，应为市级、县级、乡级或村级"
                    "（区级、镇(街)级、乡、村级等写法会自动对应）。"
                )
            levels.append((found, channels))
        # Stored as the canonical levels (catalog/levels.py), merged, in canonical order.
        return merge_levels(levels)
    if element == Element.ITEM_TYPE:
        if value not in ITEM_TYPE_VALUES:
            raise ValidationError(f"{label}：应为“政务服务事项”或“非政务服务事项”。")
        return value
    if value is not None and not isinstance(value, str | int | float):
        raise ValidationError(f"{label}：应为文字。")
    text = "" if value is None else str(value).strip()
    limit = TEXT_LIMITS.get(element)
    if limit and len(text) > limit:
        raise ValidationError(f"{label}：不能超过{limit}个字符（现有{len(text)}个）。")
    return text


def display_value(element: str, value: Any) -> Any:
    """Return the value as recorded in the event log (channel names instead of ids)."""
    if element == Element.CHANNELS:
        names = dict(Channel.objects.filter(pk__in=value).values_list("pk", "name"))
        return [names.get(pk, str(pk)) for pk in value]
    return value


def _replace_channels(entry_ids: Sequence[int], channel_ids: Sequence[int]) -> None:
    ChannelLink.objects.filter(catalogentry_id__in=entry_ids).delete()
    ChannelLink.objects.bulk_create(
        [ChannelLink(catalogentry_id=e, channel_id=c) for e in entry_ids for c in channel_ids],
        batch_size=2000,
    )


def _lock(entry: CatalogEntry) -> CatalogEntry:
    """Re-read the entry inside the transaction, locked against concurrent writes."""
    return (
        CatalogEntry.objects.select_for_update(of=("self",))
        .select_related("division", "item", "source")
        .get(pk=entry.pk)
    )


def _require(user, action: str, target: CatalogEntry | Division) -> None:
    """Refuse a user who may not do ``action`` to ``target`` (an entry, or a whole division).

    ``user=None`` is the system itself (the demo loader, the import command run by an
    operator, data migrations); people always come with their user.
    """
    if user is not None and not policies.entries.allows(user, action, target):
        division = target if isinstance(target, Division) else target.division
        raise PermissionDenied(f"您没有{division.name}目录的修改权限。")


def may_add_reference(user, policy) -> bool:
    """Return True when ``user`` (None: the system) may add the shared reference data ``policy``
    governs (channels, items: the city's data, named anew only by those who keep it)."""
    return user is None or policy.allows(user, "add")


def require_entry_create(user, division: Division, *, derived: bool) -> None:
    """Refuse ``user`` creating an entry in ``division``; raise PermissionDenied in Chinese.

    A derived entry (it has a source in the parent's catalog) is what deriving creates: the
    editor's change permission covers it. An entry of the division's own needs the add
    permission, which townships never have (做减法).
    """
    if user is None:
        return
    if derived:
        _require(user, "change", division)
    elif not policies.entries.allows(user, "add", division):
        raise PermissionDenied(f"您无权在{division.name}的目录中新增本级事项。")


def _reopen(entry: CatalogEntry) -> list[str]:
    """Make ``entry`` a draft again before its owner changes it; return the fields to save.

    A submitted entry is frozen while the office above looks at it; a published one keeps its
    published snapshot for the public until the change is approved in turn.
    """
    if entry.status == ReviewStatus.SUBMITTED:
        raise ValidationError("该事项已提交审核，审核期间不能修改；如需修改，请先撤回提交。")
    if entry.status == ReviewStatus.PUBLISHED:
        entry.status = ReviewStatus.DRAFT
        return ["status"]
    return []


def _event(entry: CatalogEntry, action: str, user, **kwargs) -> CatalogEvent:
    return CatalogEvent(
        division_id=entry.division_id, entry=entry, action=action, user=user, **kwargs
    )


def _status_events(entry: CatalogEntry, before: str, user) -> list[CatalogEvent]:
    """Return the event recording that an edit took a published entry back to draft."""
    if before == entry.status:
        return []
    return [
        _event(
            entry,
            CatalogEvent.Action.PERSONALISE,
            user,
            from_status=before,
            to_status=entry.status,
            reason="已发布事项被修改，转为草稿，待重新审核；公众仍看到已发布的内容。",
        )
    ]


# ---------------------------------------------------------------------------------------------
# Propagation to derived entries.


def _propagate(source_ids: list[int], element: str, value: Any, user) -> None:
    """Push a changed element down to every entry derived from ``source_ids``, level by level.

    Entries that follow the element take the new value (and pass it on); entries that
    personalised it keep theirs and record that their source moved.
    """
    columns = ELEMENT_COLUMNS[element]
    shown = display_value(element, value)
    frontier = source_ids
    while frontier:
        children = CatalogEntry.objects.filter(source_id__in=frontier)
        if element == Element.CHANNELS:
            children = children.prefetch_related("channels")
        followers, movers, events = [], [], []
        for child in children:
            if element in child.overridden:
                if element not in child.upstream_changed:
                    child.upstream_changed = [*child.upstream_changed, element]
                    movers.append(child)
                    events.append(
                        _event(
                            child,
                            CatalogEvent.Action.UPSTREAM_MOVED,
                            user,
                            element=element,
                            new_value=shown,
                        )
                    )
            elif get_value(child, element) != value:
                old = get_value(child, element)
                if columns:
                    _set_columns(child, element, value)
                followers.append(child)
                events.append(
                    _event(
                        child,
                        CatalogEvent.Action.FOLLOW,
                        user,
                        element=element,
                        old_value=display_value(element, old),
                        new_value=shown,
                    )
                )
        if movers:
            CatalogEntry.objects.bulk_update(movers, ["upstream_changed"], batch_size=500)
        if followers:
            if columns:
                CatalogEntry.objects.bulk_update(followers, list(columns), batch_size=500)
            else:
                _replace_channels([c.pk for c in followers], value)
        CatalogEvent.objects.bulk_create(events, batch_size=1000)
        frontier = [c.pk for c in followers]


# ---------------------------------------------------------------------------------------------
# The write services.


@transaction.atomic
def entry_create(
    *, division: Division, item: SecondLevelItem, values: dict[str, Any], user
) -> CatalogEntry:
    """Create an entry of the division's own (no source) and return it.

    Only the city and counties add entries; a township catalog only subtracts (做减法).
    """
    _require(user, "add", division)
    if division.is_township:
        raise ValidationError("乡镇(街道)目录只能从所属区县目录中删减和调整要素，不能新增事项。")
    if CatalogEntry.objects.filter(division=division, item=item).exists():
        raise ValidationError(f"{division.name}的目录中已有“{item.name}”。")
    # A department's editor adds to their own department; the office's entries have none.
    entry = CatalogEntry(
        division=division, item=item, updated_by=user, department=acting_department(user, division)
    )
    channels: list[int] = []
    for element, raw in values.items():
        value = normalise_value(element, raw)
        if element == Element.CHANNELS:
            channels = value
        else:
            _set_columns(entry, element, value)
    entry.full_clean(exclude=["source"])
    entry.save()
    entry.channels.set(channels)
    CatalogEvent.objects.create(
        division=division,
        entry=entry,
        action=CatalogEvent.Action.CREATE,
        user=user,
        new_value={"item": item.name},
    )
    return entry


@transaction.atomic
def catalog_derive(
    *, division: Division, user, refresh_ties: bool = True, by_level: bool = False
) -> DeriveResult:
    """Derive the division's catalog from its parent's and return how many entries were added.

    Entries the division already holds (active or dropped) are left as they are, so running
    it again only adds what the parent gained since. The new entries are tied to their service
    guides by a task after the commit; a caller deriving many divisions passes
    ``refresh_ties=False`` and refreshes them all once at the end (``links_refresh_on_commit``).
    With ``by_level``, an entry whose 公开层级 names only levels above the division's own (a
    市级|县级 licence, for a township) is not copied; an entry naming no level is.
    """
    _require(user, "change", division)
    parent = division.parent
    if parent is None:
        raise ValidationError("市级参考目录是源头，不从其他目录生成。")
    # Serialise derivations of the same division: the copy below finds its rows by id.
    Division.objects.select_for_update().filter(pk=division.pk).exists()
    if parent.parent_id is not None and not CatalogEntry.objects.filter(division=parent).exists():
        raise ValidationError(f"{parent.name}的目录尚未生成，请先生成上级目录。")
    before = CatalogEntry.objects.aggregate(m=Max("pk"))["m"] or 0
    skip = _above_division(parent=parent, division=division) if by_level else []
    created = _copy_entries(parent=parent, division=division, user=user, skip=skip)
    _copy_channels(division=division, after_pk=before)
    detail = {"from": parent.code, "created": created}
    if by_level:
        detail["by_level"] = True
        detail["skipped"] = len(skip)
    CatalogEvent.objects.create(
        division=division, action=CatalogEvent.Action.DERIVE, user=user, detail=detail
    )
    if refresh_ties:
        links_refresh_on_commit(divisions=[division.pk])
    return DeriveResult(division=division, created=created)


# Columns a derived entry copies from its source; the rest are set fresh or left at defaults.
_FRESH = {
    "id",
    "division",
    "department",
    "source",
    "overridden",
    "upstream_changed",
    "is_dropped",
    "drop_reason",
    "created_at",
    "updated_at",
    "updated_by",
    "status",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "return_reason",
    "published_at",
    "published_values",
}


def _above_division(*, parent: Division, division: Division) -> list[int]:
    """Return the ids of the parent's active entries whose 公开层级 all lie above ``division``'s
    own level: entries it does not publish. Entries naming no level are not among them."""
    own = set(levels_from(division))
    rows = CatalogEntry.objects.filter(division=parent, is_dropped=False).values_list(
        "pk", "levels"
    )
    skipped = []
    for pk, levels in rows:
        # A variant label stored before levels were canonical (乡、村级, 镇(街)级) counts as the
        # level(s) it stands for; a label naming no level leaves the entry in.
        named = {
            level
            for row in levels or []
            if isinstance(row, dict)
            for level in canonical_levels(str(row.get("level", "")))
        }
        if named and not own & named:
            skipped.append(pk)
    return skipped


def _copy_entries(*, parent: Division, division: Division, user, skip: Sequence[int] = ()) -> int:
    """Copy the parent's active entries that the division lacks, in one INSERT … SELECT;
    leave out the entries ``skip`` names.

    The copy runs inside the database: at city scale (1,542 entries × 179 divisions) building
    model instances in Python would cost several times more than the rows themselves.
    """
    meta = CatalogEntry._meta
    copied = [f.column for f in meta.concrete_fields if f.name not in _FRESH]
    fresh = [
        "division_id",
        "source_id",
        "department_id",
        "overridden",
        "upstream_changed",
        "is_dropped",
        "drop_reason",
        "created_at",
        "updated_at",
        "updated_by_id",
        "status",
        "submitted_by_id",
        "submitted_at",
        "reviewed_by_id",
        "reviewed_at",
        "return_reason",
        "published_at",
        "published_values",
    ]
    table = connection.ops.quote_name(meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in (*copied, *fresh)]
    select = [f"s.{connection.ops.quote_name(c)}" for c in copied]
    now = timezone.now()
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) "
        f"SELECT {', '.join(select)}, %s, s.id, {', '.join(['%s'] * (len(fresh) - 2))} "
        f"FROM {table} s WHERE s.division_id = %s AND s.is_dropped = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {table} d "
        f"WHERE d.division_id = %s AND d.item_id = s.item_id)"
    )
    if skip:
        sql += f" AND s.id NOT IN ({', '.join(['%s'] * len(skip))})"
    params = [
        division.pk,
        # A derived entry belongs to no department until the division's office assigns one.
        None,
        "[]",
        "[]",
        False,
        "",
        now,
        now,
        getattr(user, "pk", None),
        # A derived catalog is the division's own draft until the office above approves it.
        ReviewStatus.DRAFT,
        None,
        None,
        None,
        None,
        "",
        None,
        None,
        parent.pk,
        False,
        division.pk,
        *skip,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _copy_channels(*, division: Division, after_pk: int) -> None:
    """Give the entries just copied (ids above ``after_pk``) their sources' channels."""
    link = connection.ops.quote_name(ChannelLink._meta.db_table)
    table = connection.ops.quote_name(CatalogEntry._meta.db_table)
    if connection.vendor == "postgresql":
        # Each copy's channels by the link table's index. Right after a derivation the
        # planner's statistics do not yet know the new rows, so a plain join is planned as a
        # hash join over the whole link table (the channel copy cost as much as the entry
        # copy); OFFSET 0 keeps the lateral subquery from being flattened into that join, and
        # JIT is off for the rest of this transaction: the same stale statistics inflate the
        # estimate past JIT's threshold, and compiling took longer than the copy (70-170 ms).
        sql = (
            f"INSERT INTO {link} (catalogentry_id, channel_id) "
            f"SELECT d.id, l.channel_id FROM {table} d CROSS JOIN LATERAL "
            f"(SELECT channel_id FROM {link} WHERE catalogentry_id = d.source_id OFFSET 0) l "
            f"WHERE d.division_id = %s AND d.id > %s"
        )
    else:
        sql = (
            f"INSERT INTO {link} (catalogentry_id, channel_id) "
            f"SELECT d.id, l.channel_id FROM {table} d "
            f"JOIN {link} l ON l.catalogentry_id = d.source_id "
            f"WHERE d.division_id = %s AND d.id > %s"
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [division.pk, after_pk])


def catalog_derive_tree(*, root: Division, user, by_level: bool = False) -> list[DeriveResult]:
    """Derive every catalog below ``root``, parents before children; each division atomically.

    The guide ties of everything derived are refreshed once, at the end, in one task.
    ``by_level`` is passed to each derivation (``catalog_derive``).
    """
    results = []
    divisions = list(root.descendants().in_tree_order())
    for division in divisions:
        results.append(
            catalog_derive(division=division, user=user, refresh_ties=False, by_level=by_level)
        )
    links_refresh_on_commit(divisions=[d.pk for d in divisions])
    return results


@transaction.atomic
def entry_update(*, entry: CatalogEntry, changes: dict[str, Any], user) -> CatalogEntry:
    """Change elements of ``entry`` and return it; derived entries below follow or are told.

    On a derived entry each changed element becomes personalised (个性要素) and stops
    following its source until the owner accepts the source's value again.
    """
    entry = _lock(entry)
    _require(user, "change", entry)
    if entry.is_dropped:
        raise ValidationError("该事项已删减，请先恢复再修改。")
    changes = dict(changes)
    status_before = entry.status
    if "extra" in changes:
        # Extra workbook columns are the entry's own notes: recorded, never propagated.
        extra = changes.pop("extra") or {}
        if not isinstance(extra, dict):
            raise ValidationError("其他列：应为“列名: 内容”的对应表。")
        if extra != entry.extra:
            reopened = _reopen(entry)
            old_extra, entry.extra = entry.extra, extra
            entry.updated_by = user
            entry.save(update_fields=["extra", "updated_by", "updated_at", *reopened])
            CatalogEvent.objects.bulk_create(
                _status_events(entry, status_before, user)
                + [
                    _event(
                        entry,
                        CatalogEvent.Action.PERSONALISE,
                        user,
                        old_value=old_extra,
                        new_value=extra,
                        detail={"field": "extra"},
                    )
                ]
            )
            status_before = entry.status
    changed: dict[str, tuple[Any, Any]] = {}
    for element, raw in changes.items():
        value = normalise_value(element, raw)
        old = get_value(entry, element)
        if old != value:
            changed[element] = (old, value)
    if not changed:
        return entry
    fields = {"updated_by", "updated_at", *_reopen(entry)}
    overridden, pending = list(entry.overridden), list(entry.upstream_changed)
    for element, (_old, new) in changed.items():
        if element == Element.CHANNELS:
            _replace_channels([entry.pk], new)
        else:
            fields.update(_set_columns(entry, element, new))
        if entry.source_id and element not in overridden:
            overridden.append(element)
        if element in pending:
            pending.remove(element)
    entry.overridden, entry.upstream_changed = overridden, pending
    entry.updated_by = user
    entry.full_clean(exclude=["source", "division", "item"], validate_unique=False)
    entry.save(update_fields=[*fields, "overridden", "upstream_changed"])
    CatalogEvent.objects.bulk_create(
        _status_events(entry, status_before, user)
        + [
            _event(
                entry,
                CatalogEvent.Action.PERSONALISE,
                user,
                element=element,
                old_value=display_value(element, old),
                new_value=display_value(element, new),
            )
            for element, (old, new) in changed.items()
        ]
    )
    for element, (_old, new) in changed.items():
        _propagate([entry.pk], element, new, user)
    return entry


@transaction.atomic
def entry_assign_department(
    *, entry: CatalogEntry, department: Department | None, user
) -> CatalogEntry:
    """Give ``entry`` to ``department`` of its division (None: back to the office); return it.

    Assigning is the division office's coordination, not a disclosure change: it needs the
    right to change the division's catalog as a whole (a department's editors cannot hand
    items to themselves or to another department) and is recorded, not reviewed.
    """
    entry = _lock(entry)
    _require(user, "change", entry.division)
    if department is not None:
        if department.division_id != entry.division_id:
            raise ValidationError(f"“{department.name}”不是{entry.division.name}的部门。")
        if not department.is_active:
            raise ValidationError(f"“{department.name}”已停用，不能再承办事项。")
    before = entry.department
    if (before.pk if before else None) == (department.pk if department else None):
        return entry
    entry.department = department
    entry.save(update_fields=["department"])
    _event(
        entry,
        CatalogEvent.Action.ASSIGN,
        user,
        old_value=before.name if before else "",
        new_value=department.name if department else "",
    ).save()
    return entry


@transaction.atomic
def entry_accept_upstream(*, entry: CatalogEntry, element: str, user) -> CatalogEntry:
    """Take the source's value for ``element`` again and follow it from now on; return the entry."""
    entry = _lock(entry)
    _require(user, "change", entry)
    if entry.source is None:
        raise ValidationError("该事项没有上级来源。")
    status_before = entry.status
    value = get_value(entry.source, element)
    old = get_value(entry, element)
    fields = ["overridden", "upstream_changed", "updated_by", "updated_at"]
    if old != value or entry.status == ReviewStatus.SUBMITTED:
        # Frozen under review even when the value stays: which elements follow is part of
        # what the reviewer approves.
        fields += _reopen(entry)
    if element == Element.CHANNELS:
        _replace_channels([entry.pk], value)
    else:
        fields += _set_columns(entry, element, value)
    entry.overridden = [e for e in entry.overridden if e != element]
    entry.upstream_changed = [e for e in entry.upstream_changed if e != element]
    entry.updated_by = user
    entry.save(update_fields=fields)
    CatalogEvent.objects.bulk_create(_status_events(entry, status_before, user))
    _event(
        entry,
        CatalogEvent.Action.ACCEPT_UPSTREAM,
        user,
        element=element,
        old_value=display_value(element, old),
        new_value=display_value(element, value),
    ).save()
    if old != value:
        _propagate([entry.pk], element, value, user)
    return entry


@transaction.atomic
def entry_keep_own(*, entry: CatalogEntry, element: str, user) -> CatalogEntry:
    """Acknowledge that the source moved but keep this entry's own value; return the entry."""
    entry = _lock(entry)
    _require(user, "change", entry)
    if element not in entry.upstream_changed:
        raise ValidationError("该要素没有待处理的上级调整。")
    entry.upstream_changed = [e for e in entry.upstream_changed if e != element]
    entry.updated_by = user
    entry.save(update_fields=["upstream_changed", "updated_by", "updated_at"])
    _event(entry, CatalogEvent.Action.KEEP_OWN, user, element=element).save()
    return entry


def _descendants(
    entry_ids: Iterable[int], *, dropped: bool | None = None
) -> list[list[CatalogEntry]]:
    """Return the entries derived from ``entry_ids``, level by level, nearest level first."""
    levels: list[list[CatalogEntry]] = []
    frontier = list(entry_ids)
    while frontier:
        qs = CatalogEntry.objects.filter(source_id__in=frontier).select_related("division", "item")
        if dropped is not None:
            qs = qs.filter(is_dropped=dropped)
        level = list(qs.order_by("division__tree_id", "division__lft"))
        if not level:
            break
        levels.append(level)
        frontier = [e.pk for e in level]
    return levels


def drop_preview(entry: CatalogEntry) -> list[CatalogEntry]:
    """Return the active entries that dropping ``entry`` would drop with it."""
    return [e for level in _descendants([entry.pk], dropped=False) for e in level]


@transaction.atomic
def entry_drop(*, entry: CatalogEntry, user, confirm: bool = False) -> list[CatalogEntry]:
    """Drop ``entry`` from its catalog and return the derived entries dropped with it.

    When derived entries would be dropped too, nothing happens unless ``confirm`` is true:
    ``DropNeedsConfirmation`` names them so that the owner can decide.
    """
    entry = _lock(entry)
    _require(user, "change", entry)
    if entry.is_dropped:
        raise ValidationError("该事项已删减。")
    status_before = entry.status
    reopened = _reopen(entry)
    levels = _descendants([entry.pk], dropped=False)
    affected = [e for level in levels for e in level]
    if affected and not confirm:
        raise DropNeedsConfirmation(entry, affected)
    # Deepest first: the database refuses an active entry whose source is dropped.
    for level in reversed(levels):
        CatalogEntry.objects.filter(pk__in=[e.pk for e in level]).update(
            is_dropped=True, drop_reason=CatalogEntry.DropReason.UPSTREAM
        )
    entry.is_dropped, entry.drop_reason, entry.updated_by = True, CatalogEntry.DropReason.OWN, user
    entry.save(update_fields=["is_dropped", "drop_reason", "updated_by", "updated_at", *reopened])
    CatalogEvent.objects.bulk_create(
        _status_events(entry, status_before, user)
        + [_event(entry, CatalogEvent.Action.DROP, user, detail={"cascade": len(affected)})]
        + [
            _event(e, CatalogEvent.Action.DROP, user, detail={"because": entry.division.code})
            for e in affected
        ]
    )
    return affected


@transaction.atomic
def entry_restore(*, entry: CatalogEntry, user) -> list[CatalogEntry]:
    """Restore a dropped entry and the derived entries dropped because of it; return those.

    Entries that a lower level dropped on its own stay dropped.
    """
    entry = _lock(entry)
    _require(user, "change", entry)
    if not entry.is_dropped:
        raise ValidationError("该事项未被删减。")
    status_before = entry.status
    reopened = _reopen(entry)
    if entry.source is not None and entry.source.is_dropped:
        raise ValidationError(
            f"上级目录（{entry.source.division.name}）已删减该事项，须先在上级目录中恢复。"
        )
    entry.is_dropped, entry.drop_reason, entry.updated_by = False, "", user
    entry.save(update_fields=["is_dropped", "drop_reason", "updated_by", "updated_at", *reopened])
    restored: list[CatalogEntry] = []
    frontier = [entry.pk]
    while frontier:
        level = list(
            CatalogEntry.objects.filter(
                source_id__in=frontier,
                is_dropped=True,
                drop_reason=CatalogEntry.DropReason.UPSTREAM,
            )
        )
        CatalogEntry.objects.filter(pk__in=[e.pk for e in level]).update(
            is_dropped=False, drop_reason=""
        )
        restored += level
        frontier = [e.pk for e in level]
    CatalogEvent.objects.bulk_create(
        _status_events(entry, status_before, user)
        + [_event(entry, CatalogEvent.Action.RESTORE, user, detail={"cascade": len(restored)})]
        + [_event(e, CatalogEvent.Action.RESTORE, user) for e in restored]
    )
    return restored


@transaction.atomic
def domain_review_save(*, review: DomainReview, user=None) -> DomainReview:
    """Assign a city department to review the districts' entries of a domain; return it.

    Only the city's administrators decide (``DomainReview`` grants at the city office); the
    department must be an active department of the city itself. A department without an
    active reviewer is accepted (its domain stays with the city office until it has one).
    """
    if user is not None and not policies.domain_reviews.allows(
        user, "change" if review.pk else "add"
    ):
        raise PermissionDenied("只有市级管理员可以指定市直部门分领域审核。")
    department = review.department if review.department_id else None
    if department is None:
        raise ValidationError({"department": "请选择市直业务部门。"})
    if department.division.parent_id is not None:
        raise ValidationError(
            {"department": f"“{department.name}”属于{department.division.name}，不是市直部门。"}
        )
    if not department.is_active:
        raise ValidationError({"department": f"“{department.name}”已停用。"})
    if user is not None and getattr(user, "pk", None):
        review.updated_by = user
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def domain_review_delete(*, review: DomainReview, user=None) -> None:
    """Give a domain back to the city office: its waiting entries go to the office at once."""
    if user is not None and not policies.domain_reviews.allows(user, "delete"):
        raise PermissionDenied("只有市级管理员可以取消市直部门分领域审核。")
    review.delete()
