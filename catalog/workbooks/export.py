"""Export a division's catalog as the standard workbook (.xlsx), a flat CSV, or JSON.

The workbook follows ``format`` exactly, because the importer reads that layout back:
one sheet per domain, a title row, a two-row merged header, merged 一级事项 cells, √ marks, the
■/□ channel checklist and one (公开层级N, 公开渠道和载体N) pair per level, then a note row.

Every export reads the catalog with one query for the entries and one for their channels, so
the number of queries does not depend on the size of the catalog.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from districts.models import Division

from .. import elements
from ..models import CatalogEntry, Channel, Domain
from . import format as fmt

# Excel refuses longer cell text (and offers to "repair" the file); such text is cut.
EXCEL_CELL_LIMIT = 32767
SHEET_TITLE_LIMIT = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TITLE_ROW, HEADER_TOP, HEADER_SUB, FIRST_DATA_ROW = 1, 2, 3, 4
# Columns holding a number or a mark read better centred; the rest are text, top-left.
CENTRED_KEYS = {"seq", "item_type", *elements.FLAG_COLUMNS}

CSV_HEADER = [
    "区划代码",
    "区划",
    "领域",
    "一级事项",
    "二级事项",
    *(spec.heading for spec in elements.IN_FILE_ORDER),
]


@dataclass(frozen=True)
class ExportStats:
    """What an export wrote: worksheets (0 for a flat file) and catalog lines."""

    sheets: int
    rows: int


# ---------------------------------------------------------------------------------------------
# Reading the catalog.


def catalog_sections(
    *, division: Division, domain: Domain | None = None, department=None
) -> list[tuple[Domain, list[CatalogEntry]]]:
    """Return the division's active entries as [(domain, entries)], in catalog order.

    With ``department``, only the entries that department owns (what its staff may see).

    The query orders by display order only, so two domains (or two first-level items) sharing a
    display order would interleave. Grouping here keeps each domain on one sheet and each
    first-level item in one block (one merged cell) without changing an unambiguous order.
    """
    entries = CatalogEntry.objects.active().in_division(division)
    if domain is not None:
        entries = entries.in_domain(domain)
    if department is not None:
        entries = entries.filter(department=department)
    by_domain: dict[int, dict[int, list[CatalogEntry]]] = {}
    domains: dict[int, Domain] = {}
    for entry in entries.with_elements().in_catalog_order():
        first = entry.item.first_level
        domains.setdefault(first.domain_id, first.domain)
        by_domain.setdefault(first.domain_id, {}).setdefault(first.pk, []).append(entry)
    ordered = sorted(domains.values(), key=lambda d: (d.display_order, d.name, d.pk))
    return [(d, [entry for block in by_domain[d.pk].values() for entry in block]) for d in ordered]


def entry_levels(entry: CatalogEntry) -> list[dict[str, Any]]:
    """Return the entry's levels as [{"level": name, "channels": [names]}], skipping junk."""
    levels = []
    for level in entry.levels or []:
        if not isinstance(level, dict):
            continue
        channels = level.get("channels") or []
        if isinstance(channels, str):
            channels = [channels]
        levels.append(
            {"level": str(level.get("level", "")), "channels": [str(c) for c in channels]}
        )
    return levels


def flat_value(entry: CatalogEntry, spec: elements.Spec) -> str:
    """Return one element of an entry as the text of a flat file's (or a sheet's) cell."""
    if spec.kind == elements.CHOICE:
        return getattr(entry, f"get_{spec.name}_display")()
    if spec.kind == elements.CHANNELS:
        return "、".join(_channel_names(entry))
    if spec.kind == elements.FLAGS:
        return "、".join(elements.entry_flag_labels(entry, spec.name))
    if spec.kind == elements.LEVELS:
        levels = entry_levels(entry)
        return "；".join(f"{lvl['level']}：{'、'.join(lvl['channels'])}" for lvl in levels)
    return getattr(entry, spec.name)


def _json_values(entry: CatalogEntry) -> dict[str, Any]:
    """Return an entry's elements as JSON values, in the file order."""
    values: dict[str, Any] = {}
    for spec in elements.IN_FILE_ORDER:
        if spec.kind == elements.CHOICE:
            values[spec.name] = getattr(entry, spec.name)
            values[f"{spec.name}_label"] = flat_value(entry, spec)
        elif spec.kind == elements.CHANNELS:
            values[spec.name] = _channel_names(entry)
        elif spec.kind == elements.FLAGS:
            # {"all": true, "specific": false}: each column without the element's prefix.
            values[spec.name] = {
                f.column.removeprefix(f"{spec.name}_"): getattr(entry, f.column) for f in spec.flags
            }
        elif spec.kind == elements.LEVELS:
            values[spec.name] = entry_levels(entry)
        else:
            values[spec.name] = getattr(entry, spec.name)
    return values


def _channel_names(entry: CatalogEntry) -> list[str]:
    # The prefetch keeps Channel's default ordering, i.e. display order.
    return [channel.name for channel in entry.channels.all()]


# ---------------------------------------------------------------------------------------------
# The workbook.


def export_workbook(
    *, division: Division, domain: Domain | None = None, stream: BinaryIO, department=None
) -> ExportStats:
    """Write the division's catalog to ``stream`` as an .xlsx workbook; return ExportStats.

    A catalog without active entries gets a single explanatory sheet (an .xlsx file needs one)
    and is reported as 0 sheets.
    """
    sections = catalog_sections(division=division, domain=domain, department=department)
    standard = list(Channel.objects.filter(is_standard=True).values_list("name", flat=True))
    level_count = max([2, *(len(entry_levels(e)) for _, entries in sections for e in entries)])
    columns = fmt.columns(level_count)

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"{division.name}基层政务公开标准目录"
    workbook.properties.creator = "基层政务公开标准目录"
    styles = _register_styles(workbook)
    used_titles: set[str] = set()
    rows = 0
    for section_domain, entries in sections:
        sheet = workbook.create_sheet(_sheet_title(section_domain.name, used_titles))
        _write_sheet(sheet, division, section_domain, entries, columns, standard, styles)
        rows += len(entries)
    if not sections:
        sheet = workbook.create_sheet("说明")
        scope = f"“{domain.name}”领域" if domain is not None else ""
        _put(sheet.cell(1, 1), f"{division.name}{scope}目录中没有有效事项。")
    workbook.save(stream)
    return ExportStats(sheets=len(sections), rows=rows)


def _register_styles(workbook: Workbook) -> dict[str, str]:
    """Add the named styles the sheets use and return them by role.

    Named styles are stored once per workbook; per-cell Font/Border objects would be hashed
    and looked up again for each of tens of thousands of cells.
    """
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = "宋体"
    specs = {
        "title": NamedStyle(
            name="目录标题",
            font=Font(name=font, size=16, bold=True),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        "header": NamedStyle(
            name="目录表头",
            font=Font(name=font, size=10, bold=True),
            fill=PatternFill("solid", fgColor="D9E1F2"),
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        # Text format ("@") keeps later edits in Excel literal: no formulas, no dates from 1-2.
        "text": NamedStyle(
            name="目录正文",
            font=Font(name=font, size=10),
            border=border,
            number_format="@",
            alignment=Alignment(horizontal="left", vertical="top", wrap_text=True),
        ),
        "centred": NamedStyle(
            name="目录居中",
            font=Font(name=font, size=10),
            border=border,
            alignment=Alignment(horizontal="center", vertical="top", wrap_text=True),
        ),
        "note": NamedStyle(
            name="目录注释",
            font=Font(name=font, size=9),
            alignment=Alignment(horizontal="left", vertical="center", wrap_text=True),
        ),
    }
    for style in specs.values():
        workbook.add_named_style(style)
    return {role: style.name for role, style in specs.items()}


def _sheet_title(name: str, used: set[str]) -> str:
    """Return a legal, unused sheet title for a domain name (Excel: 31 chars, no []:*?/\\)."""
    base = SHEET_TITLE_FORBIDDEN.sub("", name).strip("' ") or "领域"
    title = base[:SHEET_TITLE_LIMIT]
    n = 2
    # Excel compares sheet titles without case; two long names may share their first 31 chars.
    while title.casefold() in used:
        suffix = f"({n})"
        title = base[: SHEET_TITLE_LIMIT - len(suffix)] + suffix
        n += 1
    used.add(title.casefold())
    return title


def _put(cell, value, style: str | None = None):
    """Set a cell's value; text is always stored as text, never read as a formula."""
    if value == "":
        # An empty cell, not an empty string: Excel and the importer both read it as blank.
        value = None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT]
        cell.value = value
        # openpyxl turns text that starts with "=" into a formula; a catalog line is never one.
        cell.data_type = "s"
    else:
        cell.value = value
    if style is not None:
        cell.style = style
    return cell


def _write_sheet(
    sheet: Worksheet,
    division: Division,
    domain: Domain,
    entries: list[CatalogEntry],
    columns: list[fmt.Column],
    standard: list[str],
    styles: dict[str, str],
) -> None:
    width = len(columns)
    last = get_column_letter(width)

    _put(sheet.cell(TITLE_ROW, 1), fmt.title(division.name, domain.name), styles["title"])
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 32

    _write_header(sheet, columns, styles["header"])

    first_level_col = next(i for i, c in enumerate(columns, 1) if c.key == "first_level")
    row = FIRST_DATA_ROW
    block_start, block_key = row, None
    for seq, entry in enumerate(entries, 1):
        values = _entry_cells(entry, standard)
        values["seq"] = seq
        first_level = entry.item.first_level_id
        if first_level != block_key:
            _merge_down(sheet, first_level_col, block_start, row - 1)
            block_start, block_key = row, first_level
        else:
            # Inside a block the merge will hide this cell; only the block's first row holds it.
            values["first_level"] = None
        for col, column in enumerate(columns, 1):
            style = styles["centred"] if column.key in CENTRED_KEYS else styles["text"]
            _put(sheet.cell(row, col), values.get(column.key, ""), style)
        row += 1
    _merge_down(sheet, first_level_col, block_start, row - 1)

    _put(sheet.cell(row, 1), fmt.NOTE, styles["note"])
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)

    for col, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    _page_setup(sheet)


def _write_header(sheet: Worksheet, columns: list[fmt.Column], style: str) -> None:
    """Write the two header rows: sub-headed columns share a merged top, others span both."""
    for col, column in enumerate(columns, 1):
        _put(sheet.cell(HEADER_TOP, col), column.top, style)
        _put(sheet.cell(HEADER_SUB, col), column.sub, style)
    col = 1
    while col <= len(columns):
        column = columns[col - 1]
        if not column.sub:
            sheet.merge_cells(
                start_row=HEADER_TOP, start_column=col, end_row=HEADER_SUB, end_column=col
            )
            col += 1
            continue
        end = col
        while end < len(columns) and columns[end].sub and columns[end].top == column.top:
            end += 1
        if end > col:
            sheet.merge_cells(
                start_row=HEADER_TOP, start_column=col, end_row=HEADER_TOP, end_column=end
            )
        col = end + 1


def _merge_down(sheet: Worksheet, col: int, first_row: int, last_row: int) -> None:
    if last_row > first_row:
        sheet.merge_cells(start_row=first_row, start_column=col, end_row=last_row, end_column=col)


def _entry_cells(entry: CatalogEntry, standard: list[str]) -> dict[str, Any]:
    """Return the entry's cells keyed by ``Column.key`` (without 序号)."""
    cells: dict[str, Any] = {
        "first_level": entry.item.first_level.name,
        "second_level": entry.item.name,
    }
    for spec in elements.IN_FILE_ORDER:
        if spec.kind == elements.FLAGS:
            for flag in spec.flags:
                cells[flag.column] = fmt.MARK if getattr(entry, flag.column) else ""
        elif spec.kind == elements.CHANNELS:
            cells[spec.name] = fmt.channel_checklist(_channel_names(entry), standard)
        elif spec.kind != elements.LEVELS:
            cells[spec.name] = flat_value(entry, spec)
    for n, level in enumerate(entry_levels(entry), 1):
        cells[f"level_{n}"] = level["level"]
        cells[f"level_{n}_channels"] = "、".join(level["channels"])
    return cells


def _page_setup(sheet: Worksheet) -> None:
    """Print on A4 landscape, one page wide, with the header repeated on every page."""
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    # 0 = as many pages tall as needed; fitting the height too would shrink the text away.
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{HEADER_TOP}:{HEADER_SUB}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(
        left=0.3, right=0.3, top=0.5, bottom=0.5, header=0.2, footer=0.2
    )
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


# ---------------------------------------------------------------------------------------------
# Flat files.


def export_csv(
    *, division: Division, domain: Domain | None = None, stream: TextIO, department=None
) -> ExportStats:
    """Write the division's catalog to a text stream as CSV, one line per entry; return stats.

    The stream should be opened as plain UTF-8 with ``newline=""``; the byte-order mark is
    written here so that Excel reads the Chinese text as UTF-8. Every cell is neutralised so
    that a spreadsheet program opening the file runs no formula.
    """
    writer = csv.writer(stream)
    stream.write("\ufeff")
    writer.writerow(CSV_HEADER)
    rows = 0
    sections = catalog_sections(division=division, domain=domain, department=department)
    for section_domain, entries in sections:
        for entry in entries:
            line = [
                division.code,
                division.name,
                section_domain.name,
                entry.item.first_level.name,
                entry.item.name,
                *(flat_value(entry, spec) for spec in elements.IN_FILE_ORDER),
            ]
            writer.writerow([fmt.neutralise_for_csv(value) for value in line])
            rows += 1
    return ExportStats(sheets=0, rows=rows)


def export_json(
    *, division: Division, domain: Domain | None = None, stream: TextIO, department=None
) -> ExportStats:
    """Write the division's catalog to a text stream as one JSON document; return stats."""
    entries = [
        {
            "domain": section_domain.name,
            "first_level": entry.item.first_level.name,
            "second_level": entry.item.name,
            **_json_values(entry),
        }
        for section_domain, section in catalog_sections(
            division=division, domain=domain, department=department
        )
        for entry in section
    ]
    document = {
        "division": {"code": division.code, "name": division.name},
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "entries": entries,
    }
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")
    return ExportStats(sheets=0, rows=len(entries))
