"""Import catalog workbooks into one division's catalog: preview, row-level errors, all or nothing.

``import_catalog`` streams the workbook (``workbook_read``), works through it in chunks inside one
transaction, and rolls everything back when any row has an error or when it is a dry run. Each
row is matched by its natural key (division + domain + first-level + second-level item), so
importing the same workbook twice changes nothing. Derivation rules hold: a township workbook
can only hold items its district's catalog has; a county or township line whose elements differ
from its source entry makes those elements personalised (个性要素).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from districts.models import Division

from . import services
from .models import (
    ELEMENT_COLUMNS,
    CatalogEntry,
    CatalogEvent,
    Channel,
    Domain,
    Element,
    FirstLevelItem,
    SecondLevelItem,
)
from .workbook_read import CellError, ParsedRow, SheetHeader, WorkbookError, read_rows

__all__ = ["ImportReport", "RowOutcome", "WorkbookError", "import_catalog"]

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {NEW: "新增", CHANGED: "修改", UNCHANGED: "不变", ERROR: "错误"}
CHUNK = 500


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


class _Importer:
    """Caches and per-chunk work for one import into one division."""

    def __init__(self, division: Division, user, report: ImportReport):
        self.division = division
        self.parent = division.parent
        self.user = user
        self.report = report
        self.domains = {d.name: d for d in Domain.objects.all()}
        self.channels = {c.name: c for c in Channel.objects.all()}
        self.firsts: dict[tuple[int, str], FirstLevelItem] = {}
        self.seconds: dict[tuple[int, str], SecondLevelItem] = {}
        self.loaded_domains: set[int] = set()
        self.seen: dict[tuple[str, str, str], tuple[str, int]] = {}
        self.orders: dict[type, int] = {}

    # -- vocabulary -----------------------------------------------------------------------
    def _load_domain(self, domain: Domain) -> None:
        if domain.pk in self.loaded_domains:
            return
        self.loaded_domains.add(domain.pk)
        for first in FirstLevelItem.objects.filter(domain=domain):
            self.firsts[(domain.pk, first.name)] = first
        for second in SecondLevelItem.objects.filter(first_level__domain=domain):
            self.seconds[(second.first_level_id, second.name)] = second

    def _items(self, rows: list[ParsedRow]) -> dict[int, SecondLevelItem]:
        """Return {row index in chunk: item}, creating the items a workbook names anew."""
        for row in rows:
            self._load_domain(self.domains[row.domain])
        new_firsts = {}
        for row in rows:
            domain = self.domains[row.domain]
            key = (domain.pk, row.first_level)
            if key not in self.firsts and key not in new_firsts:
                new_firsts[key] = FirstLevelItem(domain=domain, name=row.first_level)
        if new_firsts:
            order = self._next_order(FirstLevelItem, "display_order", len(new_firsts))
            for i, first in enumerate(new_firsts.values()):
                first.display_order = order + i
            for first in FirstLevelItem.objects.bulk_create(list(new_firsts.values())):
                self.firsts[(first.domain_id, first.name)] = first
        new_seconds = {}
        for row in rows:
            first = self.firsts[(self.domains[row.domain].pk, row.first_level)]
            key = (first.pk, row.second_level)
            if key not in self.seconds and key not in new_seconds:
                new_seconds[key] = SecondLevelItem(first_level=first, name=row.second_level)
        if new_seconds:
            order = self._next_order(SecondLevelItem, "display_order", len(new_seconds))
            for i, second in enumerate(new_seconds.values()):
                second.display_order = order + i
            for second in SecondLevelItem.objects.bulk_create(list(new_seconds.values())):
                self.seconds[(second.first_level_id, second.name)] = second
        return {
            i: self.seconds[
                (self.firsts[(self.domains[r.domain].pk, r.first_level)].pk, r.second_level)
            ]
            for i, r in enumerate(rows)
        }

    def _next_order(self, model, field_name: str, count: int = 1) -> int:
        """Return the first of ``count`` display-order numbers after the highest in use."""
        if model not in self.orders:
            self.orders[model] = (model.objects.aggregate(m=Max(field_name))["m"] or 0) + 1
        first = self.orders[model]
        self.orders[model] += count
        return first

    def _channel_ids(self, names: Iterable[str]) -> list[int]:
        ids = []
        for name in names:
            channel = self.channels.get(name)
            if channel is None:
                # Channels are data: a workbook may name one the platform does not list yet.
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
                values[element] = sorted(set(self._channel_ids(raw)))
                continue
            try:
                values[element] = services.normalise_value(element, raw)
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

    def _process(self, rows: list[ParsedRow]) -> None:
        good = [r for r in rows if not r.errors]
        for row in rows:
            if row.errors:
                self._outcome(row, ERROR)
        if not good:
            return
        items = self._items(good)
        item_ids = [item.pk for item in items.values()]
        existing = {
            e.item_id: e
            for e in CatalogEntry.objects.filter(division=self.division, item_id__in=item_ids)
            .select_related("source")
            .prefetch_related("channels")
        }
        parents = {}
        if self.parent is not None:
            parents = {
                e.item_id: e
                for e in CatalogEntry.objects.filter(
                    division=self.parent, item_id__in=item_ids
                ).prefetch_related("channels")
            }
        creates: list[tuple[CatalogEntry, list[int] | None, ParsedRow]] = []
        updates: list[tuple[CatalogEntry, dict, ParsedRow]] = []
        for i, row in enumerate(good):
            values = self._normalised(row)
            if row.errors:
                self._outcome(row, ERROR)
                continue
            item = items[i]
            entry = existing.get(item.pk)
            if entry is not None:
                self._plan_update(row, entry, values, updates)
            else:
                self._plan_create(row, item, parents.get(item.pk), values, creates)
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
        self._outcome(row, status, labels)
        if labels:
            updates.append((entry, changes, row))

    def _plan_create(self, row, item, parent_entry, values, creates) -> None:
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
        entry = CatalogEntry(division=self.division, item=item, source=source, updated_by=self.user)
        channel_ids = None
        if source is not None:
            for columns in ELEMENT_COLUMNS.values():
                for column in columns:
                    setattr(entry, column, getattr(source, column))
            channel_ids = services.get_value(source, Element.CHANNELS)
            entry.is_demo = source.is_demo
        overridden = []
        for element, value in values.items():
            if element == Element.CHANNELS:
                channel_ids = value
            else:
                services._set_columns(entry, element, value)
            if source is not None and not _same(
                element, services.get_value(source, element), value
            ):
                overridden.append(element)
        entry.overridden = overridden
        entry.extra = row.extra
        if not entry.mode_active and not entry.mode_on_request:
            entry.mode_active = True
        if not entry.audience_all and not entry.audience_specific:
            entry.audience_all = True
        creates.append((entry, channel_ids or [], row))
        self._outcome(row, NEW, [str(Element(e).label) for e in overridden])

    def _write(self, creates, updates) -> None:
        if creates:
            entries = CatalogEntry.objects.bulk_create([c[0] for c in creates], batch_size=1000)
            link = CatalogEntry.channels.through
            link.objects.bulk_create(
                [
                    link(catalogentry_id=entry.pk, channel_id=channel_id)
                    for entry, (_, channel_ids, _) in zip(entries, creates, strict=True)
                    for channel_id in channel_ids
                ],
                batch_size=5000,
            )
            CatalogEvent.objects.bulk_create(
                [
                    CatalogEvent(
                        division=self.division,
                        entry=entry,
                        action=CatalogEvent.Action.CREATE,
                        user=self.user,
                        detail={"import": f"{row.sheet}!{row.row}"},
                    )
                    for entry, (_, _, row) in zip(entries, creates, strict=True)
                ],
                batch_size=1000,
            )
        for entry, changes, _row in updates:
            if entry.is_dropped:
                services.entry_restore(entry=entry, user=self.user)
            if changes:
                services.entry_update(entry=entry, changes=changes, user=self.user)

    def _outcome(self, row: ParsedRow, status: str, changed: list[str] | None = None) -> None:
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
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a catalog workbook into ``division``'s catalog and return the report.

    Nothing is written when any row has an error or when ``dry_run`` is true. A problem with
    the file itself raises ``WorkbookError`` (with a message in Chinese), also writing nothing.
    """
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
                        progress(done)
        if chunk:
            importer.process(chunk)
            done += len(chunk)
            if progress:
                progress(done)
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
