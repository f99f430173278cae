"""Importing follows the derivation rules, and importing the same workbook again changes nothing.

The city (长沙市) holds the reference catalog; 芙蓉区 derives from it and 文艺路街道 from 芙蓉区.
A township workbook may only hold items its district has; a county or township line becomes an
entry derived from the level above when that level has the item, and the elements it changes are
personalised (个性要素). Importing into the city changes the reference, and unchanged elements
follow down the tree.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalog import services
from catalog.models import CatalogEntry, CatalogEvent, Channel, Element
from catalog.workbooks.imports import import_catalog
from catalog.workbooks.read import CellError

from . import workbooks as wb
from .workbooks import (
    BAODI_SHJZ,
    DAZHU_SHJZ,
    JIULONG,
    KBS_JIUZAI,
    QINGLIAN_YANGLAO,
    SHICHENG_SHJZ,
    TENGCHONG_SHJZ,
    WUCHANG_ZDJS,
    YR_YANGLAO,
    Sheet,
    expected_values,
)

Action = CatalogEvent.Action
POLICY = "养老服务通用政策"
# What 青莲镇's wording changes against yr.gov.cn's, element by element (time limits agree).
QINGLIAN_CHANGES = ["basis", "channels", "content", "levels", "subject"]
QINGLIAN_LABELS = ["公开内容(要素)", "公开依据", "公开主体", "公开渠道和载体", "公开层级"]


def run(source, division, **kwargs):
    return import_catalog(source=source, division=division, user=None, **kwargs)


def yanglao(lines) -> bytes:
    return wb.xlsx_bytes(wb.common_sheet("养老服务", lines))


def shjz(lines) -> bytes:
    return wb.xlsx_bytes(wb.common_sheet("社会救助", lines))


@pytest.fixture
def district_catalog(city, furong):
    """The city imports yr.gov.cn's first two 养老服务 lines; 芙蓉区 derives them."""
    assert run(yanglao(YR_YANGLAO[:2]), city).applied
    services.catalog_derive(division=furong, user=None)
    return [wb.entry(furong, "养老服务", POLICY, line.second_level) for line in YR_YANGLAO[:2]]


# ---------------------------------------------------------------------------------------------
# A township.


def test_township_line_for_an_item_its_district_lacks_is_an_error_and_nothing_is_written(
    district_catalog, wenyilu
):
    """青莲镇's three lines into 文艺路街道: 芙蓉区 has no 养老机构投资指南."""
    before = wb.counts()

    report = run(yanglao(QINGLIAN_YANGLAO), wenyilu)

    assert report.has_errors and not report.applied
    assert [(o.row, o.status) for o in report.outcomes] == [(4, "new"), (5, "new"), (6, "error")]
    assert report.errors == [
        CellError(
            "养老服务",
            6,
            "二级事项",
            "所属区县（芙蓉区）目录中没有该事项：乡镇(街道)目录只能包含区县目录中已有的事项。",
        )
    ]
    assert "存在错误，未写入任何数据" in report.summary()
    # Not the two good lines, not the new item, not the new channel, no event.
    assert wb.counts() == before
    assert not CatalogEntry.objects.filter(division=wenyilu).exists()
    assert not Channel.objects.filter(name="政府服务中心").exists()


def test_township_line_for_an_item_its_district_dropped_is_an_error(district_catalog, wenyilu):
    services.entry_drop(entry=district_catalog[1], user=None)
    before = wb.counts()

    report = run(yanglao(QINGLIAN_YANGLAO[:2]), wenyilu)

    assert [o.status for o in report.outcomes] == ["new", "error"]
    assert report.errors == [
        CellError(
            "养老服务",
            5,
            "二级事项",
            "所属区县（芙蓉区）目录已删减该事项：乡镇(街道)目录只能包含区县目录中已有的事项。",
        )
    ]
    assert wb.counts() == before


def test_township_lines_derive_from_the_district_and_record_what_they_change(
    district_catalog, furong, wenyilu
):
    report = run(yanglao(QINGLIAN_YANGLAO[:2]), wenyilu)

    assert report.applied
    assert [(o.status, o.changed) for o in report.outcomes] == [("new", QINGLIAN_LABELS)] * 2
    # 青莲镇 prints ■政府服务中心 (sic): a channel the platform did not list.
    assert report.new_channels == ["政府服务中心"]
    for line, district_entry in zip(QINGLIAN_YANGLAO[:2], district_catalog, strict=True):
        entry = wb.entry(wenyilu, "养老服务", POLICY, line.second_level)
        assert entry.source == district_entry
        assert sorted(entry.overridden) == QINGLIAN_CHANGES
        assert entry.upstream_changed == []
        assert wb.values(entry) == expected_values(line)
        # What the line does not change it has from its source: the same time limit, marks.
        assert entry.time_limit == district_entry.time_limit
        assert wb.values(entry)["audience"] == wb.values(district_entry)["audience"]
    # The district's entries are untouched.
    for line, district_entry in zip(YR_YANGLAO[:2], district_catalog, strict=True):
        assert wb.values(wb.entry(furong, "养老服务", POLICY, line.second_level)) == (
            expected_values(line)
        )
        assert district_entry.derived.get().division == wenyilu


def test_township_line_equal_to_the_district_entry_personalises_nothing(district_catalog, wenyilu):
    report = run(yanglao(YR_YANGLAO[:1]), wenyilu)

    assert [(o.status, o.changed) for o in report.outcomes] == [("new", [])]
    entry = wb.entry(wenyilu, "养老服务", POLICY, YR_YANGLAO[0].second_level)
    assert (entry.source, entry.overridden) == (district_catalog[0], [])


def test_derived_township_catalog_is_updated_element_by_element(district_catalog, wenyilu):
    """文艺路街道 already derived its catalog: the lines change its entries in place."""
    services.catalog_derive(division=wenyilu, user=None)
    entries_before = set(CatalogEntry.objects.filter(division=wenyilu).values_list("pk", flat=True))
    events_before = CatalogEvent.objects.count()

    report = run(yanglao(QINGLIAN_YANGLAO[:2]), wenyilu)

    assert [(o.status, o.changed) for o in report.outcomes] == [("changed", QINGLIAN_LABELS)] * 2
    assert set(CatalogEntry.objects.filter(division=wenyilu).values_list("pk", flat=True)) == (
        entries_before
    )
    for line, district_entry in zip(QINGLIAN_YANGLAO[:2], district_catalog, strict=True):
        entry = wb.entry(wenyilu, "养老服务", POLICY, line.second_level)
        assert entry.source == district_entry
        assert sorted(entry.overridden) == QINGLIAN_CHANGES
        assert wb.values(entry) == expected_values(line)
        personalised = entry.events.filter(action=Action.PERSONALISE)
        assert sorted(personalised.values_list("element", flat=True)) == QINGLIAN_CHANGES
        assert personalised.get(element=Element.SUBJECT).old_value == "县民政局"
    # 5 personalised elements on each of 2 entries, and the import's own event.
    assert CatalogEvent.objects.count() == events_before + 2 * 5 + 1

    again = run(yanglao(QINGLIAN_YANGLAO[:2]), wenyilu)
    assert again.counts == {"unchanged": 2}


# ---------------------------------------------------------------------------------------------
# A county.


def test_county_lines_derive_where_the_city_has_the_item_and_are_own_otherwise(city, furong):
    """The city holds 大竹县's 社会救助 lines; 芙蓉区 imports one of them and 宝坻区's three."""
    assert run(shjz(DAZHU_SHJZ), city).applied
    lines = [DAZHU_SHJZ[0], *BAODI_SHJZ]

    report = run(shjz(lines), furong)

    assert [(o.second_level, o.status, o.changed) for o in report.outcomes] == [
        ("政策法规文件", "new", []),
        ("政策", "new", []),
        ("政策", "new", []),
        ("办事指南", "new", ["公开主体", "公开渠道和载体", "公开层级"]),
    ]
    city_entry = {
        (line.first_level, line.second_level): wb.entry(
            city, "社会救助", line.first_level, line.second_level
        )
        for line in DAZHU_SHJZ
    }
    for line in lines:
        entry = wb.entry(furong, "社会救助", line.first_level, line.second_level)
        assert wb.values(entry) == expected_values(line), line.second_level
    same = wb.entry(furong, "社会救助", "综合业务", "政策法规文件")
    assert (same.source, same.overridden) == (city_entry[("综合业务", "政策法规文件")], [])
    guide = wb.entry(furong, "社会救助", "最低生活保障", "办事指南")
    assert guide.source == city_entry[("最低生活保障", "办事指南")]
    assert sorted(guide.overridden) == ["channels", "levels", "subject"]
    # 政策 is no city item: the county's own entries.
    for first_level in ("综合业务", "最低生活保障"):
        own = wb.entry(furong, "社会救助", first_level, "政策")
        assert (own.source, own.overridden) == (None, [])
    # Only the workbook's lines: the import does not derive the rest of the city catalog.
    assert CatalogEntry.objects.filter(division=furong).count() == 4


def test_city_import_updates_the_reference_and_unchanged_elements_follow_down(
    city, furong, tianxin, wenyilu
):
    """The city rewords a line; 芙蓉区 had personalised its 公开依据 and keeps it."""
    assert run(yanglao(YR_YANGLAO), city).applied
    services.catalog_derive_tree(root=city, user=None)
    line = YR_YANGLAO[0]
    own_basis = "《中华人民共和国政府信息公开条例》"
    services.entry_update(
        entry=wb.entry(furong, "养老服务", POLICY, line.second_level),
        changes={Element.BASIS: own_basis},
        user=None,
    )
    reworded = replace(line, content=QINGLIAN_YANGLAO[0].content, basis=QINGLIAN_YANGLAO[0].basis)
    untouched = {
        key: value
        for key, value in wb.snapshot().items()
        if key[3] != line.second_level  # the other two items, in every division
    }

    report = run(yanglao([reworded, *YR_YANGLAO[1:]]), city)

    assert [(o.status, o.changed) for o in report.outcomes] == [
        ("changed", ["公开内容(要素)", "公开依据"]),
        ("unchanged", []),
        ("unchanged", []),
    ]
    reference = wb.entry(city, "养老服务", POLICY, line.second_level)
    assert wb.values(reference) == expected_values(reworded)
    assert reference.overridden == []  # the reference has no source to differ from
    # 芙蓉区 follows the content and keeps its own basis, flagged for a decision.
    district = wb.entry(furong, "养老服务", POLICY, line.second_level)
    assert (district.content, district.basis) == (reworded.content, own_basis)
    assert district.overridden == [Element.BASIS]
    assert district.upstream_changed == [Element.BASIS]
    # 文艺路街道 follows 芙蓉区: the new content, and 芙蓉区's basis.
    township = wb.entry(wenyilu, "养老服务", POLICY, line.second_level)
    assert (township.content, township.basis) == (reworded.content, own_basis)
    assert (township.overridden, township.upstream_changed) == ([], [])
    # 天心区 personalised nothing: it follows both.
    other = wb.entry(tianxin, "养老服务", POLICY, line.second_level)
    assert wb.values(other) == expected_values(reworded)
    # Every division's catalog holds the reworded content now, and nothing else moved.
    derived = CatalogEntry.objects.filter(item=reference.item).exclude(division=city)
    assert set(derived.values_list("content", flat=True)) == {reworded.content}
    assert derived.count() == len(city.descendants())
    assert {
        key: value for key, value in wb.snapshot().items() if key[3] != line.second_level
    } == untouched


# ---------------------------------------------------------------------------------------------
# The same workbook twice.

WORKBOOKS = {
    "common table": lambda: [wb.common_sheet("养老服务", YR_YANGLAO)],
    "legend, no levels": lambda: [Sheet("社会救助", wb.legend_columns(), TENGCHONG_SHJZ)],
    "一级目录 and 三级事项": lambda: [
        Sheet("社会救助", wb.three_level_columns(), SHICHENG_SHJZ),
        Sheet(
            "救灾",
            wb.three_level_columns(levels=(), extras=list(KBS_JIUZAI.extra), catalog_l0=False),
            [KBS_JIUZAI],
        ),
    ],
    "Changsha": lambda: [Sheet("重大建设项目", wb.changsha_columns(), WUCHANG_ZDJS)],
    "domains": lambda: [
        wb.common_sheet(domain, [line], levels=("乡级",)) for domain, line in JIULONG.items()
    ],
}


@pytest.mark.parametrize("layout", list(WORKBOOKS))
def test_importing_the_same_workbook_twice_changes_nothing(city, layout):
    source = wb.xlsx_bytes(*WORKBOOKS[layout]())
    first = run(source, city)
    assert first.applied and set(first.counts) == {"new"}
    state, before = wb.snapshot(), wb.counts()
    last_event = CatalogEvent.objects.order_by("id").last().pk

    second = run(source, city)

    assert second.applied and not second.has_errors
    assert second.counts == {"unchanged": len(first.outcomes)}
    assert all(o.changed == [] for o in second.outcomes)
    assert second.new_channels == []
    # Entries, their values, channel links, extra columns and timestamps are as they were ...
    assert wb.snapshot() == state
    # ... and the one new row anywhere is the import's summary event.
    assert wb.counts() == {**before, "events": before["events"] + 1}
    [event] = CatalogEvent.objects.filter(pk__gt=last_event)
    assert (event.action, event.division, event.entry) == (Action.IMPORT, city, None)
    assert event.detail == {"new": 0, "changed": 0, "unchanged": len(first.outcomes)}


def test_importing_a_township_workbook_twice_changes_nothing(district_catalog, wenyilu):
    source = yanglao(QINGLIAN_YANGLAO[:2])
    assert run(source, wenyilu).applied
    state, before = wb.snapshot(), wb.counts()

    second = run(source, wenyilu)

    assert second.counts == {"unchanged": 2} and second.new_channels == []
    assert wb.snapshot() == state
    assert wb.counts() == {**before, "events": before["events"] + 1}


def test_dry_run_reports_and_writes_nothing(city):
    before = wb.counts()

    preview = run(yanglao(YR_YANGLAO), city, dry_run=True)

    assert preview.dry_run and not preview.applied and not preview.has_errors
    assert preview.counts == {"new": 3}
    assert preview.summary() == "预览：共 3 行，新增 3，修改 0，不变 0，错误 0。"
    assert wb.counts() == before

    # Against a catalog that has the lines: what would change, and still nothing written.
    assert run(yanglao(YR_YANGLAO), city).applied
    state, before = wb.snapshot(), wb.counts()
    reworded = replace(YR_YANGLAO[2], subject="县民政局、各乡(镇)人民政府(街道办事处)")
    preview = run(yanglao([*YR_YANGLAO[:2], reworded]), city, dry_run=True)
    assert [(o.status, o.changed) for o in preview.outcomes] == [
        ("unchanged", []),
        ("unchanged", []),
        ("changed", ["公开主体"]),
    ]
    assert preview.summary() == "预览：共 3 行，新增 0，修改 1，不变 2，错误 0。"
    assert wb.snapshot() == state and wb.counts() == before


def test_changed_lines_update_in_place_with_one_event_per_element(city):
    assert run(yanglao(YR_YANGLAO), city).applied
    guide = wb.entry(city, "养老服务", POLICY, YR_YANGLAO[2].second_level)
    before = wb.counts()
    reworded = replace(YR_YANGLAO[2], channels=("政府网站", "两微一端"), mode=(True, True))

    report = run(yanglao([*YR_YANGLAO[:2], reworded]), city)

    assert report.counts == {"unchanged": 2, "changed": 1}
    assert sorted(report.outcomes[2].changed) == sorted(["公开渠道和载体", "公开方式", "公开层级"])
    after = wb.entry(city, "养老服务", POLICY, reworded.second_level)
    assert after.pk == guide.pk
    assert wb.values(after) == expected_values(reworded)
    events = CatalogEvent.objects.filter(entry=after, action=Action.PERSONALISE)
    assert sorted(events.values_list("element", flat=True)) == ["channels", "levels", "mode"]
    assert events.get(element="channels").new_value == ["政府网站", "两微一端"]
    # 3 element events + the import event; no entry, item or channel added.
    assert wb.counts() == {**before, "events": before["events"] + 4}


def test_changed_extra_column_is_updated_on_reimport(city):
    extras = list(KBS_JIUZAI.extra)
    columns = wb.three_level_columns(levels=(), extras=extras, catalog_l0=False)
    assert run(wb.xlsx_bytes(Sheet("救灾", columns, [KBS_JIUZAI])), city).applied
    moved = replace(KBS_JIUZAI, extra={**KBS_JIUZAI.extra, "责任科室": "救灾和物资保障组"})

    report = run(wb.xlsx_bytes(Sheet("救灾", columns, [moved])), city)

    second = f"{KBS_JIUZAI.second_level}—{KBS_JIUZAI.third_level}"
    assert wb.entry(city, "救灾", "政策文件", second).extra["责任科室"] == "救灾和物资保障组"
    assert report.counts == {"changed": 1}
