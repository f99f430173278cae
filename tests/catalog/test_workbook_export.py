"""Catalog exports: the standard workbook read back with openpyxl, the CSV, the JSON, the command.

The catalog is built through the services: a city reference catalog over two real domains
(重大建设项目, 社会救助), derived into 芙蓉区, where one entry is dropped and two are personalised
with text a spreadsheet program would run as a formula.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl.cell.cell import MergedCell

from catalog.demo import build_reference_catalog
from catalog.models import CatalogEntry, Channel, Domain, FirstLevelItem
from catalog.services import catalog_derive, entry_drop, entry_update
from catalog.workbooks import format as fmt
from catalog.workbooks.export import (
    CSV_HEADER,
    ExportStats,
    export_csv,
    export_json,
    export_workbook,
)
from tests.factories import (
    CityEntryFactory,
    DomainFactory,
    FirstLevelItemFactory,
    SecondLevelItemFactory,
)

STANDARD = [
    "政府网站",
    "政府公报",
    "两微一端",
    "发布会/听证会",
    "广播电视",
    "纸质媒体",
    "公开查阅点",
    "政务服务中心",
    "便民服务站",
    "入户/现场",
    "社区/企事业单位/村公示栏(电子屏)",
    "精准推送",
    "其他",
]
# The header of a catalog whose entries have at most two levels (the minimum exported).
TOP = ["序号", "公开事项", None, "事项类型", "对应本级政务服务事项名称", "公开内容(要素)"]
TOP += ["公开内容标题", "公开内容上传形式", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
TOP += ["公开对象", None, "公开方式", None, "公开层级1", "公开渠道和载体1"]
TOP += ["公开层级2", "公开渠道和载体2", "备注"]
SUB = [None, "一级事项", "二级事项", *[None] * 9, "全社会", "特定群体", "主动", "依申请"]
SUB += [None] * 5


def channels(*names: str) -> list[Channel]:
    return list(Channel.objects.filter(name__in=names))


def item(domain: Domain, first: str, second: str, order: tuple[int, int]):
    first_level = FirstLevelItem.objects.filter(domain=domain, name=first).first()
    if first_level is None:
        first_level = FirstLevelItemFactory(domain=domain, name=first, display_order=order[0])
    return SecondLevelItemFactory(first_level=first_level, name=second, display_order=order[1])


@pytest.fixture
def catalog(city, furong):
    """Build the city catalog, derive 芙蓉区's, and return 芙蓉区's entries by second-level name."""
    project = Domain.objects.get(name="重大建设项目")
    relief = Domain.objects.get(name="社会救助")
    approval = FirstLevelItemFactory(domain=project, name="批准服务信息", display_order=1)
    tender = FirstLevelItemFactory(domain=project, name="招标投标信息", display_order=2)
    general = FirstLevelItemFactory(domain=relief, name="综合业务", display_order=1)
    CityEntryFactory(
        division=city,
        item=SecondLevelItemFactory(first_level=approval, name="审批结果", display_order=1),
        item_type=CatalogEntry.ItemType.SERVICE,
        service_name="政府投资项目建议书审批",
        content="审批结果、批复文号",
        content_title="审批结果信息",
        upload_form="附件",
        audience_all=True,
        audience_specific=True,
        mode_active=True,
        mode_on_request=True,
        levels=[
            {"level": "县级", "channels": ["政府网站", "政务服务中心"]},
            {"level": "乡级", "channels": ["便民服务站"]},
        ],
        channels=channels("投资项目在线审批监管平台", "政务服务中心", "政府网站"),
        remarks="市级参考",
    )
    CityEntryFactory(
        division=city,
        item=SecondLevelItemFactory(first_level=approval, name="核准结果", display_order=2),
        audience_all=False,
        audience_specific=True,
        mode_active=False,
        mode_on_request=True,
    )
    CityEntryFactory(
        division=city,
        item=SecondLevelItemFactory(first_level=approval, name="备案信息", display_order=3),
    )
    CityEntryFactory(
        division=city,
        item=SecondLevelItemFactory(first_level=tender, name="招标公告", display_order=1),
        levels=[],
    )
    CityEntryFactory(
        division=city,
        item=SecondLevelItemFactory(first_level=general, name="政策法规文件", display_order=1),
    )
    CityEntryFactory(
        division=city,
        item=SecondLevelItemFactory(first_level=general, name="监督检查", display_order=2),
    )
    catalog_derive(division=furong, user=None)
    entries = {
        e.item.name: e for e in CatalogEntry.objects.filter(division=furong).select_related("item")
    }
    entry_drop(entry=entries["监督检查"], user=None)
    entry_update(entry=entries["核准结果"], changes={"content": "=1+1"}, user=None)
    entry_update(entry=entries["备案信息"], changes={"remarks": "@SUM(A1)"}, user=None)
    entry_update(entry=entries["招标公告"], changes={"subject": "-区发改局"}, user=None)
    return entries


def workbook_of(division, **kwargs):
    stream = io.BytesIO()
    stats = export_workbook(division=division, stream=stream, **kwargs)
    stream.seek(0)
    return stats, openpyxl.load_workbook(stream)


def merges(sheet) -> set[str]:
    return {str(r) for r in sheet.merged_cells.ranges}


def row_values(sheet, row: int) -> list:
    return [cell.value for cell in sheet[row]]


# ---------------------------------------------------------------------------------------------
# The workbook.


@pytest.mark.django_db
def test_one_sheet_per_domain_with_title_row_and_two_row_header(catalog, furong):
    stats, book = workbook_of(furong)

    assert stats == ExportStats(sheets=2, rows=5)
    assert book.sheetnames == ["重大建设项目", "社会救助"]
    sheet = book["重大建设项目"]
    assert sheet["A1"].value == "芙蓉区重大建设项目领域基层政务公开标准目录"
    assert sheet["A1"].font.b and sheet["A1"].alignment.horizontal == "center"
    assert sheet.max_column == len(fmt.columns(2)) == 21
    assert row_values(sheet, 2) == TOP
    assert row_values(sheet, 3) == SUB
    ranges = merges(sheet)
    assert "A1:U1" in ranges
    # 公开事项, 公开对象 and 公开方式 span their sub-columns; the other headings span both rows.
    assert {"B2:C2", "M2:N2", "O2:P2"} <= ranges
    assert {"A2:A3", "D2:D3", "L2:L3", "Q2:Q3", "T2:T3", "U2:U3"} <= ranges
    assert not {"B2:B3", "C2:C3", "M2:M3"} & ranges
    assert sheet["B2"].font.b and sheet["B2"].fill.fgColor.rgb.endswith("D9E1F2")
    assert book["社会救助"]["A1"].value == "芙蓉区社会救助领域基层政务公开标准目录"


@pytest.mark.django_db
def test_data_rows_in_catalog_order_with_merged_first_level_marks_and_levels(catalog, furong):
    _, book = workbook_of(furong)
    sheet = book["重大建设项目"]

    assert [sheet.cell(r, 1).value for r in range(4, 8)] == [1, 2, 3, 4]
    assert [sheet.cell(r, 3).value for r in range(4, 8)] == [
        "审批结果",
        "核准结果",
        "备案信息",
        "招标公告",
    ]
    # 批准服务信息 spans its three lines; 招标投标信息 has one line and no merge.
    assert sheet["B4"].value == "批准服务信息" and "B4:B6" in merges(sheet)
    assert isinstance(sheet["B5"], MergedCell) and isinstance(sheet["B6"], MergedCell)
    assert sheet["B7"].value == "招标投标信息" and not isinstance(sheet["B7"], MergedCell)
    assert not any(r.startswith("B7") for r in merges(sheet))

    first = dict(zip([c.key for c in fmt.columns(2)], row_values(sheet, 4), strict=True))
    assert first["item_type"] == "政务服务事项"
    assert first["service_name"] == "政府投资项目建议书审批"
    assert first["content_title"] == "审批结果信息" and first["upload_form"] == "附件"
    assert first["channels"] == fmt.channel_checklist(
        ["政府网站", "政务服务中心", "投资项目在线审批监管平台"], STANDARD
    )
    assert first["channels"].startswith("■政府网站 □政府公报 □两微一端")
    assert first["channels"].endswith("□其他 ■投资项目在线审批监管平台")
    assert [first[k] for k in ("audience_all", "audience_specific")] == ["√", "√"]
    assert [first[k] for k in ("mode_active", "mode_on_request")] == ["√", "√"]
    assert (first["level_1"], first["level_1_channels"]) == ("县级", "政府网站、政务服务中心")
    assert (first["level_2"], first["level_2_channels"]) == ("乡级", "便民服务站")
    assert first["remarks"] == "市级参考"

    second = dict(zip([c.key for c in fmt.columns(2)], row_values(sheet, 5), strict=True))
    assert second["item_type"] == "非政务服务事项"
    assert [second[k] for k in ("audience_all", "audience_specific")] == [None, "√"]
    assert [second[k] for k in ("mode_active", "mode_on_request")] == [None, "√"]
    assert (second["level_1"], second["level_2"]) == ("县级", None)
    # A line without levels leaves both pairs blank.
    assert row_values(sheet, 7)[16:20] == [None] * 4

    # The note row follows the data, merged across the table.
    assert sheet["A8"].value == fmt.NOTE and "A8:U8" in merges(sheet)
    assert sheet.max_row == 8
    assert sheet["C4"].alignment.wrap_text and sheet["C4"].alignment.vertical == "top"
    assert sheet["C4"].border.left.style == "thin"


@pytest.mark.django_db
def test_dropped_entries_are_left_out_and_numbering_restarts_per_sheet(catalog, furong):
    _, book = workbook_of(furong)
    sheet = book["社会救助"]

    assert [sheet.cell(r, 3).value for r in range(4, sheet.max_row)] == ["政策法规文件"]
    assert sheet["A4"].value == 1 and sheet["A5"].value == fmt.NOTE


@pytest.mark.django_db
def test_widths_freeze_panes_and_print_settings(catalog, furong):
    _, book = workbook_of(furong)

    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A4"
        assert sheet.column_dimensions["A"].width == 6
        assert sheet.column_dimensions["F"].width == 36
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
        assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$2:$3"
        assert sheet.print_options.horizontalCentered
        assert sheet.page_margins.left < 0.5


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_stays_text(catalog, furong):
    _, book = workbook_of(furong)
    sheet = book["重大建设项目"]

    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert sheet["F5"].value == "=1+1" and sheet["F5"].data_type == "s"
    assert sheet.cell(6, 21).value == "@SUM(A1)" and sheet.cell(6, 21).data_type == "s"
    assert sheet["K7"].value == "-区发改局"


@pytest.mark.django_db
def test_control_characters_pasted_from_word_do_not_break_the_workbook(city):
    """openpyxl refuses text with control characters (a vertical tab is Word's line break)."""
    domain = Domain.objects.get(name="救灾")
    CityEntryFactory(
        division=city, item=item(domain, "一级", "二级", (1, 1)), content="甲\x0b乙\x07"
    )

    _, book = workbook_of(city)

    assert book["救灾"]["F4"].value == "甲乙"


@pytest.mark.django_db
def test_level_columns_grow_with_the_longest_entry(catalog, furong):
    # Stored as the canonical levels: 区级 is 县级 and 镇(街)级 is 乡级 (catalog/levels.py).
    three = [{"level": n, "channels": ["政府网站"]} for n in ("区级", "镇(街)级", "村级")]
    entry_update(entry=catalog["政策法规文件"], changes={"levels": three}, user=None)

    _, book = workbook_of(furong)

    for sheet in book.worksheets:
        # Every sheet shares the layout, so the importer reads one header shape.
        assert sheet["U2"].value == "公开层级3" and sheet["V2"].value == "公开渠道和载体3"
        assert sheet["W2"].value == "备注" and sheet.max_column == 23
    relief = book["社会救助"]
    assert [relief.cell(4, c).value for c in range(17, 23)] == [
        "县级",
        "政府网站",
        "乡级",
        "政府网站",
        "村级",
        "政府网站",
    ]


@pytest.mark.django_db
def test_domain_filter_exports_one_sheet(catalog, furong):
    relief = Domain.objects.get(name="社会救助")

    stats, book = workbook_of(furong, domain=relief)

    assert stats == ExportStats(sheets=1, rows=1)
    assert book.sheetnames == ["社会救助"]


@pytest.mark.django_db
def test_sheet_titles_are_legal_and_unique(city):
    # Still longer than 31 characters once []:*?/\\ are gone: both names share their first 31.
    long_name = "关于[城乡]社区:治理*与?服务/的\\基层政务公开试点工作领域第一部分（含农村社区）"
    for n, suffix in enumerate(("甲", "乙")):
        domain = DomainFactory(name=long_name + suffix, display_order=100 + n)
        CityEntryFactory(division=city, item=item(domain, "一级", "二级", (1, 1)))

    stats, book = workbook_of(city)

    assert stats.sheets == 2
    first, second = book.sheetnames
    assert len(first) == len(second) == 31
    assert second == first[:28] + "(2)"
    assert not set("[]:*?/\\") & set(first + second)
    # The title row keeps the whole domain name.
    assert book[first]["A1"].value == fmt.title("长沙市", long_name + "甲")


@pytest.mark.django_db
def test_first_level_items_sharing_a_display_order_stay_in_one_block(city):
    """Factory items all have display order 0: the query alone would interleave them."""
    domain = Domain.objects.get(name="救灾")
    first_a = FirstLevelItemFactory(domain=domain, name="甲")
    first_b = FirstLevelItemFactory(domain=domain, name="乙")
    for first in (first_a, first_b, first_a, first_b):
        CityEntryFactory(division=city, item=SecondLevelItemFactory(first_level=first))

    _, book = workbook_of(city)
    sheet = book["救灾"]

    assert [sheet.cell(r, 2).value for r in range(4, 8)] == ["甲", None, "乙", None]
    assert {"B4:B5", "B6:B7"} <= merges(sheet)


@pytest.mark.django_db
def test_an_empty_catalog_still_makes_a_valid_workbook(furong):
    stats, book = workbook_of(furong)

    assert stats == ExportStats(sheets=0, rows=0)
    assert book.sheetnames == ["说明"]
    assert "没有有效事项" in book["说明"]["A1"].value


@pytest.mark.django_db
def test_the_demo_reference_catalog_exports_every_domain(city):
    directory = settings.FIXTURES_DIR / "reference_catalog"
    created = build_reference_catalog(city=city, directory=directory)

    stats, book = workbook_of(city)

    expected = list(
        Domain.objects.filter(
            first_level_items__second_level_items__entries__division=city
        ).distinct()
    )
    assert stats.rows == created
    assert len(expected) == 26
    assert book.sheetnames == [d.name for d in expected]
    assert sum(ws.max_row - 4 for ws in book.worksheets) == created
    for sheet in book.worksheets:
        assert sheet["A2"].value == "序号" and sheet.cell(sheet.max_row, 1).value == fmt.NOTE
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


# ---------------------------------------------------------------------------------------------
# CSV and JSON.


@pytest.mark.django_db
def test_csv_has_a_bom_a_chinese_header_and_neutralised_cells(catalog, furong):
    stream = io.StringIO(newline="")

    stats = export_csv(division=furong, stream=stream)

    text = stream.getvalue()
    assert stats.rows == 5 and text.startswith("\ufeff区划代码,区划,领域,一级事项,二级事项")
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header == CSV_HEADER
    lines = {row[4]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(lines) == ["审批结果", "核准结果", "备案信息", "招标公告", "政策法规文件"]
    first = lines["审批结果"]
    assert first["区划代码"] == "430102" and first["领域"] == "重大建设项目"
    assert first["一级事项"] == "批准服务信息" and first["事项类型"] == "政务服务事项"
    assert first["公开渠道和载体"] == "政府网站、政务服务中心、投资项目在线审批监管平台"
    assert first["公开对象"] == "全社会、特定群体" and first["公开方式"] == "主动、依申请"
    assert first["公开层级"] == "县级：政府网站、政务服务中心；乡级：便民服务站"
    assert lines["核准结果"]["公开内容(要素)"] == "'=1+1"
    assert lines["核准结果"]["公开对象"] == "特定群体"
    assert lines["备案信息"]["备注"] == "'@SUM(A1)"
    assert lines["招标公告"]["公开主体"] == "'-区发改局"
    assert lines["招标公告"]["公开层级"] == ""


@pytest.mark.django_db
def test_csv_bytes_are_utf8_with_bom(catalog, furong, tmp_path):
    path = tmp_path / "furong.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        export_csv(division=furong, stream=stream)

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf" * 2)
    assert "区划代码" in data.decode("utf-8-sig").splitlines()[0]


@pytest.mark.django_db
def test_json_uses_natural_types(catalog, furong):
    stream = io.StringIO()

    stats = export_json(division=furong, stream=stream)

    text = stream.getvalue()
    assert "芙蓉区" in text  # not \\u-escaped
    document = json.loads(text)
    assert stats.rows == 5
    assert document["division"] == {"code": "430102", "name": "芙蓉区"}
    assert document["generated_at"].endswith("+08:00")
    entries = {e["second_level"]: e for e in document["entries"]}
    assert list(entries) == ["审批结果", "核准结果", "备案信息", "招标公告", "政策法规文件"]
    first = entries["审批结果"]
    assert first["domain"] == "重大建设项目" and first["first_level"] == "批准服务信息"
    assert first["item_type"] == "service" and first["item_type_label"] == "政务服务事项"
    assert first["channels"] == ["政府网站", "政务服务中心", "投资项目在线审批监管平台"]
    assert first["audience"] == {"all": True, "specific": True}
    assert first["mode"] == {"active": True, "on_request": True}
    assert first["levels"] == [
        {"level": "县级", "channels": ["政府网站", "政务服务中心"]},
        {"level": "乡级", "channels": ["便民服务站"]},
    ]
    assert entries["核准结果"]["content"] == "=1+1"  # JSON carries data as it is
    assert entries["核准结果"]["audience"] == {"all": False, "specific": True}
    assert entries["招标公告"]["levels"] == []
    assert set(first) >= {"service_name", "content_title", "upload_form", "basis", "remarks"}


@pytest.mark.django_db
def test_json_domain_filter(catalog, furong):
    stream = io.StringIO()

    export_json(division=furong, domain=Domain.objects.get(name="社会救助"), stream=stream)

    entries = json.loads(stream.getvalue())["entries"]
    assert [(e["domain"], e["second_level"]) for e in entries] == [("社会救助", "政策法规文件")]


# ---------------------------------------------------------------------------------------------
# Query counts: one query for the entries and one for their channels, whatever the size.


def grow_catalog(city, start: int, count: int) -> None:
    domains = list(Domain.objects.order_by("display_order")[:3])
    for n in range(start, start + count):
        domain = domains[n % len(domains)]
        CityEntryFactory(
            division=city,
            item=item(domain, f"一级{n % 2}", f"二级{n}", (n % 2, n)),
            channels=channels("政府网站", "政务服务中心"),
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("export", "queries"),
    [
        # Entries, their channels, and the standard channel list for the checklist.
        (lambda d, s: export_workbook(division=d, stream=s), 3),
        (lambda d, s: export_csv(division=d, stream=io.TextIOWrapper(s, "utf-8")), 2),
        (lambda d, s: export_json(division=d, stream=io.TextIOWrapper(s, "utf-8")), 2),
    ],
    ids=["xlsx", "csv", "json"],
)
def test_query_count_does_not_grow_with_the_catalog(
    city, django_assert_num_queries, export, queries
):
    grow_catalog(city, 0, 3)
    with django_assert_num_queries(queries):
        export(city, io.BytesIO())

    grow_catalog(city, 3, 20)
    assert CatalogEntry.objects.filter(division=city).count() == 23
    with django_assert_num_queries(queries):
        export(city, io.BytesIO())


# ---------------------------------------------------------------------------------------------
# The management command.


@pytest.mark.django_db
def test_command_writes_a_workbook(catalog, tmp_path, capsys):
    path = tmp_path / "furong.xlsx"

    call_command("export_catalog", str(path), "--division", "430102")

    out = capsys.readouterr().out
    assert "2 个工作表" in out and "5 行" in out and "KB" in out
    assert openpyxl.load_workbook(path).sheetnames == ["重大建设项目", "社会救助"]
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.django_db
def test_command_writes_csv_and_json_by_extension_or_flag(catalog, tmp_path, capsys):
    call_command("export_catalog", str(tmp_path / "a.csv"), "--division", "430102")
    call_command(
        "export_catalog",
        str(tmp_path / "b.json"),
        "--division",
        "430102",
        "--domain",
        "重大建设项目",
    )
    call_command(
        "export_catalog", str(tmp_path / "c.out"), "--division", "430102", "--format", "json"
    )

    out = capsys.readouterr().out
    assert "5 行" in out and "4 行" in out
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(json.loads((tmp_path / "b.json").read_text("utf-8"))["entries"]) == 4
    assert len(json.loads((tmp_path / "c.out").read_text("utf-8"))["entries"]) == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--division", "999999"], "没有区划代码为“999999”的区划。"),
        (["--division", "430102", "--domain", "无此领域"], "没有名为“无此领域”的领域。"),
    ],
)
def test_command_refuses_unknown_division_or_domain(reference_data, tmp_path, args, message):
    path = tmp_path / "out.xlsx"

    with pytest.raises(CommandError) as error:
        call_command("export_catalog", str(path), *args)

    assert str(error.value) == message
    assert not path.exists()


@pytest.mark.django_db
def test_command_refuses_an_unknown_extension(reference_data, tmp_path):
    with pytest.raises(CommandError, match="请用 --format 指定"):
        call_command("export_catalog", str(tmp_path / "out.txt"), "--division", "430102")


@pytest.mark.django_db
def test_command_refuses_a_missing_directory(reference_data, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("export_catalog", str(tmp_path / "no" / "out.xlsx"), "--division", "430102")
