"""个人信息检查: scan a publication's title, body and attachments before it goes public.

Run when a draft is submitted, again when the office approves it, and on demand while it is a
draft. The report keeps only the masked form of each hit and where it was found, so it does not
copy the numbers it warns about. An approval of an item with hits (or with attachments that
could not be read) needs the reviewer's confirmation "已核对个人信息" (``services``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils import timezone

from . import privacy
from .extract import ExtractionError
from .models import Attachment, Publication

#: Hits kept in a report; the counts stay exact beyond it.
MAX_LISTED = 200
#: Attachment kinds whose text can be read.
READABLE = {Attachment.Kind.PDF: "pdf", Attachment.Kind.DOCX: "docx", Attachment.Kind.XLSX: "xlsx"}


def run(publication: Publication) -> dict[str, Any]:
    """Return the report of a check of ``publication`` now (nothing is saved)."""
    hits: list[privacy.Hit] = []
    notices: list[str] = []
    hits += privacy.scan([(publication.title or "", "标题")])
    hits += privacy.scan_html(publication.body or "", location="正文")
    for attachment in publication.attachments.all():
        kind = READABLE.get(attachment.kind)
        where = f"附件“{attachment.name}”"
        if kind is None:
            notices.append(f"{where}（{attachment.get_kind_display()}）无法自动检查，请人工核对。")
            continue
        try:
            with attachment.file.open("rb") as handle:
                found, extraction = privacy.scan_file(handle, kind=kind)
        except ExtractionError as error:
            notices.append(f"{where}：{error.message}请人工核对。")
            continue
        except OSError:
            notices.append(f"{where}：文件无法打开，请人工核对。")
            continue
        notices += [f"{where}：{notice}" for notice in extraction.notices]
        hits += [dataclasses.replace(h, location=f"{where} {h.location}".strip()) for h in found]
    counts = privacy.summary(hits)
    return {
        "checked_at": timezone.now().isoformat(timespec="seconds"),
        "total": sum(counts.values()),
        "counts": counts,
        "summary": privacy.describe(hits),
        "hits": [
            {"kind": hit.kind, "label": hit.label, "masked": hit.masked, "location": hit.location}
            for hit in hits[:MAX_LISTED]
        ],
        "notices": notices,
    }


def needs_confirmation(report: dict[str, Any]) -> bool:
    """Return True when approving needs "已核对个人信息": the check found personal information.

    Files it could not read (scans, images, old formats) are listed for a look by hand but do
    not hold the approval up: most offices' attachments include some.
    """
    return bool(report.get("total"))
