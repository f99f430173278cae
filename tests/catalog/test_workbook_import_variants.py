"""Importing real catalog lines in every layout ``fixtures/catalog-format.md`` lists.

Each test builds its workbook from lines copied out of ``fixtures/catalog_rows.csv`` (see
``workbooks.py`` for the lines and their source pages), imports it, and checks how the headings
were understood (the report's mapping) and what every element of every entry now holds.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalog.models import CatalogEntry, CatalogEvent, Channel, FirstLevelItem, SecondLevelItem
from catalog.workbooks.imports import import_catalog
from districts.models import Division, Role
from districts.services import membership_grant
from tests.factories import UserFactory

from . import workbooks as wb
from .workbooks import (
    BAODI_SHJZ,
    JIULONG,
    KBS_JIUZAI,
    SHICHENG_SHJZ,
    TENGCHONG_SHJZ,
    TIELI_SNBT,
    WUCHANG_ZDJS,
    YNWSS_STHJ,
    YR_YANGLAO,
    YUBEI_SPYP,
    Sheet,
    expected_values,
)

POLICY = "养老服务通用政策"
COMMON_MAPPING = [
    ("序号", "序号"),
    ("公开事项/一级事项", "一级事项"),
    ("公开事项/二级事项", "二级事项"),
    ("公开内容(要素)", "公开内容(要素)"),
    ("公开依据", "公开依据"),
    ("公开时限", "公开时限"),
    ("公开主体", "公开主体"),
    ("公开渠道和载体", "公开渠道和载体"),
    ("公开对象/全社会", "公开对象：全社会"),
    ("公开对象/特定群体", "公开对象：特定群体"),
    ("公开方式/主动", "公开方式：主动"),
    ("公开方式/依申请", "公开方式：依申请"),
    ("公开层级/县级", "公开层级：县级"),
    ("公开层级/乡级", "公开层级：乡级"),
    ("备注", "备注"),
]


def run(source, division, **kwargs):
    return import_catalog(source=source, division=division, user=kwargs.pop("user", None), **kwargs)


def rows(report) -> list[tuple]:
    return [(o.sheet, o.row, o.first_level, o.second_level, o.status) for o in report.outcomes]


def assert_entries(division, domain: str, lines) -> None:
    """Assert the division holds exactly these lines' entries, with the lines' values."""
    for line in lines:
        entry = wb.entry(division, domain, line.first_level, line.second_level)
        assert wb.values(entry) == expected_values(line), line.second_level
    assert CatalogEntry.objects.filter(division=division).count() == len(lines)


# ---------------------------------------------------------------------------------------------
# (a) The common table.


def test_common_table_title_merged_header_merged_items_marks_checklist_and_note(city):
    """yr.gov.cn's 养老服务 lines in the common table, every element read as printed."""
    sheet = wb.common_sheet("养老服务", YR_YANGLAO)
    book = wb.workbook(sheet)
    ws = book["养老服务"]
    # The workbook really has the features under test.
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:O1", "H2:H3", "I2:J2", "K2:L2", "M2:N2", "B4:B6", "A7:O7"} <= merged
    assert ws["B2"].value == "公开事项" and ws["C3"].value == "二级事项"
    assert ws["B5"].value is None  # covered by the merged 一级事项 cell
    assert ws["H4"].value.startswith("■政府网站 □政府公报 □两微一端")
    assert ws["A7"].value.startswith("注：")
    user = UserFactory(username="city-importer")
    membership_grant(user=user, division=city, role=Role.EDITOR)  # who imports holds a role there

    report = run(wb.xlsx_file(sheet), city, user=user)

    assert report.applied and not report.has_errors and not report.dry_run
    [header] = report.headers
    assert (header.sheet, header.domain, header.header_rows) == ("养老服务", "养老服务", (2, 3))
    assert header.mapping == COMMON_MAPPING
    assert header.extra == []
    assert header.level_labels == ["县级", "乡级"]
    # Three lines, the merged 一级事项 on each, and the note row is not a line.
    assert rows(report) == [
        (
            "养老服务",
            4,
            "养老服务通用政策",
            "国家和地方层面养老服务相关法律、法规、政策文件",
            "new",
        ),
        ("养老服务", 5, "养老服务通用政策", "养老服务扶持政策措施清单", "new"),
        ("养老服务", 6, "养老服务通用政策", "养老机构投资指南", "new"),
    ]
    assert report.counts == {"new": 3}
    assert report.errors == [] and report.new_channels == []
    assert report.summary() == "已导入：共 3 行，新增 3，修改 0，不变 0，错误 0。"

    first = wb.entry(city, "养老服务", POLICY, YR_YANGLAO[0].second_level)
    assert wb.values(first) == {
        "content": "1.文件名称 2.文号 3.发文部门",
        "basis": "《中华人民共和国政府信息公开条例》(中华人民共和国国务院令第711号)",
        "time_limit": "制定或获取文件之日起10个工作日内",
        "subject": "县民政局",
        "channels": {"政府网站", "政务服务中心"},
        "audience": [True, False],
        "mode": [True, False],
        "levels": [{"level": "县级", "channels": ["政府网站", "政务服务中心"]}],
        "item_type": "non_service",
        "service_name": "",
        "content_title": "",
        "upload_form": "",
        "remarks": "",
    }
    assert (first.source, first.overridden, first.extra) == (None, [], {})
    assert first.updated_by == user
    assert_entries(city, "养老服务", YR_YANGLAO)

    # One first-level item, three second-level items in sheet order.
    [first_level] = FirstLevelItem.objects.filter(name="养老服务通用政策")
    assert first_level.domain.name == "养老服务"
    assert [s.name for s in SecondLevelItem.objects.filter(first_level=first_level)] == [
        line.second_level for line in YR_YANGLAO
    ]
    # One CREATE event per line (naming the place in the workbook) and one IMPORT event.
    creates = CatalogEvent.objects.filter(action=CatalogEvent.Action.CREATE).order_by("id")
    assert [e.detail for e in creates] == [
        {"import": "养老服务!4"},
        {"import": "养老服务!5"},
        {"import": "养老服务!6"},
    ]
    [summary] = CatalogEvent.objects.filter(action=CatalogEvent.Action.IMPORT)
    assert (summary.division, summary.user, summary.entry) == (city, user, None)
    assert summary.detail == {"new": 3, "changed": 0, "unchanged": 0}


def test_source_may_be_bytes_a_binary_file_or_a_path(furong, tianxin, tmp_path):
    """Three counties (the city has none of these items) import the same workbook three ways."""
    yuelu = Division.objects.get(code="430104")
    sheet = wb.common_sheet("养老服务", YR_YANGLAO)
    path = wb.xlsx_path(tmp_path, "养老服务目录.xlsx", sheet)
    reports = [run(wb.xlsx_bytes(sheet), furong), run(path, tianxin), run(str(path), yuelu)]

    assert [r.counts for r in reports] == [{"new": 3}] * 3
    assert wb.state(furong) == wb.state(tianxin) == wb.state(yuelu)
    assert_entries(yuelu, "养老服务", YR_YANGLAO)


# ---------------------------------------------------------------------------------------------
# (b) No 公开层级 column, other spellings, the channel legend, ●/〇 inside the content.


def test_legend_heading_other_spellings_no_level_column_and_marks_in_content(city):
    sheet = Sheet(
        "社会救助", wb.legend_columns(), TENGCHONG_SHJZ, title=wb.domain_title("社会救助", "荷花镇")
    )
    report = run(wb.xlsx_bytes(sheet), city)

    [header] = report.headers
    assert header.mapping == [
        ("序号", "序号"),
        ("公开事项/一级事项", "一级事项"),
        ("公开事项/二级事项", "二级事项"),
        ("公开内容(要素)及要求", "公开内容(要素)"),
        ("公开依据", "公开依据"),
        ("公开时限", "公开时限"),
        ("公开主体", "公开主体"),
        ("公开渠道和载体", "公开渠道和载体"),  # the legend is not part of the heading
        ("公开对象/全社会", "公开对象：全社会"),
        ("公开对象/特定群众", "公开对象：特定群体"),
        ("公开方式/主动公开", "公开方式：主动"),
        ("公开方式/依申请公开", "公开方式：依申请"),
        ("备注", "备注"),
    ]
    assert header.extra == [] and header.level_labels == []
    assert report.counts == {"new": 2}
    # ●/〇 inside the content are text, not marks; without a level column there are no levels.
    assert_entries(city, "社会救助", TENGCHONG_SHJZ)
    second = wb.entry(city, "社会救助", "综合业务", "监督检查")
    assert second.content == "●社会救助信访通讯地址 〇社会救助投诉举报电话"
    assert (second.audience_all, second.audience_specific) == (True, True)
    assert (second.mode_active, second.mode_on_request) == (True, True)
    assert second.levels == []
    first = wb.entry(city, "社会救助", "综合业务", "政策法规")
    assert wb.values(first)["channels"] == {"政府网站", "社区/企事业单位/村公示栏(电子屏)"}


def test_numbered_channel_list_and_an_empty_first_level_cell(city):
    """ynwss.gov.cn's 生态环境 lines: channels printed "1.政府网站 2.两微一端 …"."""
    sheet = wb.common_sheet("生态环境", YNWSS_STHJ, levels=(), merge_first_level=False)
    report = run(wb.xlsx_bytes(sheet), city)

    assert report.headers[0].level_labels == []
    # The empty 一级事项 cell carries the previous line's item down.
    assert rows(report) == [
        ("生态环境", 4, "行政许可", "建设项目环境影响评价文件审批", "new"),
        ("生态环境", 5, "行政许可", "公开环保工作动态", "new"),
    ]
    for line in YNWSS_STHJ:
        entry = wb.entry(city, "生态环境", "行政许可", line.second_level)
        assert wb.values(entry) == expected_values(line)
        assert wb.values(entry)["channels"] == {
            "政府网站",
            "两微一端",
            "政务服务中心",
            "便民服务站",
        }
    assert report.new_channels == []


# ---------------------------------------------------------------------------------------------
# (c) 一级目录 and 三级事项 columns; extra columns kept.


def test_leading_catalog_column_and_three_level_header(city):
    """石城县's 社会救助 lines: a leading 一级目录 column, 三级事项, levels 市级/县级/乡级."""
    sheet = Sheet(
        "Sheet1",
        wb.three_level_columns(),
        SHICHENG_SHJZ,
        title=wb.domain_title("社会救助", "石城县"),
    )
    report = run(wb.xlsx_bytes(sheet), city)

    [header] = report.headers
    assert header.domain == "社会救助"  # from the title row: the sheet name says nothing
    assert header.extra == ["一级目录"]
    assert ("公开事项/三级事项", "三级事项") in header.mapping
    assert header.level_labels == ["市级", "县级", "乡级"]  # (d) three level labels
    assert [label for heading, label in header.mapping if heading.startswith("公开层级")] == [
        "公开层级：市级",
        "公开层级：县级",
        "公开层级：乡级",
    ]
    assert report.counts == {"new": 3}
    # "村公示栏 (电子屏)" printed with a space is the standard channel: nothing new.
    assert report.new_channels == []
    assert_entries(city, "社会救助", SHICHENG_SHJZ)
    for line in SHICHENG_SHJZ:
        entry = wb.entry(city, "社会救助", line.first_level, line.second_level)
        # The extra column is kept on every line, merged cells included.
        assert entry.extra == {"一级目录": line.catalog_l0}
        assert [level["level"] for level in entry.levels] == ["县级", "乡级"]


def test_third_level_item_and_extra_columns_are_kept(city):
    """康巴什区's 救灾 line: 三级事项 and 条款内容/依据效力(位阶)/责任科室/对应职责."""
    extras = list(KBS_JIUZAI.extra)
    sheet = Sheet(
        "救灾",
        wb.three_level_columns(levels=(), extras=extras, catalog_l0=False),
        [KBS_JIUZAI],
        title=None,  # the domain comes from the sheet name
    )
    report = run(wb.xlsx_bytes(sheet), city)

    [header] = report.headers
    assert (header.domain, header.header_rows) == ("救灾", (1, 2))
    assert header.extra == ["条款内容", "依据效力(位阶)", "责任科室", "对应职责"]
    assert all(heading not in header.extra for heading, _ in header.mapping)
    # The 三级事项 joins the second-level item's name.
    second = f"{KBS_JIUZAI.second_level}—{KBS_JIUZAI.third_level}"
    assert rows(report) == [("救灾", 3, "政策文件", second, "new")]
    entry = wb.entry(city, "救灾", "政策文件", second)
    assert wb.values(entry) == expected_values(KBS_JIUZAI)
    assert entry.extra == {
        "条款内容": (
            "《中华人民共和国政府信息公开条例》第二十条(十二)突发公共事件的应急预案、"
            "预警信息及应对情况"
        ),
        "依据效力(位阶)": "法规",
        "责任科室": "综合减灾和应急管理组",
        "对应职责": "自然灾害救助",
    }


# ---------------------------------------------------------------------------------------------
# (d) Other level labels.


def test_district_and_street_level_labels(furong):
    """渝北区's 食品药品监管 lines with 区级 / 镇（街）级 (full-width brackets as typed)."""
    sheet = wb.common_sheet(
        "食品药品监管", YUBEI_SPYP, levels=("区级", "镇(街)级"), printed=("区级", "镇（街）级")
    )
    report = run(wb.xlsx_bytes(sheet), furong)

    [header] = report.headers
    assert header.level_labels == ["区级", "镇(街)级"]
    assert header.mapping[-3:] == [
        ("公开层级/区级", "公开层级：区级"),
        ("公开层级/镇(街)级", "公开层级：镇(街)级"),
        ("备注", "备注"),
    ]
    # A county's own lines (the city has none of these items): no source, nothing overridden.
    assert_entries(furong, "食品药品监管", YUBEI_SPYP)
    basic = wb.entry(furong, "食品药品监管", "行政审批", YUBEI_SPYP[1].second_level)
    # Stored as the portal's levels, and the report says how each label was read.
    assert basic.levels == [
        {"level": "县级", "channels": ["政府网站"]},
        {"level": "乡级", "channels": ["政府网站"]},
    ]
    assert header.level_mapping == {"区级": "县级", "镇(街)级": "乡级"}
    assert (basic.source, basic.overridden) == (None, [])


def test_city_county_township_level_labels_with_one_ticked(city):
    lines = [
        replace(SHICHENG_SHJZ[0], levels=("市级",)),
        replace(SHICHENG_SHJZ[1], levels=("市级", "县级", "乡级")),
    ]
    sheet = wb.common_sheet("社会救助", lines, levels=("市级", "县级", "乡级"))
    report = run(wb.xlsx_bytes(sheet), city)

    assert report.headers[0].level_labels == ["市级", "县级", "乡级"]
    assert [
        [
            level["level"]
            for level in wb.entry(city, "社会救助", "综合业务", line.second_level).levels
        ]
        for line in lines
    ] == [["市级"], ["市级", "县级", "乡级"]]


# ---------------------------------------------------------------------------------------------
# (e) Changsha's wide header.

CHANGSHA_MAPPING = [
    ("序号", "序号"),
    ("公开事项/一级事项", "一级事项"),
    ("公开事项/二级事项", "二级事项"),
    ("事项类型", "事项类型"),
    ("对应本级政务服务事项名称", "对应本级政务服务事项名称"),
    ("公开内容(要素)", "公开内容(要素)"),
    ("公开内容标题", "公开内容标题"),
    ("公开内容上传形式", "公开内容上传形式"),
    ("公开依据", "公开依据"),
    ("公开时限", "公开时限"),
    ("公开主体", "公开主体"),
    ("公开渠道和载体", "公开渠道和载体"),
    ("公开对象/全社会", "公开对象：全社会"),
    ("公开对象/特定群体", "公开对象：特定群体"),
    ("公开方式/主动", "公开方式：主动"),
    ("公开方式/依申请", "公开方式：依申请"),
    ("公开层级1", "公开层级1"),
    ("公开渠道和载体1", "公开层级1的渠道"),
    ("公开层级2", "公开层级2"),
    ("公开渠道和载体2", "公开层级2的渠道"),
    ("备注", "备注"),
]


def test_changsha_wide_header(city):
    sheet = Sheet(
        "重大建设项目",
        wb.changsha_columns(),
        WUCHANG_ZDJS,
        title=wb.domain_title("重大建设项目", "长沙市"),
    )
    report = run(wb.xlsx_bytes(sheet), city)

    [header] = report.headers
    assert header.mapping == CHANGSHA_MAPPING
    assert header.extra == [] and header.level_labels == []
    assert report.counts == {"new": 2}
    approval, feasibility = (
        wb.entry(city, "重大建设项目", "批准结果信息", line.second_level) for line in WUCHANG_ZDJS
    )
    assert wb.values(approval) == expected_values(
        WUCHANG_ZDJS[0],
        item_type="service",
        levels=[
            # Each level with its own channels, in checklist order.
            {"level": "县级", "channels": ["政府网站", "投资项目在线审批监管平台"]},
            {"level": "乡级", "channels": ["政府网站"]},
        ],
    )
    assert wb.values(approval)["service_name"] == "政府投资项目建议书审批"
    assert (approval.content_title, approval.upload_form) == ("政府投资项目建议书批复", "附件")
    assert approval.channels.get().name == "投资项目在线审批监管平台"
    # A blank 事项类型 is a non-service item; an empty second pair adds no level.
    assert wb.values(feasibility) == expected_values(
        WUCHANG_ZDJS[1],
        item_type="non_service",
        levels=[{"level": "县级", "channels": ["投资项目在线审批监管平台"]}],
    )


# ---------------------------------------------------------------------------------------------
# (f) Several domains, one per sheet.


def test_one_domain_per_sheet(city):
    """九龙街道's lines in three domains; the third sheet names its domain only in its name."""
    sheets = [
        wb.common_sheet(domain, [line], levels=("乡级",), title=wb.domain_title(domain, "九龙街道"))
        for domain, line in JIULONG.items()
    ]
    sheets[0].name = "表1"
    sheets[1].name = "表2"
    sheets[2].title = None
    report = run(wb.xlsx_bytes(*sheets), city)

    assert [(h.sheet, h.domain) for h in report.headers] == [
        ("表1", "重大建设项目"),
        ("表2", "公共资源交易"),
        ("义务教育", "义务教育"),
    ]
    assert [(o.sheet, o.row, o.domain, o.status) for o in report.outcomes] == [
        ("表1", 4, "重大建设项目", "new"),
        ("表2", 4, "公共资源交易", "new"),
        ("义务教育", 3, "义务教育", "new"),
    ]
    for domain, line in JIULONG.items():
        entry = wb.entry(city, domain, line.first_level, line.second_level)
        assert entry.item.first_level.domain.name == domain
        assert wb.values(entry) == expected_values(line)


# ---------------------------------------------------------------------------------------------
# (g) Columns are recognised by meaning, not position.


@pytest.mark.parametrize("seed", [1, 7, 2019])
def test_shuffled_columns_give_the_same_catalog(furong, tianxin, seed):
    lines = [
        *YR_YANGLAO,
        replace(YR_YANGLAO[0], second_level="养老服务补贴", audience=(True, True)),
    ]
    columns = wb.common_columns()
    mixed = wb.shuffled(columns, seed)
    assert [c.top + c.sub for c in mixed] != [c.top + c.sub for c in columns]

    run(wb.xlsx_bytes(wb.common_sheet("养老服务", lines)), furong)
    report = run(wb.xlsx_bytes(wb.common_sheet("养老服务", lines, columns=mixed)), tianxin)

    assert report.counts == {"new": 4}
    assert sorted(report.headers[0].mapping) == sorted(COMMON_MAPPING)

    assert wb.state(tianxin) == wb.state(furong)
    # And the shuffled workbook, imported where the first one went, changes nothing.
    again = run(wb.xlsx_bytes(wb.common_sheet("养老服务", lines, columns=mixed)), furong)
    assert again.counts == {"unchanged": 4}


def test_level_columns_in_another_order_change_nothing(furong):
    """宝坻区's lines tick both 县级 and 乡级; a second workbook prints 乡级 first."""
    lines = BAODI_SHJZ
    assert run(wb.xlsx_bytes(wb.common_sheet("社会救助", lines)), furong).applied
    columns = wb.common_columns()
    levels = [c for c in columns if c.top == "公开层级"]
    swapped = [c for c in columns if c.top != "公开层级"]
    swapped[-1:-1] = levels[::-1]

    report = run(wb.xlsx_bytes(wb.common_sheet("社会救助", lines, columns=swapped)), furong)

    assert report.headers[0].level_labels == ["乡级", "县级"]
    assert report.counts == {"unchanged": 3}


def test_specific_audience_heading_asking_to_name_the_group(city):
    """yr.gov.cn heads the column 特定群体(请写明) (fixtures/catalog_rows.csv, its notes)."""
    columns = wb.common_columns()
    columns[9] = wb.Col("公开对象", "特定群体(请写明)", lambda line, _n: wb.mark(line.audience[1]))
    line = replace(YR_YANGLAO[0], audience=(True, True))

    report = run(wb.xlsx_bytes(wb.common_sheet("养老服务", [line], columns=columns)), city)

    assert report.headers[0].extra == []
    entry = wb.entry(city, "养老服务", POLICY, line.second_level)
    assert wb.values(entry)["audience"] == [True, True]


def test_headings_with_line_breaks_spaces_and_full_width_brackets(city):
    """Heading text is compared without spaces or line breaks, brackets of either width."""
    spelled = {
        "公开内容(要素)": "公开内容\n（要素）",
        "公开依据": "公 开 依 据",
        "公开时限": " 公开时限 ",
        "公开渠道和载体": "公开渠道\n和载体",
    }
    columns = [replace(c, top=spelled.get(c.top, c.top)) for c in wb.common_columns()]
    report = run(wb.xlsx_bytes(wb.common_sheet("养老服务", YR_YANGLAO, columns=columns)), city)

    assert report.headers[0].mapping == COMMON_MAPPING
    assert_entries(city, "养老服务", YR_YANGLAO)


def test_one_row_header_with_channel_and_level_text_columns(city):
    sheet = Sheet("养老服务", wb.flat_columns(), YR_YANGLAO, title=wb.domain_title("养老服务"))
    report = run(wb.xlsx_bytes(sheet), city)

    assert report.sheet_errors == []
    assert report.headers[0].header_rows == (2,)
    assert report.counts == {"new": 3}
    assert_entries(city, "养老服务", YR_YANGLAO)


def test_one_row_header_without_channel_and_level_columns(city):
    """The same one-row header reads fine when no channel or level column follows it."""
    columns = [c for c in wb.flat_columns() if c.top not in ("公开渠道和载体", "公开层级")]
    sheet = Sheet("养老服务", columns, YR_YANGLAO, title=wb.domain_title("养老服务"))
    report = run(wb.xlsx_bytes(sheet), city)

    assert report.headers[0].header_rows == (2,)
    assert [label for _, label in report.headers[0].mapping] == [
        "序号",
        "一级事项",
        "二级事项",
        "公开内容(要素)",
        "公开依据",
        "公开时限",
        "公开主体",
        "备注",
    ]
    assert report.counts == {"new": 3}
    entry = wb.entry(city, "养老服务", "养老服务通用政策", YR_YANGLAO[0].second_level)
    assert (entry.content, entry.subject) == (YR_YANGLAO[0].content, "县民政局")
    assert entry.channels.count() == 0 and entry.levels == []


# ---------------------------------------------------------------------------------------------
# New channels are data.


def test_new_channel_is_created_only_when_the_import_is_applied(city):
    """铁力市's 涉农补贴 lines name ■铁力市政府网站, which the platform does not list."""
    source = wb.xlsx_bytes(wb.common_sheet("涉农补贴", TIELI_SNBT))
    before = wb.counts()
    top = max(Channel.objects.values_list("display_order", flat=True))

    preview = run(source, city, dry_run=True)
    assert preview.dry_run and not preview.applied
    assert preview.new_channels == ["铁力市政府网站"]
    assert preview.summary() == (
        "预览：共 2 行，新增 2，修改 0，不变 0，错误 0；将新增渠道：铁力市政府网站。"
    )
    assert not Channel.objects.filter(name="铁力市政府网站").exists()
    assert wb.counts() == before

    report = run(source, city)
    assert report.applied and report.new_channels == ["铁力市政府网站"]
    assert report.summary() == (
        "已导入：共 2 行，新增 2，修改 0，不变 0，错误 0；新增渠道：铁力市政府网站。"
    )
    channel = Channel.objects.get(name="铁力市政府网站")
    assert (channel.is_standard, channel.display_order) == (False, top + 1)
    assert_entries(city, "涉农补贴", TIELI_SNBT)
    assert list(
        channel.entries.order_by("item__display_order").values_list("subject", flat=True)
    ) == [
        "铁力市农业农村局",
        "铁力市财政局",
    ]
    # Known from now on: a second import creates no channel.
    assert run(source, city).new_channels == []
    assert Channel.objects.filter(name="铁力市政府网站").count() == 1
