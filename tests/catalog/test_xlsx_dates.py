""".xlsx date cells: a number whose cell format is a date format reads as ISO text, as .xls dates
do; the styles part that says so is read within its own limits."""

from __future__ import annotations

import datetime
import io
import zipfile

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from catalog.workbooks import xls_read as xls_read
from catalog.workbooks import xlsx_stream
from catalog.workbooks.xlsx_stream import Book, LimitError, Limits, excel_date, is_date_format

from . import workbooks as wb
from . import xls_workbooks as xw
from .test_xls_import import run
from .workbooks import YR_YANGLAO


def xlsx(cells: list[tuple[object, str | None]], *, date1904: bool = False) -> bytes:
    """Return an .xlsx (written by openpyxl) with ``cells`` in row 1: (value, number format)."""
    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    for column, (value, number_format) in enumerate(cells, 1):
        cell = sheet.cell(1, column, value)
        if number_format is not None:
            cell.number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def values(data: bytes, **limits) -> list:
    book = Book(io.BytesIO(data), Limits(**limits))
    try:
        [(_, cells)] = list(book.worksheets[0].rows())
        return [c.value for c in cells]
    finally:
        book.close()


def test_dates_times_and_datetimes_read_as_iso_text():
    assert values(
        xlsx(
            [
                (datetime.date(2025, 1, 20), None),  # openpyxl's default: yyyy-mm-dd (14)
                (datetime.datetime(2024, 1, 31, 8, 30), None),
                (datetime.datetime(2024, 1, 31, 0, 0), None),
                (datetime.time(8, 30, 15), None),
                (45678, "m/d/yy"),  # a serial typed under a built-in date format
                (45678, "yyyy-mm-dd"),
                (45678.75, "yyyy/m/d h:mm"),
                (0.5, "h:mm"),
                (datetime.date(1900, 1, 1), None),
                (datetime.date(1900, 3, 1), None),  # after the 29 February 1900 Excel counts
            ]
        )
    ) == [
        "2025-01-20",
        "2024-01-31 08:30:00",
        "2024-01-31",
        "08:30:15",
        "2025-01-21",
        "2025-01-21",
        "2025-01-21 18:00:00",
        "12:00:00",
        "1900-01-01",
        "1900-03-01",
    ]


def test_a_custom_chinese_date_format_is_a_date():
    assert values(
        xlsx(
            [
                (datetime.date(2025, 1, 20), 'yyyy"年"m"月"d"日"'),
                (45678, 'yyyy"年"m"月"d"日"'),
                (45678, "[$-804]yyyy年m月d日 dddd"),
                (45678.5, '[DBNum1][$-804]h"时"mm"分"'),
            ]
        )
    ) == ["2025-01-20", "2025-01-21", "2025-01-21", "2025-01-21 12:00:00"]


def test_numbers_that_are_not_dates_stay_numbers():
    assert values(
        xlsx(
            [
                (45678, None),  # General
                (45678, "0.00"),
                (45678, "#,##0"),
                (12, '"第"0"天"'),  # d inside quotes is text, not a day
                (12, '0"d"'),
                (12, "[Red]0"),  # the colour in brackets is not a date either
                (12, "0.00E+00"),
                (430102, "@"),
                (1.5, None),
            ]
        )
    ) == [45678, 45678, 45678, 12, 12, 12, 12, 430102, 1.5]


def test_the_1904_date_system():
    data = xlsx(
        [
            (datetime.date(2025, 1, 20), None),
            (datetime.datetime(2024, 1, 31, 8, 30), None),
            (45678, "yyyy-mm-dd"),  # the same serial, four years and a day later than in 1900
            (0, "yyyy-mm-dd h:mm"),
            (45678, None),
        ],
        date1904=True,
    )
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    assert values(data) == ["2025-01-20", "2024-01-31 08:30:00", "2029-01-22", "00:00:00", 45678]


def test_iso_date_cells_read_the_same():
    book = openpyxl.Workbook()
    book.iso_dates = True  # openpyxl then writes t="d" cells with ISO text
    sheet = book.active
    sheet["A1"] = datetime.date(2025, 1, 20)
    sheet["B1"] = datetime.datetime(2024, 1, 31, 8, 30)
    sheet["C1"] = datetime.datetime(2024, 1, 31)
    buffer = io.BytesIO()
    book.save(buffer)
    assert b't="d"' in zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    assert values(buffer.getvalue()) == ["2025-01-20", "2024-01-31 08:30:00", "2024-01-31"]


@pytest.mark.parametrize("date1904", [False, True])
def test_serials_convert_exactly_as_the_xls_reader_does(date1904):
    samples = [0, 0.25, 0.999994, 1, 59, 59.5, 60, 60.5, 61, 366, 45678, 45678.354166666664]
    samples += [2958465, 2958465.99999, 2958466, 10**7, -1, -0.5, 1.0000001, float("inf")]
    for value in map(float, samples):
        # The reader gives whole numbers as int (xlrd gives every number as a float).
        number = int(value) if value.is_integer() else value
        assert excel_date(number, date1904) == xls_read._date(value, int(date1904)), value


def test_date_formats_are_told_as_xlrd_tells_them():
    dates = ["yyyy-mm-dd", "m/d/yy h:mm", "[h]:mm:ss", 'yyyy"年"m"月"', "mmm-yy", "ss.0"]
    dates += ["[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy", "yyyy-mm-dd;@", "e/m/d"]
    numbers = ["General", "0", "0.00", "#,##0.00_);[Red](#,##0.00)", "@", '0.0"h"', "\\d0"]
    numbers += ['"yyyy"0', "0.00E+00", "##0.0E+0", '_("$"* #,##0_)', "# ?/?", ""]
    assert [code for code in dates + numbers if is_date_format(code)] == dates


def test_dates_read_the_same_from_xlsx_and_xls():
    def edit(book):
        book.worksheets[0]["O4"] = datetime.datetime(2024, 1, 31)
        book.worksheets[0]["O5"] = datetime.datetime(2024, 1, 31, 8, 30)

    xlsx_data = wb.xlsx_bytes(wb.common_sheet("养老服务", YR_YANGLAO), edit=edit)
    xls_data = xw.xls_from_xlsx(xlsx_data)
    read = []
    for book in (Book(io.BytesIO(xlsx_data)), xls_read.Book(xls_data)):
        try:
            rows = dict(book.worksheets[0].rows())
            read.append([rows[4][14].value, rows[5][14].value])
        finally:
            book.close()
    assert read[0] == read[1] == ["2024-01-31", "2024-01-31 08:30:00"]


def test_a_date_imports_as_iso_text(city):
    def edit(book):
        book.worksheets[0]["O4"] = datetime.date(2024, 1, 31)  # 备注
        book.worksheets[0]["O5"] = 45678  # a number, General: stays a number

    data = wb.xlsx_bytes(wb.common_sheet("养老服务", YR_YANGLAO), edit=edit)
    assert run(data, city).applied
    first, second = (
        wb.entry(city, "养老服务", "养老服务通用政策", line.second_level) for line in YR_YANGLAO[:2]
    )
    assert (first.remarks, second.remarks) == ("2024-01-31", "45678")


# ---------------------------------------------------------------------------------------------
# The styles part, within its limits.


def styled(styles: str, cells: str = '<c r="A1" s="1"><v>45678</v></c>') -> bytes:
    """Return a minimal .xlsx whose styles part is ``styles`` (inside <styleSheet>)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} {rns}><sheets><sheet name="目录" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships {pkg}><Relationship Id="rId1" Type="{rel}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        z.writestr("xl/styles.xml", f"<styleSheet {ns}>{styles}</styleSheet>")
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet {ns}><sheetData><row r="1">{cells}</row></sheetData></worksheet>',
        )
    return buffer.getvalue()


def test_only_cell_formats_and_their_number_formats_count():
    """<cellStyleXfs> and <dxfs> hold formats of their own: they say nothing of a cell's."""
    data = styled(
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.000"/></numFmts>'
        '<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14">'
        '<alignment wrapText="1"/></xf></cellXfs>'
        '<dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></dxf></dxfs>',
        '<c r="A1" s="1"><v>45678</v></c><c r="B1" s="2"><v>45678</v></c>'
        '<c r="C1" s="9"><v>45678</v></c><c r="D1" s="2" t="str"><v>45678</v></c>',
    )
    # s="9": no such format; text in a date-formatted cell stays text.
    assert values(data) == [45678, "2025-01-21", 45678, "45678"]


def test_a_custom_format_may_redefine_a_built_in_number():
    data = styled(
        '<numFmts count="1"><numFmt numFmtId="14" formatCode="0.00"/></numFmts>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    )
    assert values(data) == [45678]


def test_style_limits_name_the_limit():
    formats = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="yyyy-mm-dd"/>' for i in range(5))
    xfs = "".join('<xf numFmtId="164"/>' for _ in range(5))
    data = styled(f"<numFmts>{formats}</numFmts><cellXfs>{xfs}</cellXfs>")
    assert values(data, number_formats=5, cell_formats=5) == ["2025-01-21"]
    with pytest.raises(LimitError) as raised:
        values(data, number_formats=4)
    assert raised.value.message == "样式表（xl/styles.xml）的自定义数字格式超过上限（最多 4 个）。"
    with pytest.raises(LimitError) as raised:
        values(data, cell_formats=4)
    assert raised.value.message.startswith(
        "样式表（xl/styles.xml）的单元格格式超过上限（最多 4 个，Excel 为 64,000 个）"
    )
    with pytest.raises(LimitError) as raised:
        values(data, format_chars=9)
    assert raised.value.message == (
        "样式表（xl/styles.xml）第1个自定义数字格式有 10 个字符，"
        "超过上限（每个最多 9 个字符，Excel 为 255 个）。"
    )
    too_big = r"样式表（xl/styles.xml）解压后为 \d+ KB，超过样式表的上限 0 KB。"
    with pytest.raises(LimitError, match=too_big):
        values(data, styles_bytes=100)
    # What a section holds besides cell and number formats is bounded like any XML.
    fonts = "<fonts>" + "<font><b/></font>" * 50 + "</fonts>"
    assert values(styled(fonts + xfs)) == [45678]
    held = styled("<fonts><font>" + "<b/>" * 20_000 + "</font></fonts>")
    assert values(held) == [45678]
    with pytest.raises(LimitError, match="中单个 XML 元素的数据超过上限"):
        values(held, element_count=1_000)


def test_the_styles_are_read_once(monkeypatch):
    data = styled('<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs>')
    book = Book(io.BytesIO(data))
    try:
        assert book.date_styles() == frozenset({"1"})
        monkeypatch.setattr(book, "_read_date_styles", lambda: pytest.fail("read twice"))
        cells = [c.value for _, row in book.worksheets[0].rows() for c in row]
        assert cells == ["2025-01-21"]
    finally:
        book.close()


def test_a_corrupt_styles_part_gets_a_chinese_message():
    with pytest.raises(LimitError) as raised:
        values(styled('<cellXfs count="1"><xf numFmtId="14"></cellXfs>'))
    assert raised.value.message == (
        "样式表（xl/styles.xml）已损坏，无法读取。请在 Excel 中重新保存后再导入。"
    )


def test_a_workbook_without_styles_reads_numbers():
    book = openpyxl.Workbook()
    book.active["A1"] = 45678
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            if info.filename != "xl/styles.xml":
                z.writestr(info, source.read(info))
    assert values(out.getvalue()) == [45678]
    assert xlsx_stream.LIMITS.styles_bytes == 16 * 2**20
