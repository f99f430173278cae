"""Read legacy .xls workbooks (Excel 97–2003, BIFF8) into the rows ``xlsx_stream`` yields.

Offices still send .xls: WPS and older Excel save it. ``Book`` and its sheets answer as
``xlsx_stream.Book`` does (``worksheets``, ``rows()``, ``merged_ranges()``, ``Cell``), so
everything after reading (parsing, validation, the report, previews, jobs) is shared.

xlrd (2.x, which reads only .xls) decodes the cell values. It holds the whole file and a whole
sheet in memory and trusts what the file declares, so nothing reaches it unchecked; every check
raises ``LimitError`` (the file) or ``SheetError`` (one sheet, one row) with a message in Chinese,
as the .xlsx reader does, within the same ``Limits``:

* The file is the uncompressed data, so its size is the size limit (``read`` checks
  ``CATALOG_IMPORT_MAX_BYTES`` before reading it; here ``total_bytes`` too), and the workbook
  stream is ``part_bytes`` at most.
* The OLE2 compound file is read here, not by xlrd, whose directory walk recurses over the tree
  as the file draws it (a directory whose entries share subtrees costs exponential time): every
  sector chain and the directory are followed once, with loops and out-of-range sectors refused.
  Encrypted workbooks (FILEPASS, or an encrypted .xlsx in its OLE2 envelope), Excel 5/95 and
  older files, and compound files without a workbook (a .doc) are refused by name.
* The BIFF records are walked here before xlrd sees them: the workbook globals must start with
  an Excel 97–2003 BOF; worksheets (``worksheets``) may not overlap, so that no record is read
  twice; every record not needed for cell values (fonts, names, drawings, comments, hyperlinks,
  embedded charts, formatting …) is overwritten with filler records of an unknown type, coalesced
  so that xlrd skips a run of them at once without building any object; XF and FORMAT records
  are capped (``STYLE_RECORDS``).
* The shared string table is read here (xlrd builds every rich-text run of it as tuples even when
  formatting is off, and trusts the declared count and phonetic sizes): ``shared_strings``
  (declared count, and SST continuation records), ``shared_chars``, ``cell_chars``.
* Each sheet's records are counted before xlrd loads it: cells with a value in one sheet, and the
  cells xlrd will hold for it (each row from column A to its last value) (``xls_cells``); a value
  beyond ``columns`` (BIFF8 allows 256) is an error at its row; merged ranges (``merged_ranges``,
  ``merged_area``) are read from the MERGEDCELLS records here, because xlrd exposes
  ``merged_cells`` only with ``formatting_info=True``, which also makes it keep every formatted
  blank cell; formula cells are found here too (xlrd gives only their cached result).
* Rows with content count against ``sheet_rows`` and ``book_rows`` as they are yielded, text
  against ``cell_chars``, as in .xlsx; ``row_chars`` and ``errors`` are ``read``'s.

Values: text as it is; numbers that are whole as ``int`` (区划代码 430102, not 430102.0), others
as ``float``; dates (numbers with a date format) as ISO text (``2024-01-31``, or with the time);
booleans as ``bool``; error cells as their text (``#N/A``). A formula cell reads as its cached
result and is flagged as a formula (``data_type == "f"``), so the import reports it as .xlsx
formulas are reported.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterator

import xlrd
from xlrd import biffh
from xlrd.book import Book as XlrdBook

from .xlsx_stream import (
    EMPTY,
    LIMITS,
    Cell,
    LimitError,
    Limits,
    SheetError,
    _count,
    _rows_error,
    _sheets_error,
    _size,
)

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_XLSX = "文件设有打开密码，无法读取。请在 Excel 中取消密码后另存为 .xlsx 再导入。"
ENCRYPTED_XLS = (
    "文件设有打开密码（.xls 加密），无法读取。请在 Excel 或 WPS 中取消密码并保存后再导入。"
)
OLD_FORMAT = (
    "这是 Excel 95 或更早版本的工作簿，无法读取。请在 Excel 或 WPS 中另存为 .xlsx"
    "（或 Excel 97–2003 .xls）后再导入。"
)
NOT_A_WORKBOOK = (
    "文件是 Office 复合文档，但其中没有 Excel 工作簿（可能是 Word、PowerPoint 等其他文档），"
    "请检查所选文件。"
)
SST_LABEL = "共享字符串表（SST）"
# Excel 97–2003 allows about 4,000 cell formats per workbook; each XF record costs xlrd some
# 800 bytes of objects, so a file of nothing but XF records would cost 30 times its size.
STYLE_RECORDS = 16_384
BIFF8_COLUMNS = 256
BIFF8_ROWS = 65_536

# Compound file (CFB) sector markers.
END_OF_CHAIN, FREE_SECTOR, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
HEADER = struct.Struct("<HH")
CFB_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")
DIRECTORY_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")

# BIFF records.
BOF_CODES = frozenset(biffh.bofcodes)
EOF = biffh.XL_EOF
FORMULAS = frozenset(biffh.XL_FORMULA_OPCODES)
CELLS = frozenset(
    {
        biffh.XL_NUMBER,
        biffh.XL_RK,
        biffh.XL_LABELSST,
        biffh.XL_LABEL,
        biffh.XL_RSTRING,
        biffh.XL_BOOLERR,
        *FORMULAS,
    }
)
# What xlrd reads right after a formula whose result is text (then the STRING record).
AFTER_FORMULA = frozenset(
    {
        biffh.XL_SHRFMLA,
        biffh.XL_ARRAY,
        biffh.XL_TABLEOP,
        biffh.XL_TABLEOP2,
        biffh.XL_ARRAY2,
        biffh.XL_TABLEOP_B2,
    }
)
STRING, CONTINUE = biffh.XL_STRING, biffh.XL_CONTINUE
# The records the globals' walk looks at; any other is filled.
GLOBALS_WATCHED = frozenset(
    {
        biffh.XL_FILEPASS,
        EOF,
        biffh.XL_BOUNDSHEET,
        biffh.XL_SST,
        CONTINUE,
        biffh.XL_XF,
        biffh.XL_FORMAT,
        biffh.XL_DATEMODE,
        biffh.XL_CODEPAGE,
    }
)
# The records a sheet's scan looks at; any other is filled.
MULRK, MERGED_CELLS, LABELSST = biffh.XL_MULRK, biffh.XL_MERGEDCELLS, biffh.XL_LABELSST
WATCHED = CELLS | AFTER_FORMULA | BOF_CODES | {EOF, STRING, CONTINUE, MULRK, MERGED_CELLS}
# A record type no version of BIFF defines: xlrd skips it without looking inside.
FILLER = 0x7FFF
MAX_RECORD = 4 + 0xFFFF
SST_CONTINUE = -1  # a CONTINUE record of the shared string table


class _Discard:
    """xlrd's log: it writes warnings about odd files, which say nothing to an editor."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _corrupt(detail: str) -> LimitError:
    return LimitError(
        f"文件已损坏（{detail}），无法作为 Excel 97–2003 工作簿（.xls）读取。"
        "请在 Excel 或 WPS 中重新保存后再导入。"
    )


def _u32(data) -> array:
    """Return little-endian 32-bit numbers as an array (swapped on a big-endian machine)."""
    numbers = array("I", bytes(data[: len(data) & ~3]))
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def _letters(col: int) -> str:
    """Return the letters of a 1-based column number (1 → A, 28 → AB)."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- the compound file ---------------------------------------------------------------------------


class _Compound:
    """The sectors of an OLE2 compound file, each chain followed once and bounded."""

    def __init__(self, data: bytes):
        if len(data) < 512:
            raise _corrupt("复合文档的文件头不完整")
        (
            _signature,
            _clsid,
            _minor,
            major,
            byte_order,
            sector_shift,
            mini_shift,
            _reserved,
            _directory_sectors,
            fat_sectors,
            self.directory_start,
            _transaction,
            cutoff,
            self.mini_fat_start,
            _mini_fat_sectors,
            difat_start,
            _difat_sectors,
        ) = CFB_HEADER.unpack_from(data, 0)
        if (
            byte_order != 0xFFFE
            or (major, sector_shift) not in ((3, 9), (4, 12))
            or mini_shift != 6
            or cutoff != 4096
        ):
            raise _corrupt("复合文档的文件头无效")
        self.data = memoryview(data)
        self.major = major
        self.size = 1 << sector_shift
        self.cutoff = cutoff
        # The header fills sector -1; a short last sector is read as far as it goes.
        self.count = -(-(len(data) - self.size) // self.size)
        if self.count <= 0 or fat_sectors > self.count:
            raise _corrupt("复合文档的扇区分配表大小无效")
        # The FAT's own sectors: 109 in the header, more in the DIFAT chain.
        fat_ids = _u32(data[76:512])
        del fat_ids[fat_sectors:]
        seen = bytearray(self.count)
        sector = difat_start
        per_sector = self.size // 4 - 1
        while len(fat_ids) < fat_sectors and sector not in (END_OF_CHAIN, FREE_SECTOR):
            if sector >= self.count or seen[sector]:
                raise _corrupt("复合文档的扇区分配表链接无效")
            seen[sector] = 1
            entries = _u32(self._sector(sector))
            fat_ids.extend(entries[: min(per_sector, fat_sectors - len(fat_ids))])
            sector = entries[per_sector]
        if len(fat_ids) < fat_sectors:
            raise _corrupt("复合文档的扇区分配表不完整")
        self.fat = array("I")
        for sector in fat_ids:
            if sector >= self.count:
                raise _corrupt("复合文档的扇区分配表指向文件之外")
            self.fat += _u32(self._sector(sector))

    def _sector(self, number: int) -> memoryview:
        start = (number + 1) * self.size
        piece = self.data[start : start + self.size]
        if len(piece) != self.size:
            raise _corrupt("复合文档在扇区中间结束，文件不完整")
        return piece

    def chain(self, start: int, length: int | None, what: str) -> bytearray:
        """Return the bytes of the sector chain from ``start`` (``length`` of them, or all)."""
        # A stream of known length is filled in place: growing it would briefly need twice it.
        out = bytearray(length) if length is not None else bytearray()
        seen = bytearray(self.count)
        sector, filled = start, 0
        while length is None or filled < length:
            if sector == END_OF_CHAIN and length is None:
                return out
            if sector >= self.count or sector >= len(self.fat) or seen[sector]:
                raise _corrupt(f"{what}的扇区链无效")
            seen[sector] = 1
            start_at = (sector + 1) * self.size
            piece = self.data[start_at : start_at + self.size]
            if length is None:
                out += piece
            else:
                piece = piece[: length - filled]
                out[filled : filled + len(piece)] = piece
            filled += len(piece)
            sector = self.fat[sector]
        return out

    def root_streams(self) -> dict[str, tuple[int, int, int]]:
        """Return the root storage's children: upper-case name → (type, start, size)."""
        directory = self.chain(self.directory_start, None, "复合文档目录")
        entries = len(directory) // DIRECTORY_ENTRY.size
        if not entries:
            raise _corrupt("复合文档目录为空")

        def entry(index: int):
            return DIRECTORY_ENTRY.unpack_from(directory, index * DIRECTORY_ENTRY.size)

        root = entry(0)
        if root[2] != 5:
            raise _corrupt("复合文档没有根目录")
        self.root = root
        found: dict[str, tuple[int, int, int]] = {}
        seen = bytearray(entries)
        stack = [root[6]]
        while stack:
            index = stack.pop()
            if index == NO_STREAM:
                continue
            if index >= entries or seen[index]:
                raise _corrupt("复合文档目录的链接无效")
            seen[index] = 1
            name, name_bytes, kind, _, left, right, _child, _, _, _, _, start, size = entry(index)
            stack += (left, right)
            if not 2 <= name_bytes <= 64:
                continue
            text = bytes(name[: name_bytes - 2]).decode("utf-16-le", "replace")
            # Version 3 files may leave garbage in a size's high half.
            found[text.upper()] = (kind, start, size if self.major == 4 else size & 0xFFFFFFFF)
        return found

    def stream(self, start: int, size: int, what: str) -> bytearray:
        """Return a stream's bytes: from the mini stream when it is under the cutoff."""
        if size > len(self.data):
            raise _corrupt(f"{what}比文件本身还长")
        if size >= self.cutoff:
            return self.chain(start, size, what)
        root_size = self.root[12] if self.major == 4 else self.root[12] & 0xFFFFFFFF
        if root_size > len(self.data):
            raise _corrupt("复合文档的小数据流比文件本身还长")
        mini = self.chain(self.root[11], root_size, "复合文档的小数据流")
        mini_fat = _u32(self.chain(self.mini_fat_start, None, "复合文档的小扇区分配表"))
        out = bytearray()
        seen = bytearray(len(mini_fat))
        sector = start
        while len(out) < size:
            if sector >= len(mini_fat) or seen[sector] or (sector + 1) * 64 > len(mini):
                raise _corrupt(f"{what}的小扇区链无效")
            seen[sector] = 1
            out += mini[sector * 64 : (sector + 1) * 64]
            sector = mini_fat[sector]
        del out[size:]
        return out


def workbook_stream(data: bytes, limits: Limits = LIMITS) -> bytearray:
    """Return the BIFF ``Workbook`` stream of an OLE2 file; raise LimitError naming the problem."""
    compound = _Compound(data)
    streams = compound.root_streams()
    if "ENCRYPTIONINFO" in streams or "ENCRYPTEDPACKAGE" in streams:
        raise LimitError(ENCRYPTED_XLSX)
    workbook = streams.get("WORKBOOK")
    if workbook is None or workbook[0] != 2:
        if "BOOK" in streams:
            raise LimitError(OLD_FORMAT)
        raise LimitError(NOT_A_WORKBOOK)
    _, start, size = workbook
    if size > limits.part_bytes:
        raise LimitError(
            f"工作簿数据流（Workbook）为 {_size(size)}，超过单个部件的上限 "
            f"{_size(limits.part_bytes)}。"
        )
    if size < 4:
        raise _corrupt("工作簿数据流为空")
    return compound.stream(start, size, "工作簿数据流（Workbook）")


# -- BIFF records --------------------------------------------------------------------------------


def _fill(stream: bytearray, start: int, end: int) -> None:
    """Overwrite the records in ``stream[start:end]`` with as few filler records as fit."""
    length = end - start
    while length:
        piece = min(length, MAX_RECORD)
        if 0 < length - piece < 4:
            piece = length - 4  # leave room for the last record's header
        HEADER.pack_into(stream, start, FILLER, piece - 4)
        start += piece
        length -= piece


def _record(stream: bytearray, pos: int, what: str) -> tuple[int, int, int]:
    """Return (type, data offset, next record offset) of the record at ``pos``."""
    if pos + 4 > len(stream):
        raise _corrupt(f"{what}没有结束记录（EOF），文件不完整")
    code, length = HEADER.unpack_from(stream, pos)
    end = pos + 4 + length
    if end > len(stream):
        raise _corrupt(f"{what}中的记录超出数据流末尾，文件不完整")
    return code, pos + 4, end


def _globals(stream: bytearray, limits: Limits) -> tuple[int, list[int]]:
    """Check the workbook globals and fill what xlrd need not read; return (end, sheet offsets).

    The offsets are those of the worksheets (not chart or macro sheets), in the workbook's order.
    """
    what = "工作簿全局信息"
    code, body, pos = _record(stream, 0, what)
    if code not in BOF_CODES or pos - body < 4:
        raise _corrupt("工作簿数据流不以 BOF 记录开头")
    version, kind = struct.unpack_from("<HH", stream, body)
    if code != 0x0809 or version != 0x0600:
        raise LimitError(OLD_FORMAT)
    if kind != biffh.XL_WORKBOOK_GLOBALS:
        raise _corrupt("工作簿数据流不以工作簿全局信息开头")
    offsets: list[int] = []
    styles = {biffh.XL_XF: 0, biffh.XL_FORMAT: 0}
    strings = continues = 0
    previous = None
    filler = None  # where the run of records to fill began
    unpack = HEADER.unpack_from
    while True:
        start = pos
        if start + 4 <= len(stream):
            code, length = unpack(stream, start)
            if code not in GLOBALS_WATCHED:  # most records of a hostile file
                pos = start + 4 + length
                previous = None
                if filler is None:
                    filler = start
                continue
        code, body, pos = _record(stream, start, what)
        keep = True
        if code == biffh.XL_FILEPASS:
            raise LimitError(ENCRYPTED_XLS)
        if code == EOF:
            if filler is not None:
                _fill(stream, filler, start)
            return pos, offsets
        if code == biffh.XL_BOUNDSHEET:
            if pos - body < 8:
                raise _corrupt("工作表目录记录（BOUNDSHEET）过短")
            offset, _visibility, sheet_kind = struct.unpack_from("<IBB", stream, body)
            keep = sheet_kind == 0  # chart, macro and module sheets hold no table
            if keep:
                offsets.append(offset)
                if len(offsets) > limits.worksheets:
                    raise _sheets_error(limits)
        elif code == biffh.XL_SST:
            strings += 1
            if strings > 1:
                raise _corrupt("含有多个共享字符串表")
            code = SST_CONTINUE
        elif code == CONTINUE and previous == SST_CONTINUE:
            continues += 1
            # No writer splits the table into more records than it has strings.
            if continues > limits.shared_strings:
                raise LimitError(
                    f"{SST_LABEL}的续接记录超过上限（最多 {limits.shared_strings:,} 个），"
                    "文件已损坏或被刻意构造，已拒绝。"
                )
            code = SST_CONTINUE
        elif code in styles:
            styles[code] += 1
            if styles[code] > STYLE_RECORDS:
                raise LimitError(
                    f"工作簿的单元格格式记录超过上限（最多 {STYLE_RECORDS:,} 个，Excel 自身约 "
                    "4,000 个），文件已损坏或被刻意构造，已拒绝。"
                )
        elif code not in (biffh.XL_DATEMODE, biffh.XL_CODEPAGE):
            keep = False
        previous = code if keep else None
        if keep:
            if filler is not None:
                _fill(stream, filler, start)
                filler = None
        elif filler is None:
            filler = start


def _sheet_end(stream: bytearray, start: int, what: str) -> int:
    """Return where the worksheet whose BOF is at ``start`` ends, walking as xlrd does."""
    code, body, pos = _record(stream, start, what)
    if code not in BOF_CODES or pos - body < 4:
        raise _corrupt(f"{what}不以 BOF 记录开头")
    if struct.unpack_from("<H", stream, body + 2)[0] != biffh.XL_WORKSHEET:
        raise _corrupt(f"{what}不是普通工作表")
    # The record headers alone, read inline: a sheet may hold millions of records.
    unpack, size = HEADER.unpack_from, len(stream)
    nested = False  # inside an embedded chart, which xlrd skips up to the next EOF
    while pos + 4 <= size:
        code, length = unpack(stream, pos)
        pos += 4 + length
        if code == EOF:
            if not nested:
                break
            nested = False
        elif code in BOF_CODES:
            nested = True
    else:
        raise _corrupt(f"{what}没有结束记录（EOF），文件不完整")
    if pos > size:
        raise _corrupt(f"{what}中的记录超出数据流末尾，文件不完整")
    return pos


def _shared_strings(parts: list[bytes], limits: Limits) -> list[str]:
    """Return the strings of an SST record and its CONTINUE records; raise LimitError.

    A string's characters may go on in the next record, which then starts with its own flags
    byte; rich-text runs and phonetic data are skipped, wherever they end.
    """
    data = parts[0]
    if len(data) < 8:
        raise _corrupt(f"{SST_LABEL}过短")
    declared = struct.unpack_from("<I", data, 4)[0]
    if declared > limits.shared_strings:
        raise LimitError(f"{SST_LABEL}的字符串超过上限（最多 {limits.shared_strings:,} 个）。")
    index, pos, chars = 0, 8, 0
    strings: list[str] = []
    append = strings.append

    def next_record() -> bytes:
        nonlocal index
        index += 1
        if index >= len(parts):
            raise _corrupt(f"{SST_LABEL}在字符串中间结束")
        return parts[index]

    for number in range(1, declared + 1):
        if pos >= len(data):
            data, pos = next_record(), 0
        if pos + 3 > len(data):
            raise _corrupt(f"{SST_LABEL}第{number}项的头部不完整")
        length, flags = struct.unpack_from("<HB", data, pos)
        pos += 3
        skip = 0
        if flags & 0x08:
            if pos + 2 > len(data):
                raise _corrupt(f"{SST_LABEL}第{number}项的头部不完整")
            skip += 4 * struct.unpack_from("<H", data, pos)[0]
            pos += 2
        if flags & 0x04:
            if pos + 4 > len(data):
                raise _corrupt(f"{SST_LABEL}第{number}项的头部不完整")
            skip += struct.unpack_from("<I", data, pos)[0]
            pos += 4
        if length > limits.cell_chars:
            raise LimitError(
                f"{SST_LABEL}第{number}项有 {length:,} 个字符，超过上限"
                f"（每个单元格最多 {limits.cell_chars:,} 个字符，与 Excel 相同）。"
            )
        pieces, got = [], 0
        while True:
            wide = flags & 0x01
            take = min((len(data) - pos) >> wide, length - got)
            raw = data[pos : pos + (take << wide)]
            pieces.append(str(raw, "utf-16-le" if wide else "latin-1", "replace"))
            pos += take << wide
            got += take
            if got == length:
                break
            data = next_record()
            if not data:
                raise _corrupt(f"{SST_LABEL}第{number}项的续接记录为空")
            flags, pos = data[0], 1
        while skip:  # formatting runs and phonetic data, possibly in the next records
            step = min(skip, len(data) - pos)
            pos += step
            skip -= step
            if skip:
                data, pos = next_record(), 0
        text = "".join(pieces) if len(pieces) > 1 else pieces[0]
        chars += len(text)
        if chars > limits.shared_chars:
            raise LimitError(
                f"{SST_LABEL}的文字合计超过上限（最多 {limits.shared_chars:,} 个字符）。"
            )
        append(text)
    return strings


class _XlrdBook(XlrdBook):
    """xlrd's book, with the shared string table read by ``_shared_strings``."""

    limits: Limits = LIMITS

    def handle_sst(self, data):
        parts = [data]
        while True:
            code, _, more = self.get_record_parts_conditional(CONTINUE)
            if code is None:
                break
            parts.append(more)
        self._sharedstrings = _shared_strings(parts, self.limits)


def _open_xlrd(stream: bytearray, limits: Limits) -> _XlrdBook:
    """Return xlrd's book of the (checked and filled) stream, its sheets not yet loaded.

    The steps of ``xlrd.open_workbook`` for BIFF8 with ``on_demand``, on a raw BIFF stream, so
    that the book is ours (``handle_sst``) and reads the stream object itself: filler written
    into a sheet's records later is what xlrd then reads.
    """
    book = _XlrdBook()
    book.limits = limits
    book.biff2_8_load(file_contents=stream, logfile=_Discard(), on_demand=True, ragged_rows=True)
    book.biff_version = book.getbof(biffh.XL_WORKBOOK_GLOBALS)
    book.parse_globals()
    book._sheet_list = [None] * len(book._sheet_names)
    book.nsheets = len(book._sheet_list)
    return book


# -- the workbook --------------------------------------------------------------------------------


class Book:
    """The worksheets of an .xls file, checked within ``limits`` before xlrd reads them."""

    def __init__(self, data: bytes, limits: Limits = LIMITS):
        self.limits = limits
        self.content_rows = 0  # rows holding content read so far, all sheets together
        if len(data) > limits.total_bytes:
            raise LimitError(
                f"文件共 {_size(len(data))}，超过上限 {_size(limits.total_bytes)}。"
                "请按领域拆分为多个工作簿后分别导入。"
            )
        stream = workbook_stream(data, limits)
        end, offsets = _globals(stream, limits)
        # Walked in the order they lie, each only once it is known not to start inside the one
        # before: sheets sharing records would have them read once per sheet.
        previous = end
        for index in sorted(range(len(offsets)), key=offsets.__getitem__):
            start = offsets[index]
            if start >= len(stream):
                raise _corrupt(f"第{index + 1}个工作表的位置在数据流之外")
            if start < previous:
                raise _corrupt("多个工作表的数据相互重叠")
            previous = _sheet_end(stream, start, f"第{index + 1}个工作表")
        self._stream = stream
        try:
            self._xlrd = _open_xlrd(stream, limits)
        except (LimitError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001 — xlrd fails on a bad record in any way
            raise _corrupt("工作簿全局信息无法解析") from error
        names = self._xlrd.sheet_names()
        if len(names) != len(offsets):
            raise _corrupt("工作表目录与工作表不一致")
        self.datemode = self._xlrd.datemode
        self.worksheets = [
            Sheet(self, index, name, start)
            for index, (name, start) in enumerate(zip(names, offsets, strict=True))
        ]

    def shared_strings(self) -> list[str]:
        """Return the shared strings (read, within the limits, when the book was opened)."""
        return self._xlrd._sharedstrings

    def close(self) -> None:
        """Release xlrd's book and the workbook stream."""
        self._xlrd.release_resources()
        self._stream = bytearray()


class _Scan:
    """What one sheet's records hold, counted before xlrd loads it."""

    __slots__ = ("cells", "values", "formulas", "merged", "merged_error", "problem")

    def __init__(self):
        self.cells = self.values = 0
        self.formulas: bytearray | None = None  # one bit per cell, when the sheet has any
        self.merged: set[tuple[int, int, int, int]] = set()
        self.merged_error: SheetError | None = None
        # The first row (in row order) holding a cell xlrd cannot read: that cell is filled,
        # and the error is raised when the rows reach it, as .xlsx raises it there.
        self.problem: SheetError | None = None

    def refuse(self, row: int, message: str) -> bool:
        """Keep ``message`` as the problem at 1-based ``row`` if it is the first; return False."""
        if self.problem is None or row < self.problem.row:
            self.problem = SheetError(message, row)
        return False


class Sheet:
    def __init__(self, book: Book, index: int, title: str, start: int):
        self.book = book
        self.index = index
        self.title = title
        self.label = f"工作表“{title}”"
        self._start = start  # its BOF record; its records were walked when the book opened
        self._scanned: _Scan | None = None

    def _scan(self) -> _Scan:
        """Count the sheet's cells, formulas and merged ranges; fill what xlrd need not read."""
        if self._scanned is not None:
            return self._scanned
        scan = _Scan()
        stream, limits = self.book._stream, self.book.limits
        columns = min(limits.columns, BIFF8_COLUMNS)
        last = array("H", bytes(2 * BIFF8_ROWS))  # per row: the last column with a value
        what = self.label
        strings = self.book.shared_strings()
        _, _, pos = _record(stream, self._start, what)  # the BOF, checked when opened
        previous = None
        filler = None
        unpack, watched = HEADER.unpack_from, WATCHED
        while True:
            start = pos
            code, length = unpack(stream, start)  # the extent was walked when the book opened
            pos = start + 4 + length
            if code not in watched:  # most records of a hostile file: keep this loop short
                previous = None
                if filler is None:
                    filler = start
                continue
            body, size = start + 4, length
            keep = False
            if code in CELLS:
                if size < 6:
                    raise _corrupt(f"{what}中的单元格记录过短")
                row, col = struct.unpack_from("<HH", stream, body)
                keep = self._value(scan, last, row, col, col, columns, code in FORMULAS)
                if keep and code == LABELSST and size >= 10:
                    index = struct.unpack_from("<i", stream, body + 6)[0]
                    if not 0 <= index < len(strings):
                        keep = scan.refuse(
                            row + 1,
                            f"单元格“{_letters(col + 1)}{row + 1}”引用的共享字符串“{index}”不存在"
                            f"（共享字符串表共 {len(strings)} 项）。",
                        )
            elif code == MULRK:
                if size < 6:
                    raise _corrupt(f"{what}中的单元格记录过短")
                row, first = struct.unpack_from("<HH", stream, body)
                final = struct.unpack_from("<H", stream, pos - 2)[0]
                if final < first or size != 6 + 6 * (final - first + 1):
                    raise _corrupt(f"{what}中的多值记录（MULRK）长度不符")
                keep = self._value(scan, last, row, first, final, columns, False)
            elif code == STRING:
                keep = previous in FORMULAS or previous in AFTER_FORMULA
            elif code in AFTER_FORMULA:
                keep = previous in FORMULAS
            elif code == CONTINUE:
                keep = previous in (STRING, CONTINUE)
            elif code == MERGED_CELLS:
                self._merged(scan, stream, body, size)
            elif code == EOF:
                if filler is not None:
                    _fill(stream, filler, start)
                break
            elif code in BOF_CODES:  # an embedded chart: filled whole, its EOF too
                while code != EOF:
                    code, _, pos = _record(stream, pos, what)
            previous = code if keep else None
            if keep:
                if filler is not None:
                    _fill(stream, filler, start)
                    filler = None
            elif filler is None:
                filler = start
        scan.cells = sum(last)
        self._scanned = scan
        return scan

    def _value(self, scan: _Scan, last, row: int, first: int, final: int, columns: int, formula):
        """Count cells ``first``…``final`` (0-based) of ``row``; return whether xlrd gets them."""
        if final >= columns:
            where = f"{_letters(max(first, columns) + 1)}{row + 1}"
            limit = self.book.limits.columns
            return scan.refuse(row + 1, f"单元格引用“{where}”超出列数上限（最多 {limit} 列）。")
        scan.values += final - first + 1
        if final + 1 > last[row]:
            last[row] = final + 1
        if formula:
            if scan.formulas is None:
                scan.formulas = bytearray(BIFF8_ROWS * BIFF8_COLUMNS // 8)
            bit = row * BIFF8_COLUMNS + first
            scan.formulas[bit >> 3] |= 1 << (bit & 7)
        return True

    def _merged(self, scan: _Scan, stream: bytearray, body: int, size: int) -> None:
        """Read one MERGEDCELLS record into ``scan`` (the first problem is kept, not raised)."""
        if size < 2:
            raise _corrupt(f"{self.label}中的合并单元格记录过短")
        count = struct.unpack_from("<H", stream, body)[0]
        if size != 2 + 8 * count:
            raise _corrupt(f"{self.label}中的合并单元格记录长度不符")
        if scan.merged_error is not None:
            return
        limits = self.book.limits
        for at in range(body + 2, body + size, 8):
            first_row, last_row, first_col, last_col = struct.unpack_from("<4H", stream, at)
            ref = f"{_letters(first_col + 1)}{first_row + 1}:{_letters(last_col + 1)}{last_row + 1}"
            if first_row > last_row or first_col > last_col or last_col >= BIFF8_COLUMNS:
                scan.merged_error = SheetError(f"合并单元格区域“{ref}”无效。")
                return
            area = (last_col - first_col + 1) * (last_row - first_row + 1)
            if area > limits.merged_area:
                scan.merged_error = SheetError(
                    f"合并单元格区域“{ref}”过大（{area:,} 个单元格，"
                    f"每个区域最多 {limits.merged_area:,} 个）。"
                )
                return
            scan.merged.add((first_col + 1, first_row + 1, last_col + 1, last_row + 1))
            if len(scan.merged) > limits.merged_ranges:
                limit = _count(limits.merged_ranges)
                scan.merged_error = SheetError(
                    f"合并单元格区域超过上限（每个工作表最多 {limit} 个）。"
                )
                scan.merged.clear()
                return

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """Return the merged ranges as (min_col, min_row, max_col, max_row), as .xlsx gives them.

        Ranges are cut at the column limit and single cells dropped. Raise SheetError for a
        reversed or too large range, or too many.
        """
        scan = self._scan()
        if scan.merged_error is not None:
            raise scan.merged_error
        columns = self.book.limits.columns
        return [
            (min_col, min_row, min(max_col, columns), max_row)
            for min_col, min_row, max_col, max_row in scan.merged
            if (max_col - min_col + 1) * (max_row - min_row + 1) > 1 and min_col <= columns
        ]

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
        """Yield (row number, cells) for each row that holds a value, in order; raise SheetError."""
        book, limits = self.book, self.book.limits
        scan = self._scan()
        spanned = max(scan.cells, scan.values)
        if spanned > limits.xls_cells:
            raise SheetError(
                f"单元格过多：共 {spanned:,} 个（按各行从 A 列到最后一个有值的单元格计），超过上限"
                f"（.xls 每个工作表最多 {limits.xls_cells:,} 个）。请删去表格以外的内容，"
                "或另存为 .xlsx 后再导入。"
            )
        try:
            sheet = book._xlrd.sheet_by_index(self.index)
        except MemoryError:
            raise
        except Exception as error:  # noqa: BLE001 — xlrd fails on a bad record in any way
            raise LimitError(
                f"工作表“{self.title}”已损坏，无法读取。请在 Excel 中重新保存后再导入。"
            ) from error
        try:
            content = 0
            for r in range(sheet.nrows):
                number = r + 1
                if scan.problem is not None and number >= scan.problem.row:
                    break
                types = sheet.row_types(r)
                if not types:
                    continue
                if number > limits.row_number:
                    raise SheetError(
                        f"行号“{number}”超出行数上限（最多 {limits.row_number:,} 行）。", number
                    )
                content += 1
                book.content_rows += 1
                if content > limits.sheet_rows:
                    raise _rows_error("每个工作表", limits.sheet_rows, number)
                if book.content_rows > limits.book_rows:
                    raise _rows_error("整个工作簿", limits.book_rows, number)
                yield number, self._cells(r, types, sheet.row_values(r), scan.formulas)
            if scan.problem is not None:
                raise scan.problem
        finally:
            book._xlrd.unload_sheet(self.index)

    def _cells(self, r: int, types, values, formulas: bytearray | None) -> list[Cell]:
        """Return a row's cells as ``xlsx_stream`` gives them (EMPTY where a row skips one)."""
        chars = self.book.limits.cell_chars
        cells: list[Cell] = []
        append = cells.append
        for c, kind in enumerate(types):
            value = values[c]
            if kind == xlrd.XL_CELL_TEXT:
                if len(value) > chars:
                    raise SheetError(
                        f"单元格“{_letters(c + 1)}{r + 1}”的文字有 {len(value):,} 个字符，超过上限"
                        f"（每个单元格最多 {chars:,} 个字符，与 Excel 相同）。",
                        r + 1,
                    )
                cell = Cell(value, "s")
            elif kind == xlrd.XL_CELL_NUMBER:
                cell = Cell(_number(value), "n")
            elif kind == xlrd.XL_CELL_DATE:
                cell = Cell(_date(value, self.book.datemode), "n")
            elif kind == xlrd.XL_CELL_BOOLEAN:
                cell = Cell(bool(value), "n")
            elif kind == xlrd.XL_CELL_ERROR:
                cell = Cell(biffh.error_text_from_code.get(value, "#N/A"), "n")
            else:
                cell = EMPTY
            if formulas is not None:
                bit = r * BIFF8_COLUMNS + c
                if formulas[bit >> 3] >> (bit & 7) & 1:
                    cell = Cell(cell.value, "f")
            append(cell)
        return cells


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _date(value: float, datemode: int) -> str | int | float:
    """Return an Excel date number as ISO text: the date, the time, or both."""
    try:
        moment = xlrd.xldate_as_datetime(value, datemode)
    except (ValueError, OverflowError, ArithmeticError):
        return _number(value)
    if 0 <= value < 1:
        return moment.time().isoformat(timespec="seconds")
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.isoformat(sep=" ", timespec="seconds")


__all__ = ["OLE_SIGNATURE", "Book", "workbook_stream"]
