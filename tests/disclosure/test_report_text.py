"""A report's narrative as staff paste it: Windows line breaks, Word's control characters,
text that a spreadsheet would run as a formula."""

import io

from openpyxl import Workbook, load_workbook

from disclosure.report.exports import _cell_text
from disclosure.report.present import paragraphs


def test_paragraphs_split_at_blank_lines_whatever_the_line_breaks():
    assert paragraphs("第一段\r\n续行\r\n\r\n第二段\r\r第三段") == [
        "第一段 续行",
        "第二段",
        "第三段",
    ]


def test_cells_take_pasted_control_characters_and_never_run_formulas():
    book = Workbook()
    sheet = book.active
    sheet.cell(1, 1, _cell_text("甲\x0b乙\x0c丙"))
    sheet.cell(2, 1, _cell_text('=HYPERLINK("http://x")'))
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert cells.cell(1, 1).value == "甲 乙 丙"
    assert cells.cell(2, 1).data_type == "s" and cells.cell(2, 1).value.startswith("'=")
