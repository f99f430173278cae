"""Import catalog workbooks into one division's catalog: preview, row-level errors, all or nothing.

``import_catalog`` streams the workbook (``read``), works through it in chunks inside one
transaction, and rolls everything back when any row has an error or when it is a dry run. Each
row is matched by its natural key (division + domain + first-level + second-level item), so
importing the same workbook twice changes nothing. Derivation rules hold: a township workbook
can only hold items its district's catalog has; a county or township line whose elements differ
from its source entry makes those elements personalised (个性要素).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Max
from django.utils import timezone

from districts.models import Division

from .. import display, policies, services
from ..models import (
    ELEMENT_COLUMNS,
    CatalogEntry,
    CatalogEvent,
    Channel,
    Domain,
    Element,
    FirstLevelItem,
    SecondLevelItem,
)
from .read import CellError, ParsedRow, SheetHeader, WorkbookError, read_rows

__all__ = ["ImportReport", "RowOutcome", "WorkbookError", "import_catalog"]

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {NEW: "新增", CHANGED: "修改", UNCHANGED: "不变", ERROR: "错误"}
CHUNK = 500
# What a preview shows of the changes to existing entries: 原值 → 新值 for each changed element
# of the first rows that change one, within a budget of characters (each value is cut short
# too, see ``display.PREVIEW``); the other changed rows list only the elements they change.
DIFF_ROWS = 100
DIFF_CHARS = 60_000
NORMAL_CACHE = 20_000
# Only short texts repeat from line to line; 20,000 long ones would hold gigabytes.
NORMAL_CACHE_CHARS = 500
# The element columns of an entry, and every column an import gives a new entry.
ELEMENT_COLUMN_NAMES = tuple(c for columns in ELEMENT_COLUMNS.values() for c in columns)
ELEMENT_ORDER = {**{element: i for i, element in enumerate(Element.values)}, "extra": len(Element)}
ENTRY_COLUMNS = (
    "division_id",
    "item_id",
    "source_id",
    "updated_by_id",
    "is_demo",
    "overridden",
    "extra",
    *ELEMENT_COLUMN_NAMES,
)


@dataclass(slots=True)
class RowOutcome:
    """What importing one line did (or would do)."""

    sheet: str
    row: int
    domain: str
    first_level: str
    second_level: str
    status: str
    changed: list[str] = field(default_factory=list)  # element labels
    errors: list[CellError] = field(default_factory=list)
    # For a row that changes an existing entry (the first DIFF_ROWS): each change as
    # ``display.change`` gives it, 原值 → 新值, unchanged elements left out.
    diffs: list[dict] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class ImportReport:
    """The outcome of an import: headings understood, per-row results, file-level errors."""

    division: Division
    dry_run: bool
    headers: list[SheetHeader] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    sheet_errors: list[CellError] = field(default_factory=list)
    new_channels: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def counts(self) -> Counter:
        return Counter(o.status for o in self.outcomes)

    @property
    def errors(self) -> list[CellError]:
        """Return every error, sheet-level first, then row by row."""
        return [*self.sheet_errors, *(e for o in self.outcomes for e in o.errors)]

    @property
    def has_errors(self) -> bool:
        return bool(self.sheet_errors) or any(o.status == ERROR for o in self.outcomes)

    def summary(self) -> str:
        """Return one line in Chinese: what was (or would be) written."""
        c = self.counts
        verb = "预览" if self.dry_run else ("已导入" if self.applied else "未导入")
        text = (
            f"{verb}：共 {len(self.outcomes)} 行，新增 {c[NEW]}，修改 {c[CHANGED]}，"
            f"不变 {c[UNCHANGED]}，错误 {c[ERROR] + len(self.sheet_errors)}"
        )
        if self.has_errors:
            text += "。存在错误，未写入任何数据"
        if self.new_channels and not self.has_errors:
            verb = "将新增渠道" if self.dry_run else "新增渠道"
            text += f"；{verb}：{'、'.join(self.new_channels)}"
        return text + "。"


class _Insert:
    """Plain INSERTs of many rows into one model's table, without building model instances.

    At 100,000 lines bulk_create spent most of the write time building model instances and
    preparing every field of every object. Here the caller gives a few columns per row as plain
    values; every other concrete column gets its field default (or ``now`` for auto_now fields),
    prepared once, so that columns added to the model later are filled as bulk_create fills
    them. Values of fields that need converting for the database (JSON, dates) go through the
    field's own ``get_db_prep_save``. No signals are sent, as with bulk_create. SQLite gets one
    prepared statement run for every row; other databases multi-row VALUES lists.
    """

    # Field types whose Python values the database drivers take as they are.
    PLAIN = frozenset(
        {
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "BooleanField",
            "CharField",
            "ForeignKey",
            "IntegerField",
            "PositiveBigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SlugField",
            "SmallIntegerField",
            "TextField",
        }
    )

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        self.given = [by_attname[c] for c in columns]
        self.convert = [
            (i, self._converter(f))
            for i, f in enumerate(self.given)
            if f.get_internal_type() not in self.PLAIN
        ]
        self.rest: list[models.Field] = []
        for f in meta.concrete_fields:
            if f.attname in columns or getattr(f, "generated", False):
                continue
            if f.primary_key and f.db_returning:
                continue  # the database numbers the rows
            if f.has_db_default() and not f.has_default():
                continue  # the database fills it
            self.rest.append(f)
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in (*self.given, *self.rest))
        self.width = len(self.given) + len(self.rest)
        self.row_sql = "(" + ", ".join(["%s"] * self.width) + ")"
        self.head = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "
        # Rows per statement, within the backend's limit on query parameters (if any).
        limit = connection.features.max_query_params
        self.batch = max(1, min(1000, limit // self.width)) if limit else 1000

    @staticmethod
    def _converter(f: models.Field) -> Callable:
        if isinstance(f, models.JSONField):
            # What the backends' adapt_json_value sends, without an adapter object per value.
            return lambda value: None if value is None else json.dumps(value, cls=f.encoder)
        return lambda value: f.get_db_prep_save(value, connections[DEFAULT_DB_ALIAS])

    def _defaults(self) -> tuple:
        now = timezone.now()
        values = []
        for f in self.rest:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            values.append(f.get_db_prep_save(value, connection))
        return tuple(values)

    def __call__(self, rows: Iterable[Sequence], returning: Sequence[str] = ()) -> list | None:
        """Insert ``rows``, each a sequence of values for the given columns.

        With ``returning`` (column names), return those columns of the rows written, in no
        particular order, or None on SQLite, where the caller reads them back instead (one
        indexed query, cheaper there than RETURNING within SQLite's parameter limit).
        """
        defaults = self._defaults()
        params = []
        for row in rows:
            if self.convert:
                row = list(row)
                for i, convert in self.convert:
                    row[i] = convert(row[i])
            params.append((*row, *defaults))
        if connection.vendor == "sqlite":
            if params:
                with connection.cursor() as cursor:
                    # One prepared statement, bound row by row in C: SQLite's fastest way in.
                    cursor.executemany(self.head + self.row_sql, params)
            return None
        quote = connection.ops.quote_name
        tail = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
        written = []
        with connection.cursor() as cursor:
            for start in range(0, len(params), self.batch):
                batch = params[start : start + self.batch]
                cursor.execute(
                    self.head + ", ".join([self.row_sql] * len(batch)) + tail,
                    [value for row in batch for value in row],
                )
                if returning:
                    written.extend(cursor.fetchall())
        return written


class _Importer:
    """Caches and per-chunk work for one import into one division."""

    def __init__(self, division: Division, user, report: ImportReport):
        self.division = division
        self.parent = division.parent
        self.user = user
        self.report = report
        self.domains = {d.name: d for d in Domain.objects.all()}
        self.channels = {c.name: c for c in Channel.objects.all()}
        # Item ids by natural key: (domain id, name) and (first-level id, name).
        self.firsts: dict[tuple[int, str], int] = {}
        self.seconds: dict[tuple[int, str], int] = {}
        self.loaded_domains: set[int] = set()
        self.seen: dict[tuple[str, str, str], tuple[str, int]] = {}
        self.orders: dict[type, int] = {}
        # Normalised texts by (element, cell text): most lines repeat their neighbours' texts.
        self.normal: dict[tuple[str, str], object] = {}
        # The items the division's (and its parent's) catalog holds, dropped entries included.
        self.held = set(
            CatalogEntry.objects.filter(division=division).values_list("item_id", flat=True)
        )
        self.parent_held = set()
        if self.parent is not None:
            self.parent_held = set(
                CatalogEntry.objects.filter(division=self.parent).values_list("item_id", flat=True)
            )
        self.user_id = user.pk if user is not None else None
        self.error_rows = 0  # rows with errors so far, for the progress report
        self.diff_rows = self.diff_chars = 0  # what the changes shown so far cost
        self.may_add_channels = services.may_add_reference(user, policies.channels)
        self.may_add_items = services.may_add_reference(user, policies.second_level_items)
        self.may_add_own = True
        if user is not None:
            try:
                services.require_entry_create(user, division, derived=False)
            except PermissionDenied:
                self.may_add_own = False
        self.insert_first = _Insert(FirstLevelItem, ("domain_id", "name", "display_order"))
        self.insert_second = _Insert(SecondLevelItem, ("first_level_id", "name", "display_order"))
        self.insert_entry = _Insert(CatalogEntry, ENTRY_COLUMNS)
        self.insert_link = _Insert(CatalogEntry.channels.through, ("catalogentry_id", "channel_id"))
        self.insert_event = _Insert(
            CatalogEvent, ("division_id", "entry_id", "action", "user_id", "detail")
        )
        # A new entry without a source starts from the model's defaults.
        fields = {f.attname: f for f in CatalogEntry._meta.concrete_fields}
        self.blank = {column: fields[column].get_default() for column in ELEMENT_COLUMN_NAMES}

    # -- vocabulary -----------------------------------------------------------------------
    def _load_domains(self, domain_ids: Iterable[int]) -> None:
        """Read the items of the domains not read yet (two queries for any number)."""
        new = set(domain_ids) - self.loaded_domains
        if not new:
            return
        self.loaded_domains |= new
        for pk, domain_id, name in (
            FirstLevelItem.objects.filter(domain_id__in=new)
            .order_by()
            .values_list("pk", "domain_id", "name")
        ):
            self.firsts[(domain_id, name)] = pk
        for pk, first_id, name in (
            SecondLevelItem.objects.filter(first_level__domain_id__in=new)
            .order_by()
            .values_list("pk", "first_level_id", "name")
        ):
            self.seconds[(first_id, name)] = pk

    def _items(self, rows: list[ParsedRow]) -> list[int]:
        """Return the rows' item ids, in row order, creating the items a workbook names anew."""
        domain_ids = [self.domains[row.domain].pk for row in rows]
        self._load_domains(domain_ids)
        # New keys in workbook order (a dict keeps it), numbered after the items in use.
        new_firsts = dict.fromkeys(
            key
            for key in zip(domain_ids, (row.first_level for row in rows), strict=True)
            if key not in self.firsts
        )
        if new_firsts:
            order = self._next_order(FirstLevelItem, "display_order", len(new_firsts))
            found = self.insert_first(
                ((domain_id, name, order + i) for i, (domain_id, name) in enumerate(new_firsts)),
                returning=("id", "domain_id", "name"),
            )
            if found is None:
                found = (
                    FirstLevelItem.objects.filter(
                        domain_id__in={d for d, _ in new_firsts},
                        name__in={n for _, n in new_firsts},
                    )
                    .order_by()
                    .values_list("pk", "domain_id", "name")
                )
            for pk, domain_id, name in found:
                if (domain_id, name) in new_firsts:
                    self.firsts[(domain_id, name)] = pk
        first_ids = [
            self.firsts[key]
            for key in zip(domain_ids, (row.first_level for row in rows), strict=True)
        ]
        keys = list(zip(first_ids, (row.second_level for row in rows), strict=True))
        new_seconds = dict.fromkeys(key for key in keys if key not in self.seconds)
        if new_seconds:
            order = self._next_order(SecondLevelItem, "display_order", len(new_seconds))
            found = self.insert_second(
                ((first_id, name, order + i) for i, (first_id, name) in enumerate(new_seconds)),
                returning=("id", "first_level_id", "name"),
            )
            if found is None:
                found = (
                    SecondLevelItem.objects.filter(
                        first_level_id__in={f for f, _ in new_seconds},
                        name__in={n for _, n in new_seconds},
                    )
                    .order_by()
                    .values_list("pk", "first_level_id", "name")
                )
            for pk, first_id, name in found:
                if (first_id, name) in new_seconds:
                    self.seconds[(first_id, name)] = pk
        return [self.seconds[key] for key in keys]

    def _next_order(self, model, field_name: str, count: int = 1) -> int:
        """Return the first of ``count`` display-order numbers after the highest in use."""
        if model not in self.orders:
            self.orders[model] = (model.objects.aggregate(m=Max(field_name))["m"] or 0) + 1
        first = self.orders[model]
        self.orders[model] += count
        return first

    def _channel_ids(self, names: Iterable[str], row: ParsedRow) -> list[int]:
        ids = []
        for name in names:
            channel = self.channels.get(name)
            if channel is None:
                if not self.may_add_channels:
                    # Channels are the city's data: an unknown name here is a typo or a
                    # channel the city office has to add first, never a new city-wide channel.
                    row.errors.append(
                        CellError(
                            row.sheet,
                            row.row,
                            str(Element.CHANNELS.label),
                            f"“{name}”不是平台已有的公开渠道。渠道由市政务公开办统一维护："
                            "请改用已有渠道名称，或请市级管理员先添加该渠道。",
                        )
                    )
                    continue
                # Channels are data: the city office's workbook may name one not listed yet.
                order = self._next_order(Channel, "display_order")
                channel = Channel.objects.create(name=name, display_order=order)
                self.channels[name] = channel
                self.report.new_channels.append(name)
            ids.append(channel.pk)
        return ids

    # -- rows ------------------------------------------------------------------------------
    def check_duplicate(self, row: ParsedRow) -> None:
        key = (row.domain, row.first_level, row.second_level)
        if not row.second_level:
            return
        earlier = self.seen.get(key)
        if earlier:
            sheet, number = earlier
            where = f"第{number}行" if sheet == row.sheet else f"工作表“{sheet}”第{number}行"
            row.errors.append(
                CellError(
                    row.sheet,
                    row.row,
                    "二级事项",
                    f"与{where}重复（同一领域、一级事项和二级事项）。",
                )
            )
        else:
            self.seen[key] = (row.sheet, row.row)

    def _normalised(self, row: ParsedRow) -> dict:
        values = {}
        for element, raw in row.values.items():
            if element == Element.CHANNELS:
                # Ids from the importer's own channel table need no database check.
                values[element] = sorted(set(self._channel_ids(raw, row)))
                continue
            if raw.__class__ is str and (element, raw) in self.normal:
                values[element] = self.normal[(element, raw)]
                continue
            try:
                values[element] = value = services.normalise_value(element, raw)
                if (
                    raw.__class__ is str
                    and len(raw) <= NORMAL_CACHE_CHARS
                    and len(self.normal) < NORMAL_CACHE
                ):
                    self.normal[(element, raw)] = value
            except ValidationError as error:
                label = Element(element).label
                for message in error.messages:
                    row.errors.append(
                        CellError(row.sheet, row.row, label, message.removeprefix(f"{label}："))
                    )
        return values

    def process(self, rows: list[ParsedRow]) -> None:
        """Work out and write one chunk of rows (inside the import's transaction)."""
        start = len(self.report.outcomes)
        self._process(rows)
        # Outcomes were recorded as each row was decided; report them in workbook order.
        position = {(r.sheet, r.row): i for i, r in enumerate(rows)}
        self.report.outcomes[start:] = sorted(
            self.report.outcomes[start:], key=lambda o: position[(o.sheet, o.row)]
        )

    def _unknown_items(self, rows: list[ParsedRow]) -> list[ParsedRow]:
        """Mark rows naming items the city's reference catalog lacks; return the others.

        Items are shared reference data: only whoever may maintain them (the city office, or
        the system) creates them by importing.
        """
        self._load_domains(self.domains[row.domain].pk for row in rows)
        known = []
        for row in rows:
            first = self.firsts.get((self.domains[row.domain].pk, row.first_level))
            if first is not None and (first, row.second_level) in self.seconds:
                known.append(row)
                continue
            missing = "一级事项" if first is None else "二级事项"
            name = row.first_level if first is None else row.second_level
            row.errors.append(
                CellError(
                    row.sheet,
                    row.row,
                    missing,
                    f"“{name}”不在{row.domain}领域的市级参考目录中。事项名称由市政务公开办统一维护："
                    "请核对名称，或请市级管理员先在参考目录中添加。",
                )
            )
            self._outcome(row, ERROR)
        return known

    def _process(self, rows: list[ParsedRow]) -> None:
        good = [r for r in rows if not r.errors]
        for row in rows:
            if row.errors:
                self._outcome(row, ERROR)
        if good and not self.may_add_items:
            good = self._unknown_items(good)
        if not good:
            return
        item_ids = self._items(good)
        # Only items the catalogs hold are looked up: a new catalog's chunks need no query.
        existing = {}
        if held := self.held.intersection(item_ids):
            existing = {
                e.item_id: e
                for e in CatalogEntry.objects.filter(division=self.division, item_id__in=held)
                .select_related("source")
                .prefetch_related("channels")
            }
        parents = {}
        if self.parent is not None and (held := self.parent_held.intersection(item_ids)):
            parents = {
                e.item_id: e
                for e in CatalogEntry.objects.filter(
                    division=self.parent, item_id__in=held
                ).prefetch_related("channels")
            }
        creates: list[tuple[dict, list[int], ParsedRow]] = []
        updates: list[tuple[CatalogEntry, dict, ParsedRow]] = []
        for i, row in enumerate(good):
            values = self._normalised(row)
            if row.errors:
                self._outcome(row, ERROR)
                continue
            item_id = item_ids[i]
            entry = existing.get(item_id)
            if entry is not None:
                self._plan_update(row, entry, values, updates)
            else:
                self._plan_create(row, item_id, parents.get(item_id), values, creates)
        self._write(creates, updates)

    def _plan_update(self, row, entry, values, updates) -> None:
        changes = {
            el: v for el, v in values.items() if not _same(el, services.get_value(entry, el), v)
        }
        labels = [str(Element(el).label) for el in changes]
        if row.extra != (entry.extra or {}):
            changes["extra"] = row.extra
            labels.append("其他列")
        if entry.is_dropped:
            if entry.source is not None and entry.source.is_dropped:
                row.errors.append(
                    CellError(
                        row.sheet,
                        row.row,
                        "二级事项",
                        f"上级目录（{self.parent.name}）已删减该事项，不能恢复。",
                    )
                )
                self._outcome(row, ERROR)
                return
            labels.insert(0, "恢复已删减事项")
        status = CHANGED if labels else UNCHANGED
        diffs = []
        if labels and self.diff_rows < DIFF_ROWS and self.diff_chars < DIFF_CHARS:
            diffs = self._diffs(entry, changes)
            self.diff_rows += 1
            self.diff_chars += sum(
                display.weight(d["old"]) + display.weight(d["new"]) for d in diffs
            )
        self._outcome(row, status, labels, diffs)
        if labels:
            updates.append((entry, changes, row))

    def _diffs(self, entry: CatalogEntry, changes: dict) -> list[dict]:
        """Return each change an update makes, 原值 → 新值, as the preview shows it."""
        bounds = display.PREVIEW
        diffs = []
        if entry.is_dropped:
            diffs.append(
                display.change(
                    "事项状态",
                    display.shown("", f"已删减（{entry.get_drop_reason_display()}）", bounds),
                    display.shown("", "恢复", bounds),
                )
            )
        names = None
        # In the elements' order (a workbook's columns may come in any), other columns last.
        for element, new in sorted(changes.items(), key=lambda pair: ELEMENT_ORDER[pair[0]]):
            if element == "extra":
                old_extra = entry.extra or {}
                # The workbook's column order first: PostgreSQL's jsonb keeps keys sorted by
                # length, so the stored order differs from one database to another.
                keys = [k for k in {**new, **old_extra} if old_extra.get(k) != new.get(k)]
                diffs.append(
                    display.change(
                        "其他列",
                        display.shown_extra({k: old_extra.get(k) for k in keys}, bounds),
                        display.shown_extra({k: new.get(k) for k in keys}, bounds),
                    )
                )
                continue
            old = services.get_value(entry, element)
            if element == Element.CHANNELS:
                if names is None:
                    names = {c.pk: c.name for c in self.channels.values()}
                old = [names.get(pk, str(pk)) for pk in old]
                new = [names.get(pk, str(pk)) for pk in new]
            diffs.append(
                display.change(
                    str(Element(element).label),
                    display.shown(element, old, bounds),
                    display.shown(element, new, bounds),
                )
            )
        return diffs

    def _plan_create(self, row, item_id, parent_entry, values, creates) -> None:
        source = parent_entry if parent_entry is not None and not parent_entry.is_dropped else None
        if self.division.is_township and source is None:
            reason = "已删减该事项" if parent_entry is not None else "中没有该事项"
            row.errors.append(
                CellError(
                    row.sheet,
                    row.row,
                    "二级事项",
                    f"所属区县（{self.parent.name}）目录{reason}：乡镇(街道)目录只能包含区县目录中已有的事项。",
                )
            )
            self._outcome(row, ERROR)
            return
        if source is None and not self.may_add_own:
            row.errors.append(
                CellError(
                    row.sheet,
                    row.row,
                    "二级事项",
                    f"上级目录中没有该事项，而您无权在{self.division.name}的目录中新增本级事项。",
                )
            )
            self._outcome(row, ERROR)
            return
        # The new entry's columns: its source's elements (or the model's defaults), then the
        # workbook's values over them.
        if source is not None:
            columns = {column: getattr(source, column) for column in ELEMENT_COLUMN_NAMES}
            channel_ids = services.get_value(source, Element.CHANNELS)
        else:
            columns = dict(self.blank)
            channel_ids = []
        overridden = []
        for element, value in values.items():
            if element == Element.CHANNELS:
                channel_ids = value
            else:
                names = ELEMENT_COLUMNS[element]
                if len(names) == 1:
                    columns[names[0]] = value
                else:
                    columns.update(zip(names, value, strict=True))
            if source is not None and not _same(
                element, services.get_value(source, element), value
            ):
                overridden.append(element)
        if not columns["mode_active"] and not columns["mode_on_request"]:
            columns["mode_active"] = True
        if not columns["audience_all"] and not columns["audience_specific"]:
            columns["audience_all"] = True
        columns.update(
            division_id=self.division.pk,
            item_id=item_id,
            source_id=source.pk if source is not None else None,
            updated_by_id=self.user_id,
            is_demo=source.is_demo if source is not None else False,
            overridden=overridden,
            extra=row.extra,
        )
        creates.append((columns, channel_ids or [], row))
        self._outcome(row, NEW, [str(Element(e).label) for e in overridden])

    def _write(self, creates, updates) -> None:
        if creates:
            # The new entries' ids, by item (one entry per item in a division).
            written = self.insert_entry(
                ([columns[c] for c in ENTRY_COLUMNS] for columns, _, _ in creates),
                returning=("item_id", "id"),
            )
            if written is None:
                written = CatalogEntry.objects.filter(
                    division=self.division, item_id__in=[c["item_id"] for c, _, _ in creates]
                ).values_list("item_id", "pk")
            ids = dict(written)
            self.held.update(ids)
            self.insert_link(
                (ids[columns["item_id"]], channel_id)
                for columns, channel_ids, _ in creates
                for channel_id in channel_ids
            )
            self.insert_event(
                (
                    self.division.pk,
                    ids[columns["item_id"]],
                    CatalogEvent.Action.CREATE.value,
                    self.user_id,
                    {"import": f"{row.sheet}!{row.row}"},
                )
                for columns, _, row in creates
            )
        for entry, changes, _row in updates:
            if entry.is_dropped:
                services.entry_restore(entry=entry, user=self.user)
            if changes:
                services.entry_update(entry=entry, changes=changes, user=self.user)

    def _outcome(
        self,
        row: ParsedRow,
        status: str,
        changed: list[str] | None = None,
        diffs: list[dict] | None = None,
    ) -> None:
        if status == ERROR:
            self.error_rows += 1
        self.report.outcomes.append(
            RowOutcome(
                row.sheet,
                row.row,
                row.domain,
                row.first_level,
                row.second_level,
                status,
                changed or [],
                list(row.errors),
                diffs or [],
            )
        )


def _same(element: str, old, new) -> bool:
    """Return True when two values of ``element`` mean the same (levels in any order)."""
    if element == Element.LEVELS:
        key = lambda level: (level["level"], level["channels"])  # noqa: E731
        return sorted(old, key=key) == sorted(new, key=key)
    return old == new


def import_catalog(
    *,
    source,
    division: Division,
    user,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a catalog workbook into ``division``'s catalog and return the report.

    ``user`` is the person importing (None: the system, for an operator's command run without
    ``--user``): they need the change permission on ``division``; every update goes through
    ``services.entry_update``/``entry_restore`` with their checks, every new entry is checked
    like ``services.require_entry_create``, and only those who may maintain the city's
    reference data (channels, items) create them by naming them.

    ``progress(rows_read, rows_with_errors)`` is called after each chunk of rows.

    Nothing is written when any row has an error or when ``dry_run`` is true. A problem with
    the file itself raises ``WorkbookError`` (with a message in Chinese), also writing nothing.
    """
    if user is not None and not policies.entries.allows(user, "change", division):
        raise PermissionDenied(f"您没有{division.name}目录的修改权限，不能向其导入目录。")
    report = ImportReport(division=division, dry_run=dry_run)
    with transaction.atomic():
        importer = _Importer(division, user, report)
        chunk: list[ParsedRow] = []
        done = 0
        for item in read_rows(source, domains=list(importer.domains)):
            if isinstance(item, SheetHeader):
                report.headers.append(item)
            elif isinstance(item, CellError):
                report.sheet_errors.append(item)
            else:
                importer.check_duplicate(item)
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    importer.process(chunk)
                    done += len(chunk)
                    chunk = []
                    if progress:
                        progress(done, importer.error_rows + len(report.sheet_errors))
        if chunk:
            importer.process(chunk)
            done += len(chunk)
            if progress:
                progress(done, importer.error_rows + len(report.sheet_errors))
        if not report.outcomes and not report.sheet_errors:
            raise WorkbookError("工作簿中没有目录数据行。")
        if report.has_errors or dry_run:
            transaction.set_rollback(True)
        else:
            c = report.counts
            CatalogEvent.objects.create(
                division=division,
                action=CatalogEvent.Action.IMPORT,
                user=user,
                detail={"new": c[NEW], "changed": c[CHANGED], "unchanged": c[UNCHANGED]},
            )
            report.applied = True
    return report
