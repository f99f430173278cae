"""Extract the text of a PDF, .docx or .xlsx attachment, piece by piece, with where each came from.

``extract_text(file, kind=...)`` returns an :class:`Extraction`: the text pieces (a PDF page, a
Word paragraph or table cell, a worksheet cell), each with its location in Chinese (``第3页``,
``第12段``, ``表格1 第3行第2列``, ``名单!C5``), and a notice when less than the whole file
could be read (caps reached, a PDF without a text layer).

The files come from uploaders, so everything is bounded: the file's size, the zip directory of
a .docx/.xlsx (entry count, uncompressed total: a zip bomb is refused before any part is
inflated), the pages, rows, cells and characters extracted, and the wall-clock time. A file
that cannot be read raises :class:`ExtractionError`, whose ``message`` is in Chinese; no other
exception leaves this module for a bad file.

Nothing here needs Django: the benchmark and the tests use it without a database.
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import warnings
import zipfile
from dataclasses import dataclass, field

PDF, DOCX, XLSX = "pdf", "docx", "xlsx"  # the values of publications.models.Attachment.Kind
KINDS = (PDF, DOCX, XLSX)

# Caps. A cap reached ends the extraction early with a notice (what was read is still checked);
# it never raises, so that a long but honest list is still checked as far as it goes.
MAX_FILE_BYTES = 100 * 1024 * 1024  # larger than any attachment the portal accepts
MAX_PAGES = 500  # PDF pages read
MAX_ROWS = 200_000  # worksheet rows visited (all sheets, empty rows included)
MAX_CELLS = 2_000_000  # worksheet cells visited (all sheets, empty cells included)
MAX_PARAGRAPHS = 200_000  # Word paragraphs read (body, tables, headers, footers, notes)
MAX_CHARS = 5_000_000  # characters extracted, all pieces together
MAX_SECONDS = 60.0  # wall-clock time for one file
# Refusals: a .docx/.xlsx whose zip directory says more than this is not opened at all.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # all entries, uncompressed, as the directory declares
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_DIRECTORY_BYTES = 2 * 1024 * 1024
# pypdf's own limits, lowered: one content stream may inflate to this much.
PDF_STREAM_BYTES = 30 * 1024 * 1024

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .doc/.xls, or encrypted Office
EOCD = b"PK\x05\x06"
EOCD64 = b"PK\x06\x06"
EOCD64_LOCATOR = b"PK\x06\x07"
KIND_NAMES = {PDF: "PDF 文件", DOCX: "Word 文档", XLSX: "Excel 工作簿"}


class ExtractionError(Exception):
    """A file whose text cannot be read; ``message`` says why, in Chinese, for the uploader.

    ``code`` is one of ``unsupported``, ``too_large``, ``encrypted``, ``corrupt``, ``zip_bomb``,
    ``legacy_format`` and ``timeout``.
    """

    def __init__(self, message: str, code: str = "corrupt"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class TextPiece:
    """One piece of text and where it came from (``第3页``, ``名单!C5``, ``表格1 第2行第3列``)."""

    text: str
    location: str = ""


@dataclass
class Extraction:
    """The pieces of one file, in reading order, and what could not be read."""

    kind: str
    pieces: list[TextPiece] = field(default_factory=list)
    # Why the pieces are not the whole file (a cap reached, no text layer), in Chinese; empty
    # when they are.
    notices: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def text(self) -> str:
        """Return all the pieces' text, one piece to a line."""
        return "\n".join(piece.text for piece in self.pieces)

    @property
    def chars(self) -> int:
        """Return the number of characters extracted."""
        return sum(len(piece.text) for piece in self.pieces)


class _Budget:
    """Count what has been extracted and stop at the caps or the deadline."""

    def __init__(self, extraction: Extraction, seconds: float):
        self.extraction = extraction
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.chars = 0

    def check_time(self) -> None:
        """Raise ExtractionError (``timeout``) once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise ExtractionError(
                f"文件内容过于复杂，{max(self.seconds, 0):.0f} 秒内未能读完，无法完成个人信息检查。"
                "请检查文件是否正常，或拆分为多个文件后上传。",
                "timeout",
            )

    def add(self, text: str, location: str) -> bool:
        """Add a piece; return False once the character cap is reached (the caller stops)."""
        text = text.strip()
        if not text:
            return True
        room = MAX_CHARS - self.chars
        if room <= 0:
            return self.stop(f"文字超过 {MAX_CHARS:,} 个字符，只检查了前 {MAX_CHARS:,} 个字符。")
        if len(text) > room:
            text = text[:room]
        self.chars += len(text)
        self.extraction.pieces.append(TextPiece(text, location))
        if self.chars >= MAX_CHARS:
            return self.stop(f"文字超过 {MAX_CHARS:,} 个字符，只检查了前 {MAX_CHARS:,} 个字符。")
        return True

    def stop(self, notice: str) -> bool:
        """Record why the extraction stopped early; return False."""
        self.extraction.truncated = True
        if notice not in self.extraction.notices:
            self.extraction.notices.append(notice)
        return False


def extract_text(file, *, kind: str, seconds: float = MAX_SECONDS) -> Extraction:
    """Return the text pieces of ``file`` (a path, bytes or a binary file object) read as ``kind``.

    ``kind`` is ``"pdf"``, ``"docx"`` or ``"xlsx"`` (the attachment's detected kind). Raise
    ExtractionError, with a Chinese ``message``, for any other kind and for a file that is too
    large, encrypted, corrupt, a zip bomb, or takes longer than ``seconds``.
    """
    if kind not in KINDS:
        raise ExtractionError(
            "暂不支持检查此类文件中的个人信息（仅支持 PDF、Word（docx）和 Excel（xlsx）），"
            "请人工核对。",
            "unsupported",
        )
    data = _read_bytes(file)
    extraction = Extraction(kind)
    budget = _Budget(extraction, seconds)
    try:
        if kind == PDF:
            _extract_pdf(data, budget)
        elif kind == DOCX:
            _extract_docx(data, budget)
        else:
            _extract_xlsx(data, budget)
    except ExtractionError:
        raise
    except Exception as error:  # a library's own error for a malformed file
        raise ExtractionError(
            f"{KIND_NAMES[kind]}已损坏或格式不正确，无法读取其中的文字。请重新导出后上传。",
            "corrupt",
        ) from error
    return extraction


def _read_bytes(file) -> bytes:
    """Return the file's bytes, refusing one over MAX_FILE_BYTES before reading it all."""
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    elif isinstance(file, str | os.PathLike):
        if os.path.getsize(file) > MAX_FILE_BYTES:
            raise _too_large()
        with open(file, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
        if hasattr(file, "seek"):
            file.seek(0)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    if not data:
        raise ExtractionError("文件是空的，没有可检查的内容。", "corrupt")
    return data


def _too_large() -> ExtractionError:
    return ExtractionError(
        f"文件超过 {MAX_FILE_BYTES // 1048576} MB，无法进行个人信息检查，请拆分后上传。",
        "too_large",
    )


# --- PDF ---------------------------------------------------------------------------------------


def _extract_pdf(data: bytes, budget: _Budget) -> None:
    import pypdf
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise ExtractionError("文件不是有效的 PDF 文件，无法读取其中的文字。", "corrupt")
    limits = {
        "zlib_maximum_output_length": PDF_STREAM_BYTES,
        "lzw_maximum_output_length": PDF_STREAM_BYTES,
        "run_length_maximum_output_length": PDF_STREAM_BYTES,
        "array_based_stream_maximum_output_length": PDF_STREAM_BYTES,
    }
    with pypdf.apply_configuration(**limits), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many published PDFs carry only an owner password (no copying or printing): they
            # open with an empty user password, and their text can be checked.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise ExtractionError(
                    "PDF 文件已加密，无法读取其中的文字，因而无法检查个人信息。"
                    "请上传未加密的版本。",
                    "encrypted",
                )
        pages = reader.pages
        count = len(pages)
        if count > MAX_PAGES:
            budget.stop(f"PDF 共 {count:,} 页，超过上限，只检查了前 {MAX_PAGES} 页。")
        blank = 0
        for number in range(min(count, MAX_PAGES)):
            budget.check_time()
            text = pages[number].extract_text() or ""
            if not text.strip():
                blank += 1
            if not budget.add(text, f"第{number + 1}页"):
                break
        budget.check_time()
    if count and blank == min(count, MAX_PAGES):
        budget.stop(
            "PDF 没有可提取的文字（可能是扫描件或图片），无法自动检查个人信息，请人工核对。"
        )
    elif blank:
        budget.stop(f"PDF 有 {blank} 页没有可提取的文字（可能是扫描页），这些页请人工核对。")


# --- zip containers (.docx, .xlsx) -------------------------------------------------------------


def _open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """Return the archive once its directory passes the limits; refuse it otherwise."""
    name = KIND_NAMES[kind]
    if data.startswith(CFB_MAGIC):
        # Word and Excel wrap an encrypted .docx/.xlsx in an OLE compound file; an unencrypted
        # OLE file is a .doc/.xls under the wrong extension.
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise ExtractionError(
                f"{name}设置了打开密码，无法读取其中的文字，因而无法检查个人信息。"
                "请取消密码后另存再上传。",
                "encrypted",
            )
        raise ExtractionError(
            f"这是旧版 Office 格式（.doc/.xls），不是{name}，请另存为 .docx 或 .xlsx 后上传。",
            "legacy_format",
        )
    if not data.startswith(b"PK"):
        raise ExtractionError(f"文件不是有效的{name}，无法读取其中的文字。", "corrupt")
    entries, directory = _zip_directory(data, name)
    if entries > MAX_ZIP_ENTRIES or directory > MAX_ZIP_DIRECTORY_BYTES:
        raise ExtractionError(
            f"{name}包含的部件过多（{entries:,} 个），不是正常的 Office 文件，疑似压缩炸弹，"
            "已拒绝检查。",
            "zip_bomb",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as error:
        raise ExtractionError(f"{name}已损坏，无法打开。", "corrupt") from error
    if any(info.flag_bits & 0x1 for info in infos):
        archive.close()
        raise ExtractionError(
            f"{name}已加密，无法读取其中的文字，因而无法检查个人信息。", "encrypted"
        )
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in infos):
        archive.close()
        raise ExtractionError(f"{name}使用了 Office 不使用的压缩方式，无法读取。", "corrupt")
    # zipfile never inflates a part beyond its declared size (it stops there and reports a bad
    # CRC), so the declared sizes bound what reading can cost.
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        archive.close()
        raise ExtractionError(
            f"{name}解压后共 {total / 1048576:,.0f} MB，超过上限 "
            f"{MAX_UNZIPPED_BYTES // 1048576} MB，疑似压缩炸弹，已拒绝检查。",
            "zip_bomb",
        )
    if sum(info.compress_size for info in infos) > len(data):
        archive.close()
        raise ExtractionError(f"{name}的压缩条目相互重叠，疑似压缩炸弹，已拒绝检查。", "zip_bomb")
    return archive


def _zip_directory(data: bytes, name: str) -> tuple[int, int]:
    """Return the entry count and directory size that the end records declare.

    Read before ``zipfile`` parses a directory that may list millions of entries; a zip64
    record (which zipfile prefers) counts too.
    """
    tail = data[-(22 + 0xFFFF + 20 + 56) :]
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < 22:
        raise ExtractionError(f"{name}已损坏（找不到压缩目录），无法打开。", "corrupt")
    _, _, _, disk_entries, entries, directory, _, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
    entries = max(entries, disk_entries)
    if at >= 76 and tail[at - 20 : at - 16] == EOCD64_LOCATOR:
        record = tail[at - 76 : at - 20]
        if record[:4] != EOCD64:
            raise ExtractionError(f"{name}已损坏（压缩目录无效），无法打开。", "corrupt")
        fields = struct.unpack("<4sQ2H2L4Q", record)
        entries64, directory64 = max(fields[6], fields[7]), fields[8]
        entries = max(entries if entries != 0xFFFF else 0, entries64)
        directory = max(directory if directory != 0xFFFFFFFF else 0, directory64)
    return entries, directory


# --- Word (.docx) ------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# The parts besides the body whose text a reader of the published file sees.
DOCX_PARTS = (
    (re.compile(r"^/word/header\d*\.xml$"), "页眉"),
    (re.compile(r"^/word/footer\d*\.xml$"), "页脚"),
    (re.compile(r"^/word/footnotes\.xml$"), "脚注"),
    (re.compile(r"^/word/endnotes\.xml$"), "尾注"),
    (re.compile(r"^/word/comments\.xml$"), "批注"),
)


def _extract_docx(data: bytes, budget: _Budget) -> None:
    import docx
    from docx.oxml import parse_xml

    with _open_zip(data, DOCX):
        pass  # only the directory checks; python-docx opens its own copy
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:
        raise ExtractionError(
            "Word 文档已损坏或不是 .docx 格式，无法读取其中的文字。", "corrupt"
        ) from error
    budget.check_time()
    paragraphs = [0]
    if not _docx_part(document.element.body, "", budget, paragraphs):
        return
    for part in document.part.package.iter_parts():
        for pattern, label in DOCX_PARTS:
            if pattern.match(str(part.partname)):
                element = getattr(part, "element", None)
                if element is None:
                    element = parse_xml(part.blob)
                if not _docx_part(element, label, budget, paragraphs):
                    return


def _docx_part(root, label: str, budget: _Budget, paragraphs: list[int]) -> bool:
    """Add the paragraphs under ``root``; return False once a cap stops the extraction.

    Every ``w:p`` is read, wherever it is (tables, nested tables, text boxes, content
    controls, tracked insertions and deletions, which python-docx's ``paragraphs`` skip); the
    text of a paragraph inside another (a text box) is its own piece, and the compatibility
    copy of a text box (``mc:Fallback``) is skipped so that it is not reported twice.
    """
    # lxml makes a new proxy for an element whose last proxy is gone, with a new id(): the
    # list keeps the cells' proxies alive while their ids key their locations.
    cells, locations = _cell_locations(root)
    texts: dict[int, list[str]] = {}
    owners: dict[int, object] = {}
    for node in root.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br", f"{W}cr"):
        paragraph = _ancestor(node, f"{W}p")
        if paragraph is None or _ancestor(node, MC_FALLBACK) is not None:
            continue
        key = id(paragraph)
        if key not in texts:
            texts[key] = []
            owners[key] = paragraph
        tag = node.tag
        if tag == f"{W}tab":
            texts[key].append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            texts[key].append("\n")
        else:
            texts[key].append(node.text or "")
    body_number = 0
    for key, parts in texts.items():
        paragraphs[0] += 1
        if paragraphs[0] > MAX_PARAGRAPHS:
            return budget.stop(f"Word 文档段落超过 {MAX_PARAGRAPHS:,} 个，只检查了前面的部分。")
        if paragraphs[0] % 1000 == 0:
            budget.check_time()
        paragraph = owners[key]
        cell = _ancestor(paragraph, f"{W}tc")
        if cell is not None:
            where = locations.get(id(cell), "表格")
        else:
            body_number += 1
            where = f"第{body_number}段"
        location = f"{label} {where}" if label else where
        if not budget.add("".join(parts), location):
            return False
    return True


def _ancestor(node, tag: str):
    """Return the nearest ancestor of ``node`` with ``tag``, or None."""
    node = node.getparent()
    while node is not None:
        if node.tag == tag:
            return node
        node = node.getparent()
    return None


def _cell_locations(root) -> tuple[list, dict[int, str]]:
    """Return the table cells under ``root`` and ``表格T 第R行第C列`` for each, by id().

    T numbers the tables in document order (nested ones too), R the rows of a table, C the
    grid columns (a cell spanning two counts as two). The list keeps the cells' proxies alive.
    """
    cells, locations = [], {}
    for number, table in enumerate(root.iter(f"{W}tbl"), start=1):
        rows = [child for child in table if child.tag == f"{W}tr"]
        for row_number, row in enumerate(rows, start=1):
            column = 1
            for cell in row:
                if cell.tag != f"{W}tc":
                    continue
                cells.append(cell)
                locations[id(cell)] = f"表格{number} 第{row_number}行第{column}列"
                span = cell.find(f"{W}tcPr/{W}gridSpan")
                try:
                    column += max(1, int(span.get(f"{W}val"))) if span is not None else 1
                except (TypeError, ValueError):
                    column += 1
    return cells, locations


# --- Excel (.xlsx) -----------------------------------------------------------------------------


def _extract_xlsx(data: bytes, budget: _Budget) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    with _open_zip(data, XLSX):
        pass  # only the directory checks; openpyxl opens its own copy
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it does not read: nothing to tell anyone.
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception as error:
            raise ExtractionError(
                "Excel 工作簿已损坏或不是 .xlsx 格式，无法读取其中的文字。", "corrupt"
            ) from error
        try:
            _xlsx_sheets(book, budget, get_column_letter)
        finally:
            book.close()


def _xlsx_sheets(book, budget: _Budget, letter) -> None:
    rows = cells = 0
    for sheet in book.worksheets:
        budget.check_time()
        # The declared dimension may say A1:XFD1048576: ignore it, so that rows are neither
        # padded to it nor filled up to its last row.
        sheet.reset_dimensions()
        title = sheet.title
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows += 1
            cells += len(row)
            if rows > MAX_ROWS:
                budget.stop(f"工作表行数超过上限，只检查了前 {MAX_ROWS:,} 行。")
                return
            if cells > MAX_CELLS:
                budget.stop(f"单元格数量超过上限，只检查了前 {MAX_CELLS:,} 个单元格。")
                return
            if rows % 2000 == 0:
                budget.check_time()
            for column, value in enumerate(row, start=1):
                if value is None:
                    continue
                text = _cell_text(value)
                if text and not budget.add(text, f"{title}!{letter(column)}{row_number}"):
                    return


def _cell_text(value) -> str:
    """Return a cell's value as text: whole numbers without ``.0`` (a mobile typed as number)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a longer number (an ID typed as a number) has
        # already lost its last digits and is shown as it is.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return ""  # dates, times, errors: no personal information to find
