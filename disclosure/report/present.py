"""The report's tables as grids of placed cells (row, column, spans): the one layout that the
HTML page, the XLSX workbook and the PDF all draw, so that the three never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import layout

MANUAL = "手工填报"
LEGEND = (
    "注：标注“手工填报”的数据由填报单位填写；其余数据由平台根据本单位已发布的主动公开信息和"
    "依申请公开办理记录自动统计。"
)
THREE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
SECTIONS = (
    ("overview", "一、总体情况"),
    ("two", "二、主动公开政府信息情况"),
    ("three", "三、收到和处理政府信息公开申请情况"),
    ("four", "四、政府信息公开行政复议、行政诉讼情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other_matters", "六、其他需要报告的事项"),
)


@dataclass(frozen=True)
class Placed:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    manual: bool = False
    number: Any = None  # the value itself, for a workbook cell


@dataclass
class Grid:
    caption: str
    width: int
    cells: list[Placed] = field(default_factory=list)
    note: str = ""

    @property
    def height(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    def rows(self) -> list[list[Placed]]:
        """Return the cells row by row, left to right (covered positions are simply absent)."""
        by_row: list[list[Placed]] = [[] for _ in range(self.height)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            by_row[cell.row].append(cell)
        return by_row


def shown(value: Any) -> str:
    """Return a figure as the table prints it ("—" where none is known)."""
    if value is None or value == "":
        return "—"
    return str(value)


def table_two(two: dict[str, dict]) -> Grid:
    """Return table 二 as one grid of four stacked sub-tables, four columns wide."""
    grid = Grid("二、主动公开政府信息情况", 4)
    row = 0
    for title, headers, blocks in layout.TABLE_TWO:
        grid.cells.append(Placed(row, 0, title, colspan=4, header=True))
        row += 1
        wide = 4 - len(headers) + 1  # one measure column spans the three value columns
        grid.cells.append(Placed(row, 0, headers[0], header=True))
        for i, head in enumerate(headers[1:]):
            grid.cells.append(Placed(row, 1 + i, head, colspan=wide, header=True))
        row += 1
        for block in blocks:
            grid.cells.append(Placed(row, 0, block.title, header=True))
            for i, cell in enumerate(block.cells):
                figure = two[cell.key]
                grid.cells.append(
                    Placed(
                        row,
                        1 + i,
                        shown(figure["value"]),
                        colspan=wide,
                        manual=figure["manual"],
                        number=figure["value"],
                    )
                )
            row += 1
    return grid


def table_three(three: dict[str, dict[str, int]]) -> Grid:
    """Return table 三 in the format's layout: three heading columns, then the seven."""
    grid = Grid("三、收到和处理政府信息公开申请情况", 10)
    cells = grid.cells
    cells.append(Placed(0, 0, THREE_NOTE, rowspan=3, colspan=3, header=True))
    cells.append(Placed(0, 3, "申请人情况", colspan=7, header=True))
    cells.append(Placed(1, 3, "自然人", rowspan=2, header=True))
    cells.append(Placed(1, 4, "法人或其他组织", colspan=5, header=True))
    cells.append(Placed(1, 9, "总计", rowspan=2, header=True))
    for i, (_key, label) in enumerate(layout.COLUMNS[1:-1]):
        cells.append(Placed(2, 4 + i, label, header=True))
    row = 3
    results = len(layout.REPLY_ROWS) + 1
    for spec in layout.ROWS:
        if spec.key in (layout.NEW, layout.CARRIED, layout.FORWARD):
            cells.append(Placed(row, 0, spec.label, colspan=3, header=True))
        else:
            if spec.key == layout.REPLY_ROWS[0].key:
                cells.append(Placed(row, 0, "三、本年度办理结果", rowspan=results, header=True))
            category, _, reason = spec.key.rpartition("_")
            if spec.key == layout.CLOSED or not reason.isdigit():
                cells.append(Placed(row, 1, spec.label, colspan=2, header=True))
            else:
                if reason == "1":
                    head = layout.CATEGORY_HEADS[category]
                    span = len(layout.REASONS[category])
                    cells.append(Placed(row, 1, head, rowspan=span, header=True))
                cells.append(Placed(row, 2, spec.label, header=True))
        for i, (column, _label) in enumerate(layout.COLUMNS):
            value = three[spec.key][column]
            cells.append(Placed(row, 3 + i, shown(value), number=value))
        row += 1
    return grid


def table_four(four: dict[str, Any]) -> Grid:
    """Return table 四: 行政复议 and the two kinds of 行政诉讼, five figures each."""
    grid = Grid("四、政府信息公开行政复议、行政诉讼情况", 15, note=f"本表数据均为{MANUAL}。")
    cells = grid.cells
    cells.append(Placed(0, 0, "行政复议", colspan=5, header=True))
    cells.append(Placed(0, 5, "行政诉讼", colspan=10, header=True))
    for i, (_o, label) in enumerate(layout.OUTCOMES):
        cells.append(Placed(1, i, label, rowspan=2, header=True))
    for g, (_group, title) in enumerate(layout.GROUPS[1:]):
        cells.append(Placed(1, 5 + 5 * g, title.removeprefix("行政诉讼 "), colspan=5, header=True))
        for i, (_o, label) in enumerate(layout.OUTCOMES):
            cells.append(Placed(2, 5 + 5 * g + i, label, header=True))
    for g, (group, _title) in enumerate(layout.GROUPS):
        for i, (outcome, _label) in enumerate(layout.OUTCOMES):
            value = four.get(f"{group}_{outcome}")
            cells.append(Placed(3, 5 * g + i, shown(value), number=value))
    return grid


def paragraphs(text: str) -> list[str]:
    """Return a narrative text's paragraphs (split at blank lines, lines joined)."""
    # Browsers post a textarea's lines with \r\n: fold them before splitting.
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks = [" ".join(part.split("\n")).strip() for part in text.split("\n\n")]
    return [b for b in blocks if b]


def document(report, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return what every output of ``report`` shows: title, sections in order, each either
    paragraphs or a grid, from ``snapshot`` (by default the one the report keeps)."""
    snapshot = snapshot or report.snapshot
    grids = {
        "two": table_two(snapshot["two"]),
        "three": table_three(snapshot["three"]),
        "four": table_four(snapshot["four"]),
    }
    sections = []
    for key, title in SECTIONS:
        if key in grids:
            sections.append({"title": title, "grid": grids[key], "paragraphs": []})
        else:
            text = paragraphs(getattr(report, key))
            sections.append({"title": title, "grid": None, "paragraphs": text or ["无。"]})
    return {
        "title": f"{snapshot['publisher']}{snapshot['year']}年政府信息公开工作年度报告",
        "sections": sections,
        "legend": LEGEND,
        "published_at": report.published_at,
    }
