"""Attachments: the type is read from the bytes, the name is cleaned, the file goes to storage.

Every allowed type is built here from real minimal bytes; every refusal names the problem in
Chinese and leaves neither a row nor a stored file behind. Downloads of unpublished attachments
are for staff in scope only, and look missing to everybody else.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from districts.models import Role
from publications import services
from publications.files import ALLOWED_TEXT, check_upload
from publications.models import Attachment, Publication, PublicationEvent

# ---------------------------------------------------------------------------------------------
# Real minimal files.


def pdf_bytes() -> bytes:
    """Return a one-page PDF with a correct cross-reference table."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes() -> bytes:
    """Return a valid 1×1 RGB PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """Return a JFIF file: SOI, APP0 (JFIF 1.01), a comment, quantisation table data, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = "政务公开".encode()
    dqt = b"\x00" + bytes(range(1, 65))
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xfe"
        + struct.pack(">H", len(comment) + 2)
        + comment
        + b"\xff\xdb"
        + struct.pack(">H", len(dqt) + 2)
        + dqt
        + b"\xff\xd9"
    )


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": '<w:document xmlns:w="urn:w"><w:body/></w:document>',
        }
    )


def xlsx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": "<Relationships/>",
            "xl/workbook.xml": '<workbook xmlns="urn:x"><sheets/></workbook>',
        }
    )


def openpyxl_bytes() -> bytes:
    """Return a workbook as Excel-compatible software writes it."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "低保资金发放"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ofd_bytes() -> bytes:
    return zip_bytes(
        {
            "OFD.xml": '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>',
            "Doc_0/Document.xml": "<ofd:Document/>",
        }
    )


def ole_bytes() -> bytes:
    """Return a compound-file header sector (the container of .doc and .xls)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return header + bytes(512 - len(header))


def encrypted_zip_bytes() -> bytes:
    """Return a ZIP whose member carries the 'encrypted' flag (bit 0) in both headers."""
    data = bytearray(zip_bytes({"名单.txt": "张三"}))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 6] |= 0x01
    data[central + 8] |= 0x01
    return bytes(data)


ALLOWED = [
    ("通知.pdf", pdf_bytes, "pdf"),
    ("照片.png", png_bytes, "png"),
    ("照片.jpg", jpeg_bytes, "jpg"),
    ("照片.JPEG", jpeg_bytes, "jpg"),
    ("名单.docx", docx_bytes, "docx"),
    ("名单.xlsx", xlsx_bytes, "xlsx"),
    ("openpyxl.xlsx", openpyxl_bytes, "xlsx"),
    ("公文.ofd", ofd_bytes, "ofd"),
    ("旧文档.doc", ole_bytes, "doc"),
    ("旧表格.xls", ole_bytes, "xls"),
    ("打包.zip", lambda: zip_bytes({"a.txt": "甲", "b/c.txt": "乙"}), "zip"),
]

NOT_ALLOWED = f"（只接受{ALLOWED_TEXT}）。"
REFUSED = [
    (
        "page.pdf",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        f"附件“page.pdf”的内容不是允许的文件类型{NOT_ALLOWED}",
    ),
    (
        "setup.exe",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64),
        f"附件“setup.exe”的内容不是允许的文件类型{NOT_ALLOWED}",
    ),
    (
        "setup.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64),
        f"附件“setup.pdf”的内容不是允许的文件类型{NOT_ALLOWED}",
    ),
    (
        "report.pdf",
        docx_bytes(),
        "附件“report.pdf”的扩展名与内容不符：内容是Word (docx)文件，扩展名应为 .docx。",
    ),
    (
        "scan.png",
        pdf_bytes(),
        "附件“scan.png”的扩展名与内容不符：内容是PDF文件，扩展名应为 .pdf。",
    ),
    (
        "old.xls.doc.exe",
        ole_bytes(),
        f"附件“old.xls.doc.exe”的内容不是允许的文件类型{NOT_ALLOWED}",
    ),
    (
        "secret.zip",
        encrypted_zip_bytes(),
        "压缩包或文档已加密，无法检查其内容，请上传未加密的文件。",
    ),
    (
        "broken.zip",
        b"PK\x03\x04" + b"\x14\x00\x00\x00" + bytes(40) + b"not really a zip",
        "文件已损坏：看起来是压缩格式，但无法打开。",
    ),
    ("empty.pdf", b"", "附件“empty.pdf”是空文件。"),
    (
        "content_types_only.docx",
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES, "other/x.xml": "<x/>"}),
        f"附件“content_types_only.docx”的内容不是允许的文件类型{NOT_ALLOWED}",
    ),
]


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def draft(office, media):
    return office.publication("township", "draft")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# ---------------------------------------------------------------------------------------------
# Accepted.


@pytest.mark.parametrize("name, build, kind", ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_allowed_type_is_accepted_and_stored(office, draft, media, name, build, kind):
    data = build()
    attachment = services.attachment_add(
        publication=draft, upload=upload(name, data), user=office.user(Role.EDITOR, "township")
    )
    attachment.refresh_from_db()
    assert attachment.kind == kind
    assert attachment.name == name
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    # Stored through the storage API under our own name, never the person's.
    assert attachment.file.name.startswith("publications/")
    assert attachment.file.name.endswith(f"{attachment.sha256[:16]}.{kind}")
    assert default_storage.exists(attachment.file.name)
    assert Path(default_storage.path(attachment.file.name)).is_relative_to(media)
    with default_storage.open(attachment.file.name, "rb") as handle:
        assert handle.read() == data
    assert draft.events.filter(action=PublicationEvent.Action.ATTACH).count() == 1


def test_several_attachments_can_come_with_the_new_publication(office, media):
    item = services.publication_create(
        entry=office.entries["district"],
        data={"title": "附件齐全", "formed_on": "2026-11-02"},
        user=office.user(Role.EDITOR, "district"),
        uploads=[upload("a.pdf", pdf_bytes()), upload("b.png", png_bytes())],
    )
    assert sorted(item.attachments.values_list("kind", flat=True)) == ["pdf", "png"]
    assert len(stored_files(media)) == 2


# ---------------------------------------------------------------------------------------------
# Refused.


@pytest.mark.parametrize("name, data, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_uploads_leave_no_row_and_no_file(office, draft, media, name, data, message):
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(
            publication=draft, upload=upload(name, data), user=office.user(Role.EDITOR, "township")
        )
    assert caught.value.messages == [message]
    assert not Attachment.objects.exists()
    assert not draft.events.filter(action=PublicationEvent.Action.ATTACH).exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("name, data, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_check_upload_gives_the_same_message(name, data, message):
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(name, data))
    assert caught.value.messages == [message]


def test_a_file_over_the_limit_is_refused(office, draft, media):
    data = pdf_bytes() + bytes(1_572_864 - len(pdf_bytes()))  # 1.5 MB
    with (
        override_settings(PUBLICATION_ATTACHMENT_MAX_BYTES=1_048_576),
        pytest.raises(ValidationError) as caught,
    ):
        services.attachment_add(
            publication=draft,
            upload=upload("big.pdf", data),
            user=office.user(Role.EDITOR, "township"),
        )
    assert caught.value.messages == ["附件“big.pdf”有1.5 MB，超过了1 MB的上限。"]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_file_exactly_at_the_limit_is_accepted(office, draft, media):
    data = pdf_bytes()
    with override_settings(PUBLICATION_ATTACHMENT_MAX_BYTES=len(data)):
        services.attachment_add(
            publication=draft,
            upload=upload("edge.pdf", data),
            user=office.user(Role.EDITOR, "township"),
        )
    assert Attachment.objects.count() == 1


def test_a_limit_below_one_megabyte_is_stated_truthfully(media):
    # An administrator may set a limit in kilobytes; the message must not claim “0 MB”.
    data = pdf_bytes() + bytes(4096)
    with (
        override_settings(PUBLICATION_ATTACHMENT_MAX_BYTES=2048),
        pytest.raises(ValidationError) as caught,
    ):
        check_upload(upload("small.pdf", data))
    (message,) = caught.value.messages
    assert "0 MB的上限" not in message
    assert "0.0 MB" not in message


def test_one_bad_file_among_new_attachments_stores_nothing(office, media):
    before = Publication.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.publication_create(
            entry=office.entries["district"],
            data={"title": "混入坏文件", "formed_on": "2026-11-02"},
            user=office.user(Role.EDITOR, "district"),
            uploads=[upload("good.pdf", pdf_bytes()), upload("bad.pdf", b"<html></html>")],
        )
    assert caught.value.messages == [f"附件“bad.pdf”的内容不是允许的文件类型{NOT_ALLOWED}"]
    assert Publication.objects.count() == before
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_attachments_are_only_added_to_drafts(office, media):
    item = office.publication("township", "submitted")
    with pytest.raises(ValidationError) as caught:
        services.attachment_add(
            publication=item,
            upload=upload("late.pdf", pdf_bytes()),
            user=office.user(Role.EDITOR, "township"),
        )
    assert "不能添加附件" in caught.value.messages[0]
    assert stored_files(media) == []


def test_an_out_of_scope_editor_cannot_attach(office, draft, media):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.attachment_add(
            publication=draft,
            upload=upload("x.pdf", pdf_bytes()),
            user=office.user(Role.EDITOR, "cousin"),
        )
    assert stored_files(media) == []


def test_the_admin_form_shows_the_refusal_beside_the_field(client, office, draft, media):
    client.force_login(office.user(Role.EDITOR, "township"))
    url = reverse("admin:publications_publication_change", args=[draft.pk])
    response = client.post(
        url,
        {
            "title": draft.title,
            "doc_no": "",
            "formed_on": draft.formed_on.isoformat(),
            "responsible_body": draft.responsible_body,
            "expires_on": "",
            "body": "",
            "new_attachments": upload("page.pdf", b"<html><body>hi</body></html>"),
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "attachments-MIN_NUM_FORMS": "0",
            "attachments-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert f"附件“page.pdf”的内容不是允许的文件类型{NOT_ALLOWED}" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# ---------------------------------------------------------------------------------------------
# Names.


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\通知.pdf", "通知.pdf"),
        ("/var/www/html/index.pdf", "index.pdf"),
        ("报告\x00\x07\x1b[31m.pdf", "报告[31m.pdf"),
        ("年度\u202efdp.exe.pdf", "年度fdp.exe.pdf"),
        ("a\r\nContent-Type: text.pdf", "aContent-Type_ text.pdf"),
        ('<img src=x onerror=alert(1)>".pdf', "_img src=x onerror=alert(1)__.pdf"),
        ("  ..名单.pdf  ", "名单.pdf"),
    ],
)
def test_names_lose_path_parts_and_control_characters(office, draft, media, raw, shown):
    attachment = services.attachment_add(
        publication=draft,
        upload=ContentFile(pdf_bytes(), name=raw),
        user=office.user(Role.EDITOR, "township"),
    )
    assert attachment.name == shown
    for bad in ("/", "\\", "\x00", "\n", "\r", "\u202e"):
        assert bad not in attachment.name
    # The stored path is ours, inside MEDIA_ROOT, whatever the name said.
    path = Path(default_storage.path(attachment.file.name)).resolve()
    assert path.is_relative_to(media.resolve())
    assert path.name == f"{attachment.sha256[:16]}.pdf"


def test_a_very_long_name_is_shortened_and_keeps_its_extension(office, draft, media):
    attachment = services.attachment_add(
        publication=draft,
        upload=ContentFile(pdf_bytes(), name="长" * 300 + ".pdf"),
        user=office.user(Role.EDITOR, "township"),
    )
    assert len(attachment.name) <= 120
    assert attachment.name.endswith(".pdf")


# ---------------------------------------------------------------------------------------------
# Downloads.


@pytest.fixture
def stored(office, draft, media):
    return services.attachment_add(
        publication=draft,
        upload=upload("低保名单.pdf", pdf_bytes()),
        user=office.user(Role.EDITOR, "township"),
    )


def download(client, attachment):
    return client.get(reverse("portal:attachment", args=[attachment.pk]))


def body_of(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_a_draft_attachment_is_not_found_for_the_public(client, stored):
    assert download(client, stored).status_code == 404


@pytest.mark.parametrize(
    "role, level",
    [
        (Role.EDITOR, "cousin"),
        (Role.REVIEWER, "cousin"),
        (Role.ADMINISTRATOR, "cousin"),
    ],
)
def test_a_draft_attachment_is_not_found_out_of_scope(client, office, stored, role, level):
    client.force_login(office.user(role, level))
    assert download(client, stored).status_code == 404


def test_a_draft_attachment_is_not_found_for_a_non_staff_user(client, office, stored):
    user = office.user(Role.EDITOR, "township")
    type(user).objects.filter(pk=user.pk).update(is_staff=False)
    client.force_login(user)
    assert download(client, stored).status_code == 404


@pytest.mark.parametrize(
    "role, level",
    [
        (Role.EDITOR, "township"),
        (Role.EDITOR, "district"),
        (Role.EDITOR, "city"),
        (Role.REVIEWER, "district"),
        (Role.ADMINISTRATOR, "township"),
    ],
)
def test_a_draft_attachment_downloads_for_staff_in_scope(client, office, stored, role, level):
    client.force_login(office.user(role, level))
    response = download(client, stored)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert body_of(response) == pdf_bytes()


def test_a_published_attachment_is_public_and_served_as_a_download(client, office, stored):
    publication = stored.publication
    services.publication_submit(publication=publication, user=office.user(Role.EDITOR, "township"))
    services.publication_approve(publication=publication, user=office.reviewer_for("township"))
    response = download(client, stored)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E4%BD%8E%E4%BF%9D%E5%90%8D%E5%8D%95.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body_of(response) == pdf_bytes()


def test_a_withdrawn_publications_attachment_is_no_longer_public(client, office, stored):
    publication = stored.publication
    editor = office.user(Role.EDITOR, "township")
    services.publication_submit(publication=publication, user=editor)
    services.publication_approve(publication=publication, user=office.reviewer_for("township"))
    services.publication_withdraw(publication=publication, user=editor, reason="信息有误")
    assert download(client, stored).status_code == 404
    client.force_login(editor)
    assert download(client, stored).status_code == 200


def test_a_missing_attachment_is_not_found(client, db):
    assert client.get(reverse("portal:attachment", args=[999999])).status_code == 404
