"""Write standard catalog workbooks of any size for the import benchmarks.

The workbook follows ``catalog.workbooks.format`` as the export writes it: one sheet per domain
(sheet name = domain name), the title in row 1 merged across the table, the two-row header in
rows 2-3 (公开事项 merged over 一级事项 | 二级事项, single headings merged down over both rows),
merged 一级事项 blocks, √ marks, the ■/□ channel checklist, two (公开层级N, 公开渠道和载体N)
pairs and the note row under the table. It is written with openpyxl's write-only mode, so a
100,000-line workbook takes seconds and little memory.

Write-only worksheets have no ``merge_cells()``, but they keep the ordinary ``merged_cells``
range set, and openpyxl writes it after the rows (``<mergeCells>``), as Excel does. With
``merge=False`` nothing is merged and each heading (and each 一级事项) is repeated in every cell
it would cover across (公开事项 | 公开事项 over 一级事项 | 二级事项, each 一级事项 on every line;
a heading that would span both header rows stays in the top row with an empty cell below). The
importer matches headings by their text and reads both layouts alike.

``catalog_lines`` yields the same lines as plain values, for the benchmark cases that write the
same data without the workbook (django-import-export, plain bulk_create).

``python -m bench.workbooks PATH LINES DOMAINS_JSON CHANNELS_JSON`` writes one workbook in a
process of its own, so that its memory does not count in the importing process's peak.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from catalog.workbooks import format as fmt

CITY_NAME = "长沙市"
# The city reference catalog's proportions (bench/generate.py): 914 first-level items for
# 1,542 lines, 1,252 of them 政务服务事项.
FIRST_LEVEL_RATIO = 914 / 1542
SERVICE_RATIO = 1252 / 1542
LEVELS = [
    {"level": "县级", "channels": ["政府网站", "政务服务中心"]},
    {"level": "乡级", "channels": ["政府网站", "便民服务站"]},
]
ITEM_TYPE_LABELS = {"service": "政务服务事项", "non_service": "非政务服务事项"}
TITLE_ROW, HEADER_TOP, HEADER_SUB, FIRST_DATA_ROW = 1, 2, 3, 4


@dataclass(slots=True)
class Line:
    """One catalog line: natural key and element values (as the model stores them)."""

    domain: str
    first_level: str
    second_level: str
    item_type: str  # CatalogEntry.ItemType value
    service_name: str
    content: str
    content_title: str
    upload_form: str
    basis: str
    time_limit: str
    subject: str
    channels: list[str]  # selected channel names, in the standard order
    audience_all: bool
    audience_specific: bool
    mode_active: bool
    mode_on_request: bool
    levels: list[dict]
    remarks: str


def first_level_count(lines: int) -> int:
    """Return how many first-level items ``lines`` lines spread over (914 for 1,542)."""
    return max(1, min(lines, round(lines * FIRST_LEVEL_RATIO)))


def catalog_lines(
    *,
    lines: int,
    domains: Sequence[str],
    channels: Sequence[str],
    seed: int = 2026,
    first_levels: int | None = None,
) -> Iterator[Line]:
    """Yield ``lines`` lines in workbook order: by domain, then first-level item, then second.

    First-level item ``i`` belongs to domain ``i % len(domains)``; every first-level item has
    at least one second-level item and the rest are spread at random. Names carry their index
    (一级事项0042, 二级事项00042), so every natural key is distinct. ``channels`` are the
    standard channels; each line selects three of them.
    """
    # bench.generate imports the models; import it here so that this module loads without
    # Django being set up (the writer in its own process sets it up first).
    from bench.generate import BASIS, CONTENT

    rng = random.Random(seed)
    firsts = first_levels or first_level_count(lines)
    owners = list(range(firsts)) + [rng.randrange(firsts) for _ in range(lines - firsts)]
    seconds_of: list[list[int]] = [[] for _ in range(firsts)]
    for second, first in enumerate(owners):
        seconds_of[first].append(second)
    del owners
    width = max(4, len(str(firsts - 1)))
    second_width = max(5, len(str(lines - 1)))
    for d, domain in enumerate(domains):
        for first in range(d, firsts, len(domains)):
            first_name = f"一级事项{first:0{width}d}"
            for second in seconds_of[first]:
                name = f"二级事项{second:0{second_width}d}"
                service = rng.random() < SERVICE_RATIO
                picked = set(rng.sample(range(len(channels)), 3))
                yield Line(
                    domain=domain,
                    first_level=first_name,
                    second_level=name,
                    item_type="service" if service else "non_service",
                    service_name=name if service else "",
                    content=CONTENT,
                    content_title=f"{name}信息",
                    upload_form="文本" if rng.random() < 0.7 else "链接",
                    basis=BASIS,
                    time_limit="信息形成（变更）之日起20个工作日内",
                    subject="市发展改革委、各区县(市)人民政府",
                    channels=[c for i, c in enumerate(channels) if i in picked],
                    audience_all=True,
                    audience_specific=rng.random() < 0.3,
                    mode_active=True,
                    mode_on_request=rng.random() < 0.2,
                    levels=[dict(level, channels=list(level["channels"])) for level in LEVELS],
                    remarks="",
                )


def _row_values(line: Line, seq: int, columns: list[fmt.Column], channels, show_first: bool):
    """Return one data row's cells in column order."""
    mark = fmt.MARK
    cells = {
        "seq": seq,
        "first_level": line.first_level if show_first else None,
        "second_level": line.second_level,
        "item_type": ITEM_TYPE_LABELS[line.item_type],
        "service_name": line.service_name,
        "content": line.content,
        "content_title": line.content_title,
        "upload_form": line.upload_form,
        "basis": line.basis,
        "time_limit": line.time_limit,
        "subject": line.subject,
        "channels": fmt.channel_checklist(line.channels, list(channels)),
        "audience_all": mark if line.audience_all else None,
        "audience_specific": mark if line.audience_specific else None,
        "mode_active": mark if line.mode_active else None,
        "mode_on_request": mark if line.mode_on_request else None,
        "remarks": line.remarks,
    }
    for n, level in enumerate(line.levels, 1):
        cells[f"level_{n}"] = level["level"]
        cells[f"level_{n}_channels"] = "、".join(level["channels"])
    # An empty cell, not an empty string, as the export writes it (序号 starts at 1).
    return [cells.get(c.key) or None for c in columns]


def _merge(sheet, min_col: int, min_row: int, max_col: int, max_row: int) -> None:
    if (min_col, min_row) != (max_col, max_row):
        sheet.merged_cells.add(
            CellRange(min_col=min_col, min_row=min_row, max_col=max_col, max_row=max_row)
        )


def _header_rows(columns: list[fmt.Column], merge: bool):
    """Return the two header rows and the header's merged ranges, as the export writes them."""
    top, sub, merges = [], [], []
    col = 1
    while col <= len(columns):
        column = columns[col - 1]
        if not column.sub:
            top.append(column.top)
            # Merged down over both rows; without merging, the cell below stays empty.
            sub.append(None)
            merges.append((col, HEADER_TOP, col, HEADER_SUB))
            col += 1
            continue
        end = col
        while end < len(columns) and columns[end].sub and columns[end].top == column.top:
            end += 1
        for c in range(col, end + 1):
            top.append(column.top if c == col or not merge else None)
            sub.append(columns[c - 1].sub)
        merges.append((col, HEADER_TOP, end, HEADER_TOP))
        col = end + 1
    return top, sub, merges


def write_catalog_workbook(
    path: str | Path,
    *,
    lines: int,
    domains: list[str],
    channels: list[str] | None = None,
    seed: int = 2026,
    first_levels: int | None = None,
    merge: bool = True,
) -> Path:
    """Write a standard workbook of ``lines`` lines of 长沙市's catalog to ``path``; return it.

    ``domains`` are the domain names (one sheet each, in this order); ``channels`` the standard
    channel names (default: the fixture's 13). ``merge=False`` repeats headings and 一级事项
    names instead of merging cells.
    """
    path = Path(path)
    if channels is None:
        channels = standard_channels()
    columns = fmt.columns(len(LEVELS))
    width = len(columns)
    first_col = next(i for i, c in enumerate(columns, 1) if c.key == "first_level")
    top, sub, header_merges = _header_rows(columns, merge)
    book = Workbook(write_only=True)
    book.properties.title = f"{CITY_NAME}基层政务公开标准目录"
    written = 0
    lines_iter = catalog_lines(
        lines=lines, domains=domains, channels=channels, seed=seed, first_levels=first_levels
    )
    for domain, domain_lines in groupby(lines_iter, key=attrgetter("domain")):
        sheet = book.create_sheet(domain[:31])
        # Column widths must be set before the first row is written.
        for col, column in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(col)].width = column.width
        sheet.append([fmt.title(CITY_NAME, domain)] + [None] * (width - 1))
        sheet.append(top)
        sheet.append(sub)
        merges = [(1, TITLE_ROW, width, TITLE_ROW), *header_merges]
        row = FIRST_DATA_ROW
        for _, block in groupby(domain_lines, key=attrgetter("first_level")):
            start = row
            for k, line in enumerate(block):
                # Inside a merged block only the block's first row holds the name.
                sheet.append(
                    _row_values(
                        line, row - FIRST_DATA_ROW + 1, columns, channels, k == 0 or not merge
                    )
                )
                row += 1
            merges.append((first_col, start, first_col, row - 1))
        written += row - FIRST_DATA_ROW
        sheet.append([fmt.NOTE] + [None] * (width - 1))
        merges.append((1, row, width, row))
        if merge:
            # Merged ranges may be added until the sheet is saved; they are written after the rows.
            for bounds in merges:
                _merge(sheet, *bounds)
    if written != lines:
        raise ValueError(f"wrote {written} lines, expected {lines}")
    book.save(path)
    return path


def standard_channels() -> list[str]:
    """Return the standard channel names from the fixture, in display order."""
    import csv

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "channels.csv"
    with fixture.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["is_standard"] == "1"]
    return [r["name"] for r in sorted(rows, key=lambda r: int(r["order"]))]


def main(argv: list[str]) -> None:
    import django

    django.setup()
    path, lines, domains, channels = argv[:4]
    merge = len(argv) < 5 or argv[4] != "nomerge"
    write_catalog_workbook(
        path,
        lines=int(lines),
        domains=json.loads(domains),
        channels=json.loads(channels),
        merge=merge,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
