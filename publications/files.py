"""Check an uploaded attachment by its bytes: which type it is, whether it is allowed, its size."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from .models import Attachment
from .sanitise import clean_filename

Kind = Attachment.Kind

# The extensions a file of each detected kind may carry; a mismatch is refused, so that a
# renamed executable or an HTML page cannot pass for a document.
EXTENSIONS = {
    Kind.PDF: {"pdf"},
    Kind.OFD: {"ofd"},
    Kind.DOCX: {"docx"},
    Kind.XLSX: {"xlsx"},
    Kind.DOC: {"doc"},
    Kind.XLS: {"xls"},
    Kind.JPEG: {"jpg", "jpeg"},
    Kind.PNG: {"png"},
    Kind.ZIP: {"zip"},
}
ALLOWED_TEXT = "PDF、OFD、Word（doc/docx）、Excel（xls/xlsx）、JPEG、PNG、ZIP"


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    size: int
    sha256: str


def _size(n: int) -> str:
    """Return a byte count as people read it: 512 字节, 20 KB, 1.5 MB."""
    if n < 1024:
        return f"{n} 字节"
    if n < 1048576:
        return f"{n / 1024:.3g} KB"
    return f"{n / 1048576:.3g} MB"


def _zip_kind(upload) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if any(info.flag_bits & 0x1 for info in archive.infolist()):
                raise ValidationError("压缩包或文档已加密，无法检查其内容，请上传未加密的文件。")
    except zipfile.BadZipFile as error:
        raise ValidationError("文件已损坏：看起来是压缩格式，但无法打开。") from error
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return Kind.DOCX
        if any(n.startswith("xl/") for n in names):
            return Kind.XLSX
        return None
    if "OFD.xml" in names:
        return Kind.OFD
    return Kind.ZIP


def detect_kind(upload) -> str | None:
    """Return the attachment kind that the file's bytes show, or None if it is none of them."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # Old Office compound file: Word and Excel share the container; the name decides.
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return None


def check_upload(upload) -> CheckedFile:
    """Return what the upload is, or raise ValidationError saying in Chinese what is wrong."""
    name = clean_filename(getattr(upload, "name", "") or "")
    limit = settings.PUBLICATION_ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size == 0:
        raise ValidationError(f"附件“{name}”是空文件。")
    if size > limit:
        raise ValidationError(f"附件“{name}”有{_size(size)}，超过了{_size(limit)}的上限。")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = detect_kind(upload)
    if kind == "ole":
        kind = {"doc": Kind.DOC, "xls": Kind.XLS}.get(ext)
    if kind is None:
        raise ValidationError(f"附件“{name}”的内容不是允许的文件类型（只接受{ALLOWED_TEXT}）。")
    if ext not in EXTENSIONS[kind]:
        raise ValidationError(
            f"附件“{name}”的扩展名与内容不符：内容是{Kind(kind).label}文件，"
            f"扩展名应为 .{sorted(EXTENSIONS[kind])[0]}。"
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, kind=kind, size=size, sha256=digest.hexdigest())
