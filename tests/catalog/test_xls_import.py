"""Legacy .xls workbooks (Excel 97–2003, as WPS and older Excel save them) import as .xlsx does.

The .xls files are real ones, written by xlwt from the .xlsx that ``workbooks.py`` builds
(``xls_workbooks.xls_from_xlsx``), so the same rows are imported in both formats and the results
compared: the same entries, the same report, the same errors naming the same sheet, row and
column. Then what only .xls has (dates stored as numbers, whole numbers stored as floats, the
compound file), the format told by content, the limits, the admin upload and the command, and the
hostile .xls files (``xls_workbooks.XLS_CASES``) in a child process under an address-space cap.
"""

from __future__ import annotations

import datetime
import io
import re
import struct
import sys

import pytest
import xlwt
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from catalog.models import CatalogEntry, CatalogJob
from catalog.services import catalog_derive_tree
from catalog.workbooks import xls_read as xls_read
from catalog.workbooks import xlsx_stream
from catalog.workbooks.imports import WorkbookError, import_catalog
from catalog.workbooks.read import CellError
from catalog.workbooks.xlsx_stream import LimitError, Limits, SheetError
from districts.models import Role
from tests.factories import CityEntryFactory

from . import hostile_workbooks as hw
from . import workbooks as wb
from . import xls_workbooks as xw
from .test_admin_import import workbook_for
from .workbooks import KBS_JIUZAI, TENGCHONG_SHJZ, WUCHANG_ZDJS, YR_YANGLAO, Sheet

NOT_A_WORKBOOK = "文件不是 Excel 工作簿（.xlsx 或 .xls），请检查所选文件。"


def run(source, division, **kwargs):
    return import_catalog(source=source, division=division, user=None, **kwargs)


def sheets() -> list[Sheet]:
    """Return a workbook's worth of layouts: the common table, variant (b), Changsha's wide
    header and a three-level sheet with extra columns, one domain per sheet."""
    return [
        wb.common_sheet("养老服务", YR_YANGLAO),
        Sheet(
            "社会救助",
            wb.legend_columns(),
            TENGCHONG_SHJZ,
            title=wb.domain_title("社会救助", "荷花镇"),
        ),
        Sheet(
            "重大建设项目",
            wb.changsha_columns(),
            WUCHANG_ZDJS,
            title=wb.domain_title("重大建设项目", "长沙市"),
        ),
        Sheet(
            "救灾",
            wb.three_level_columns(levels=(), extras=list(KBS_JIUZAI.extra), catalog_l0=False),
            [KBS_JIUZAI],
            title=None,
        ),
    ]


def both(*books: Sheet, edit=None) -> tuple[bytes, bytes]:
    """Return the .xlsx of ``books`` and the .xls holding the same."""
    xlsx = wb.xlsx_bytes(*books, edit=edit)
    return xlsx, xw.xls_from_xlsx(xlsx)


def seen(report) -> dict:
    """Return everything a report says: headings understood, each line's outcome, the errors."""
    return {
        "headers": report.headers,
        "outcomes": report.outcomes,
        "sheet_errors": report.sheet_errors,
        "errors": [str(error) for error in report.errors],
        "new_channels": report.new_channels,
        "summary": report.summary(),
    }


def imported(source, division):
    """Import ``source``; return the report and the catalog it made, then undo the import."""
    with transaction.atomic():
        report = run(source, division)
        state = wb.state(division)
        transaction.set_rollback(True)
    return report, state


# ---------------------------------------------------------------------------------------------
# The same rows in both formats.


def test_the_test_files_are_real_xls():
    xlsx, xls = both(*sheets())
    assert xlsx.startswith(b"PK") and xls.startswith(xls_read.OLE_SIGNATURE)
    book = xls_read.Book(xls)
    try:
        assert [sheet.title for sheet in book.worksheets] == [
            "养老服务",
            "社会救助",
            "重大建设项目",
            "救灾",
        ]
    finally:
        book.close()


def test_an_xls_imports_as_the_same_xlsx_does(city):
    xlsx, xls = both(*sheets())

    from_xlsx, catalog_from_xlsx = imported(xlsx, city)
    from_xls, catalog_from_xls = imported(xls, city)

    assert from_xlsx.counts == {"new": 8} and not from_xlsx.has_errors
    assert seen(from_xls) == seen(from_xlsx)
    assert catalog_from_xls == catalog_from_xlsx
    assert len(catalog_from_xls) == 8
    # And for real: written, and the .xlsx then finds nothing to change.
    assert run(xls, city).applied
    assert run(xlsx, city, dry_run=True).counts == {"unchanged": 8}


def test_the_cells_read_are_the_same_in_both_formats():
    """Each sheet's rows, as the readers give them (trailing empty cells aside: .xlsx keeps the
    styled empty cells at a row's end), and its merged ranges."""
    xlsx, xls = both(*sheets())
    xlsx_book = xlsx_stream.Book(io.BytesIO(xlsx))
    xls_book = xls_read.Book(xls)

    def rows(sheet):
        out = []
        for number, cells in sheet.rows():
            values = [(c.value, c.data_type) for c in cells]
            while values and values[-1][0] is None:
                values.pop()
            out.append((number, values))
        return out

    try:
        assert len(xls_book.worksheets) == len(xlsx_book.worksheets) == 4
        for ours, theirs in zip(xls_book.worksheets, xlsx_book.worksheets, strict=True):
            assert ours.title == theirs.title
            assert sorted(ours.merged_ranges()) == sorted(theirs.merged_ranges())
            assert rows(ours) == rows(theirs)
    finally:
        xlsx_book.close()
        xls_book.close()


def errors_edit(book):
    """Put a bad mark, an over-long time limit and an unknown channel into the first sheet."""
    ws = book.worksheets[0]
    ws["I5"] = "X"  # 公开对象/全社会 of the second line
    ws["F6"] = "时" * 201  # 公开时限 of the third line
    ws["H4"] = "■政府网站 ■乡村大喇叭"  # a channel the platform does not list


def test_errors_are_the_same_and_name_the_same_places(city):
    xlsx, xls = both(wb.common_sheet("养老服务", YR_YANGLAO), edit=errors_edit)
    before = wb.counts()

    from_xlsx, from_xls = run(xlsx, city), run(xls, city)

    assert seen(from_xls) == seen(from_xlsx)
    assert [str(error) for error in from_xls.errors] == [
        "工作表“养老服务”第5行“公开对象：全社会”列：应为“√”或留空，实为“X”。",
        "工作表“养老服务”第6行“公开时限”列：不能超过200个字符（现有201个）。",
    ]
    assert from_xls.has_errors and not from_xls.applied
    assert wb.counts() == before


def test_a_sheet_level_error_is_the_same(city):
    """A sheet without a recognisable header, beside a good one."""
    broken = Sheet("社会救助", [wb.CONTENT, wb.BASIS], YR_YANGLAO[:1], title="社会救助")
    xlsx, xls = both(wb.common_sheet("养老服务", YR_YANGLAO), broken)

    from_xlsx, from_xls = run(xlsx, city, dry_run=True), run(xls, city, dry_run=True)

    assert seen(from_xls) == seen(from_xlsx)
    assert from_xls.sheet_errors == [
        CellError(
            "社会救助",
            0,
            "",
            "找不到表头：前20行中没有“二级事项”列。请使用标准目录表格（含“公开事项/二级事项”等列）。",
        )
    ]


def test_the_command_prints_the_same_for_both(city, tmp_path):
    xlsx, xls = both(*sheets())
    outputs = []
    for name, data in (("目录.xlsx", xlsx), ("目录.xls", xls)):
        path = tmp_path / name
        path.write_bytes(data)
        out = io.StringIO()
        call_command(
            "import_catalog",
            str(path),
            "--division=430100",
            "--dry-run",
            "--no-progress",
            stdout=out,
        )
        *lines, last = out.getvalue().splitlines()
        outputs.append((lines, re.sub(r"（用时 [\d.]+ 秒）", "", last)))
    assert outputs[0] == outputs[1]
    assert outputs[1][1] == "长沙市：预览：共 8 行，新增 8，修改 0，不变 0，错误 0。"


# ---------------------------------------------------------------------------------------------
# What only .xls has: values stored as numbers, formulas with a cached result.


def typed_xls() -> bytes:
    """Return an .xls with one cell of each kind in row 2, under a header row."""
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("类型")
    for col, heading in enumerate(["代码", "小数", "日期", "时间", "日期时间", "是否", "公式"]):
        ws.write(0, col, heading)
    ws.write(1, 0, 430102)
    ws.write(1, 1, 1.5)
    ws.write(1, 2, datetime.date(2024, 1, 31), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    ws.write(1, 3, datetime.time(8, 30), xlwt.easyxf(num_format_str="hh:mm"))
    moment = datetime.datetime(2024, 1, 31, 8, 30)
    ws.write(1, 4, moment, xlwt.easyxf(num_format_str="YYYY-MM-DD hh:mm"))
    ws.write(1, 5, True)
    ws.write(1, 6, xlwt.Formula("A2*2"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_numbers_dates_booleans_and_formulas_read_as_text_would():
    book = xls_read.Book(typed_xls())
    try:
        [(_, header), (number, cells)] = list(book.worksheets[0].rows())
    finally:
        book.close()
    assert number == 2
    assert [(c.value, c.data_type) for c in cells] == [
        (430102, "n"),  # a whole number: 430102, never 430102.0
        (1.5, "n"),
        ("2024-01-31", "n"),
        ("08:30:00", "n"),
        ("2024-01-31 08:30:00", "n"),
        (True, "n"),
        ("", "f"),  # xlwt stores no result; Excel stores the last one it computed
    ]


def test_error_cells_read_as_their_text():
    strings = xw.Strings()
    boolerr = xw.record(0x0205, struct.pack("<HHHBB", 1, 0, 0, 0x2A, 1))  # #N/A
    book = xls_read.Book(xw.one_sheet(xw.row(strings, 0, ["甲"]) + boolerr, strings))
    try:
        assert [[c.value for c in cells] for _, cells in book.worksheets[0].rows()] == [
            ["甲"],
            ["#N/A"],
        ]
    finally:
        book.close()


def test_iter_rows_gives_empty_lists_for_rows_without_content():
    strings = xw.Strings()
    book = xls_read.Book(xw.one_sheet(xw.row(strings, 0, ["甲"]) + xw.rk(3, 1, 7), strings))
    try:
        assert [[c.value for c in cells] for cells in book.worksheets[0].iter_rows()] == [
            ["甲"],
            [],
            [],
            [None, 7],
        ]
    finally:
        book.close()


def test_a_code_in_a_text_column_imports_without_a_decimal_point(city):
    def edit(book):
        book.worksheets[0]["O4"] = 430102  # 备注
        book.worksheets[0]["O5"] = datetime.datetime(2024, 1, 31)

    _, xls = both(wb.common_sheet("养老服务", YR_YANGLAO), edit=edit)
    assert run(xls, city).applied
    first, second = (
        wb.entry(city, "养老服务", "养老服务通用政策", line.second_level) for line in YR_YANGLAO[:2]
    )
    assert first.remarks == "430102"
    assert second.remarks == "2024-01-31"


def test_a_formula_is_reported_with_its_cell(city):
    def edit(book):
        book.worksheets[0]["D4"] = "=1+1"  # 公开内容(要素)

    _, xls = both(wb.common_sheet("养老服务", YR_YANGLAO), edit=edit)
    report = run(xls, city)
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("养老服务", 4, "公开内容(要素)")
    assert re.fullmatch(r"是公式（.*），应为文字。请将公式转换为数值后再导入。", error.message)
    assert not report.applied


# ---------------------------------------------------------------------------------------------
# The format is told by content, not by name.


@pytest.mark.parametrize("swap", ["xls named .xlsx", "xlsx named .xls"])
def test_a_workbook_with_the_other_extension_imports(city, tmp_path, swap):
    xlsx, xls = both(wb.common_sheet("养老服务", YR_YANGLAO))
    path = tmp_path / ("目录.xlsx" if swap == "xls named .xlsx" else "目录.xls")
    path.write_bytes(xls if swap == "xls named .xlsx" else xlsx)
    assert run(path, city).counts == {"new": 3}


def test_the_command_reads_by_content_too(city, tmp_path):
    _, xls = both(wb.common_sheet("养老服务", YR_YANGLAO))
    path = tmp_path / "长沙市养老服务目录.xlsx"
    path.write_bytes(xls)
    out = io.StringIO()
    call_command("import_catalog", str(path), "--division=430100", "--no-progress", stdout=out)
    assert "已导入：共 3 行，新增 3，修改 0，不变 0，错误 0。" in out.getvalue()
    assert CatalogEntry.objects.filter(division=city).count() == 3


def _compound(**streams) -> bytes:
    return wb.cfb_file(streams)


BAD_XLS = {
    "random bytes named .xls": (bytes(range(256)) * 40, NOT_A_WORKBOOK),
    "a Word document": (
        _compound(WordDocument=b"\xec\xa5" + b"\0" * 600),
        "文件是 Office 复合文档，但其中没有 Excel 工作簿（可能是 Word、PowerPoint 等其他文档），"
        "请检查所选文件。",
    ),
    "an Excel 5.0/95 workbook": (
        _compound(Book=xw.bof(0x0005, 0x0500) + xw.EOF),
        xls_read.OLD_FORMAT,
    ),
    "an encrypted .xlsx": (wb.encrypted_workbook(), xls_read.ENCRYPTED_XLSX),
    "an encrypted .xls": (xw.XLS_CASES["xls_encrypted"].build(), xls_read.ENCRYPTED_XLS),
    "a corrupt compound file": (
        wb.CFB_SIGNATURE + b"\0" * 600,
        "文件已损坏（复合文档的文件头无效），无法作为 Excel 97–2003 工作簿（.xls）读取。"
        "请在 Excel 或 WPS 中重新保存后再导入。",
    ),
    "a truncated .xls": (xw.XLS_CASES["xls_truncated"].build(), None),
    "a stream that is not BIFF": (
        _compound(Workbook=b"\x00" * 64),
        "文件已损坏（工作簿数据流不以 BOF 记录开头），无法作为 Excel 97–2003 工作簿（.xls）读取。"
        "请在 Excel 或 WPS 中重新保存后再导入。",
    ),
}


@pytest.mark.parametrize("case", list(BAD_XLS))
def test_a_bad_xls_gets_a_message_naming_the_problem(city, tmp_path, case):
    data, message = BAD_XLS[case]
    path = tmp_path / "目录.xls"
    path.write_bytes(data)
    before = wb.counts()
    with pytest.raises(WorkbookError) as raised:
        run(path, city)
    if message is None:
        assert raised.value.message.startswith("文件已损坏（")
    else:
        assert raised.value.message == message
    assert wb.counts() == before


def test_an_xls_over_the_size_limit_is_refused_before_it_is_read(city, settings, tmp_path):
    _, xls = both(wb.common_sheet("养老服务", YR_YANGLAO))
    settings.CATALOG_IMPORT_MAX_BYTES = len(xls) - 1
    with pytest.raises(WorkbookError, match="^文件过大：.*请按领域拆分为多个工作簿后分别导入。$"):
        run(xls, city)
    settings.CATALOG_IMPORT_MAX_BYTES = len(xls)
    assert run(xls, city).counts == {"new": 3}
    # 65 MB on paper, nothing on disk: refused by its size, never read.
    settings.CATALOG_IMPORT_MAX_BYTES = 64 * 2**20
    path = tmp_path / "全市目录.xls"
    with path.open("wb") as handle:
        handle.write(xls_read.OLE_SIGNATURE)
        handle.truncate(65 * 2**20)
    with pytest.raises(WorkbookError) as raised:
        run(path, city)
    assert raised.value.message == (
        "文件过大：65.0 MB，超过导入上限 64 MB。请按领域拆分为多个工作簿后分别导入。"
    )


# ---------------------------------------------------------------------------------------------
# The limits, in process: the same messages as .xlsx.


def xls_rows(data: bytes, **limits) -> list:
    book = xls_read.Book(data, Limits(**limits))
    try:
        return [row for sheet in book.worksheets for row in sheet.rows()]
    finally:
        book.close()


def xlsx_rows(data: bytes, **limits) -> list:
    book = xlsx_stream.Book(io.BytesIO(data), Limits(**limits))
    try:
        return [row for sheet in book.worksheets for row in sheet.rows()]
    finally:
        book.close()


def two_domains() -> tuple[bytes, bytes]:
    """Return the same two sheets of four lines as .xlsx (hostile_workbooks) and as .xls."""
    xlsx = hw.book(
        [(hw.DOMAIN, hw.sheet(hw.catalog_rows(4))), ("城乡规划", hw.sheet(hw.catalog_rows(4)))]
    )
    strings = xw.Strings()
    xls = xw.xls(
        [(hw.DOMAIN, xw.catalog_rows(strings, 4)), ("城乡规划", xw.catalog_rows(strings, 4))],
        strings,
    )
    return xlsx, xls


def test_the_test_sheets_hold_the_same_rows_in_both_formats():
    xlsx, xls = two_domains()
    assert [(n, [c.value for c in cells]) for n, cells in xls_rows(xls)] == [
        (n, [c.value for c in cells]) for n, cells in xlsx_rows(xlsx)
    ]
    assert len(xls_rows(xls)) == 10


@pytest.mark.parametrize(
    ("limits", "message", "row"),
    [
        ({"sheet_rows": 4}, "有内容的行数超过上限（每个工作表最多 4 行）。", 5),
        ({"book_rows": 7}, "有内容的行数超过上限（整个工作簿最多 7 行）。", 3),
        ({"columns": 5}, "单元格引用“F1”超出列数上限（最多 5 列）。", 1),
    ],
)
def test_sheet_limits_break_at_the_same_row_as_xlsx(limits, message, row):
    xlsx, xls = two_domains()
    for read, data in ((xlsx_rows, xlsx), (xls_rows, xls)):
        with pytest.raises(SheetError) as raised:
            read(data, **limits)
        assert (raised.value.message, raised.value.row) == (message, row)


def test_a_shared_string_index_out_of_range_is_an_error_at_its_row():
    strings = xw.Strings()
    body = xw.catalog_rows(strings, 2) + xw.labelsst(3, 2, 999)
    rows = []
    with pytest.raises(SheetError) as raised:
        for row in xls_read.Book(xw.one_sheet(body, strings)).worksheets[0].rows():
            rows.append(row)
    assert [number for number, _ in rows] == [1, 2, 3]
    assert raised.value.row == 4
    assert raised.value.message == (
        f"单元格“C4”引用的共享字符串“999”不存在（共享字符串表共 {len(strings.texts)} 项）。"
    )


def test_text_per_cell_is_limited_as_in_xlsx():
    strings = xw.Strings()
    body = xw.row(strings, 0, ["甲"]) + xw.label(1, 1, "x" * 11)
    with pytest.raises(SheetError) as raised:
        xls_rows(xw.one_sheet(body, strings), cell_chars=10)
    assert raised.value.message == (
        "单元格“B2”的文字有 11 个字符，超过上限（每个单元格最多 10 个字符，与 Excel 相同）。"
    )
    assert raised.value.row == 2


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"shared_strings": 3}, "共享字符串表（SST）的字符串超过上限（最多 3 个）。"),
        ({"shared_chars": 10}, "共享字符串表（SST）的文字合计超过上限（最多 10 个字符）。"),
        (
            {"cell_chars": 3},
            "共享字符串表（SST）第2项有 4 个字符，超过上限"
            "（每个单元格最多 3 个字符，与 Excel 相同）。",
        ),
        ({"worksheets": 1}, "工作簿的工作表超过上限（最多 1 个）。"),
    ],
)
def test_workbook_limits_refuse_the_file(limits, message):
    _, xls = two_domains()
    with pytest.raises(LimitError) as raised:
        xls_rows(xls, **limits)
    assert raised.value.message == message


def test_the_workbook_stream_is_a_part():
    _, xls = two_domains()
    with pytest.raises(LimitError, match=r"^工作簿数据流（Workbook）为 \d+ KB，超过单个部件的上限"):
        xls_read.Book(xls, Limits(part_bytes=1024))
    with pytest.raises(LimitError, match=r"^文件共 \d+ KB，超过上限 1 KB。"):
        xls_read.Book(xls, Limits(total_bytes=1024))


def test_merged_ranges_are_limited_as_in_xlsx():
    strings = xw.Strings()
    body = xw.catalog_rows(strings, 2) + xw.merged((3, 3, 0, 1), (4, 4, 0, 1), (5, 6, 0, 0))
    book = xls_read.Book(xw.one_sheet(body, strings), Limits(merged_ranges=2))
    with pytest.raises(SheetError, match=r"^合并单元格区域超过上限（每个工作表最多 2 个）。$"):
        book.worksheets[0].merged_ranges()
    book = xls_read.Book(xw.one_sheet(body, strings), Limits(merged_area=1))
    with pytest.raises(
        SheetError, match="^合并单元格区域“A4:B4”过大（2 个单元格，每个区域最多 1 个）。$"
    ):
        book.worksheets[0].merged_ranges()
    book = xls_read.Book(xw.one_sheet(body, strings), Limits(columns=1))
    # Cut at column A, as .xlsx ranges are: the two-cell ranges now cover one cell each.
    assert sorted(book.worksheets[0].merged_ranges()) == [(1, 4, 1, 4), (1, 5, 1, 5), (1, 6, 1, 7)]
    reversed_range = xw.catalog_rows(strings, 2) + xw.merged((6, 5, 0, 0))
    book = xls_read.Book(xw.one_sheet(reversed_range, strings))
    with pytest.raises(SheetError, match="^合并单元格区域“A7:A6”无效。$"):
        book.worksheets[0].merged_ranges()


def test_cells_xlrd_would_hold_are_limited():
    strings = xw.Strings()
    body = xw.catalog_rows(strings, 2) + xw.rk(5, 99, 1)  # row 6 spans A:CV, 100 cells
    data = xw.one_sheet(body, strings)
    assert len(xls_rows(data, xls_cells=124)) == 4
    with pytest.raises(SheetError) as raised:
        xls_rows(data, xls_cells=123)
    assert raised.value.message == (
        "单元格过多：共 124 个（按各行从 A 列到最后一个有值的单元格计），超过上限（.xls 每个"
        "工作表最多 123 个）。请删去表格以外的内容，或另存为 .xlsx 后再导入。"
    )


def test_records_xlrd_need_not_read_never_reach_it():
    """Hyperlinks, comments and objects of garbage, and an embedded chart, cost nothing."""
    book = xls_read.Book(xw.XLS_CASES["xls_filler_records"].build())
    try:
        rows = list(book.worksheets[0].rows())
    finally:
        book.close()
    assert [number for number, _ in rows] == list(range(1, 22))


@pytest.mark.parametrize("name", [n for n, c in xw.XLS_CASES.items() if c.outcome != "imported"])
def test_each_hostile_xls_is_refused_in_process(name):
    """The quick check of each case's message; the capped child process below checks memory."""
    case = xw.XLS_CASES[name]
    messages = []
    try:
        book = xls_read.Book(case.build())
    except LimitError as error:
        messages.append(error.message)
    else:
        try:
            for sheet in book.worksheets:
                try:
                    sheet.merged_ranges()
                    for _ in sheet.rows():
                        pass
                except SheetError as error:
                    messages.append(str(CellError(sheet.title, error.row, "", error.message)))
        finally:
            book.close()
    assert case.outcome in ("refused", "errors")
    for text in case.expect:
        assert any(text in message for message in messages), messages


# ---------------------------------------------------------------------------------------------
# The admin: a .xls upload previews and imports.

IMPORT = reverse("admin:catalog_catalogentry_import")


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.CATALOG_IMPORT_DIR = tmp_path / "imports"
    return settings.CATALOG_IMPORT_DIR


@pytest.fixture
def catalog(city):
    entries = CityEntryFactory.create_batch(3, division=city)
    catalog_derive_tree(root=city, user=None)
    return entries


def test_an_xls_upload_previews_and_imports(
    client, make_member, furong, catalog, import_dir, django_capture_on_commit_callbacks
):
    client.force_login(make_member(furong, Role.EDITOR))
    form = client.get(IMPORT).content.decode()
    assert "目录工作簿（.xlsx 或 .xls）" in form and 'accept=".xlsx,.xls' in form
    upload = io.BytesIO(xw.xls_from_xlsx(workbook_for(furong, time_limit="5个工作日内")))
    upload.name = "芙蓉区目录.xls"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"division": furong.pk, "import_file": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    text = preview.content.decode()
    assert "预览：共 3 行，新增 0，修改 3，不变 0，错误 0" in text and "确认导入" in text
    job = preview.context["job"]
    assert (job.status, job.file_name) == ("done", "芙蓉区目录.xls")
    assert not CatalogEntry.objects.filter(division=furong, time_limit="5个工作日内").exists()

    confirm = reverse("admin:catalog_catalogentry_job_decide", args=[job.pk, "confirm"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm).status_code == 302
    imported_job = CatalogJob.objects.get(preview=job)
    assert imported_job.status == "done" and imported_job.result["applied"] is True
    assert CatalogEntry.objects.filter(division=furong, time_limit="5个工作日内").count() == 3
    assert list(import_dir.iterdir()) == []


def test_a_broken_xls_upload_fails_its_job_with_the_message(
    client, make_member, furong, import_dir, django_capture_on_commit_callbacks
):
    client.force_login(make_member(furong, Role.EDITOR))
    upload = io.BytesIO(xw.XLS_CASES["xls_encrypted"].build())
    upload.name = "目录.xls"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"division": furong.pk, "import_file": upload})
    page = client.get(response["Location"])
    assert page.context["job"].status == "failed"
    assert xls_read.ENCRYPTED_XLS in page.content.decode()
    assert list(import_dir.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Hostile .xls files, each imported in a child process under an address-space cap and an alarm
# (the harness of test_hostile_workbooks.py): a clear message, under 300 MB, nothing written.

linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="fork, wait4 and RLIMIT_AS as Linux has them"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return hw.template_database(tmp_path_factory.mktemp("hostile_xls_template"))


@pytest.fixture(scope="module")
def server(template, tmp_path_factory):
    with hw.Server(template, tmp_path_factory.mktemp("hostile_xls_server")) as server:
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


@linux_only
@pytest.mark.parametrize("name", list(xw.XLS_CASES))
def test_import_of_a_hostile_xls_is_contained(server, tmp_path, name):
    case = xw.XLS_CASES[name]
    path = tmp_path / f"{name}.xls"
    path.write_bytes(case.build())

    done = server.run(path)

    assert_contained(done, case)


@linux_only
def test_an_oversize_xls_is_refused_in_bounded_memory(server, tmp_path):
    path = tmp_path / "oversize.xls"
    with path.open("wb") as handle:
        handle.write(xls_read.OLE_SIGNATURE)
        handle.truncate(65 * 2**20)
    done = server.run(path)
    assert (done.exit, done.outcome) == (0, "refused")
    assert (
        done.message
        == "文件过大：65.0 MB，超过导入上限 64 MB。请按领域拆分为多个工作簿后分别导入。"
    )
    assert done.peak_mib < hw.PEAK_MIB and done.changed == {}


@linux_only
def test_a_large_xls_under_the_limits_imports_in_bounded_memory(server, tmp_path):
    """The control: 5,000 lines in .xls import in the capped child, and its memory is measured."""
    strings = xw.Strings()
    path = tmp_path / "fine.xls"
    path.write_bytes(xw.xls([(hw.DOMAIN, xw.catalog_rows(strings, 5_000))], strings, big=True))
    done = server.run(path)
    assert (done.exit, done.outcome) == (0, "imported"), done.message
    assert done.changed["catalog_catalogentry"] == 5_000
    assert 30 < done.peak_mib < hw.PEAK_MIB


def test_the_command_refuses_a_hostile_xls(city, tmp_path):
    path = tmp_path / "目录.xls"
    path.write_bytes(xw.XLS_CASES["xls_directory_tree_bomb"].build())
    with pytest.raises(CommandError, match=r"^文件已损坏（复合文档目录的链接无效）"):
        call_command("import_catalog", str(path), "--division=430100", "--no-progress")
