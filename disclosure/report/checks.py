"""The format's consistency checks (国办公开办函〔2021〕30号), each failure a message naming the
cell it concerns, in the words of the table.

``problems(snapshot)`` runs them all; a report with any problem cannot be submitted.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from . import layout

COLUMN_LABELS = dict(layout.COLUMNS)


def _cell(row_key: str, column: str) -> str:
    row = layout.ROW_BY_KEY[row_key]
    label = row.label
    if row.key == layout.CLOSED:
        where = "第三行（七）“总计”"
    elif row.key in (layout.NEW, layout.CARRIED, layout.FORWARD):
        where = f"{row.section}“{label.split('、', 1)[1]}”"
    else:
        where = f"{row.section}“{label}”"
    return f"表三 {where}{COLUMN_LABELS[column]}列"


def check_table_two(two: dict[str, dict]) -> list[str]:
    """Return a message for each table 二 cell that has no figure or an impossible one."""
    found = []
    for cell in layout.TWO_CELLS:
        value = two.get(cell.key, {}).get("value")
        where = f"表二 “{layout.TWO_BLOCK_OF[cell.key]}”{cell.label}"
        if value is None or value == "":
            found.append(f"{where}：平台无此类信息，须手工填报（没有的填0）。")
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            found.append(f"{where}：“{value}”不是数字。")
            continue
        if number < 0 or (not cell.decimal and number != number.to_integral_value()):
            found.append(f"{where}：应为非负{'数' if cell.decimal else '整数'}，现为{value}。")
    return found


def check_table_three(three: dict[str, dict[str, int]]) -> list[str]:
    """Return a message for each table 三 cell that breaks one of the format's equations:
    一 + 二 = 三（七） + 四 in every column; 总计 = the six columns' sum in every row;
    （七） = （一）+…+（六） in every column."""
    found = []
    for row in layout.ROWS:
        cells = three[row.key]
        parts = sum(cells[kind] for kind in layout.KINDS)
        if cells[layout.TOTAL] != parts:
            found.append(
                f"{_cell(row.key, layout.TOTAL)}：应为自然人与法人或其他组织各列之和{parts}，"
                f"现为{cells[layout.TOTAL]}。"
            )
    for column, _label in layout.COLUMNS:
        received = three[layout.NEW][column] + three[layout.CARRIED][column]
        settled = three[layout.CLOSED][column] + three[layout.FORWARD][column]
        if received != settled:
            found.append(
                f"{_cell(layout.FORWARD, column)}：一（本年新收{three[layout.NEW][column]}）"
                f"加二（上年结转{three[layout.CARRIED][column]}）为{received}，"
                f"三（七）（总计{three[layout.CLOSED][column]}）"
                f"加四（结转下年度{three[layout.FORWARD][column]}）为{settled}，二者应相等。"
            )
        replies = sum(three[row.key][column] for row in layout.REPLY_ROWS)
        if three[layout.CLOSED][column] != replies:
            found.append(
                f"{_cell(layout.CLOSED, column)}：应为（一）至（六）之和{replies}，"
                f"现为{three[layout.CLOSED][column]}"
                "（已办结申请须记录答复类型和具体情形，请在依申请公开中补录）。"
            )
    return found


def check_table_four(four: dict[str, Any]) -> list[str]:
    """Return a message for each table 四 figure missing or negative, and each group whose
    总计 is not the sum of its four outcomes."""
    found = []
    outcomes = dict(layout.OUTCOMES)
    for group, title in layout.GROUPS:
        complete = True
        for outcome, label in layout.OUTCOMES:
            value = four.get(f"{group}_{outcome}")
            if value is None or value == "":
                found.append(f"表四 {title}“{label}”：未填写（没有的填0）。")
                complete = False
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                found.append(f"表四 {title}“{label}”：应为非负整数，现为{value}。")
                complete = False
        if not complete:
            continue
        parts = sum(four[f"{group}_{o}"] for o, _ in layout.OUTCOMES if o != layout.TOTAL)
        total = four[f"{group}_{layout.TOTAL}"]
        if total != parts:
            found.append(
                f"表四 {title}“{outcomes[layout.TOTAL]}”：应为结果维持、结果纠正、其他结果、"
                f"尚未审结之和{parts}，现为{total}。"
            )
    return found


def problems(snapshot: dict[str, Any]) -> list[str]:
    """Return every check's failures for ``snapshot``, table by table (empty: it passes)."""
    return [
        *check_table_two(snapshot["two"]),
        *check_table_three(snapshot["three"]),
        *check_table_four(snapshot["four"]),
    ]
