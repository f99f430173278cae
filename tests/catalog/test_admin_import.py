"""The admin's workbook import (upload → preview → confirm, each run as a background job),
deriving as a job, and the standard export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from catalog.models import CatalogEntry, CatalogJob
from catalog.services import catalog_derive_tree
from catalog.workbooks.export import export_workbook
from districts.models import Role
from tests.factories import CityEntryFactory

IMPORT = reverse("admin:catalog_catalogentry_import")
EXPORT = reverse("admin:catalog_catalogentry_standard_export")


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Uploaded workbooks go to a folder of this test's own."""
    settings.CATALOG_IMPORT_DIR = tmp_path / "imports"
    return settings.CATALOG_IMPORT_DIR


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


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Return a function that uploads a workbook and follows to its job's page.

    The job runs in-process when the request's transaction commits (no broker in tests).
    """

    def post(division, data: bytes, name="目录.xlsx"):
        file = io.BytesIO(data)
        file.name = name
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(IMPORT, {"division": division.pk, "import_file": file})
        if response.status_code == 302:
            return client.get(response["Location"])
        return response

    return post


@pytest.fixture
def decide(client, django_capture_on_commit_callbacks):
    def post(job, decision: str):
        url = reverse("admin:catalog_catalogentry_job_decide", args=[job.pk, decision])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        return response

    return post


def job_of(response) -> CatalogJob:
    return response.context["job"]


def test_preview_then_confirm_writes_the_changes(
    client, make_member, furong, catalog, upload, decide, import_dir
):
    client.force_login(make_member(furong, Role.EDITOR))
    preview = upload(furong, workbook_for(furong, time_limit="5个工作日内"))
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "预览：共 3 行，新增 0，修改 3，不变 0，错误 0" in text
    assert "公开时限" in text and "确认导入" in text
    # The preview wrote nothing, and keeps the file for the confirmation.
    assert not CatalogEntry.objects.filter(division=furong, time_limit="5个工作日内").exists()
    job = job_of(preview)
    assert job.kind == "preview" and job.status == "done" and job.size > 0
    assert [p.name for p in import_dir.iterdir()] == [job.stored_name]
    done = decide(job, "confirm")
    assert done.status_code == 302
    imported = CatalogJob.objects.get(preview=job)
    assert imported.status == "done" and imported.result["applied"] is True
    assert CatalogEntry.objects.filter(division=furong, time_limit="5个工作日内").count() == 3
    # The townships follow their district's new value.
    assert (
        CatalogEntry.objects.filter(division__parent=furong, time_limit="5个工作日内").count() == 39
    )
    # Imported: the file is gone, and the preview cannot be confirmed again.
    assert list(import_dir.iterdir()) == []
    again = decide(job, "confirm")
    assert again.status_code == 302
    assert CatalogJob.objects.filter(kind="import").count() == 1


def test_errors_are_listed_and_no_confirm_is_offered(
    client, make_member, furong, catalog, upload, import_dir
):
    client.force_login(make_member(furong, Role.EDITOR))
    preview = upload(furong, workbook_for(furong, time_limit="时" * 201))
    text = preview.content.decode()
    assert "存在错误，未写入任何数据" in text and "不能超过200个字符" in text
    assert "确认导入" not in text
    # A preview with errors can never be confirmed: its file goes at once.
    assert list(import_dir.iterdir()) == []


def test_a_file_that_is_not_a_workbook_gets_a_chinese_message(
    client, make_member, furong, upload, import_dir
):
    client.force_login(make_member(furong, Role.EDITOR))
    response = upload(furong, b"not a workbook at all", name="目录.xlsx")
    assert response.status_code == 200
    assert job_of(response).status == "failed"
    assert "文件不是 Excel 工作簿（.xlsx 或 .xls）" in response.content.decode()
    assert list(import_dir.iterdir()) == []


def test_division_choices_are_scoped(
    client, make_member, wenyilu, furong, podzijie, catalog, upload
):
    client.force_login(make_member(wenyilu, Role.EDITOR))
    form = client.get(IMPORT).context["form"]
    assert list(form.fields["division"].queryset) == [wenyilu]
    refused = upload(podzijie, workbook_for(podzijie))
    assert "division" in refused.context["form"].errors
    assert not CatalogJob.objects.exists()


def test_another_users_job_is_a_404_and_cannot_be_confirmed(
    client, make_member, wenyilu, chaoyang, catalog, upload, decide
):
    owner = make_member(wenyilu, Role.EDITOR)
    client.force_login(owner)
    job = job_of(upload(wenyilu, workbook_for(wenyilu, time_limit="1个工作日内")))
    # A colleague in the same township, and one next door, see nothing of it.
    for other in (make_member(wenyilu, Role.EDITOR), make_member(chaoyang, Role.EDITOR)):
        client.force_login(other)
        page = reverse("admin:catalog_catalogentry_job", args=[job.pk])
        assert client.get(page).status_code == 404
        assert decide(job, "confirm").status_code == 404
        assert decide(job, "abandon").status_code == 404
    assert not CatalogEntry.objects.filter(time_limit="1个工作日内").exists()
    assert not CatalogJob.objects.filter(kind="import").exists()


def test_abandoning_a_preview_removes_its_file(
    client, make_member, furong, catalog, upload, decide, import_dir
):
    client.force_login(make_member(furong, Role.EDITOR))
    job = job_of(upload(furong, workbook_for(furong, time_limit="7个工作日内")))
    assert len(list(import_dir.iterdir())) == 1
    decide(job, "abandon")
    job.refresh_from_db()
    assert job.status == "expired" and job.stored_name == ""
    assert list(import_dir.iterdir()) == []
    assert decide(job, "confirm").status_code == 302  # refused with a message
    assert not CatalogJob.objects.filter(kind="import").exists()


def test_a_confirm_by_get_or_an_unknown_decision_does_nothing(
    client, make_member, furong, catalog, upload
):
    client.force_login(make_member(furong, Role.EDITOR))
    job = job_of(upload(furong, workbook_for(furong)))
    url = reverse("admin:catalog_catalogentry_job_decide", args=[job.pk, "confirm"])
    assert client.get(url).status_code == 405
    bad = reverse("admin:catalog_catalogentry_job_decide", args=[job.pk, "delete"])
    assert client.post(bad).status_code == 404


def test_reviewers_cannot_import(client, make_member, furong):
    client.force_login(make_member(furong, Role.REVIEWER))
    assert client.get(IMPORT).status_code == 403


def test_a_file_over_the_limit_is_refused_on_the_form(
    client, make_member, furong, settings, upload, import_dir
):
    settings.CATALOG_IMPORT_MAX_BYTES = 1000
    client.force_login(make_member(furong, Role.EDITOR))
    response = upload(furong, b"PK" + b"0" * 5000)
    assert response.status_code == 200
    assert "超过导入上限" in response.content.decode()
    assert not CatalogJob.objects.exists() and not import_dir.exists()


def test_the_sweeper_removes_expired_dead_and_orphaned_files(
    client, make_member, furong, catalog, upload, import_dir
):
    import os
    import time
    from datetime import timedelta

    from django.utils import timezone

    from catalog import jobs

    client.force_login(make_member(furong, Role.EDITOR))
    kept = job_of(upload(furong, workbook_for(furong)))
    young = job_of(upload(furong, workbook_for(furong)))
    CatalogJob.objects.filter(pk=kept.pk).update(finished_at=timezone.now() - timedelta(days=2))
    dead = CatalogJob.objects.create(
        kind="import",
        division=furong,
        user=kept.user,
        status="running",
        stored_name=young.stored_name,
    )
    CatalogJob.objects.filter(pk=dead.pk).update(started_at=timezone.now() - timedelta(hours=2))
    CatalogJob.objects.filter(pk=young.pk).update(stored_name="")
    orphan = import_dir / ("f" * 32 + ".xlsx")
    orphan.write_bytes(b"left by a request that died")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    fresh_orphan = import_dir / ("e" * 32 + ".xlsx")
    fresh_orphan.write_bytes(b"a request storing it right now")

    counts = jobs.sweep()
    assert counts == {"expired": 1, "dead": 1, "orphans": 1}
    assert sorted(p.name for p in import_dir.iterdir()) == [fresh_orphan.name]
    assert CatalogJob.objects.get(pk=kept.pk).status == "expired"
    assert CatalogJob.objects.get(pk=dead.pk).status == "failed"


def test_derive_runs_as_a_job_and_reports(
    client, make_member, city, furong, catalog, django_capture_on_commit_callbacks
):
    from catalog.models import SecondLevelItem

    CatalogEntry.objects.create(
        division=city,
        item=SecondLevelItem.objects.create(
            first_level=catalog[0].item.first_level, name="新增的市级事项"
        ),
    )
    client.force_login(make_member(furong, Role.EDITOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:catalog_catalogentry_derive"),
            {"division": furong.code, "with_children": "1"},
        )
    assert response.status_code == 302
    page = client.get(response["Location"])
    job = job_of(page)
    assert job.kind == "derive" and job.status == "done"
    assert "已为 14 个区划生成目录，新增 14 项" in page.content.decode()
    assert CatalogEntry.objects.filter(item__name="新增的市级事项").count() == 15


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


@pytest.mark.parametrize("domain", ["x", "²", "9" * 40, "-1", "999999"])
def test_standard_export_with_a_nonsense_domain_gets_a_message(
    client, make_member, furong, catalog, domain
):
    client.force_login(make_member(furong, Role.REVIEWER))
    response = client.get(EXPORT, {"division": furong.code, "domain": domain}, follow=True)
    assert response.status_code == 200
    assert "没有这个领域" in response.content.decode()
