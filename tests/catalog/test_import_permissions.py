"""Importing a workbook checks who imports: role and scope per row, and the city's own data.

Channels and items are the city's reference data: a district or township workbook that names an
unknown one is an error naming the cell, unless the importing user may maintain them. Entries
are created only where the user may edit (derived) or add (own); updates go through the
services with the user's checks. The command takes ``--user`` or says it runs as the system.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import CatalogEntry, Channel, FirstLevelItem, SecondLevelItem
from catalog.services import catalog_derive
from catalog.workbooks.imports import import_catalog
from districts.models import Role

from . import workbooks as wb

LINES = wb.YR_YANGLAO
DOMAIN = "养老服务"


def with_channel(lines, name: str):
    """Return the lines with ``name`` added to every line's channels."""
    from dataclasses import replace

    return tuple(replace(line, channels=(*line.channels, name)) for line in lines)


@pytest.fixture
def city_catalog(city, furong, wenyilu):
    """The city's catalog of the three lines (imported by the system), derived below."""
    report = import_catalog(
        source=wb.xlsx_bytes(wb.common_sheet(DOMAIN, LINES)), division=city, user=None
    )
    assert report.applied
    catalog_derive(division=furong, user=None)
    catalog_derive(division=wenyilu, user=None)
    return city


def test_an_editor_cannot_import_into_a_division_outside_their_scope(
    city_catalog, make_member, furong, tianxin
):
    editor = make_member(tianxin, Role.EDITOR)
    before = wb.snapshot()
    with pytest.raises(PermissionDenied):
        import_catalog(
            source=wb.xlsx_bytes(wb.common_sheet(DOMAIN, LINES)), division=furong, user=editor
        )
    assert wb.snapshot() == before


def test_a_reviewer_cannot_import(city_catalog, make_member, furong):
    reviewer = make_member(furong, Role.REVIEWER)
    with pytest.raises(PermissionDenied):
        import_catalog(
            source=wb.xlsx_bytes(wb.common_sheet(DOMAIN, LINES)), division=furong, user=reviewer
        )


@pytest.mark.parametrize("level", ["district", "township"])
def test_an_unknown_channel_below_the_city_is_an_error_naming_the_cell(
    city_catalog, make_member, furong, wenyilu, level
):
    division = furong if level == "district" else wenyilu
    editor = make_member(division, Role.EDITOR)
    before = (Channel.objects.count(), wb.snapshot())
    source = wb.xlsx_bytes(wb.common_sheet(DOMAIN, with_channel(LINES, "某区自建渠道")))
    report = import_catalog(source=source, division=division, user=editor)
    assert not report.applied and report.has_errors
    messages = [str(e) for e in report.errors]
    assert len(messages) == len(LINES)
    assert all("“某区自建渠道”不是平台已有的公开渠道" in m for m in messages)
    assert all("公开渠道和载体" in m and "第" in m and "行" in m for m in messages)
    assert (Channel.objects.count(), wb.snapshot()) == before
    assert not Channel.objects.filter(name="某区自建渠道").exists()


def test_the_city_office_may_add_a_channel_by_importing(city, make_member):
    editor = make_member(city, Role.EDITOR)
    source = wb.xlsx_bytes(wb.common_sheet(DOMAIN, with_channel(LINES, "市级新渠道")))
    report = import_catalog(source=source, division=city, user=editor)
    assert report.applied and report.new_channels == ["市级新渠道"]
    assert Channel.objects.filter(name="市级新渠道", is_standard=False).exists()


def test_an_unknown_item_below_the_city_is_an_error(city_catalog, make_member, furong):
    from dataclasses import replace

    editor = make_member(furong, Role.EDITOR)
    lines = (*LINES, replace(LINES[0], second_level="区里自己起的事项名"))
    items = (FirstLevelItem.objects.count(), SecondLevelItem.objects.count())
    report = import_catalog(
        source=wb.xlsx_bytes(wb.common_sheet(DOMAIN, lines)), division=furong, user=editor
    )
    assert not report.applied
    [error] = report.errors
    assert "“区里自己起的事项名”不在养老服务领域的市级参考目录中" in str(error)
    assert (FirstLevelItem.objects.count(), SecondLevelItem.objects.count()) == items


def test_a_district_editor_updates_through_the_services(city_catalog, make_member, furong):
    from dataclasses import replace

    editor = make_member(furong, Role.EDITOR)
    lines = (replace(LINES[0], time_limit="区里定的时限"), *LINES[1:])
    report = import_catalog(
        source=wb.xlsx_bytes(wb.common_sheet(DOMAIN, lines)), division=furong, user=editor
    )
    assert report.applied
    entry = CatalogEntry.objects.get(division=furong, item__name=LINES[0].second_level)
    assert entry.time_limit == "区里定的时限" and "time_limit" in entry.overridden
    assert entry.events.filter(action="personalise", user=editor).exists()


def test_a_township_import_cannot_add_an_item_its_district_lacks(
    city_catalog, make_member, furong, wenyilu
):
    from catalog.services import entry_drop

    entry_drop(
        entry=CatalogEntry.objects.get(division=furong, item__name=LINES[2].second_level),
        user=None,
        confirm=True,
    )
    editor = make_member(wenyilu, Role.EDITOR)
    report = import_catalog(
        source=wb.xlsx_bytes(wb.common_sheet(DOMAIN, LINES)), division=wenyilu, user=editor
    )
    assert not report.applied
    assert any("不能恢复" in str(e) or "已删减该事项" in str(e) for e in report.errors)


def test_command_requires_a_known_user_and_checks_them(city_catalog, make_member, furong, tmp_path):
    path = wb.xlsx_path(tmp_path, "furong.xlsx", wb.common_sheet(DOMAIN, LINES))
    with pytest.raises(CommandError, match="不存在"):
        call_command(
            "import_catalog", str(path), division="430102", user="nobody", no_progress=True
        )
    outsider = make_member(city_catalog.children.get(code="430103"), Role.EDITOR)
    with pytest.raises(CommandError, match="没有芙蓉区目录的修改权限"):
        call_command(
            "import_catalog", str(path), division="430102", user=outsider.username, no_progress=True
        )


def test_command_without_a_user_says_it_runs_as_the_system(city_catalog, tmp_path, capsys):
    path = wb.xlsx_path(tmp_path, "furong.xlsx", wb.common_sheet(DOMAIN, LINES))
    call_command("import_catalog", str(path), division="430102", dry_run=True, no_progress=True)
    assert "以系统身份导入" in capsys.readouterr().out
