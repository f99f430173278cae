"""A published report as an XLSX workbook (openpyxl) and an A4 PDF (reportlab, with its
built-in STSong-Light CID font: Chinese text with no font file on the machine)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import present

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MANUAL_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _number(value):
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def xlsx_bytes(report) -> bytes:
    """Return ``report`` as one worksheet: the title, each section, the tables with their
    merged cells; typed-in figures are shaded and carry the note 手工填报."""
    doc = present.document(report)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report.year}年度报告"
    width = 15
    for col in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 11
    row = 1
    sheet.cell(row, 1, doc["title"]).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    row += 2
    for section in doc["sections"]:
        sheet.cell(row, 1, section["title"]).font = Font(bold=True)
        row += 1
        grid = section["grid"]
        if grid is None:
            for text in section["paragraphs"]:
                cell = sheet.cell(row, 1, _cell_text(text))
                cell.alignment = LEFT
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
                sheet.row_dimensions[row].height = max(15, 15 * (len(text) // 90 + 1))
                row += 1
            row += 1
            continue
        for placed in grid.cells:
            r, c = row + placed.row, 1 + placed.col
            value = placed.text if placed.header else _number(placed.number)
            cell = sheet.cell(r, c, "—" if value is None else value)
            cell.alignment = WRAP
            if placed.header:
                cell.font = Font(bold=True)
            if placed.manual:
                cell.fill = MANUAL_FILL
                cell.comment = Comment(present.MANUAL, "政府信息公开年报")
            for rr in range(r, r + placed.rowspan):
                for cc in range(c, c + placed.colspan):
                    sheet.cell(rr, cc).border = BOX
            if placed.rowspan > 1 or placed.colspan > 1:
                sheet.merge_cells(
                    start_row=r,
                    start_column=c,
                    end_row=r + placed.rowspan - 1,
                    end_column=c + placed.colspan - 1,
                )
        row += grid.height
        if grid.note:
            sheet.cell(row, 1, grid.note)
            row += 1
        row += 1
    sheet.cell(row, 1, doc["legend"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes(report) -> bytes:
    """Return ``report`` as an A4 PDF: headings, paragraphs and the tables with their spans;
    typed-in figures read “（手工填报）”."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=24, alignment=1)
    heading = ParagraphStyle("h", fontName=font, fontSize=12, leading=20, spaceBefore=8)
    body = ParagraphStyle(
        "b", fontName=font, fontSize=10.5, leading=17, firstLineIndent=21, wordWrap="CJK"
    )
    cell_style = ParagraphStyle(
        "c", fontName=font, fontSize=7.5, leading=9.5, alignment=1, wordWrap="CJK"
    )
    small = ParagraphStyle("s", fontName=font, fontSize=8.5, leading=12, wordWrap="CJK")

    doc = present.document(report)
    out = io.BytesIO()
    frame_width = A4[0] - 36 * mm
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=doc["title"],
    )
    story = [Paragraph(_escape(doc["title"]), title), Spacer(1, 6 * mm)]
    for section in doc["sections"]:
        story.append(Paragraph(_escape(section["title"]), heading))
        grid = section["grid"]
        if grid is None:
            story.extend(Paragraph(_escape(text), body) for text in section["paragraphs"])
            continue
        data = [[""] * grid.width for _ in range(grid.height)]
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]
        for placed in grid.cells:
            text = placed.text + (f"（{present.MANUAL}）" if placed.manual else "")
            data[placed.row][placed.col] = Paragraph(_escape(text), cell_style)
            if placed.rowspan > 1 or placed.colspan > 1:
                end = (placed.col + placed.colspan - 1, placed.row + placed.rowspan - 1)
                style.append(("SPAN", (placed.col, placed.row), end))
            if placed.header:
                at = (placed.col, placed.row)
                style.append(("BACKGROUND", at, at, colors.whitesmoke))
        table = Table(data, colWidths=[frame_width / grid.width] * grid.width, repeatRows=0)
        table.setStyle(TableStyle(style))
        story.append(table)
        if grid.note:
            story.append(Paragraph(_escape(grid.note), small))
    story.extend([Spacer(1, 4 * mm), Paragraph(_escape(doc["legend"]), small)])
    pdf.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    """Return ``text`` safe for a reportlab Paragraph (its markup is a small XML)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Characters openpyxl refuses in a cell (XML 1.0 forbids them; Word pastes \x0b for line breaks).
_ILLEGAL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)], " ")


def _cell_text(text: str) -> str:
    """Return ``text`` fit for a cell: control characters blanked, and a leading = + - @ quoted
    so that a spreadsheet shows it rather than running it as a formula."""
    text = text.translate(_ILLEGAL)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
