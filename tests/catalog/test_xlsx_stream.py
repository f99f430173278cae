"""The minimal .xlsx reader: shared and rich strings, inline strings, numbers, gaps, formulas."""

import io
import zipfile

from catalog.workbooks.xlsx_stream import Book

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PNS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
WS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet"


def archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {NS} {RNS}><sheets><sheet name="目录" sheetId="1" r:id="rId1"/>'
            f'<sheet name="图表" sheetId="2" r:id="rId2"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships {PNS}><Relationship Id="rId1" Type="{WS}" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{CHART}" '
            f'Target="chartsheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f"<sst {NS}><si><t>公开事项</t></si>"
            "<si><r><t>二级</t></r><r><t>事项</t></r><rPh><t>ニキュウ</t></rPh></si></sst>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f"<worksheet {NS}><sheetData>"
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
            '<row r="3"><c r="B3"><v>20</v></c><c r="C3"><v>1.5</v></c>'
            '<c r="D3" t="b"><v>1</v></c><c r="E3" t="inlineStr"><is><t>=文字</t></is></c>'
            '<c r="F3"><f>A1&amp;B1</f><v>x</v></c></row>'
            '</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>',
        )
    return buffer.getvalue()


def test_reads_values_types_and_gaps():
    book = Book(io.BytesIO(archive()))
    assert [s.title for s in book.worksheets] == ["目录"]  # the chart sheet is not a table
    rows = list(book.worksheets[0].iter_rows())
    assert len(rows) == 3 and rows[1] == []
    assert [c.value for c in rows[0]] == ["公开事项", None, "二级事项"]
    values = [(c.value, c.data_type) for c in rows[2]]
    assert values == [
        (None, "n"),
        (20, "n"),
        (1.5, "n"),
        (True, "n"),
        ("=文字", "s"),  # text that looks like a formula stays text
        ("=A1&B1", "f"),  # a real formula is flagged
    ]
    book.close()
