"""Read catalog workbooks as they are really published, into rows of element values.

Accepts the common table and its variants (``fixtures/catalog-format.md``): a title row above
the header, a two-row merged header, notes below the table, merged 一级事项 (and other) cells,
√ marks, the ■/□ channel checklist, no 公开层级 column or other level labels, a 三级事项 column,
特定群众 / 依申请公开 spellings, ●/〇 marks inside 公开内容, extra columns (kept), and Changsha's
wide header with 公开层级N / 公开渠道和载体N pairs. Columns are matched by their normalised
heading text, never by position. An .xlsx is streamed (``xlsx_stream``), so a workbook of
100,000 lines is read in bounded memory; a legacy .xls (Excel 97–2003) is checked record by
record and then read a sheet at a time (``xls_read``), within the same limits.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError

from django.conf import settings

from .. import elements
from ..levels import canonical_levels, merge_levels
from ..models import CatalogEntry, Channel, Element
from . import xls_read, xlsx_stream

FORMATS = ".xlsx 或 .xls"
HEADER_SCAN_ROWS = 20
TRUE_MARKS = {"√", "✓", "✔", "v", "V", "●", "■", "是", "Y", "y", "有", "☑"}
FALSE_MARKS = {"×", "✗", "否", "无", "-", "—", "/", "□", "〇", "○", "N", "n", "☐"}
NOTE_PREFIXES = ("注", "备注", "说明", "填表说明", "填报说明")
ITEM_TYPES = {
    "政务服务事项": CatalogEntry.ItemType.SERVICE,
    "政务服务": CatalogEntry.ItemType.SERVICE,
    "非政务服务事项": CatalogEntry.ItemType.NON_SERVICE,
    "非政务服务": CatalogEntry.ItemType.NON_SERVICE,
}
# Normalised single headings (merged down over both header rows, or alone in one row): the
# item's own, then every element's from the registry (公开层级 alone is a text of levels).
SINGLE_HEADINGS = {
    "序号": "seq",
    "一级事项": "first_level",
    "二级事项": "second_level",
    "三级事项": "third_level",
    **{
        heading: spec.name if spec.kind != elements.LEVELS else "levels_text"
        for spec in elements.SPECS
        if spec.kind != elements.FLAGS
        for heading in spec.headings
    },
}
# Sub-headings under a merged top heading.
SUB_HEADINGS = {
    ("公开事项", "一级事项"): "first_level",
    ("公开事项", "二级事项"): "second_level",
    ("公开事项", "三级事项"): "third_level",
    **{
        (heading, sub): flag.column
        for spec in elements.SPECS
        for heading in spec.headings
        for flag in spec.flags
        for sub in flag.sub_headings
    },
}
KEY_LABELS = {
    "seq": "序号",
    "first_level": "一级事项",
    "second_level": "二级事项",
    "third_level": "三级事项",
    **{f.column: f"{s.label}：{f.label}" for s in elements.SPECS for f in s.flags},
    "levels_text": "公开层级",
    **{e.value: str(e.label) for e in Element},
}
FLAG_KEYS = elements.FLAG_COLUMNS
TEXT_KEYS = elements.TEXT_ELEMENTS
# A parenthesised legend in a heading, e.g. （“■”表示已选）. Found as any parenthesised text, then
# kept or dropped by whether it holds a mark: one pattern for both backtracks quadratically on a
# long unclosed parenthesis.
PARENTHESISED = re.compile(r"[(（][^()（）]*[)）]")
LEGEND_MARK = re.compile(r"[■□●〇√“”\"]")


class WorkbookError(Exception):
    """A file-level problem (not a workbook, corrupt, encrypted, too big, no usable sheet)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CellError:
    """One problem in one place: sheet, row number (1-based), column heading, message."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


@dataclass
class SheetHeader:
    """How one sheet's headings were understood."""

    sheet: str
    domain: str
    header_rows: tuple[int, ...]
    mapping: list[tuple[str, str]] = field(default_factory=list)  # (heading, element label)
    extra: list[str] = field(default_factory=list)  # headings kept as extra columns
    level_labels: list[str] = field(default_factory=list)
    # 公开层级 labels read as canonical levels (catalog/levels.py): {"乡、村级": "乡级、村级"}.
    level_mapping: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedRow:
    """One catalog line: where it is, its natural key and its element values."""

    sheet: str
    row: int
    domain: str
    first_level: str
    second_level: str
    values: dict
    channel_names: list[str]
    extra: dict
    errors: list[CellError]


def normalise_heading(text) -> str:
    """Return a heading without spaces, legends and full-width parentheses."""
    if text is None:
        return ""
    text = str(text)
    text = PARENTHESISED.sub(_drop_legend, text)
    text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")
    return text


def _open(source) -> tuple[bytes | IO[bytes], int]:
    if isinstance(source, str | Path):
        path = Path(source)
        return path.open("rb"), path.stat().st_size
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), len(source)
    position = source.tell()
    source.seek(0, io.SEEK_END)
    size = source.tell() - position
    source.seek(position)
    return source, size


def _drop_legend(match: re.Match) -> str:
    return "" if LEGEND_MARK.search(match.group()) else match.group()


def open_workbook(source):
    """Open ``source`` (path, bytes or binary file) for reading; raise WorkbookError.

    Return an ``xlsx_stream.Book`` for an .xlsx (a zip) or an ``xls_read.Book`` for an Excel
    97–2003 .xls (an OLE2 compound file), told apart by the content, not the name.
    """
    handle, size = _open(source)
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    if size > limit:
        raise WorkbookError(
            f"文件过大：{size / 2**20:.1f} MB，超过导入上限 {limit / 2**20:.0f} MB。"
            "请按领域拆分为多个工作簿后分别导入。"
        )
    if size == 0:
        raise WorkbookError(f"文件是空的，请选择目录工作簿（{FORMATS}）。")
    head = handle.read(8)
    handle.seek(handle.tell() - len(head))
    # The content decides the reader, whatever the file is called: a .xls renamed .xlsx (or
    # the other way round) still reads.
    if head == xls_read.OLE_SIGNATURE:
        # xlrd reads a whole file; its size was checked above, before anything was read.
        try:
            return xls_read.Book(handle.read(size), xlsx_stream.LIMITS)
        except xlsx_stream.LimitError as error:
            raise WorkbookError(error.message) from error
        except (struct.error, ValueError, IndexError, OverflowError) as error:
            # xls_read bounds every read it makes; should a malformed file still trip one, it is
            # the file's corruption, told as such, not a server error.
            raise WorkbookError(
                "文件已损坏，无法作为 Excel 97–2003 工作簿（.xls）读取，请重新保存后再导入。"
            ) from error
        finally:
            if isinstance(source, str | Path):
                handle.close()
    if not head.startswith(b"PK"):
        raise WorkbookError(f"文件不是 Excel 工作簿（{FORMATS}），请检查所选文件。")
    try:
        book = xlsx_stream.Book(handle)
    except xlsx_stream.LimitError as error:
        raise WorkbookError(error.message) from error
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError, EOFError) as error:
        raise WorkbookError(
            "文件已损坏，无法作为 Excel 工作簿读取，请重新保存后再导入。"
        ) from error
    return book


class _Filler:
    """Give the cells a merged range covers the text of the range's top-left cell, row by row.

    A range is an interval, taken up when the rows reach its first row and dropped after its
    last, so a tall or wide range costs one entry instead of one per cell. Rows must come in
    increasing order, each once.
    """

    def __init__(self, ranges: list[tuple[int, int, int, int]], columns: int):
        # (min_col, min_row, max_col, max_row), the next to start last.
        self.waiting = sorted(ranges, key=lambda r: (r[1], r[0]), reverse=True)
        self.active: list[tuple[int, int, int, int, str]] = []  # + the anchor's text
        self.until = 0  # the first row after which an active range ends
        # The active range covering each column: Excel never overlaps ranges, and one that did
        # would make a row's filling cost the product of their widths.
        self.owner: list[tuple | None] = [None] * (columns + 1)

    def covered(self, row: int, cells: list, width: int) -> list[tuple[int, str]]:
        """Return (column, top-left text) for the cells of ``row`` up to ``width`` ranges cover.

        ``cells`` are the row's cells, where a range starting in this row finds its top-left
        cell; top-left cells themselves are not in the list. Raise SheetError for overlapping
        ranges.
        """
        if self.active and row > self.until:
            keep = []
            for entry in self.active:
                if entry[3] >= row:
                    keep.append(entry)
                else:
                    self.owner[entry[0] : entry[2] + 1] = [None] * (entry[2] - entry[0] + 1)
            self.active = keep
            self.until = min((entry[3] for entry in keep), default=0)
        waiting = self.waiting
        while waiting and waiting[-1][1] <= row:
            min_col, min_row, max_col, max_row = waiting.pop()
            if max_row < row:
                continue  # its rows held nothing
            span = self.owner[min_col : max_col + 1]
            if span.count(None) != len(span):
                other = next(entry for entry in span if entry is not None)
                raise xlsx_stream.SheetError(
                    f"合并单元格区域“{_range_ref(min_col, min_row, max_col, max_row)}”与"
                    f"“{_range_ref(other[0], other[1], other[2], other[3])}”重叠。",
                    row,
                )
            value = cells[min_col - 1].value if min_row == row and min_col <= len(cells) else None
            entry = (min_col, min_row, max_col, max_row, _cell_text(value))
            self.owner[min_col : max_col + 1] = [entry] * (max_col - min_col + 1)
            self.active.append(entry)
            self.until = max_row if len(self.active) == 1 else min(self.until, max_row)
        out = []
        for min_col, min_row, max_col, _, text in self.active:
            for col in range(min_col, min(max_col, width) + 1):
                if col != min_col or row != min_row:
                    out.append((col, text))
        return out


def _range_ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_keys(top_row: list[str], sub_row: list[str] | None):
    """Map columns to keys from one or two header rows; return (keys, headings, two_rows)."""
    keys, headings = [], []
    # The row below is a second header row only if it holds real sub-headings: a data line
    # with text under 公开渠道和载体 or 公开层级 must not be mistaken for one.
    pairs = list(zip(top_row, sub_row or [], strict=False))
    level_subs = sum(
        1
        for t, s in pairs
        if normalise_heading(t) == "公开层级" and re.fullmatch(r".{1,8}级", _sub(s))
    )
    # Level labels count only when 公开层级 spans two or more of them (a merged heading).
    two_rows = bool(sub_row) and (
        any((normalise_heading(t), _sub(s)) in SUB_HEADINGS for t, s in pairs) or level_subs >= 2
    )
    for i, top in enumerate(top_row):
        top_n = normalise_heading(top)
        sub = _sub(sub_row[i]) if two_rows and i < len(sub_row) else ""
        heading = f"{top_n}/{sub}" if sub else top_n
        key = None
        if sub and (top_n, sub) in SUB_HEADINGS:
            key = SUB_HEADINGS[(top_n, sub)]
        elif sub and top_n == "公开层级":
            key = f"level_flag:{sub}"
        elif sub and top_n in ("", "公开事项") and sub in SINGLE_HEADINGS:
            key = SINGLE_HEADINGS[sub]
        elif top_n in SINGLE_HEADINGS and not sub:
            key = SINGLE_HEADINGS[top_n]
        elif not sub and (m := re.fullmatch(r"公开层级(\d+)", top_n)):
            key = f"level_{m.group(1)}"
        elif not sub and (m := re.fullmatch(r"公开渠道和载体(\d+)", top_n)):
            key = f"level_{m.group(1)}_channels"
        elif sub and SINGLE_HEADINGS.get(top_n) == "channels":
            # A channel checklist laid out as one √ column per channel.
            key = f"channel_flag:{sub}"
        keys.append(key)
        headings.append(heading)
    return keys, headings, two_rows


def _find_domain(texts: list[str], sheet_title: str, domains: list[str]) -> str | None:
    for text in [*texts, sheet_title]:
        text = normalise_heading(text)
        found = [d for d in domains if d in text]
        if found:
            return max(found, key=len)
    return None


def parse_marks(text: str) -> bool | None:
    """Return True/False for a mark cell, or None when the text is not a mark."""
    if not text:
        return False
    if text in TRUE_MARKS:
        return True
    if text in FALSE_MARKS:
        return False
    return None


NOTE_IN_CELL = re.compile(r"注[:：]")
CHECKLIST = re.compile(r"([■□☑☐])")
SPACES = re.compile(r"\s+")
# A numbered list item starts where a run of digits starts: matching \d+ from inside a long run
# of digits again and again backtracks quadratically.
NAME_SEPARATORS = re.compile(r"[、,，;；\n\r]+|\s{1,}|(?<!\d)\d+[.、．]")
CACHED_CHANNEL_TEXT = 1_000  # longer cells are parsed each time, not kept by the cache
LEVEL_SPLIT = re.compile(r"[、,，;；\s]+")


def parse_channel_names(text: str) -> list[str]:
    """Return the selected channel names of a channel cell (■/□ checklist, √, or a list)."""
    # A workbook repeats the same few channel cells on most lines; long ones are not worth
    # keeping (4,096 cells of 32,767 characters would hold a quarter of a gigabyte).
    if len(text) > CACHED_CHANNEL_TEXT:
        return list(_channel_names.__wrapped__(text))
    return list(_channel_names(text))


@functools.lru_cache(maxsize=4096)
def _channel_names(text: str) -> tuple[str, ...]:
    text = text.replace("（", "(").replace("）", ")")
    # A note sometimes follows the checklist in the same cell: 注:有关公开信息可推送……
    if "注" in text and (note := NOTE_IN_CELL.search(text)):
        text = text[: note.start()].rstrip()
    if any(mark in text for mark in ("■", "□", "☑", "☐")):
        parts = CHECKLIST.split(text)
        names = []
        for mark, name in zip(parts[1::2], parts[2::2], strict=False):
            name = SPACES.sub("", name)
            if mark in ("■", "☑") and name:
                names.append(name)
        return tuple(names)
    tokens = NAME_SEPARATORS.split(text)
    return tuple(SPACES.sub("", t).lstrip("√") for t in tokens if t and t.strip("√ "))


def read_rows(source, *, domains: list[str]) -> Iterator[SheetHeader | ParsedRow | CellError]:
    """Yield, sheet by sheet, a SheetHeader then its ParsedRows; CellErrors for bad places.

    ``domains`` are the known domain names; a sheet's domain is found in its title rows or
    its name. After ``Limits.errors`` errors, yield one more that says so and stop: the
    import fails anyway, and a hostile file could otherwise make the report itself huge.
    """
    limit, errors = xlsx_stream.LIMITS.errors, 0
    items = _read_rows(source, domains)
    try:
        for item in items:
            yield item
            # Counted after the consumer has seen the row (and added its own findings).
            errors += len(item.errors) if isinstance(item, ParsedRow) else 0
            errors += isinstance(item, CellError)
            if errors >= limit:
                yield CellError(
                    item.sheet,
                    0,
                    "",
                    f"错误已达 {limit} 个，停止读取，之后的行未检查。请先改正以上错误后再导入。",
                )
                return
    finally:
        items.close()


def _read_rows(source, domains: list[str]) -> Iterator[SheetHeader | ParsedRow | CellError]:
    book = open_workbook(source)
    corrupt = (ParseError, zipfile.BadZipFile, KeyError, zlib.error, EOFError)
    try:
        try:
            book.shared_strings()
        except xlsx_stream.LimitError as error:
            raise WorkbookError(error.message) from error
        except corrupt as error:
            raise WorkbookError(
                f"共享字符串表（{xlsx_stream.SHARED_STRINGS}）已损坏，无法读取。"
                "请在 Excel 中重新保存后再导入。"
            ) from error
        found_any = False
        for sheet in book.worksheets:
            try:
                result = yield from _read_sheet(book, sheet, domains)
            except xlsx_stream.SheetError as error:
                # The sheet's reading stops here; the other sheets are still checked.
                yield CellError(sheet.title, error.row, "", error.message)
                result = True
            except xlsx_stream.LimitError as error:
                raise WorkbookError(error.message) from error
            except corrupt as error:
                raise WorkbookError(
                    f"工作表“{sheet.title}”已损坏，无法读取。请在 Excel 中重新保存后再导入。"
                ) from error
            found_any = found_any or result
        if not found_any:
            raise WorkbookError("工作簿中没有可导入的目录表：每个工作表都为空或没有可识别的表头。")
    finally:
        book.close()


def _too_many_chars(title: str, index: int, length: int, limit: int) -> CellError:
    return CellError(
        title,
        index,
        "",
        f"本行文字共 {length:,} 个字符，超过上限（每行最多 {limit:,} 个字符）。",
    )


def _read_sheet(book, sheet, domains):
    title = sheet.title
    limits = book.limits
    row_chars = limits.row_chars
    filler = _Filler(sheet.merged_ranges(), limits.columns)
    rows = sheet.rows()
    # (row number, cells, covered cells) of the rows above the first data row.
    buffered: list[tuple[int, list, list]] = []
    header_at = None
    for index, cells in rows:
        if header_at is None and index > HEADER_SCAN_ROWS:
            break
        length = sum(len(_cell_text(c.value)) for c in cells)
        if length > row_chars:
            yield _too_many_chars(title, index, length, row_chars)
            return True
        # Covered cells up to the column limit: a heading merged to the right edge leaves the
        # top row shorter than the sub-heading row.
        buffered.append((index, cells, filler.covered(index, cells, limits.columns)))
        texts = [normalise_heading(c.value) for c in cells]
        if header_at is None and "二级事项" in texts:
            header_at = index
            # 二级事项 is usually a sub-heading under 公开事项 in the row above.
            if len(buffered) > 1 and buffered[-2][0] == index - 1:
                above = buffered[-2][1]
                if "公开事项" in [normalise_heading(c.value) for c in above]:
                    header_at = index - 1
        if header_at is not None and index >= header_at + 1:
            break
        if index >= HEADER_SCAN_ROWS:
            break
    if not buffered or all(_cell_text(c.value) == "" for _, cs, _ in buffered for c in cs):
        return False
    if header_at is None:
        # A sheet with content but no recognisable header is an error, unless it only holds
        # notes (a cover or instructions sheet: one text per row, or named so).
        notes_only = all(sum(1 for c in cs if _cell_text(c.value)) <= 1 for _, cs, _ in buffered)
        if notes_only or any(word in title for word in ("说明", "封面", "填表", "注意事项")):
            return False
        yield CellError(
            title,
            0,
            "",
            "找不到表头：前20行中没有“二级事项”列。请使用标准目录表格（含“公开事项/二级事项”等列）。",
        )
        return True
    by_number = {i: (cs, covered) for i, cs, covered in buffered}
    top_cells, top_covered = by_number[header_at]
    sub_cells = by_number.get(header_at + 1, ([], []))[0]
    width = max(len(top_cells), len(sub_cells))
    top_cover = dict(top_covered)
    top = [
        _cell_text(top_cells[i - 1].value if i <= len(top_cells) else None) or top_cover.get(i, "")
        for i in range(1, width + 1)
    ]
    sub = [_cell_text(c.value) for c in sub_cells]
    top_filled = _fill_right_under(top, sub)
    keys, headings, two_rows = _header_keys(top_filled, sub if sub else None)
    if "second_level" not in keys:
        yield CellError(title, header_at, "", "表头中没有“二级事项”列。")
        return True
    title_texts = [_cell_text(c.value) for i, cs, _ in buffered if i < header_at for c in cs]
    domain = _find_domain(title_texts, title, domains)
    if domain is None:
        yield CellError(
            title,
            0,
            "",
            "无法确定所属领域：标题行或工作表名称中应含有领域名称（如“重大建设项目”）。",
        )
        return True
    header = SheetHeader(
        sheet=title,
        domain=domain,
        header_rows=(header_at, header_at + 1) if two_rows else (header_at,),
    )
    for heading, key in zip(headings, keys, strict=True):
        if not heading:
            continue
        if key is None:
            header.extra.append(heading)
        elif key.startswith("level_flag:"):
            header.level_labels.append(key.split(":", 1)[1])
            header.mapping.append((heading, f"公开层级：{key.split(':', 1)[1]}"))
        elif key.startswith("channel_flag:"):
            header.mapping.append((heading, f"公开渠道和载体：{key.split(':', 1)[1]}"))
        elif re.fullmatch(r"level_\d+(_channels)?", key):
            n = key.split("_")[1]
            header.mapping.append(
                (heading, f"公开层级{n}" + ("的渠道" if key.endswith("channels") else ""))
            )
        else:
            header.mapping.append((heading, KEY_LABELS.get(key, key)))
    yield header
    first_data = header_at + (2 if two_rows else 1)
    pending = [row for row in buffered if row[0] >= first_data]

    def all_rows():
        yield from pending
        for index, cells in rows:
            yield index, cells, filler.covered(index, cells, len(cells))

    parse = _RowParser(title, domain, keys, headings, header)
    previous_first = ""
    for index, cells, covered in all_rows():
        values = [cell.value for cell in cells]
        own = [_cell_text(value) for value in values]
        texts = own
        if covered:
            texts = list(own)
            for col, text in covered:
                if col <= len(values) and values[col - 1] is None:
                    texts[col - 1] = text
        if not any(texts):
            continue
        filled_own = [t for t in own if t]
        if len(filled_own) == 1 and filled_own[0].startswith(NOTE_PREFIXES):
            continue  # a note under the table, often merged across the whole width
        # Merged cells share their text, but the line written (extra columns) would not.
        length = sum(map(len, texts))
        if length > row_chars:
            yield _too_many_chars(title, index, length, row_chars)
            continue
        errors: list[CellError] = []
        for col, cell in enumerate(cells, 1):
            if cell.data_type == "f":
                heading = headings[col - 1] if col - 1 < len(headings) else ""
                errors.append(
                    CellError(
                        title,
                        index,
                        heading,
                        f"是公式（{texts[col - 1][:30]}），应为文字。请将公式转换为数值后再导入。",
                    )
                )
        row = parse(index, texts, previous_first, errors)
        yield row
        previous_first = parse.first_level
    return True


def _sub(text) -> str:
    """Return a sub-heading without a trailing remark, e.g. 特定群体(请写明) → 特定群体."""
    sub = normalise_heading(text)
    return re.sub(r"\([^()]*\)$", "", sub) if sub not in ("镇(街)级", "乡(村)级") else sub


def _fill_right_under(top: list[str], sub: list[str]) -> list[str]:
    """Carry a top heading merged across columns over the columns with a sub-heading below."""
    out, last = [], ""
    for i, text in enumerate(top):
        if text:
            last = text
            out.append(text)
        elif i < len(sub) and sub[i]:
            out.append(last)
        else:
            out.append("")
    return out


LEVEL_PAIR = re.compile(r"level_\d+(_channels)?")
CHANNEL_NAME_LIMIT = Channel._meta.get_field("name").max_length
QUOTED = 30  # characters of a cell's text repeated in an error message


def _quote(text: str) -> str:
    """Return ``text`` cut for an error message (the report keeps every message)."""
    return text if len(text) <= QUOTED else f"{text[:QUOTED]}…"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


TEXT_LIMITS = [
    (key, CatalogEntry._meta.get_field(key).max_length)
    for key in TEXT_KEYS
    if CatalogEntry._meta.get_field(key).max_length
]


class _RowParser:
    """Turn one sheet's rows of cell texts into ParsedRows; the columns are worked out once."""

    def __init__(
        self, sheet: str, domain: str, keys: list, headings: list[str], header: SheetHeader
    ):
        self.sheet, self.domain, self.headings = sheet, domain, headings
        self.header = header
        self.first_level = ""  # the last line's 一级事项, whole
        # (column index, key) for every understood column; a later column wins a repeated key.
        self.key_cols = [(i, k) for i, k in enumerate(keys) if k]
        present = {k for _, k in self.key_cols}
        self.text_keys = [k for k in TEXT_KEYS if k in present]
        self.flag_keys = [k for k in FLAG_KEYS if k in present]
        self.has_item_type = "item_type" in present
        self.has_channels = "channels" in present
        self.has_levels_text = "levels_text" in present
        self.channel_flags = [
            (i, k.split(":", 1)[1])
            for i, k in enumerate(keys)
            if k and k.startswith("channel_flag:")
        ]
        self.level_flags = [
            (i, k.split(":", 1)[1]) for i, k in enumerate(keys) if k and k.startswith("level_flag:")
        ]
        self.numbered = sorted(
            {int(k.split("_")[1]) for k in keys if k and LEVEL_PAIR.fullmatch(k)}
        )
        self.has_levels = any(k and k.startswith("level") for k in keys)
        self.extra_cols = [
            (i, headings[i]) for i, k in enumerate(keys) if k is None and headings[i]
        ]

    def _canonical(self, levels: list[dict], index: int, errors: list[CellError]) -> list[dict]:
        """Return ``levels`` as canonical levels, merged in canonical order; note each mapping.

        A label that names no level of the portal is an error at the row (the line would
        otherwise show a column of its own on the public table).
        """
        named = []
        for level in levels:
            label = level["level"]
            found = canonical_levels(label)
            if not found:
                errors.append(
                    CellError(
                        self.sheet,
                        index,
                        "公开层级",
                        f"“{_quote(label)}”不是公开层级：应为市级、县级、乡级或村级"
                        "（区级、镇(街)级、乡、村级等写法会自动对应）。",
                    )
                )
                continue
            if found != (label,):
                self.header.level_mapping.setdefault(label, "、".join(found))
            named.append((found, level["channels"]))
        return merge_levels(named)

    def _mark_error(self, index: int, column: str, text: str) -> CellError:
        return CellError(self.sheet, index, column, f"应为“√”或留空，实为“{_quote(text)}”。")

    def __call__(self, index: int, texts: list[str], previous_first: str, errors) -> ParsedRow:
        sheet, width = self.sheet, len(texts)
        row_keys = {k: texts[i] if i < width else "" for i, k in self.key_cols}
        first = row_keys.get("first_level") or previous_first
        second = row_keys.get("second_level", "")
        third = row_keys.get("third_level", "")
        if not second:
            errors.append(CellError(sheet, index, "二级事项", "缺少二级事项名称。"))
        if not first:
            errors.append(CellError(sheet, index, "一级事项", "缺少一级事项名称。"))
        if third:
            second = f"{second}—{third}"
        values: dict = {key: row_keys[key] for key in self.text_keys}
        if self.has_item_type:
            text = row_keys["item_type"]
            if text == "":
                values["item_type"] = CatalogEntry.ItemType.NON_SERVICE
            elif text in ITEM_TYPES:
                values["item_type"] = ITEM_TYPES[text]
            else:
                errors.append(
                    CellError(
                        sheet,
                        index,
                        "事项类型",
                        f"应为“政务服务事项”或“非政务服务事项”，实为“{_quote(text)}”。",
                    )
                )
        flags = {}
        for key in self.flag_keys:
            mark = parse_marks(row_keys[key])
            if mark is None:
                errors.append(self._mark_error(index, KEY_LABELS[key], row_keys[key]))
            flags[key] = bool(mark)
        if "audience_all" in flags or "audience_specific" in flags:
            values["audience"] = [
                flags.get("audience_all", False),
                flags.get("audience_specific", False),
            ]
        if "mode_active" in flags or "mode_on_request" in flags:
            values["mode"] = [flags.get("mode_active", False), flags.get("mode_on_request", False)]
        channel_names = parse_channel_names(row_keys["channels"]) if self.has_channels else []
        for i, name in self.channel_flags:
            text = texts[i] if i < width else ""
            mark = parse_marks(text)
            if mark is None:
                errors.append(self._mark_error(index, self.headings[i], text))
            elif mark:
                channel_names.append(name)
        if self.has_channels or self.channel_flags:
            values["channels"] = channel_names
        levels = []
        for i, label in self.level_flags:
            text = texts[i] if i < width else ""
            mark = parse_marks(text)
            if mark is None:
                errors.append(self._mark_error(index, self.headings[i], text))
            elif mark:
                levels.append({"level": label, "channels": list(channel_names)})
        for n in self.numbered:
            name = row_keys.get(f"level_{n}", "")
            if name:
                levels.append(
                    {
                        "level": name,
                        "channels": parse_channel_names(row_keys.get(f"level_{n}_channels", "")),
                    }
                )
        if self.has_levels_text and row_keys["levels_text"]:
            for name in LEVEL_SPLIT.split(row_keys["levels_text"]):
                if name:
                    levels.append({"level": name, "channels": list(channel_names)})
        if self.has_levels:
            values["levels"] = self._canonical(levels, index, errors)
        extra = {heading: texts[i] for i, heading in self.extra_cols if i < width and texts[i]}
        for key, limit in TEXT_LIMITS:
            if len(values.get(key, "")) > limit:
                errors.append(
                    CellError(
                        sheet,
                        index,
                        KEY_LABELS[key],
                        f"不能超过{limit}个字符（现有{len(values[key])}个）。",
                    )
                )
        for key, text, limit in (("first_level", first, 200), ("second_level", second, 300)):
            if len(text) > limit:
                errors.append(
                    CellError(
                        sheet,
                        index,
                        KEY_LABELS[key],
                        f"不能超过{limit}个字符（现有{len(text)}个）。",
                    )
                )
        # The report keeps every line's names: a refused one is kept cut to its limit (the next
        # lines, under the same merged 一级事项, still get the whole name).
        self.first_level = first
        first, second = _clip(first, 200), _clip(second, 300)
        for name in channel_names:
            if len(name) > CHANNEL_NAME_LIMIT:
                errors.append(
                    CellError(
                        sheet,
                        index,
                        str(Element.CHANNELS.label),
                        f"渠道名称“{_quote(name)}”超过{CHANNEL_NAME_LIMIT}个字符。",
                    )
                )
        return ParsedRow(
            sheet, index, self.domain, first, second, values, channel_names, extra, errors
        )
