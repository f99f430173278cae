"""A minimal streaming reader of .xlsx worksheets: cell values, formulas flagged, row by row.

openpyxl's read-only mode builds a cell object per cell and parses inline strings slowly; at
100,000 catalog lines reading alone took most of the import's time budget. Catalog import only
needs each cell's text and whether it holds a formula, so this reads the sheet XML directly
with the standard library's C-accelerated pull parser, dropping each row once it is read.

Workbooks come from any editor's upload, so nothing here trusts the file: every limit below is
checked before the memory or time it guards is spent, and breaking one raises ``LimitError``
(file-level) or ``SheetError`` (one sheet, one row), each with a message in Chinese that names
the sheet or part and the limit.

=========================  ==============  ===================================================
limit (``Limits`` field)   default         checked
=========================  ==============  ===================================================
``zip_entries``            10,000          entries in the zip, read from the End Of Central
                                           Directory record (zip64 too) before ``zipfile``
                                           parses the directory, and again after
``directory_bytes``        4 MiB           size of the zip's central directory
``part_bytes``             256 MiB         uncompressed size of one part read (declared in the
                                           directory, and counted while reading)
``total_bytes``            512 MiB         uncompressed size of all entries together (declared)
``ratio``                  100             uncompressed / compressed size of a part read, for
                                           parts over ``ratio_grace_bytes`` (1 MiB); the sum of
                                           compressed sizes may not exceed the file (overlapping
                                           entries); only stored and deflated parts are read
``worksheets``             255             worksheets in the workbook
``columns``                256             columns per row: a cell holding a value further right
                                           is an error, an empty (styled) one is skipped; a
                                           reference past XFD or malformed is an error
``row_number``             1,048,576       row numbers (Excel's last row); they must increase
``sheet_rows``             120,000         rows holding content in one sheet; empty rows cost
                                           only their parsing, formatted ones included
``book_rows``              120,000         rows holding content in all sheets together
``merged_ranges``          100,000         merged ranges in one sheet
``merged_area``            1,048,576       cells in one merged range
``shared_strings``         500,000         items in the shared strings table
``shared_chars``           16,000,000      characters in the shared strings table
``cell_chars``             32,767          characters in one cell (Excel's own cap), shared,
                                           inline or a formula
``row_chars``              50,000          characters in one row's cells (checked by
                                           ``read``, which also fills merged cells)
``text_run_bytes``         1 MiB           bytes between two ``<`` in a part: a longer text node
                                           or tag is refused before the parser buffers it
``element_bytes``          16 MiB          XML bytes of one row or one shared string (or of what
                                           comes before the sheet data)
``element_count``          100,000         XML elements held at once for one row or one shared
                                           string (or before the sheet data)
``errors``                 1,000           errors ``read`` reports before it stops
``xls_cells``              2,000,000       cells one .xls sheet spans, each row counted from
                                           column A to its last value (``xls_read``: xlrd holds
                                           a whole sheet in memory, so this is checked before
                                           the sheet is loaded)
``styles_bytes``           16 MiB          uncompressed size of the styles part (declared, and
                                           counted while reading)
``cell_formats``           65,536          cell formats (``<xf>`` in ``<cellXfs>``; Excel allows
                                           64,000)
``number_formats``         1,024           custom number formats (``<numFmt>``)
``format_chars``           1,000           characters in one number format code (Excel: 255)
=========================  ==============  ===================================================

Legacy .xls workbooks are read by ``xls_read`` within the same limits, where they mean something
for that format (its docstring says how).

DTDs and entity declarations (``<!DOCTYPE``, ``<!ENTITY`` …) are refused outright: no .xlsx part
has one. So are comments and processing instructions other than the XML declaration (none in
what Excel writes, and ElementTree rebuilds an element's whole text at each one: quadratic),
and parts that are not UTF-8 (a UTF-16 or EBCDIC part would hide markup from the byte scan).
The parts read are ``xl/workbook.xml``, its relationships, the shared strings, the styles and
the worksheets; nothing is ever written to disk, so odd part names can only fail to be found.

Dates: Excel stores a date as a number whose cell format is a date format. A number cell whose
format is a built-in date format (14–22, 45–47, and the CJK and Thai ones xlrd also treats as
dates: 27–36, 50–58, 71–81) or a format code with y/m/d/h/s outside quotes and brackets (the
heuristic xlrd applies to .xls formats), is read as ISO text, as ``xls_read`` reads .xls dates:
``2024-01-31``, ``2024-01-31 08:30:00``, or ``08:30:00`` for a time alone, counted from 1900 or
from 1904 as ``<workbookPr date1904>`` says. Cells stored as ISO dates (``t="d"``) read the same.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from xml.etree.ElementTree import ParseError, XMLPullParser

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WORKSHEET_TYPE = "/worksheet"
ROW, CELL, VALUE, FORMULA, INLINE, TEXT, PHONETIC, SHEET_DATA = (
    f"{MAIN}row",
    f"{MAIN}c",
    f"{MAIN}v",
    f"{MAIN}f",
    f"{MAIN}is",
    f"{MAIN}t",
    f"{MAIN}rPh",
    f"{MAIN}sheetData",
)
SHARED_STRINGS = "xl/sharedStrings.xml"
SHARED_STRINGS_LABEL = f"共享字符串表（{SHARED_STRINGS}）"
STYLES_TYPE = "/styles"
WORKBOOK_PR, NUM_FMTS, NUM_FMT, CELL_XFS, XF = (
    f"{MAIN}workbookPr",
    f"{MAIN}numFmts",
    f"{MAIN}numFmt",
    f"{MAIN}cellXfs",
    f"{MAIN}xf",
)
# Built-in number formats that show a date or time (xlrd's table: 27–36 and 50–58 are the
# Chinese, Japanese and Korean date formats, 71–81 the Thai ones).
DATE_FORMAT_IDS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)]
)
# What a format code holds that says nothing about its kind: quoted text, an escaped or
# padding character (\x _x *x), and [bracketed] colours, conditions and locales.
FORMAT_NOISE = re.compile(r'"[^"]*"?|\\.|_.|\*.|\[[^\]]*\]?', re.DOTALL)
EPOCH_1900 = datetime(1899, 12, 31)
# From 1900-03-01 on, a day earlier: Excel counts a 29 February 1900 that never was.
EPOCH_1900_LEAP = datetime(1899, 12, 30)
EPOCH_1904 = datetime(1904, 1, 1)
MiB = 2**20
CHUNK = 1 << 16
MAX_COLUMN = 16_384  # XFD, Excel's last column
# Markup no .xlsx part holds besides the XML declaration and CDATA sections: <!DOCTYPE and the
# other DTD declarations, comments (<!--) and processing instructions (<?).
MARKUP = re.compile(rb"<[!?]")
XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
UTF8_NAMES = {b"utf-8", b"utf8"}
# Searched from its literal name (several times faster than from "<"); the "<" (or a namespace
# prefix's ":") before it is checked per match.
MERGE_CELL = re.compile(rb"mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
MERGE_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6}):([A-Z]{1,3})([1-9][0-9]{0,6})")
EOCD = b"PK\x05\x06"
EOCD64_LOCATOR = b"PK\x06\x07"
EOCD64 = b"PK\x06\x06"


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold; see the table in the module docstring."""

    zip_entries: int = 10_000
    directory_bytes: int = 4 * MiB
    part_bytes: int = 256 * MiB
    total_bytes: int = 512 * MiB
    ratio: int = 100
    ratio_grace_bytes: int = MiB
    worksheets: int = 255
    columns: int = 256
    row_number: int = 1_048_576
    sheet_rows: int = 120_000
    book_rows: int = 120_000
    merged_ranges: int = 100_000
    merged_area: int = 1_048_576
    shared_strings: int = 500_000
    shared_chars: int = 16_000_000
    cell_chars: int = 32_767
    row_chars: int = 50_000
    text_run_bytes: int = MiB
    element_bytes: int = 16 * MiB
    element_count: int = 100_000
    errors: int = 1_000
    xls_cells: int = 2_000_000
    styles_bytes: int = 16 * MiB
    cell_formats: int = 65_536
    number_formats: int = 1_024
    format_chars: int = 1_000


LIMITS = Limits()


class LimitError(Exception):
    """A part breaks a limit or holds what no .xlsx does; ``message`` says which, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SheetError(LimitError):
    """A sheet's content breaks a limit at ``row`` (0 when no one row is at fault)."""

    def __init__(self, message: str, row: int = 0):
        super().__init__(message)
        self.row = row


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n / 1024:.0f} KB"


def _count(n: int) -> str:
    return f"{n:,}" if n >= 10_000 else str(n)


def is_date_format(code: str) -> bool:
    """Return True when a number format code shows a date or a time.

    xlrd's heuristic for .xls formats: once quoted text, escaped characters and brackets are
    left out, a date format has more of y/m/d/h/s (either case) than of the digit placeholders
    0, # and ?. ``yyyy"年"m"月"d"日"`` and ``[$-804]h:mm`` are dates; ``0.00``, ``"d"0`` and
    ``General`` are not.
    """
    reduced = FORMAT_NOISE.sub("", code)
    dates = sum(map(reduced.count, "ymdhsYMDHS"))
    return dates > sum(map(reduced.count, "0#?"))


def excel_date(value: int | float, date1904: bool = False) -> str | int | float:
    """Return an Excel date number as ISO text: the date, the time, or both.

    As ``xls_read`` does for .xls dates (through xlrd's ``xldate_as_datetime``): a number
    below 1 is a time of day, a whole day is a date; a number no date can be (out of range)
    stays a number.
    """
    epoch = EPOCH_1904 if date1904 else EPOCH_1900 if value < 60 else EPOCH_1900_LEAP
    try:
        days = int(value)
        milliseconds = int(round((value - days) * 86_400_000.0))
        moment = epoch + timedelta(days, 0, 0, milliseconds)
    except (ValueError, OverflowError, ArithmeticError):
        return value
    if 0 <= value < 1:
        return moment.time().isoformat(timespec="seconds")
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.isoformat(sep=" ", timespec="seconds")


def iso_date(text: str) -> str:
    """Return a cell stored as an ISO date (``t="d"``) as ``excel_date`` gives dates."""
    try:
        moment = datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        try:
            return time.fromisoformat(text).isoformat(timespec="seconds")
        except ValueError:
            return text
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.isoformat(sep=" ", timespec="seconds")


class Cell:
    """A cell's value (str, int, float, bool or None) and whether it holds a formula."""

    __slots__ = ("value", "data_type")

    def __init__(self, value=None, data_type: str = "n"):
        self.value = value
        self.data_type = data_type


EMPTY = Cell()
DIGITS = "0123456789"
_columns: dict[str, int] = {}


def _column(ref: str) -> int:
    """Return the column number of a cell reference (A1 → 1, AB7 → 28).

    Return 0 for a malformed reference, and MAX_COLUMN + 1 for letters past XFD.
    """
    letters = ref.rstrip(DIGITS)
    number = _columns.get(letters)
    if number is None:
        if not letters or len(letters) == len(ref):
            return 0  # no letters, or no row number
        if len(letters) > 3:
            past = letters.isascii() and letters.isalpha() and letters.isupper()
            return MAX_COLUMN + 1 if past else 0
        number = 0
        for char in letters:
            if not "A" <= char <= "Z":
                return 0
            number = number * 26 + ord(char) - 64
        number = min(number, MAX_COLUMN + 1)
        _columns[letters] = number  # at most 26 + 26² + 26³ keys
    elif len(letters) == len(ref):
        return 0
    return number


def _text(element) -> str:
    """Return the text of a string item, without phonetic (ruby) runs."""
    if len(element) == 1 and element[0].tag == TEXT:
        return element[0].text or ""  # a plain string item: one <t>
    parts = []
    for child in element:
        if child.tag == TEXT:
            parts.append(child.text or "")
        elif child.tag != PHONETIC:
            parts.extend(t.text or "" for t in child.iter(TEXT))
    return "".join(parts)


def _switch_to_end_events(parser: XMLPullParser) -> None:
    """Report only end events from now on, where the parser allows it.

    Start events are needed until <sheetData> is found; after that they would only double the
    events of a 100,000-line sheet. ``_setevents`` is how XMLPullParser itself sets them; a
    Python without it keeps both kinds, slower but the same.
    """
    setevents = getattr(getattr(parser, "_parser", None), "_setevents", None)
    queue = getattr(parser, "_events_queue", None)
    if setevents is not None and queue is not None:
        setevents(queue, ("end",))


class Sheet:
    def __init__(self, book: Book, title: str, path: str):
        self.book = book
        self.title = title
        self._worksheet_path = path
        self.label = f"工作表“{title}”"

    def iter_rows(self) -> Iterator[list[Cell]]:
        """Yield every row from row 1 on (empty lists for rows without content) as cell lists."""
        expected = 1
        for number, cells in self.rows():
            while expected < number:
                yield []
                expected += 1
            yield cells
            expected = number + 1

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """Yield (row number, cells) for each row that holds a value, in order; raise SheetError.

        A row's list ends at its last cell, valued or styled; rows with no value at all, however
        many, are parsed and skipped.
        """
        book, limits = self.book, self.book.limits
        strings = book.shared_strings()
        dates = book.date_styles()
        parser = XMLPullParser(events=("start", "end"))
        read_events = parser.read_events
        root = sheet_data = None
        previous = content = pending = 0
        cells_of, last_row = self._cells, limits.row_number
        sheet_rows, book_rows = limits.sheet_rows, limits.book_rows
        # 16 KiB chunks, as iterparse reads: fewer elements wait to be dropped, which is
        # measurably faster than 64 KiB on a 100,000-line workbook.
        for chunk in book._chunks(self._worksheet_path, self.label, size=1 << 14):
            parser.feed(chunk)
            ended = False
            for event, element in read_events():
                if event == "end":
                    if element.tag == ROW:
                        if sheet_data is None:
                            raise SheetError("行不在工作表数据（sheetData）中，文件结构异常。")
                        ended = True
                        r = element.get("r")
                        try:
                            number = int(r) if r else previous + 1
                        except ValueError:
                            number = 0
                        if not previous < number <= last_row:
                            raise self._row_error(r or str(number), previous)
                        previous = number
                        if len(element) and any(map(len, element)):
                            content += 1
                            book.content_rows += 1
                            if content > sheet_rows:
                                raise _rows_error("每个工作表", sheet_rows, number)
                            if book.content_rows > book_rows:
                                raise _rows_error("整个工作簿", book_rows, number)
                            yield number, cells_of(element, number, strings, dates)
                    elif element is sheet_data:
                        return  # what follows (merged ranges, print settings) is read elsewhere
                elif sheet_data is None:
                    if root is None:
                        root = element
                    elif element.tag == SHEET_DATA:
                        sheet_data = element
                        # Sheet properties, views and column widths are not needed.
                        del root[: list(root).index(element)]
                        _switch_to_end_events(parser)
            if sheet_data is not None:
                # Drop the rows read (the chunk's whole, however many empty rows it held), but
                # not the last, which may still be growing.
                del sheet_data[:-1]
            # A row (or what comes before the rows) may not grow without end.
            pending = 0 if ended else pending + len(chunk)
            held = sheet_data if sheet_data is not None else root
            if pending > limits.element_bytes or (
                held is not None and len(list(held.iter())) > limits.element_count
            ):
                raise SheetError(
                    f"本行的 XML 数据超过上限（每行最多 {_size(limits.element_bytes)}、"
                    f"{_count(limits.element_count)} 个 XML 元素）。",
                    previous + 1,
                )
        parser.close()

    def _row_error(self, r: str, previous: int) -> SheetError:
        """Return the error for row number ``r`` after row ``previous``."""
        limit = self.book.limits.row_number
        try:
            number = int(r)
        except ValueError:
            number = 0
        if number < 1:
            return SheetError(f"行号“{r[:20]}”无效。", previous + 1)
        if number > limit:
            return SheetError(f"行号“{r[:20]}”超出行数上限（最多 {limit:,} 行）。", previous + 1)
        return SheetError(
            f"行号“{r[:20]}”不大于上一行的行号 {previous}，行的顺序有误。", previous + 1
        )

    def _cells(
        self, element, number: int, strings: list[str], dates: frozenset[str] = frozenset()
    ) -> list[Cell]:
        """Return a row's cells by column, EMPTY where a row skips one.

        ``dates`` are the cell formats that show dates (``Book.date_styles``).
        """
        book = self.book
        limits, date1904 = book.limits, book.date1904
        columns, chars = limits.columns, limits.cell_chars
        cells: list[Cell] = []
        append, convert, known = cells.append, self._cell, _columns.get
        col = 0
        # Cells are the row's children (a row may also hold an extension list).
        for c in element:
            if c.tag != CELL:
                continue
            ref = c.get("r")
            if ref is None:
                col += 1
            else:
                # The cache knows every valid run of letters; the row number must follow them.
                letters = ref.rstrip(DIGITS)
                col = known(letters)
                if col is None or len(letters) == len(ref):
                    col = _column(ref)
                    if not col:
                        raise SheetError(f"单元格引用“{ref[:20]}”无效。", number)
            if col > columns:
                if col <= MAX_COLUMN and not len(c):
                    continue  # a styled empty cell far to the right
                where = ref[:20] if ref is not None else f"第{col}列"
                raise SheetError(f"单元格引用“{where}”超出列数上限（最多 {columns} 列）。", number)
            held = len(cells)
            if col > held + 1:
                cells.extend([EMPTY] * (col - 1 - held))
            elif col <= held:
                # Out of order: keep one.
                cells[col - 1] = convert(c, strings, chars, number, dates, date1904)
                continue
            append(convert(c, strings, chars, number, dates, date1904))
        return cells

    @staticmethod
    def _cell(
        c,
        strings: list[str],
        chars: int,
        number: int,
        dates: frozenset[str] = frozenset(),
        date1904: bool = False,
    ) -> Cell:
        kind = c.get("t", "n")
        formula = c.find(FORMULA)
        if formula is not None:
            # Like openpyxl without data_only: a formula cell reads as its formula.
            text = formula.text or ""
            if len(text) > chars:
                raise _too_long(c, len(text), chars, number)
            return Cell(f"={text}", "f")
        data_type = "s" if kind in ("s", "inlineStr", "str") else "n"
        if kind == "inlineStr":
            inline = c.find(INLINE)
            text = _text(inline) if inline is not None else ""
            if len(text) > chars:
                raise _too_long(c, len(text), chars, number)
            return Cell(text, data_type)
        v = c.find(VALUE)
        raw = v.text if v is not None else None
        if raw is None:
            return Cell(None, data_type)
        if len(raw) > chars:
            raise _too_long(c, len(raw), chars, number)
        if kind == "s":
            try:
                index = int(raw)
            except ValueError:
                index = -1
            if not 0 <= index < len(strings):
                raise SheetError(
                    f"单元格“{(c.get('r') or '')[:20]}”引用的共享字符串“{raw[:20]}”不存在"
                    f"（共享字符串表共 {len(strings)} 项）。",
                    number,
                )
            return Cell(strings[index], data_type)
        if kind == "b":
            return Cell(raw == "1", data_type)
        if kind in ("str", "e"):
            return Cell(raw, data_type)
        if kind == "d":
            return Cell(iso_date(raw), data_type)  # an ISO date, as some writers store them
        try:
            number_value = float(raw)
        except ValueError:
            return Cell(raw, data_type)
        if number_value.is_integer():
            number_value = int(number_value)
        if dates and c.get("s") in dates:
            return Cell(excel_date(number_value, date1904), data_type)
        return Cell(number_value, data_type)

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """Return the sheet's merged ranges as (min_col, min_row, max_col, max_row).

        Ranges are cut at the column limit (nothing further right is read) and single cells
        dropped. The <mergeCells> element sits after the data, so the part's bytes are scanned
        for it instead of parsing the whole XML again. Raise SheetError for a malformed, reversed
        or too large range, or too many.
        """
        limits = self.book.limits
        found: set[bytes] = set()
        tail = b""
        for chunk in self.book._chunks(
            self._worksheet_path, self.label, size=limits.text_run_bytes
        ):
            buffer = tail + chunk
            end = 0
            for match in MERGE_CELL.finditer(buffer):
                if buffer[match.start() - 1 : match.start()] not in (b"<", b":"):
                    continue  # text that merely reads "mergeCell ref=…"
                found.add(match.group(1))
                end = match.end()
                if len(found) > limits.merged_ranges:
                    limit = _count(limits.merged_ranges)
                    raise SheetError(f"合并单元格区域超过上限（每个工作表最多 {limit} 个）。")
            # Keep an unfinished tag for the next chunk (a tag is shorter than text_run_bytes).
            tail = buffer[max(end, buffer.rfind(b"<")) :]
        ranges = []
        for raw in found:
            ref = raw.decode("ascii", "replace")
            match = MERGE_REF.fullmatch(ref)
            if match is None:
                raise SheetError(f"合并单元格区域“{ref[:40]}”无效。")
            min_col = _column(match.group(1) + match.group(2))
            max_col = _column(match.group(3) + match.group(4))
            min_row, max_row = int(match.group(2)), int(match.group(4))
            if (
                min_col > max_col
                or min_row > max_row
                or max_col > MAX_COLUMN
                or max_row > limits.row_number
            ):
                raise SheetError(f"合并单元格区域“{ref}”无效。")
            area = (max_col - min_col + 1) * (max_row - min_row + 1)
            if area > limits.merged_area:
                raise SheetError(
                    f"合并单元格区域“{ref}”过大（{area:,} 个单元格，"
                    f"每个区域最多 {limits.merged_area:,} 个）。"
                )
            if area > 1 and min_col <= limits.columns:
                ranges.append((min_col, min_row, min(max_col, limits.columns), max_row))
        return ranges


def _rows_error(where: str, limit: int, number: int) -> SheetError:
    return SheetError(f"有内容的行数超过上限（{where}最多 {_count(limit)} 行）。", number)


def _too_long(c, length: int, chars: int, number: int) -> SheetError:
    return SheetError(
        f"单元格“{(c.get('r') or '')[:20]}”的文字有 {length:,} 个字符，超过上限"
        f"（每个单元格最多 {chars:,} 个字符，与 Excel 相同）。",
        number,
    )


class Book:
    """The worksheets of an .xlsx archive, read lazily and within ``limits``."""

    def __init__(self, handle, limits: Limits = LIMITS):
        self.limits = limits
        size = _check_directory(handle, limits)
        self._archive = zipfile.ZipFile(handle)
        self._strings: list[str] | None = None
        self._styles_path = ""
        self._date_styles: frozenset[str] | None = None
        self.date1904 = False
        self.content_rows = 0  # rows holding content read so far, all sheets together
        try:
            infos = self._archive.infolist()
            if len(infos) > limits.zip_entries:
                raise _entries_error(len(infos), limits)
            if sum(info.compress_size for info in infos) > size:
                raise LimitError(
                    "文件中各压缩条目的数据合计大于文件本身，条目相互重叠，疑似压缩炸弹，已拒绝。"
                )
            self.worksheets = self._sheets()
            # The parts to be read are checked by name first, so that a message names the
            # sheet; a missing one is reported when its sheet is read.
            names = set(self._archive.namelist())
            for sheet in self.worksheets:
                if sheet._worksheet_path in names:
                    self._entry(sheet._worksheet_path, sheet.label)
            if SHARED_STRINGS in names:
                self._entry(SHARED_STRINGS, SHARED_STRINGS_LABEL)
            if self._styles_path in names:
                self._styles_entry()
            total = sum(info.file_size for info in infos)
            if total > limits.total_bytes:
                raise LimitError(
                    f"文件解压后共 {_size(total)}，超过上限 {_size(limits.total_bytes)}。"
                    "请按领域拆分为多个工作簿后分别导入。"
                )
        except BaseException:
            self._archive.close()
            raise

    def _entry(self, name: str, label: str) -> zipfile.ZipInfo:
        """Return the entry of part ``name`` once its declared sizes pass; KeyError if none."""
        info = self._archive.getinfo(name)
        limits = self.limits
        if info.flag_bits & 0x1:
            raise LimitError(
                f"{label}已加密，无法读取。请在 Excel 中取消密码后另存为 .xlsx 再导入。"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise LimitError(
                f"{label}使用了 Excel 不使用的压缩方式（{info.compress_type}），无法读取。"
            )
        if info.file_size > limits.part_bytes:
            raise LimitError(
                f"{label}解压后为 {_size(info.file_size)}，超过单个部件的上限 "
                f"{_size(limits.part_bytes)}。"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_grace_bytes and ratio > limits.ratio:
            raise LimitError(
                f"{label}的压缩比为 {ratio:.0f} 倍，超过上限 {limits.ratio} 倍，"
                "疑似压缩炸弹，已拒绝。"
            )
        return info

    def _chunks(self, name: str, label: str, size: int = CHUNK) -> Iterator[bytes]:
        """Yield the uncompressed bytes of part ``name`` in chunks, each checked before use.

        Refuse a part that is not UTF-8, holds a DTD or entity declaration, a comment or a
        processing instruction, grows past its limit or holds a run of more than
        ``text_run_bytes`` without a ``<`` (a text node or tag the parser would have to buffer
        whole).
        """
        limits = self.limits
        info = self._entry(name, label)
        longest, part_limit = limits.text_run_bytes, limits.part_bytes
        size = min(size, longest)  # a run inside one chunk is then never too long
        run = seen = 0
        tail = b""
        with self._archive.open(info) as part:
            read = part.read
            while chunk := read(size):
                if not seen:
                    _check_encoding(chunk, label)
                seen += len(chunk)
                if seen > part_limit:
                    raise LimitError(f"{label}解压后超过单个部件的上限 {_size(part_limit)}。")
                first = chunk.find(b"<")
                if first < 0:
                    run += len(chunk)
                else:
                    if run + first > longest:
                        raise _run_error(label, longest)
                    run = len(chunk) - 1 - chunk.rfind(b"<")
                if run > longest:
                    raise _run_error(label, longest)
                # "!" and "?" are rare in sheet XML (Chinese text has the full-width ones), so
                # finding them is cheaper than finding "<!" among the many "<". Markup may
                # straddle two chunks: look again with the previous chunk's last two bytes.
                if b"!" in chunk or b"?" in chunk or tail == b"<!":
                    _check_markup(tail + chunk, seen - len(chunk) - len(tail), label)
                tail = chunk[-2:]
                yield chunk

    def _units(self, name: str, label: str, *units: str) -> Iterator:
        """Yield each complete element of a part named in ``units`` (tags), then drop it and
        what came before.

        What a part holds besides its units is bounded like a row: ``element_bytes`` and
        ``element_count``.
        """
        limits = self.limits
        parser = XMLPullParser(events=("start", "end"))
        stack: list = []
        root = None
        pending = 0
        for chunk in self._chunks(name, label):
            parser.feed(chunk)
            ended = False
            for event, element in parser.read_events():
                if event == "start":
                    if root is None:
                        root = element
                    stack.append(element)
                    continue
                stack.pop()
                if element.tag in units:
                    yield element
                    ended = True
                    if stack:
                        del stack[-1][:]
            pending = 0 if ended else pending + len(chunk)
            if pending > limits.element_bytes or (
                root is not None and len(list(root.iter())) > limits.element_count
            ):
                raise LimitError(
                    f"{label}中单个 XML 元素的数据超过上限（最多 {_size(limits.element_bytes)}、"
                    f"{_count(limits.element_count)} 个子元素）。"
                )
        parser.close()

    def _sheets(self) -> list[Sheet]:
        limits = self.limits
        label = "工作簿关系表（xl/_rels/workbook.xml.rels）"
        targets = {}
        for element in self._units("xl/_rels/workbook.xml.rels", label, f"{PKG_REL}Relationship"):
            kind = element.get("Type", "")
            if kind.endswith(WORKSHEET_TYPE):
                targets[element.get("Id")] = element.get("Target") or ""
                if len(targets) > limits.worksheets:
                    raise _sheets_error(limits)
            elif kind.endswith(STYLES_TYPE) and element.get("Target"):
                self._styles_path = _part_path(element.get("Target"))
        sheets, paths = [], set()
        label = "工作簿目录（xl/workbook.xml）"
        for element in self._units("xl/workbook.xml", label, f"{MAIN}sheet", WORKBOOK_PR):
            if element.tag == WORKBOOK_PR:
                # Dates count from 1904-01-01 in workbooks made by old Excel for Mac.
                self.date1904 = element.get("date1904", "").strip().lower() in ("1", "true")
                continue
            if len(sheets) >= limits.worksheets:
                raise _sheets_error(limits)
            target = targets.get(element.get(f"{REL}id"))
            if not target:
                continue  # chart sheets and dialog sheets hold no table
            path = _part_path(target)
            if path in paths:
                # Excel never does this; reading the same part for each name would multiply
                # the work past what the size limits allow for.
                raise LimitError(f"多个工作表指向同一部件（{path[:80]}），文件已损坏。")
            paths.add(path)
            sheets.append(Sheet(self, element.get("name", ""), path))
        return sheets

    def shared_strings(self) -> list[str]:
        """Return the shared strings table (read once); raise LimitError past its limits."""
        if self._strings is None:
            limits = self.limits
            strings: list[str] = []
            if SHARED_STRINGS in self._archive.namelist():
                label = SHARED_STRINGS_LABEL
                chars = 0
                append = strings.append
                for element in self._units(SHARED_STRINGS, label, f"{MAIN}si"):
                    text = _text(element)
                    length = len(text)
                    if length > limits.cell_chars:
                        raise LimitError(
                            f"{label}第{len(strings) + 1}项有 {length:,} 个字符，超过上限"
                            f"（每个单元格最多 {limits.cell_chars:,} 个字符，与 Excel 相同）。"
                        )
                    chars += length
                    if chars > limits.shared_chars:
                        raise LimitError(
                            f"{label}的文字合计超过上限（最多 {limits.shared_chars:,} 个字符）。"
                        )
                    if len(strings) >= limits.shared_strings:
                        raise LimitError(
                            f"{label}的字符串超过上限（最多 {limits.shared_strings:,} 个）。"
                        )
                    append(text)
            self._strings = strings
        return self._strings

    @property
    def _styles_label(self) -> str:
        return f"样式表（{self._styles_path[:80]}）"

    def _styles_entry(self) -> zipfile.ZipInfo:
        info = self._entry(self._styles_path, self._styles_label)
        if info.file_size > self.limits.styles_bytes:
            raise _styles_size_error(self._styles_label, self.limits, info.file_size)
        return info

    def date_styles(self) -> frozenset[str]:
        """Return the cell formats (as cells name them: ``s="3"``) that show a date or time.

        Read once from the styles part, within ``styles_bytes``, ``cell_formats``,
        ``number_formats`` and ``format_chars``; raise LimitError past them or when the part is
        corrupt. A workbook without styles has no dates.
        """
        if self._date_styles is None:
            path = self._styles_path
            if not path or path not in self._archive.namelist():
                self._date_styles = frozenset()
            else:
                try:
                    self._date_styles = self._read_date_styles()
                except (ParseError, zipfile.BadZipFile, zlib.error, EOFError) as error:
                    raise LimitError(
                        f"{self._styles_label}已损坏，无法读取。请在 Excel 中重新保存后再导入。"
                    ) from error
        return self._date_styles

    def _read_date_styles(self) -> frozenset[str]:
        limits, label = self.limits, self._styles_label
        self._styles_entry()
        codes: dict[str, str] = {}  # custom format codes by numFmtId
        formats: list[str] = []  # the numFmtId of each cell format, in order
        parser = XMLPullParser(events=("start", "end"))
        stack: list = []
        root = None
        seen = pending = 0
        for chunk in self._chunks(self._styles_path, label):
            seen += len(chunk)
            if seen > limits.styles_bytes:
                raise _styles_size_error(label, limits)
            parser.feed(chunk)
            ended = False
            for event, element in parser.read_events():
                if event == "start":
                    if root is None:
                        root = element
                    stack.append(element)
                    continue
                stack.pop()
                if len(stack) != 2:
                    continue
                # A child of one of the part's sections: a number format, a cell format, a
                # font, a fill … Only <numFmts> and <cellXfs> matter (<dxfs> and
                # <cellStyleXfs> hold number formats and formats of their own).
                section = stack[1].tag
                if section == NUM_FMTS and element.tag == NUM_FMT:
                    code = element.get("formatCode") or ""
                    if len(codes) >= limits.number_formats:
                        raise LimitError(
                            f"{label}的自定义数字格式超过上限"
                            f"（最多 {_count(limits.number_formats)} 个）。"
                        )
                    if len(code) > limits.format_chars:
                        raise LimitError(
                            f"{label}第{len(codes) + 1}个自定义数字格式有 {len(code):,} 个字符，"
                            f"超过上限（每个最多 {limits.format_chars:,} 个字符，"
                            "Excel 为 255 个）。"
                        )
                    codes[(element.get("numFmtId") or "").strip()] = code
                elif section == CELL_XFS and element.tag == XF:
                    if len(formats) >= limits.cell_formats:
                        raise LimitError(
                            f"{label}的单元格格式超过上限（最多 {_count(limits.cell_formats)} 个，"
                            "Excel 为 64,000 个），文件已损坏或被刻意构造，已拒绝。"
                        )
                    formats.append((element.get("numFmtId") or "0").strip())
                del stack[1][:]
                ended = True
            pending = 0 if ended else pending + len(chunk)
            if pending > limits.element_bytes or (
                root is not None and len(list(root.iter())) > limits.element_count
            ):
                raise LimitError(
                    f"{label}中单个 XML 元素的数据超过上限（最多 {_size(limits.element_bytes)}、"
                    f"{_count(limits.element_count)} 个子元素）。"
                )
        parser.close()
        kinds: dict[str, bool] = {}
        for fmt in set(formats):
            if fmt in codes:
                kinds[fmt] = is_date_format(codes[fmt])
            else:
                kinds[fmt] = fmt.isdigit() and len(fmt) < 6 and int(fmt) in DATE_FORMAT_IDS
        return frozenset(str(i) for i, fmt in enumerate(formats) if kinds[fmt])

    def close(self) -> None:
        self._archive.close()


def _styles_size_error(label: str, limits: Limits, size: int = 0) -> LimitError:
    found = f"为 {_size(size)}，" if size else ""
    return LimitError(f"{label}解压后{found}超过样式表的上限 {_size(limits.styles_bytes)}。")


def _part_path(target: str) -> str:
    """Return the part a workbook relationship's target names."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _entries_error(entries: int, limits: Limits) -> LimitError:
    return LimitError(
        f"文件含有 {entries:,} 个压缩条目，超过上限 {_count(limits.zip_entries)} 个，"
        "不是正常的 Excel 工作簿。"
    )


def _sheets_error(limits: Limits) -> LimitError:
    return LimitError(f"工作簿的工作表超过上限（最多 {limits.worksheets} 个）。")


def _run_error(label: str, longest: int) -> LimitError:
    return LimitError(
        f"{label}含有超过 {_size(longest)} 的连续文字或标记（超过上限），文件已损坏或被刻意构造。"
    )


def _check_markup(window: bytes, start: int, label: str) -> None:
    """Refuse DTD declarations, comments and processing instructions in ``window``.

    ``start`` is the window's offset in the part: the XML declaration (``<?xml`` at the start,
    after a byte order mark if any) is the one processing instruction allowed. A ``<!`` at the
    window's end is left for the next window, which starts with it.
    """
    for match in MARKUP.finditer(window):
        at = match.start()
        if window[at + 1] == 0x3F:  # "<?"
            if start + at == 0 or (start + at == 3 and window.startswith(b"\xef\xbb\xbf")):
                continue
            raise _markup_error(label)
        kind = window[at + 2 : at + 3]
        if kind == b"[":
            continue  # CDATA: character data, bounded like any text
        if kind == b"-":
            # ElementTree's TreeBuilder concatenates an element's text anew at every comment
            # or processing instruction: a few megabytes of them cost hours.
            raise _markup_error(label)
        if kind:
            raise LimitError(
                f"{label}含有文档类型定义（DTD）或实体声明，正常的 Excel 工作簿不会包含"
                "这些内容，已拒绝。"
            )


def _markup_error(label: str) -> LimitError:
    return LimitError(
        f"{label}含有 XML 注释或处理指令，正常的 Excel 工作簿不会包含这些内容，已拒绝。"
    )


def _check_encoding(first: bytes, label: str) -> None:
    """Refuse a part that is not UTF-8: the byte scans for ``<`` would not see its markup."""
    declared = XML_ENCODING.match(first)
    if (
        first.startswith((b"\xfe\xff", b"\xff\xfe"))
        or b"\x00" in first[:4]
        or (declared is not None and declared.group(1).lower() not in UTF8_NAMES)
    ):
        raise LimitError(f"{label}不是 UTF-8 编码的 XML，无法读取。")


def _check_directory(handle, limits: Limits) -> int:
    """Check the zip's entry count and directory size; return the file's size.

    Read from the End Of Central Directory record (and its zip64 twin) before ``zipfile``
    parses a directory that may list millions of entries. Raise zipfile.BadZipFile when there
    is no such record.
    """
    start = handle.tell()
    handle.seek(0, 2)
    size = handle.tell()
    window = min(size, 22 + 0xFFFF + 20 + 56)
    handle.seek(size - window)
    tail = handle.read(window)
    handle.seek(start)
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory record")
    _, _, _, disk_entries, entries, directory, _, _ = struct.unpack("<4s4H2LH", tail[at : at + 22])
    entries = max(entries, disk_entries)
    # A zip64 record sits just before its locator, which sits just before the classic record
    # (where zipfile looks for it too).
    if at >= 76 and tail[at - 20 : at - 16] == EOCD64_LOCATOR:
        record = tail[at - 76 : at - 20]
        if record[:4] != EOCD64:
            raise zipfile.BadZipFile("corrupt zip64 end of central directory record")
        _, _, _, _, _, _, disk_entries64, entries64, directory64, _ = struct.unpack(
            "<4sQ2H2L4Q", record
        )
        # 0xFFFF and 0xFFFFFFFF above only say "see the zip64 record".
        entries = max(entries if entries != 0xFFFF else 0, disk_entries64, entries64)
        directory = max(directory if directory != 0xFFFFFFFF else 0, directory64)
    if entries > limits.zip_entries:
        raise _entries_error(entries, limits)
    if directory > limits.directory_bytes:
        raise LimitError(
            f"文件的压缩目录为 {_size(directory)}，超过上限 {_size(limits.directory_bytes)}，"
            "不是正常的 Excel 工作簿。"
        )
    return size
