"""Every bad input gets a clear message in Chinese, and an import with any error writes nothing.

File-level problems raise ``WorkbookError``; problems with a sheet or a line come back in the
report as ``CellError`` (sheet, row, column, message). Each test compares the row counts of every
table an import writes to before and after.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from openpyxl import Workbook

from catalog.models import CatalogEntry
from catalog.workbooks.imports import WorkbookError, import_catalog
from catalog.workbooks.read import CellError

from . import workbooks as wb
from .workbooks import WUCHANG_ZDJS, YR_YANGLAO, Sheet

SHEET = "养老服务"
NOT_WRITTEN = "存在错误，未写入任何数据"


def run(source, division, **kwargs):
    return import_catalog(source=source, division=division, user=None, **kwargs)


def yanglao(lines=YR_YANGLAO, *, edit=None, **kwargs) -> bytes:
    return wb.xlsx_bytes(wb.common_sheet(SHEET, lines, **kwargs), edit=edit)


def cell(address: str, value):
    """Return an edit that writes ``value`` into the first sheet's cell ``address``."""

    def edit(book):
        book.worksheets[0][address] = value

    return edit


def assert_refused(report, errors: list[CellError]) -> None:
    assert report.has_errors and not report.applied
    assert report.errors == errors
    assert NOT_WRITTEN in report.summary()


@pytest.fixture
def unchanged(city):
    """Yield; then assert that no table an import writes to gained or lost a row."""
    before = wb.counts()
    yield
    assert wb.counts() == before


# ---------------------------------------------------------------------------------------------
# The file itself.


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _empty_sheet() -> bytes:
    buffer = io.BytesIO()
    book = Workbook()
    book.active.title = SHEET
    book.save(buffer)
    return buffer.getvalue()


PNG = bytes.fromhex("89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C489")
NOT_XLSX = "文件不是 Excel 工作簿（.xlsx 或 .xls），请检查所选文件。"
CORRUPT = "文件已损坏，无法作为 Excel 工作簿读取，请重新保存后再导入。"
BAD_FILES = {
    "text": ("一级事项,二级事项\n综合业务,政策法规文件\n".encode(), NOT_XLSX),
    "png": (PNG + b"\0" * 64, NOT_XLSX),
    "empty": (b"", "文件是空的，请选择目录工作簿（.xlsx 或 .xls）。"),
    "truncated xlsx": (yanglao()[:2000], CORRUPT),
    "zip without a workbook": (_zip({"目录.txt": "综合业务".encode()}), CORRUPT),
    "password": (
        wb.encrypted_workbook(),
        "文件设有打开密码，无法读取。请在 Excel 中取消密码后另存为 .xlsx 再导入。",
    ),
    # An Excel 97 .xls is read (tests/catalog/test_xls_import.py); this one has no sheet.
    "old xls": (
        wb.old_xls(),
        "工作簿中没有可导入的目录表：每个工作表都为空或没有可识别的表头。",
    ),
    "only sheet empty": (
        _empty_sheet(),
        "工作簿中没有可导入的目录表：每个工作表都为空或没有可识别的表头。",
    ),
    "header without lines": (yanglao([]), "工作簿中没有目录数据行。"),
}


def test_the_compound_files_are_what_excel_writes():
    """The password-protected and .xls files are OLE2 compound files, told apart by a stream."""
    encrypted, old = wb.encrypted_workbook(), wb.old_xls()
    for data in (encrypted, old):
        assert data.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
        assert len(data) % 512 == 0
    assert "EncryptionInfo".encode("utf-16-le") in encrypted
    assert "EncryptedPackage".encode("utf-16-le") in encrypted
    assert "EncryptionInfo".encode("utf-16-le") not in old
    assert "Workbook".encode("utf-16-le") in old


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message(city, unchanged, case):
    data, message = BAD_FILES[case]
    with pytest.raises(WorkbookError) as raised:
        run(data, city)
    assert raised.value.message == message
    assert str(raised.value) == message


@pytest.mark.parametrize("case", ["text", "password", "old xls"])
def test_bad_file_named_xlsx_on_disk_is_refused(city, unchanged, tmp_path, case):
    data, message = BAD_FILES[case]
    path = tmp_path / "养老服务目录.xlsx"
    path.write_bytes(data)
    with pytest.raises(WorkbookError, match=message[:12]):
        run(path, city)


def test_file_over_the_default_limit_is_refused_before_it_is_read(city, unchanged, tmp_path):
    path = tmp_path / "全市目录.xlsx"
    with path.open("wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: 65 MB on paper, nothing on disk
    with pytest.raises(WorkbookError) as raised:
        run(path, city)
    assert raised.value.message == (
        "文件过大：65.0 MB，超过导入上限 64 MB。请按领域拆分为多个工作簿后分别导入。"
    )


def test_file_over_a_configured_limit_is_refused(city, unchanged, settings):
    data = yanglao()
    settings.CATALOG_IMPORT_MAX_BYTES = len(data) - 1
    with pytest.raises(WorkbookError, match="文件过大：.*请按领域拆分为多个工作簿后分别导入。"):
        run(data, city)
    with pytest.raises(WorkbookError, match="文件过大"):
        run(io.BytesIO(data), city)


def test_file_at_the_limit_is_imported(city, settings):
    data = yanglao()
    settings.CATALOG_IMPORT_MAX_BYTES = len(data)
    assert run(data, city).counts == {"new": 3}


def test_file_object_size_counts_from_its_position(city, settings):
    """A stream already positioned past a header is measured from where it stands."""
    data = yanglao()
    settings.CATALOG_IMPORT_MAX_BYTES = len(data)
    stream = io.BytesIO(b"x" * 100 + data)
    stream.seek(100)
    assert run(stream, city).counts == {"new": 3}


# ---------------------------------------------------------------------------------------------
# Sheets the importer cannot place.


def test_sheet_without_a_recognisable_header(city, unchanged):
    """上海's flat table has 公开事项 but no 二级事项 column: no header is found."""
    columns = [
        wb.Col("公开事项", "", lambda line, _n: line.second_level),
        wb.CONTENT,
        wb.BASIS,
        wb.TIME_LIMIT,
        wb.SUBJECT,
        wb.Col("公开对象", "", lambda _line, _n: "全社会"),
        wb.Col("公开方式", "", lambda _line, _n: "主动公开"),
        wb.Col("公开渠道和载体", "", lambda _line, _n: "政府网站,公开查阅点,政务服务中心"),
    ]
    sheets = [
        wb.common_sheet(SHEET, YR_YANGLAO),
        Sheet("社会救助", columns, YR_YANGLAO[:1], title=wb.domain_title("社会救助")),
    ]
    report = run(wb.xlsx_bytes(*sheets), city)

    assert [h.sheet for h in report.headers] == [SHEET]
    assert report.sheet_errors == [
        CellError(
            "社会救助",
            0,
            "",
            "找不到表头：前20行中没有“二级事项”列。请使用标准目录表格（含“公开事项/二级事项”等列）。",
        )
    ]
    # The good sheet's lines were worked out, and not written.
    assert report.counts == {"new": 3}
    assert_refused(report, report.sheet_errors)
    assert str(report.errors[0]).startswith("工作表“社会救助”：找不到表头")


def test_sheet_naming_no_known_domain(city, unchanged):
    sheet = wb.common_sheet(SHEET, YR_YANGLAO, name="Sheet1", title="基层政务公开标准目录")
    report = run(wb.xlsx_bytes(sheet), city)

    assert report.headers == [] and report.outcomes == []
    assert_refused(
        report,
        [
            CellError(
                "Sheet1",
                0,
                "",
                "无法确定所属领域：标题行或工作表名称中应含有领域名称（如“重大建设项目”）。",
            )
        ],
    )
    assert report.summary() == (
        "未导入：共 0 行，新增 0，修改 0，不变 0，错误 1。存在错误，未写入任何数据。"
    )


def test_instructions_sheet_holding_only_notes_is_skipped(city):
    def cover(book):
        notes = book.create_sheet("填表说明", 0)
        notes["A1"] = "填表说明：1.“■”表示已选渠道，“□”表示未选渠道；2.“√”表示适用。"
        notes["A2"] = "注：每个领域一个工作表。"

    report = run(yanglao(edit=cover), city)

    assert report.sheet_errors == []
    assert report.applied and report.counts == {"new": 3}


# ---------------------------------------------------------------------------------------------
# Bad lines. Each workbook also holds good lines; nothing is written all the same.


def test_formula_where_text_is_expected(city, unchanged):
    report = run(yanglao(edit=cell("E5", "=A1&B1")), city)

    error = CellError(
        SHEET, 5, "公开依据", "是公式（=A1&B1），应为文字。请将公式转换为数值后再导入。"
    )
    assert_refused(report, [error])
    assert {o.row: o.status for o in report.outcomes} == {4: "new", 5: "error", 6: "new"}
    assert str(error) == (
        "工作表“养老服务”第5行“公开依据”列：是公式（=A1&B1），应为文字。"
        "请将公式转换为数值后再导入。"
    )


@pytest.mark.parametrize(
    ("address", "value", "column"),
    [
        ("I5", "X", "公开对象：全社会"),
        ("L5", "是的", "公开方式：依申请"),
        ("M5", "x", "公开层级/县级"),
    ],
)
def test_bad_mark(city, unchanged, address, value, column):
    report = run(yanglao(edit=cell(address, value)), city)

    assert_refused(report, [CellError(SHEET, 5, column, f"应为“√”或留空，实为“{value}”。")])


def test_other_true_and_false_marks_are_read(city):
    """✓ and 是 tick a box; × and 否 leave it empty."""

    def marks(book):
        ws = book.worksheets[0]
        ws["I4"], ws["J4"], ws["K4"], ws["L4"] = "✓", "否", "是", "×"

    assert run(yanglao(edit=marks), city).applied
    entry = wb.entry(city, SHEET, "养老服务通用政策", YR_YANGLAO[0].second_level)
    assert wb.values(entry)["audience"] == [True, False]
    assert wb.values(entry)["mode"] == [True, False]


def test_unknown_item_type(city, unchanged):
    lines = [WUCHANG_ZDJS[0], replace(WUCHANG_ZDJS[1], item_type="行政许可")]
    report = run(wb.xlsx_bytes(Sheet("重大建设项目", wb.changsha_columns(), lines)), city)

    assert_refused(
        report,
        [
            CellError(
                "重大建设项目",
                4,
                "事项类型",
                "应为“政务服务事项”或“非政务服务事项”，实为“行政许可”。",
            )
        ],
    )


def test_duplicate_item_within_a_sheet(city, unchanged):
    report = run(yanglao([*YR_YANGLAO, replace(YR_YANGLAO[0], subject="民政局")]), city)

    assert_refused(
        report,
        [CellError(SHEET, 7, "二级事项", "与第4行重复（同一领域、一级事项和二级事项）。")],
    )


def test_duplicate_item_across_two_sheets_of_one_domain(city, unchanged):
    sheets = [
        wb.common_sheet(SHEET, YR_YANGLAO[:2]),
        wb.common_sheet(SHEET, YR_YANGLAO[1:], name="养老服务(续)"),
    ]
    report = run(wb.xlsx_bytes(*sheets), city)

    assert [h.sheet for h in report.headers] == [SHEET, "养老服务(续)"]
    assert_refused(
        report,
        [
            CellError(
                "养老服务(续)",
                4,
                "二级事项",
                "与工作表“养老服务”第5行重复（同一领域、一级事项和二级事项）。",
            )
        ],
    )


def test_same_item_names_in_two_domains_are_no_duplicates(city):
    lines = YR_YANGLAO[:1]
    report = run(
        wb.xlsx_bytes(wb.common_sheet(SHEET, lines), wb.common_sheet("社会救助", lines)), city
    )
    assert report.applied and report.counts == {"new": 2}


def test_too_long_time_limit(city, unchanged):
    long_limit = "信息形成或者变更之日起20个工作日内；" * 11  # 11 × 19 = 209 characters
    report = run(yanglao([*YR_YANGLAO[:2], replace(YR_YANGLAO[2], time_limit=long_limit)]), city)

    assert len(long_limit) == 209
    assert_refused(report, [CellError(SHEET, 6, "公开时限", "不能超过200个字符（现有209个）。")])


def test_time_limit_of_exactly_200_characters_is_accepted(city):
    limit = "限" * 200
    assert run(yanglao([replace(YR_YANGLAO[0], time_limit=limit)]), city).applied
    assert CatalogEntry.objects.get(division=city).time_limit == limit


def test_missing_second_level_item(city, unchanged):
    report = run(yanglao([YR_YANGLAO[0], replace(YR_YANGLAO[1], second_level="")]), city)

    assert_refused(report, [CellError(SHEET, 5, "二级事项", "缺少二级事项名称。")])


def test_missing_first_level_item_on_the_first_line(city, unchanged):
    lines = [replace(YR_YANGLAO[0], first_level="")]
    report = run(yanglao(lines, merge_first_level=False), city)

    assert_refused(report, [CellError(SHEET, 4, "一级事项", "缺少一级事项名称。")])


def test_audience_with_neither_mark(city, unchanged):
    report = run(yanglao([*YR_YANGLAO[:2], replace(YR_YANGLAO[2], audience=(False, False))]), city)

    assert_refused(report, [CellError(SHEET, 6, "公开对象", "至少选择全社会或特定群体之一。")])


def test_mode_with_neither_mark(city, unchanged):
    report = run(yanglao([replace(YR_YANGLAO[0], mode=(False, False)), *YR_YANGLAO[1:]]), city)

    assert_refused(report, [CellError(SHEET, 4, "公开方式", "至少选择主动或依申请之一。")])


def test_every_error_is_reported_not_just_the_first(city, unchanged):
    lines = [
        replace(YR_YANGLAO[0], audience=(False, False)),
        YR_YANGLAO[1],
        replace(YR_YANGLAO[2], second_level=""),
        YR_YANGLAO[1],
    ]
    report = run(yanglao(lines, edit=cell("E5", "=B5")), city)

    assert sorted((e.row, e.column) for e in report.errors) == [
        (4, "公开对象"),
        (5, "公开依据"),
        (6, "二级事项"),
        (7, "二级事项"),
    ]
    assert report.counts == {"error": 4}
    assert report.summary() == (
        "未导入：共 4 行，新增 0，修改 0，不变 0，错误 4。存在错误，未写入任何数据。"
    )


def test_outcomes_and_errors_follow_the_workbook_order(city):
    lines = [replace(YR_YANGLAO[0], audience=(False, False)), *YR_YANGLAO[1:]]
    report = run(yanglao(lines, edit=cell("E5", "=B5")), city)

    assert [o.row for o in report.outcomes] == [4, 5, 6]
    assert [e.row for e in report.errors] == [4, 5]


def test_error_in_the_last_chunk_undoes_the_chunks_before(city, unchanged):
    """601 lines: the first 500 are worked out (and written) before line 601 is read."""
    lines = [
        replace(YR_YANGLAO[i % 3], second_level=f"{YR_YANGLAO[i % 3].second_level}（{i + 1}）")
        for i in range(601)
    ]
    done: list[tuple[int, int]] = []
    report = run(
        yanglao(lines, edit=cell("I604", "X")),
        city,
        progress=lambda rows, errors: done.append((rows, errors)),
    )

    assert done == [(500, 0), (601, 1)]  # rows read, and rows with errors, so far
    assert report.counts == {"new": 600, "error": 1}
    assert_refused(report, [CellError(SHEET, 604, "公开对象：全社会", "应为“√”或留空，实为“X”。")])


def test_errors_in_a_dry_run_are_reported_the_same(city, unchanged):
    report = run(yanglao(edit=cell("I5", "X")), city, dry_run=True)

    assert report.dry_run and report.has_errors and not report.applied
    assert report.errors == [CellError(SHEET, 5, "公开对象：全社会", "应为“√”或留空，实为“X”。")]
    assert report.summary().startswith("预览：共 3 行，新增 2，修改 0，不变 0，错误 1。")
