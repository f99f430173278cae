"""Hostile workbooks: each import ends in a clear message, in bounded memory and time, unwritten.

Every file in ``hostile_workbooks.CASES`` is generated here (a few megabytes at most, standing
for gigabytes) and imported in a child process under an address-space cap and an alarm: through
``import_catalog`` for all of them, and through the ``import_catalog`` command for a few. The
child must exit normally, say what is wrong in Chinese (naming the sheet or part and the
limit), peak under 300 MB resident, and leave every table of its database as it found it. Then
fast in-process tests of the limits themselves.
"""

from __future__ import annotations

import io
import sys
import tracemalloc

import pytest

from catalog.workbooks import xlsx_stream as xlsx_stream
from catalog.workbooks.read import _Filler
from catalog.workbooks.xlsx_stream import Book, LimitError, Limits, SheetError

from . import hostile_workbooks as hw

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="fork, wait4 and RLIMIT_AS as Linux has them"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return hw.template_database(tmp_path_factory.mktemp("hostile_template"))


@pytest.fixture(scope="module")
def server(template, tmp_path_factory):
    with hw.Server(template, tmp_path_factory.mktemp("hostile_server")) as server:
        yield server


def assert_contained(done: hw.Outcome, case: hw.Case) -> None:
    assert done.exit == 0, f"the child ended with {done.exit} (-14: killed by the alarm)"
    assert done.outcome == case.outcome, done.message
    for text in case.expect:
        assert text in done.message
    assert done.peak_mib < hw.PEAK_MIB, f"peak {done.peak_mib:.0f} MiB"
    if case.outcome == "imported":
        assert done.changed.get("catalog_catalogentry", 0) > 0
    else:
        assert done.changed == {}, f"written: {done.changed}"


@pytest.mark.parametrize("name", list(hw.CASES))
def test_import_of_a_hostile_workbook_is_contained(server, tmp_path, name):
    case = hw.CASES[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(case.build())

    done = server.run(path)

    assert_contained(done, case)
    assert (done.result["written"] == {}) == (case.outcome != "imported")


@pytest.mark.parametrize(
    ("name", "exit_message"),
    [
        ("whitespace_bomb", None),
        ("column_reference_bomb", "导入失败：工作簿有错误，未写入任何数据。"),
        ("six_million_empty_rows", "导入失败：工作簿有错误，未写入任何数据。"),
    ],
)
def test_command_refuses_a_hostile_workbook(template, tmp_path, name, exit_message):
    """``manage.py import_catalog`` in a process of its own: exit status 1 and the message."""
    case = hw.CASES[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(case.build())

    done = hw.run_command(path, template, tmp_path, "--no-progress")

    assert done.exit == 1, done.stdout + done.stderr
    for text in case.expect:
        assert text in done.stdout + done.stderr
    if exit_message:
        assert exit_message in done.stderr
    assert hw.PEAK_MARK in done.stderr  # measured by the child itself
    assert done.peak_mib < hw.PEAK_MIB
    assert done.changed == {}


def test_the_harness_sees_what_an_import_writes(server, tmp_path):
    """The control: a workbook that imports is seen writing, and its child's memory measured."""
    path = tmp_path / "fine.xlsx"
    path.write_bytes(hw.book([(hw.DOMAIN, hw.sheet(hw.catalog_rows(20)))]))
    done = server.run(path)
    assert (done.exit, done.outcome) == (0, "imported"), done.message
    assert done.changed["catalog_catalogentry"] == 20
    assert done.result["written"]["catalog.CatalogEntry"] == 20
    assert 30 < done.peak_mib < hw.PEAK_MIB


def test_the_harness_measures_caps_and_stops_a_child(template, tmp_path):
    """A child's own peak is measured, the address-space cap holds, and the alarm kills."""
    say = f"print({hw.PEAK_MARK!r} + str(peak_mib()), file=sys.stderr)"
    grow = "b = bytearray(400 * 2**20); b[::4096] = bytes(len(b[::4096]))"
    code = f"import sys; from tests.catalog.hostile_workbooks import peak_mib; {grow}; {say}"
    assert hw.spawn(["-c", code], template, tmp_path).peak_mib > 400
    code = "bytearray(3 * 2**30)"
    done = hw.spawn(["-c", code], template, tmp_path)
    assert done.exit == 1 and "MemoryError" in done.stderr
    done = hw.spawn(["-c", "import time; time.sleep(30)"], template, tmp_path, timeout=1)
    assert done.exit == -14  # SIGALRM


# ---------------------------------------------------------------------------------------------
# The limits, in process.


def small_book(data: bytes, **limits) -> Book:
    return Book(io.BytesIO(data), Limits(**limits))


def rows_of(data: bytes, **limits) -> list:
    book = small_book(data, **limits)
    try:
        return [row for sheet in book.worksheets for row in sheet.rows()]
    finally:
        book.close()


def test_limits_are_documented_in_the_module():
    for name in Limits.__dataclass_fields__:
        assert f"``{name}``" in xlsx_stream.__doc__


def test_rows_with_content_are_counted_per_sheet_and_per_workbook():
    data = hw.book(
        [(hw.DOMAIN, hw.sheet(hw.catalog_rows(4))), ("城乡规划", hw.sheet(hw.catalog_rows(4)))]
    )
    assert len(rows_of(data)) == 10
    with pytest.raises(SheetError) as raised:
        rows_of(data, sheet_rows=4)
    assert raised.value.message == "有内容的行数超过上限（每个工作表最多 4 行）。"
    assert raised.value.row == 5
    with pytest.raises(SheetError, match="整个工作簿最多 7 行"):
        rows_of(data, book_rows=7)


def test_empty_rows_cost_no_memory():
    """Formatted empty rows are parsed and dropped as they come (the old reader kept each)."""
    empty = (b'<row spans="1:9" s="2" customFormat="1" ht="14.25"/>', 200_000)
    part = hw.Part.deflated(hw.SHEET1, hw.sheet(hw.catalog_rows(2), empty), pad_to_ratio=90)
    book = small_book(hw.book([(hw.DOMAIN, part)]))
    tracemalloc.start()
    try:
        rows = list(book.worksheets[0].rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        book.close()
    assert [number for number, _ in rows] == [1, 2, 3]
    assert peak < 4 * 2**20


@pytest.mark.parametrize("offset", [65_533, 65_534, 65_535, 65_536])
def test_a_declaration_across_two_chunks_is_seen(offset):
    """'<!DOCTYPE' split anywhere across the 64 KiB chunk boundary is still refused."""
    head = hw.XML_HEAD
    padding = b" " * (offset - len(head))
    part = head + padding + b"<!DOCTYPE worksheet>" + hw.SHEET_HEAD[len(hw.XML_HEAD) :]
    data = hw.book([(hw.DOMAIN, [(part + b"</sheetData></worksheet>", 1)])])
    with pytest.raises(LimitError, match="文档类型定义"):
        rows_of(data)


def test_cdata_is_read_as_text():
    rows = hw.row_xml(1, ["甲"])
    cdata = "<![CDATA[<b>乙</b>]]>"
    rows += f'<row r="2"><c r="A2" t="inlineStr"><is><t>{cdata}</t></is></c></row>'.encode()
    data = hw.book([(hw.DOMAIN, hw.sheet(rows))])
    assert [[c.value for c in cells] for _, cells in rows_of(data)] == [["甲"], ["<b>乙</b>"]]


@pytest.mark.parametrize("markup", [b"<!-- note -->", b"<?pi x?>", b"<?xml-stylesheet href='x'?>"])
def test_comments_and_processing_instructions_are_refused(markup):
    rows = hw.row_xml(1, ["甲"]).replace(b"</t>", markup + b"</t>")
    data = hw.book([(hw.DOMAIN, hw.sheet(rows))])
    with pytest.raises(LimitError, match="含有 XML 注释或处理指令"):
        rows_of(data)


def test_the_xml_declaration_is_allowed_after_a_byte_order_mark():
    part = b"\xef\xbb\xbf" + hw.SHEET_HEAD + hw.row_xml(1, ["甲"]) + hw.SHEET_TAIL
    data = hw.book([(hw.DOMAIN, [(part, 1)])])
    assert [[c.value for c in cells] for _, cells in rows_of(data)] == [["甲"]]


@pytest.mark.parametrize(
    "declaration",
    [b'<?xml version="1.0" encoding="ISO-8859-1"?>', b'<?xml version="1.0" encoding="cp037"?>'],
)
def test_parts_declared_in_another_encoding_are_refused(declaration):
    data = hw.book([(hw.DOMAIN, [(declaration + hw.SHEET_HEAD[len(hw.XML_HEAD) :], 1)])])
    with pytest.raises(LimitError, match="不是 UTF-8 编码"):
        rows_of(data)


@pytest.mark.parametrize(
    ("ref", "column"),
    [
        ("A1", 1),
        ("Z9", 26),
        ("AB7", 28),
        ("XFD1048576", 16_384),
        ("XFE1", 16_385),
        ("ZZZZZZZZZ4", 16_385),
        ("A", 0),
        ("5", 0),
        ("A-5", 0),
        ("a5", 0),
        ("A5B", 0),
        ("", 0),
    ],
)
def test_column_numbers(ref, column):
    assert xlsx_stream._column(ref) == column


def test_styled_empty_cells_beyond_the_column_limit_are_skipped():
    row = hw.row_xml(1, ["甲"]).replace(b"</row>", b'<c r="XFD1" s="1"/></row>')
    data = hw.book([(hw.DOMAIN, hw.sheet(row))])
    assert [[c.value for c in cells] for _, cells in rows_of(data)] == [["甲"]]


def test_filler_keeps_ranges_as_intervals():
    filler = _Filler([(2, 1, 3, 1_000_000), (1, 5, 1, 6)], columns=256)
    cell = xlsx_stream.Cell
    assert filler.covered(1, [cell("甲"), cell("乙")], 3) == [(3, "乙")]
    assert filler.covered(5, [cell("丙")], 3) == [(2, "乙"), (3, "乙")]
    assert filler.covered(6, [], 3) == [(2, "乙"), (3, "乙"), (1, "丙")]
    assert filler.covered(999_999, [], 1) == []
    assert filler.covered(1_000_001, [], 3) == []
    assert len(filler.active) == 0


def test_filler_refuses_overlapping_ranges():
    filler = _Filler([(1, 1, 2, 2), (2, 2, 3, 3)], columns=256)
    filler.covered(1, [], 3)
    with pytest.raises(SheetError, match="合并单元格区域“B2:C3”与“A1:B2”重叠"):
        filler.covered(2, [], 3)


def test_directory_limits_are_read_before_zipfile():
    with pytest.raises(LimitError, match="100,000 个压缩条目"):
        Book(io.BytesIO(hw.CASES["zip_entries"].build()))
    with pytest.raises(LimitError, match="压缩目录为"):
        small_book(hw.book([(hw.DOMAIN, hw.sheet())]), directory_bytes=100)
