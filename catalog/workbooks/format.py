"""The standard catalog workbook (基层政务公开标准目录) as this project writes it.

Export writes, and import reads among other variants, Changsha's wide table (see
``fixtures/catalog-format.md``): one sheet per domain, a title row, a two-row merged header,
merged 一级事项 cells, √ marks for 公开对象 / 公开方式, a ■/□ channel checklist, and one
(公开层级N, 公开渠道和载体N) pair per disclosure level.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import elements

CHECKED = "■"
UNCHECKED = "□"
MARK = "√"
TITLE_SUFFIX = "领域基层政务公开标准目录"
NOTE = "注：“■”表示已选渠道，“□”表示未选渠道；“√”表示适用。"
# Characters that make a spreadsheet program treat a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of the exported table: its two header rows and what it holds."""

    top: str  # first header row (merged across sub-columns, or down over both rows)
    sub: str  # second header row ("" when the heading is merged down)
    key: str  # what the column holds: an Element value, or seq / first_level / ...
    width: int  # column width in characters, for a readable printout


# The item's columns come first; the elements follow in the registry's file order, with
# ``levels`` expanded to N (公开层级N, 公开渠道和载体N) pairs where it stands.
ITEM_COLUMNS = [
    Column("序号", "", "seq", 6),
    Column("公开事项", "一级事项", "first_level", 14),
    Column("公开事项", "二级事项", "second_level", 18),
]


def element_columns(spec: elements.Spec, level_count: int) -> list[Column]:
    """Return the columns one element takes in the workbook."""
    if spec.kind == elements.LEVELS:
        return level_columns(level_count)
    if spec.kind == elements.FLAGS:
        return [Column(spec.heading, f.sub_headings[0], f.column, 7) for f in spec.flags]
    return [Column(spec.heading, "", spec.name, spec.width)]


def level_columns(count: int) -> list[Column]:
    """Return the (公开层级N, 公开渠道和载体N) column pairs for ``count`` levels."""
    columns = []
    for n in range(1, count + 1):
        columns.append(Column(f"公开层级{n}", "", f"level_{n}", 8))
        columns.append(Column(f"公开渠道和载体{n}", "", f"level_{n}_channels", 18))
    return columns


def columns(level_count: int = 2) -> list[Column]:
    """Return every column of the exported table, in order."""
    count = max(level_count, 1)
    return [
        *ITEM_COLUMNS,
        *(column for spec in elements.IN_FILE_ORDER for column in element_columns(spec, count)),
    ]


def title(division_name: str, domain_name: str) -> str:
    """Return the title row's text, e.g. 芙蓉区重大建设项目领域基层政务公开标准目录."""
    return f"{division_name}{domain_name}{TITLE_SUFFIX}"


def channel_checklist(selected: list[str], standard: list[str]) -> str:
    """Return the ■/□ checklist: every standard channel, then any other selected one."""
    marks = [f"{CHECKED if name in selected else UNCHECKED}{name}" for name in standard]
    marks += [f"{CHECKED}{name}" for name in selected if name not in standard]
    return " ".join(marks)


def neutralise_for_csv(value):
    """Return ``value`` so that a spreadsheet program opening the CSV will not run it."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
