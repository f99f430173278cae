"""个人信息检查 in the review chain: run at submit and at approval, shown to the reviewer with
masking suggestions, one-click masking of a draft, and "已核对个人信息" required to approve an
item with hits. Through the services and the admin's real URLs."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from districts.models import Role
from publications import privacy, services
from publications.models import Publication, PublicationEvent
from tests.publications.conftest import calendar, office  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ID = "43010219900101123" + privacy.id_check_char("43010219900101123")
MOBILE = "13812345678"
BODY = f"<p>低保对象：张三，身份证号{ID}，联系电话<strong>{MOBILE}</strong>。</p>"


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def submitted(office, body=BODY, uploads=()):  # noqa: F811
    editor = office.user(Role.EDITOR, "district")
    item = services.publication_create(
        entry=office.entries["district"],
        data={"title": "低保名单公示", "formed_on": "2026-11-02", "body": body},
        user=editor,
        uploads=uploads,
    )
    services.publication_submit(publication=item, user=editor)
    item.refresh_from_db()
    return item


def test_submit_checks_and_the_report_keeps_only_masked_forms(office):  # noqa: F811
    item = submitted(office)
    report = item.privacy_report
    assert report["total"] == 2 and report["counts"] == {"居民身份证号码": 1, "手机号码": 1}
    assert {h["masked"] for h in report["hits"]} == {"430***********" + ID[-4:], "138****5678"}
    stored = json.dumps(report, ensure_ascii=False)
    assert ID not in stored and MOBILE not in stored  # the report does not copy the numbers
    event = item.events.get(action=PublicationEvent.Action.PRIVACY)
    assert event.reason.startswith("提交时检查：发现疑似个人信息 2 处")


def test_approval_needs_the_confirmation_and_a_refusal_changes_nothing(office):  # noqa: F811
    item = submitted(office)
    reviewer = office.reviewer_for("district")
    events = item.events.count()
    with pytest.raises(ValidationError, match="已核对个人信息"):
        services.publication_approve(publication=item, user=reviewer)
    item.refresh_from_db()
    assert item.status == Publication.Status.SUBMITTED and item.events.count() == events
    services.publication_approve(publication=item, user=reviewer, privacy_confirmed=True)
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED
    assert item.privacy_confirmed_by == reviewer and item.privacy_confirmed_at is not None
    check = item.events.filter(action="privacy").latest("pk")
    assert "审核人已核对个人信息" in check.reason


def test_a_clean_item_is_approved_without_the_confirmation(office):  # noqa: F811
    item = submitted(
        office, body="<p>本月发放低保资金共计 12,345.00 元，联系电话 0731-88665110。</p>"
    )
    assert item.privacy_report["total"] == 0
    services.publication_approve(publication=item, user=office.reviewer_for("district"))
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED and item.privacy_confirmed_by is None


def test_masking_a_draft_keeps_the_markup_and_is_recorded(office):  # noqa: F811
    editor = office.user(Role.EDITOR, "district")
    item = services.publication_create(
        entry=office.entries["district"],
        data={"title": f"联系人{MOBILE}", "formed_on": "2026-11-02", "body": BODY},
        user=editor,
    )
    assert services.publication_mask(publication=item, user=editor) == 3
    item.refresh_from_db()
    assert ID not in item.body and MOBILE not in item.body and MOBILE not in item.title
    assert "<strong>138****5678</strong>" in item.body and item.title == "联系人138****5678"
    event = item.events.get(action="mask")
    assert event.reason == "一键遮盖个人信息 3 处" and set(event.changes) == {"title", "body"}
    assert services.publication_mask(publication=item, user=editor) == 0  # nothing left


def test_masking_is_for_the_drafts_owners_only(office):  # noqa: F811
    item = submitted(office)
    with pytest.raises(ValidationError):
        services.publication_mask(publication=item, user=office.user(Role.EDITOR, "district"))
    services.publication_recall(publication=item, user=office.user(Role.EDITOR, "district"))
    with pytest.raises(PermissionDenied):
        services.publication_mask(publication=item, user=office.user(Role.EDITOR, "township"))


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "姓名", "身份证号"
    table.cell(1, 0).text, table.cell(1, 1).text = "李四", text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_attachments_are_read_and_unreadable_ones_need_a_look(office):  # noqa: F811
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
        b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
        b"\x00\x00\x00IEND\xaeB`\x82"
    )
    item = submitted(
        office,
        body="<p>名单见附件。</p>",
        uploads=[
            SimpleUploadedFile("名单.docx", _docx(ID), content_type=DOCX_TYPE),
            SimpleUploadedFile("现场照片.png", png, content_type="image/png"),
        ],
    )
    report = item.privacy_report
    assert report["total"] == 1
    assert report["hits"][0]["location"].startswith("附件“名单.docx” 表格1")
    assert report["notices"] == ["附件“现场照片.png”（PNG）无法自动检查，请人工核对。"]
    with pytest.raises(ValidationError, match="另有1个附件须人工核对"):
        services.publication_approve(publication=item, user=office.reviewer_for("district"))


def test_an_unreadable_file_alone_is_listed_but_does_not_hold_the_approval(office):  # noqa: F811
    item = submitted(
        office,
        body="<p>见附件。</p>",
        uploads=[
            SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        ],
    )
    assert item.privacy_report["total"] == 0 and len(item.privacy_report["notices"]) == 1
    services.publication_approve(publication=item, user=office.reviewer_for("district"))
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED


def test_the_admin_shows_the_hits_and_approves_only_when_confirmed(client, office):  # noqa: F811
    item = submitted(office)
    change = reverse("admin:publications_publication_change", args=[item.pk])
    approve = reverse("admin:publications_publication_review", args=[item.pk, "approve"])
    client.force_login(office.reviewer_for("district"))
    html = client.get(change).content.decode()
    panel = html[html.index('class="module privacy-panel"') :]
    panel = panel[: panel.index("</fieldset>")]
    assert "发现疑似个人信息 2 处" in panel and "<code>138****5678</code>" in panel
    assert ID not in panel and MOBILE not in panel  # the body itself is the reviewer's to read
    assert 'name="privacy_confirmed"' in panel
    response = client.post(approve, follow=True)
    assert "审核通过并发布未完成" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Publication.Status.SUBMITTED
    client.post(approve, {"privacy_confirmed": "1"})
    item.refresh_from_db()
    assert item.status == Publication.Status.PUBLISHED


def test_the_admin_masks_a_draft_in_one_click(client, office):  # noqa: F811
    editor = office.user(Role.EDITOR, "district")
    item = services.publication_create(
        entry=office.entries["district"],
        data={"title": "低保名单公示", "formed_on": "2026-11-02", "body": BODY},
        user=editor,
    )
    client.force_login(editor)
    check = reverse("admin:publications_publication_review", args=[item.pk, "privacy_check"])
    page = client.post(check, follow=True).content.decode()
    assert "个人信息检查：发现疑似个人信息 2 处" in page
    mask = reverse("admin:publications_publication_review", args=[item.pk, "mask"])
    page = client.post(mask, follow=True).content.decode()
    assert "已遮盖标题和正文中的个人信息 2 处" in page
    item.refresh_from_db()
    assert ID not in item.body
    # Someone out of scope meets a 404, and the draft is unchanged.
    client.force_login(office.user(Role.EDITOR, "township"))
    assert client.post(mask).status_code == 404
