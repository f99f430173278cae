"""The admin's workbook import (django-import-export's upload → preview → confirm) and export."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from catalog.models import CatalogEntry
from catalog.services import catalog_derive_tree
from catalog.workbook_export import export_workbook
from districts.models import Role
from tests.factories import CityEntryFactory

IMPORT = reverse("admin:catalog_catalogentry_import")
PROCESS = reverse("admin:catalog_catalogentry_process_import")
EXPORT = reverse("admin:catalog_catalogentry_standard_export")


@pytest.fixture
def catalog(city):
    entries = CityEntryFactory.create_batch(3, division=city)
    catalog_derive_tree(root=city, user=None)
    return entries


def workbook_for(division, *, time_limit: str | None = None) -> bytes:
    """Export the division's catalog, optionally changing every 公开时限 cell."""
    buffer = io.BytesIO()
    export_workbook(division=division, stream=buffer)
    if time_limit is None:
        return buffer.getvalue()
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    for sheet in book.worksheets:
        column = next(c.column for c in sheet[2] if c.value == "公开时限")
        for row in range(4, sheet.max_row):
            if sheet.cell(row, 3).value:
                sheet.cell(row, column).value = time_limit
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, division, data: bytes, name="目录.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(
        IMPORT, {"division": division.pk, "format": "0", "resource": "0", "import_file": file}
    )


def confirm_fields(response) -> dict:
    names = "import_file_name|original_file_name|format|resource|division"
    return dict(re.findall(rf'name="({names})" value="([^"]*)"', response.content.decode()))


def test_preview_then_confirm_writes_the_changes(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.EDITOR))
    preview = upload(client, furong, workbook_for(furong, time_limit="5个工作日内"))
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "预览：共 3 行，新增 0，修改 3，不变 0，错误 0" in text
    assert "公开时限" in text and "确认导入" in text
    # The preview wrote nothing.
    assert not CatalogEntry.objects.filter(division=furong, time_limit="5个工作日内").exists()
    done = client.post(PROCESS, confirm_fields(preview))
    assert done.status_code == 302
    assert CatalogEntry.objects.filter(division=furong, time_limit="5个工作日内").count() == 3
    # The townships follow their district's new value.
    assert (
        CatalogEntry.objects.filter(division__parent=furong, time_limit="5个工作日内").count() == 39
    )


def test_errors_are_listed_and_no_confirm_is_offered(client, make_member, furong, catalog):
    client.force_login(make_member(furong, Role.EDITOR))
    preview = upload(client, furong, workbook_for(furong, time_limit="时" * 201))
    text = preview.content.decode()
    assert "存在错误，未写入任何数据" in text and "不能超过200个字符" in text
    assert "确认导入" not in text


def test_a_file_that_is_not_a_workbook_gets_a_chinese_message(client, make_member, furong):
    client.force_login(make_member(furong, Role.EDITOR))
    response = upload(client, furong, b"not a workbook at all", name="目录.xlsx")
    assert response.status_code == 200
    assert "文件不是 Excel 工作簿（.xlsx）" in response.content.decode()


def test_division_choices_are_scoped(client, make_member, wenyilu, furong, podzijie, catalog):
    client.force_login(make_member(wenyilu, Role.EDITOR))
    form = client.get(IMPORT).context["form"]
    assert list(form.fields["division"].queryset) == [wenyilu]
    refused = upload(client, podzijie, workbook_for(podzijie))
    assert "division" in refused.context["form"].errors


def test_tampered_confirmation_cannot_reach_another_division(
    client, make_member, wenyilu, chaoyang, catalog
):
    client.force_login(make_member(wenyilu, Role.EDITOR))
    preview = upload(client, wenyilu, workbook_for(wenyilu, time_limit="1个工作日内"))
    fields = {**confirm_fields(preview), "division": str(chaoyang.pk)}
    response = client.post(PROCESS, fields)
    assert response.status_code == 200  # the confirm form is invalid: 朝阳街 is out of scope
    assert not CatalogEntry.objects.filter(time_limit="1个工作日内").exists()


def test_reviewers_cannot_import(client, make_member, furong):
    client.force_login(make_member(furong, Role.REVIEWER))
    assert client.get(IMPORT).status_code == 403


def test_standard_export_downloads_the_scoped_catalog(
    client, make_member, furong, podzijie, catalog
):
    client.force_login(make_member(furong, Role.REVIEWER))
    response = client.get(EXPORT, {"division": furong.code, "format": "xlsx"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0]["A1"].value.startswith("芙蓉区")
    assert client.get(EXPORT, {"division": podzijie.code, "format": "xlsx"}).status_code == 404
    csv = client.get(EXPORT, {"division": furong.code, "format": "csv"})
    assert csv.content.startswith("\ufeff".encode()) and "芙蓉区" in csv.content.decode("utf-8-sig")
    assert client.get(EXPORT, {"division": furong.code, "format": "exe"}).status_code == 404
