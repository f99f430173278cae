"""The catalog import in a real browser: upload, the job page with the preview, confirm, done;
and a workbook with errors, whose page lists them and offers no confirmation."""

from __future__ import annotations

import io

import openpyxl
import pytest

from catalog.models import CatalogEntry, CatalogJob
from catalog.workbooks.export import export_workbook
from districts.models import Role
from tests.browser.conftest import shot

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def workbook(division, path, *, time_limit: str) -> str:
    buffer = io.BytesIO()
    export_workbook(division=division, stream=buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    for sheet in book.worksheets:
        column = next(c.column for c in sheet[2] if c.value == "公开时限")
        for row in range(4, sheet.max_row):
            if sheet.cell(row, 3).value:
                sheet.cell(row, column).value = time_limit
    book.save(path)
    return str(path)


def test_upload_preview_confirm(office, login_as, live_server, settings, tmp_path):
    settings.CATALOG_IMPORT_DIR = tmp_path / "imports"
    district = office.divisions["430102"]
    page = login_as(office.user(Role.EDITOR, "district"))
    page.goto(f"{live_server.url}/admin/catalog/catalogentry/")
    page.click("text=导入工作簿")
    page.select_option("#id_division", str(district.pk))
    page.set_input_files(
        "#id_import_file", workbook(district, tmp_path / "芙蓉区.xlsx", time_limit="5个工作日内")
    )
    page.click("input[value=上传并预览]")
    page.wait_for_selector("text=确认导入")
    assert "预览：共 1 行，新增 0，修改 1，不变 0，错误 0" in page.content()
    # The changed row lists 原值 → 新值 for the element it changes, and only that one.
    row = page.locator(".import-preview tbody tr")
    assert row.locator("dl.element-changes dt").all_inner_texts() == ["公开时限"]
    assert "制定或获取信息之日起10个工作日内" in row.locator("del").inner_text()
    assert "5个工作日内" in row.locator("ins").inner_text()
    style = "e => getComputedStyle(e).borderTopStyle"
    assert row.locator("ins").evaluate(style) == "solid"
    shot(page, "41-import-preview")
    assert not CatalogEntry.objects.filter(time_limit="5个工作日内").exists()
    page.click("input[value=确认导入]")
    page.wait_for_selector("text=已导入")
    shot(page, "42-import-done")
    job = CatalogJob.objects.get(kind="import")
    assert job.status == "done" and job.user == office.user(Role.EDITOR, "district")
    assert CatalogEntry.objects.get(pk=office.entries["district"].pk).time_limit == "5个工作日内"
    assert list((tmp_path / "imports").iterdir()) == []


def test_a_workbook_with_errors_lists_them(office, login_as, live_server, settings, tmp_path):
    settings.CATALOG_IMPORT_DIR = tmp_path / "imports"
    district = office.divisions["430102"]
    page = login_as(office.user(Role.EDITOR, "district"))
    page.goto(f"{live_server.url}/admin/catalog/catalogentry/import/")
    page.select_option("#id_division", str(district.pk))
    page.set_input_files(
        "#id_import_file", workbook(district, tmp_path / "错.xlsx", time_limit="时" * 201)
    )
    page.click("input[value=上传并预览]")
    page.wait_for_selector(".errorlist")
    shot(page, "43-import-errors")
    assert "不能超过200个字符" in page.content()
    assert page.locator("input[value=确认导入]").count() == 0
