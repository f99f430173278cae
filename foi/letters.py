"""Letters to applicants: drafted from versioned templates, signed, and kept as PDF.

A division's office may keep its own version of each template (LetterTemplate); without one,
the nearest ancestor's applies, and without any, the portal's standard text in
templates/foi/letters/<kind>.txt. Placeholders are written {名称}; an unknown one is left as
typed, so an edited template can never break the letter.
"""

from __future__ import annotations

import io
import re
from datetime import date

from django.core.files.base import ContentFile
from django.template.loader import get_template
from django.utils import timezone

from .models import InfoRequest, Letter, LetterKind, LetterTemplate, ReplyCategory
from .replies import reason_label

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def title_of(kind: str) -> str:
    """Return the letter's title (its kind's name)."""
    return str(LetterKind(kind).label)


def cn_date(d: date | None) -> str:
    """Return ``d`` written as 2026年12月6日 ("" for None)."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def template_for(request: InfoRequest, kind: str) -> tuple[str, int]:
    """Return (template text, version) for ``kind`` as ``request``'s division uses it.

    Version 0 is the portal's standard text.
    """
    chain = [
        request.division_id,
        *request.division.get_ancestors(ascending=True).values_list("pk", flat=True),
    ]
    rows = {
        row.division_id: row
        for row in LetterTemplate.objects.filter(kind=kind, division_id__in=chain).order_by(
            "division_id", "version"
        )
    }
    for division_id in chain:
        if division_id in rows:
            return rows[division_id].body, rows[division_id].version
    return get_template(f"foi/letters/{kind}.txt").template.source, 0


def values_for(request: InfoRequest, params: dict, due_on: date | None = None) -> dict:
    """Return the placeholders' values for a letter on ``request`` with ``params``."""
    category = params.get("category", "")
    reason = int(params.get("reason") or 0)
    opinion = ReplyCategory(category).label if category in ReplyCategory.values else ""
    if reason_label(category, reason):
        opinion = f"{opinion}（{reason_label(category, reason)}）"
    return {
        "申请人": request.name,
        "查询码": request.code,
        "收到日期": cn_date(request.received_on),
        "申请内容": request.description[:200],
        "答复期限": cn_date(due_on or request.due_on),
        "机关": request.division.name + (request.department.name if request.department else ""),
        "日期": cn_date(timezone.localdate()),
        "答复意见": opinion,
        "答复说明": params.get("explanation", ""),
        "天数": str(params.get("days", "")),
        "金额": str(params.get("amount", "")),
        "计收方式": {"request": "按件计收", "page": "按量计收"}.get(params.get("method"), ""),
        "补正期限": params.get("until", ""),
        "延期理由": params.get("explanation", "") or "需要调取、汇总的信息较多",
    }


def fill(text: str, values: dict) -> str:
    """Return ``text`` with each known {placeholder} replaced by its value."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), text)


def draft_text(request: InfoRequest, kind: str, params: dict) -> tuple[str, int]:
    """Return (the letter's text as drafted from its template, the template's version).

    Dates are those of a letter issued today: an extension states the new due date, a 补正
    notice its period's last day.
    """
    from . import clock as clocks
    from .services import ProvisionalCalendar, steps_of

    today = timezone.localdate()
    calendar = ProvisionalCalendar()
    params = dict(params)
    due_on = None
    if kind == LetterKind.EXTENSION and params.get("days"):
        steps = [*steps_of(request), clocks.Step("extension", today, int(params["days"]))]
        due_on = clocks.compute(steps, today, calendar).due_on
    if kind == LetterKind.CORRECTION:
        params["days"] = int(params.get("days") or clocks.DEFAULT_CORRECTION_PERIOD)
        params["until"] = cn_date(calendar.add_working_days(today, params["days"]))
    text, version = template_for(request, kind)
    return fill(text, values_for(request, params, due_on)), version


def render_pdf(letter: Letter) -> None:
    """Set the signed ``letter``'s PDF (A4, Chinese set in reportlab's STSong-Light CID font)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title_style = ParagraphStyle(
        "title", fontName="STSong-Light", fontSize=18, leading=28, alignment=1
    )
    body_style = ParagraphStyle(
        "body", fontName="STSong-Light", fontSize=12, leading=22, wordWrap="CJK"
    )
    request = letter.request
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        title=str(letter.title),
        author=request.division.name,
    )
    story = [Paragraph(_escape(letter.title), title_style), Spacer(1, 8 * mm)]
    for paragraph in letter.body.split("\n"):
        story.append(Paragraph(_escape(paragraph) or "&nbsp;", body_style))
    story += [Spacer(1, 6 * mm), Paragraph(f"查询码：{request.code}", body_style)]
    doc.build(story)
    name = f"{request.code}-{letter.kind}-{letter.pk}.pdf"
    letter.pdf.save(name, ContentFile(buffer.getvalue()), save=True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
