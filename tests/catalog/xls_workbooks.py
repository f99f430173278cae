"""Legacy .xls workbooks for the import tests: real ones (xlwt) and hostile ones (BIFF by hand).

``xls_from_xlsx`` writes, through xlwt (an Excel 97–2003 writer), the .xls holding what an .xlsx
holds (values and merged ranges, sheet by sheet), so that any workbook ``workbooks.py`` builds can
be imported in both formats and the results compared.

The rest writes the BIFF8 records of a Workbook stream byte by byte (``stream``), wrapped in an
OLE2 compound file by ``workbooks.cfb_file``, so that a record can say anything: ``XLS_CASES`` are
the .xls files no editor should be able to hurt the portal with, each with the outcome the import
must come to (``hostile_workbooks.Case``).
"""

from __future__ import annotations

import datetime
import io
import random
import struct
from collections.abc import Iterable

import openpyxl
import xlwt
from xlwt.CompoundDoc import XlsDoc

from . import hostile_workbooks as hw
from . import workbooks as wb

# ---------------------------------------------------------------------------------------------
# Real .xls files, as Excel 97–2003 writers save them.


def xls_from_xlsx(data: bytes) -> bytes:
    """Return the .xls (written by xlwt) holding the values and merged ranges of an .xlsx."""
    source = openpyxl.load_workbook(io.BytesIO(data))
    book = xlwt.Workbook(encoding="utf-8")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for ws in source.worksheets:
        out = book.add_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                r, c = cell.row - 1, cell.column - 1
                if isinstance(value, str) and value.startswith("="):
                    out.write(r, c, xlwt.Formula(value[1:]))
                elif isinstance(value, datetime.date):
                    out.write(r, c, value, dates)
                else:
                    out.write(r, c, value)
        for merged in ws.merged_cells.ranges:
            out.merge(
                merged.min_row - 1, merged.max_row - 1, merged.min_col - 1, merged.max_col - 1
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_bytes(*sheets: wb.Sheet, edit=None) -> bytes:
    """Return the .xls holding ``sheets`` (see ``workbooks.workbook``)."""
    return xls_from_xlsx(wb.xlsx_bytes(*sheets, edit=edit))


# ---------------------------------------------------------------------------------------------
# BIFF8 records.

RECORD_LIMIT = 8224  # bytes of data in one record, as Excel writes them


def record(code: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", code, len(body)) + body


def bof(kind: int, version: int = 0x0600) -> bytes:
    """Return a BOF record: kind 0x0005 workbook globals, 0x0010 worksheet, 0x0020 chart."""
    return record(0x0809, struct.pack("<HHHHII", version, kind, 0x0DBB, 0x07CC, 0x41, 0x06))


EOF = record(0x000A)


def utf16(text: str, *, length_bytes: int = 2) -> bytes:
    """Return an XLUnicodeString: its length, the flags byte (UTF-16), the characters."""
    raw = text.encode("utf-16-le")
    return struct.pack("<H" if length_bytes == 2 else "<B", len(raw) // 2) + b"\x01" + raw


def boundsheet(name: str, offset: int, kind: int = 0) -> bytes:
    return record(0x0085, struct.pack("<IBB", offset, 0, kind) + utf16(name, length_bytes=1))


def sst(strings: Iterable[str], *, declared: int | None = None) -> bytes:
    """Return an SST record and its CONTINUE records, split as Excel splits them."""
    strings = list(strings)
    count = len(strings) if declared is None else declared
    records = [bytearray(struct.pack("<II", count, count))]
    for text in strings:
        raw = text.encode("utf-16-le")
        if len(records[-1]) + 5 > RECORD_LIMIT:  # the header and one character
            records.append(bytearray())
        records[-1] += struct.pack("<HB", len(raw) // 2, 1)
        while True:
            room = (RECORD_LIMIT - len(records[-1])) & ~1
            records[-1] += raw[:room]
            raw = raw[room:]
            if not raw:
                break
            records.append(bytearray(b"\x01"))  # characters go on, with their flags byte
    return record(0x00FC, bytes(records[0])) + b"".join(
        record(0x003C, bytes(r)) for r in records[1:]
    )


def labelsst(row: int, col: int, index: int) -> bytes:
    return record(0x00FD, struct.pack("<HHHI", row, col, 0, index))


def number(row: int, col: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, col, 0, value))


def rk(row: int, col: int, value: int) -> bytes:
    """Return an RK record of a whole number (30 bits)."""
    return record(0x027E, struct.pack("<HHHI", row, col, 0, (value << 2) | 2))


def label(row: int, col: int, text: str) -> bytes:
    """Return a LABEL record of Latin-1 text (one byte a character, so 65,000 of them fit)."""
    raw = text.encode("latin-1")
    return record(0x0204, struct.pack("<HHHHB", row, col, 0, len(raw), 0) + raw)


def merged(*ranges: tuple[int, int, int, int]) -> bytes:
    """Return MERGEDCELLS records of (first row, last row, first col, last col), 0-based."""
    out = []
    for at in range(0, len(ranges), 1027):
        chunk = ranges[at : at + 1027]
        body = struct.pack("<H", len(chunk)) + b"".join(struct.pack("<4H", *r) for r in chunk)
        out.append(record(0x00E5, body))
    return b"".join(out)


class Strings:
    """A shared string table being built: ``index(text)`` adds a text once."""

    def __init__(self):
        self.texts: list[str] = []
        self.at: dict[str, int] = {}

    def index(self, text: str) -> int:
        if text not in self.at:
            self.at[text] = len(self.texts)
            self.texts.append(text)
        return self.at[text]


def row(strings: Strings, number_: int, values: list, *, start: int = 0) -> bytes:
    """Return the cell records of one row (0-based ``number_``): texts shared, numbers as RK."""
    out = []
    for col, value in enumerate(values, start):
        if value is None:
            continue
        if isinstance(value, int):
            out.append(rk(number_, col, value))
        else:
            out.append(labelsst(number_, col, strings.index(value)))
    return b"".join(out)


def catalog_rows(strings: Strings, lines: int = 2, first_row: int = 0) -> bytes:
    """Return ``hostile_workbooks.catalog_rows`` as records: a header and ``lines`` lines."""
    out = [row(strings, first_row, hw.HEADINGS)]
    for i in range(lines):
        values = [
            i + 1,
            "项目审批",
            f"审批结果{i:05d}",
            "项目名称、批复文号",
            "《政府投资条例》",
            "20个工作日内",
            "市发展改革委",
            "政府网站",
        ]
        out.append(row(strings, first_row + 1 + i, values))
    return b"".join(out)


def stream(
    sheets: list[tuple[str, bytes]],
    strings: Strings | list[str] | None = None,
    *,
    globals_records: bytes = b"",
    declared: int | None = None,
    offsets: list[int] | None = None,
) -> bytes:
    """Return a BIFF8 Workbook stream: the globals (BOUNDSHEETs, SST), then each sheet.

    ``offsets`` replaces the sheets' offsets that the BOUNDSHEET records give.
    """
    texts = strings.texts if isinstance(strings, Strings) else list(strings or [])
    table = sst(texts, declared=declared) if texts or declared is not None else b""
    head = bof(0x0005) + globals_records
    directory = sum(len(boundsheet(name, 0)) for name, _ in sheets)
    at = len(head) + directory + len(table) + len(EOF)
    bodies, found = [], []
    for _name, body in sheets:
        found.append(at)
        sheet_bytes = bof(0x0010) + body + EOF
        bodies.append(sheet_bytes)
        at += len(sheet_bytes)
    offsets = offsets or found
    records = b"".join(
        boundsheet(name, offset) for (name, _), offset in zip(sheets, offsets, strict=True)
    )
    return head + records + table + EOF + b"".join(bodies)


def xls(*args, big: bool = False, **kwargs) -> bytes:
    """Return the .xls (a compound file) of ``stream(*args, **kwargs)``.

    ``workbooks.cfb_file`` writes it (small streams in the mini stream, as Office does), up to
    4 MB; a ``big`` one is written by xlwt's compound-file writer.
    """
    data = stream(*args, **kwargs)
    if not big:
        return wb.cfb_file({"Workbook": data})
    buffer = io.BytesIO()
    XlsDoc().save(buffer, data)
    return buffer.getvalue()


def one_sheet(body: bytes, strings: Strings, **kwargs) -> bytes:
    """Return an .xls of one sheet named after the domain."""
    return xls([(hw.DOMAIN, body)], strings, **kwargs)


# ---------------------------------------------------------------------------------------------
# Compound-file surgery.


def _header(data: bytes) -> dict:
    fields = struct.unpack_from("<HHIIIIIIII", data, 28)
    return {"sector_shift": fields[1], "fat_sectors": fields[5], "directory_start": fields[6]}


def _sector_offset(data: bytes, sector: int) -> int:
    return (sector + 1) * (1 << _header(data)["sector_shift"])


def fat_entry_offset(data: bytes, sector: int) -> int:
    """Return where the FAT entry of ``sector`` lies (the FAT's first sectors are in the header)."""
    per = (1 << _header(data)["sector_shift"]) // 4
    fat_sector = struct.unpack_from("<I", data, 76 + 4 * (sector // per))[0]
    return _sector_offset(data, fat_sector) + 4 * (sector % per)


def directory_entries(data: bytes, count: int = 4) -> list[int]:
    """Return the offsets of the first ``count`` directory entries (``cfb_file`` writes the
    directory's sectors one after another)."""
    start = _sector_offset(data, _header(data)["directory_start"])
    return [start + 128 * i for i in range(count)]


def _workbook_entry(data: bytes) -> int:
    name = "Workbook".encode("utf-16-le")
    for at in directory_entries(data, 2):
        if data[at : at + len(name)] == name:
            return at
    raise AssertionError("no Workbook entry")


def fat_loop(data: bytes) -> bytes:
    """Return ``data`` with the Workbook stream's first sector chained to itself."""
    out = bytearray(data)
    first = struct.unpack_from("<I", out, _workbook_entry(data) + 116)[0]
    struct.pack_into("<I", out, fat_entry_offset(data, first), first)
    return bytes(out)


def directory_tree_bomb() -> bytes:
    """Return a compound file whose directory entries share their subtrees: entry i has entry
    i + 1 as both its left and its right sibling, so a walk that does not remember where it has
    been visits 2 ** 38 entries (xlrd's compound-file reader recurses over it so)."""
    names = {f"S{i:02d}": b"x" for i in range(38)}
    data = bytearray(wb.cfb_file({"Workbook": stream([]), **names}))
    entries = directory_entries(data, 40)
    # Entry 0 is the root, whose child starts the tree of its children.
    struct.pack_into("<I", data, entries[0] + 76, 1)
    for index in range(1, 39):
        struct.pack_into("<II", data, entries[index] + 68, index + 1, index + 1)
    struct.pack_into("<II", data, entries[39] + 68, 0xFFFFFFFF, 0xFFFFFFFF)
    return bytes(data)


# ---------------------------------------------------------------------------------------------
# The hostile .xls cases.

CORRUPT = "文件已损坏（"


def _where(row_: int = 0) -> str:
    return f"工作表“{hw.DOMAIN}”" + (f"第{row_}行" if row_ else "")


def _after_header(extra: bytes) -> bytes:
    strings = Strings()
    return one_sheet(catalog_rows(strings, 1) + extra, strings)


def _big_enough() -> bytes:
    """Return a one-sheet .xls whose Workbook stream lies in regular sectors (4,096 bytes on)."""
    strings = Strings()
    return one_sheet(catalog_rows(strings, 200), strings)


def _column_padding() -> bytes:
    """One number in column IV of every row: 900 KB that xlrd would hold as 16.7 million cells."""
    strings = Strings()
    body = catalog_rows(strings, 2) + b"".join(rk(r, 255, 1) for r in range(3, 65_536))
    return one_sheet(body, strings)


def _many_ranges() -> bytes:
    strings = Strings()
    ranges = [(r, r, c, c + 1) for r in range(10, 65_536) for c in (0, 2)][:100_001]
    return one_sheet(catalog_rows(strings, 2) + merged(*ranges), strings)


def _filler_records() -> bytes:
    """A valid catalog with 240,000 records xlrd would otherwise parse (and some would crash it):
    hyperlinks, comments and drawing objects of garbage, empty DIMENSIONS records, an embedded
    chart, and names and fonts in the globals."""
    strings = Strings()
    junk = [
        record(0x01B8, b"\xff" * 12),  # HLINK, malformed
        record(0x001C, b"\x00" * 3),  # NOTE, too short
        record(0x005D, b"\x15\x00\x12\x00" + b"\xee" * 20),  # OBJ of garbage
        record(0x0000),  # a DIMENSIONS record of BIFF2, empty
    ]
    chart = bof(0x0020) + record(0x1002, b"\x00" * 16) + EOF
    body = catalog_rows(strings, 20) + b"".join(junk) * 60_000 + chart
    names = record(0x0018, b"\xff" * 30) * 1000 + record(0x0031, b"\x00" * 3) * 1000
    return one_sheet(body, strings, globals_records=names)


def _filler_at_the_size_limit() -> bytes:
    """20 lines after 60 MB of one-byte records of an unknown type: 12 million records that
    xlrd would loop over, filled into 1,000 here."""
    strings = Strings()
    body = catalog_rows(strings, 20) + record(0x0FFF, b"\0") * (12 * 2**20)
    return xls([(hw.DOMAIN, body)], strings, big=True)


def _too_many_sheets() -> bytes:
    return xls([(f"表{i}", b"") for i in range(256)])


def _overlapping_sheets() -> bytes:
    """Every BOUNDSHEET points at the first sheet (read 200 times over, were it allowed)."""
    strings = Strings()
    sheets = [(hw.DOMAIN, catalog_rows(strings, 1000))] + [(f"表{i}", b"") for i in range(199)]
    first = struct.unpack_from("<I", stream(sheets, strings), len(bof(0x0005)) + 4)[0]
    return xls(sheets, strings, offsets=[first] * len(sheets))


def _long_label() -> bytes:
    return _after_header(label(3, 1, "x" * 40_000))


def _long_shared_string() -> bytes:
    strings = Strings()
    body = catalog_rows(strings, 1) + labelsst(3, 1, strings.index("长" * 40_000))
    return one_sheet(body, strings)


def _phonetic_rewind() -> bytes:
    """An SST of 500,000 declared strings and one real one, whose phonetic size xlrd reads as
    minus its own length: it goes back to the same string for each declared one, building its
    2,000 rich-text runs as tuples every time (a billion of them)."""
    runs = 2_000
    size = 3 + 2 + 4 + 2 + 4 * runs  # the string's header, run count, phonetic size, text, runs
    table = struct.pack("<II", 500_000, 500_000)
    table += struct.pack("<HBHi", 1, 0x0D, runs, -size) + "字".encode("utf-16-le")
    table += b"\x00" * (4 * runs)
    return xls([(hw.DOMAIN, b"")], globals_records=record(0x00FC, table))


def _style_records() -> bytes:
    xf = record(0x00E0, b"\x00" * 20)
    return xls([(hw.DOMAIN, b"")], globals_records=xf * 16_385)


def _encrypted() -> bytes:
    filepass = record(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x00" * 48)
    return xls([(hw.DOMAIN, b"")], globals_records=filepass)


def _excel95() -> bytes:
    globals_ = bof(0x0005, version=0x0500) + EOF
    return wb.cfb_file({"Workbook": globals_})


def _truncated() -> bytes:
    data = xls_bytes(wb.common_sheet("养老服务", wb.YR_YANGLAO))
    return data[: len(data) // 2]


def _random_compound() -> bytes:
    noise = random.Random(97).randbytes(64 * 1024)
    return wb.CFB_SIGNATURE + noise


XLS_CASES: dict[str, hw.Case] = {
    "xls_column_padding_bomb": hw.Case(
        _column_padding,
        "errors",
        (
            f"{_where()}：单元格过多：共 16,776,472 个（按各行从 A 列到最后一个有值的单元格计），"
            "超过上限（.xls 每个工作表最多 2,000,000 个）。",
        ),
        "a number in column IV of each of 65,533 rows (xlrd would hold 16.7 million cells)",
    ),
    "xls_merged_area_bomb": hw.Case(
        lambda: _after_header(merged((4, 65_535, 0, 255))),
        "errors",
        (
            f"{_where()}：合并单元格区域“A5:IV65536”过大（16,776,192 个单元格，"
            "每个区域最多 1,048,576 个）。",
        ),
        "one merged range A5:IV65536",
    ),
    "xls_too_many_merged_ranges": hw.Case(
        _many_ranges,
        "errors",
        (f"{_where()}：合并单元格区域超过上限（每个工作表最多 100,000 个）。",),
        "100,001 merged ranges of two cells",
    ),
    "xls_shared_strings_declared": hw.Case(
        lambda: xls([(hw.DOMAIN, b"")], ["甲", "乙"], declared=0x7FFFFFFF),
        "refused",
        ("共享字符串表（SST）的字符串超过上限（最多 500,000 个）。",),
        "an SST that declares 2,147,483,647 strings (xlrd loops that many times)",
    ),
    "xls_phonetic_rewind": hw.Case(
        _phonetic_rewind,
        "refused",
        ("文件已损坏（共享字符串表（SST）在字符串中间结束）",),
        "an SST string whose phonetic size reads as negative in xlrd: it is read 500,000 times",
    ),
    "xls_shared_string_too_long": hw.Case(
        _long_shared_string,
        "refused",
        (
            "共享字符串表（SST）第16项有 40,000 个字符，超过上限"
            "（每个单元格最多 32,767 个字符，与 Excel 相同）。",
        ),
        "a shared string of 40,000 characters",
    ),
    "xls_cell_text_too_long": hw.Case(
        _long_label,
        "errors",
        (
            f"{_where(4)}：单元格“B4”的文字有 40,000 个字符，超过上限"
            "（每个单元格最多 32,767 个字符，与 Excel 相同）。",
        ),
        "a LABEL cell of 40,000 characters",
    ),
    "xls_column_beyond_biff8": hw.Case(
        lambda: _after_header(rk(3, 300, 7)),
        "errors",
        (f"{_where(4)}：单元格引用“KO4”超出列数上限（最多 256 列）。",),
        "a number in column 301, which BIFF8 does not have (xlrd asserts on it)",
    ),
    "xls_directory_tree_bomb": hw.Case(
        directory_tree_bomb,
        "refused",
        ("文件已损坏（复合文档目录的链接无效）",),
        "39 directory entries sharing their subtrees (2 ** 38 visits for xlrd)",
    ),
    "xls_sector_chain_loop": hw.Case(
        lambda: fat_loop(_big_enough()),
        "refused",
        ("文件已损坏（工作簿数据流（Workbook）的扇区链无效）",),
        "the Workbook stream's first sector chained to itself",
    ),
    "xls_style_records": hw.Case(
        _style_records,
        "refused",
        ("工作簿的单元格格式记录超过上限（最多 16,384 个",),
        "16,385 XF records (800 bytes of xlrd objects each)",
    ),
    "xls_too_many_sheets": hw.Case(
        _too_many_sheets,
        "refused",
        ("工作簿的工作表超过上限（最多 255 个）。",),
        "256 worksheets",
    ),
    "xls_overlapping_sheets": hw.Case(
        _overlapping_sheets,
        "refused",
        ("文件已损坏（多个工作表的数据相互重叠）",),
        "200 BOUNDSHEET records pointing at one sheet of 1,000 lines",
    ),
    "xls_encrypted": hw.Case(
        _encrypted,
        "refused",
        ("文件设有打开密码（.xls 加密），无法读取。",),
        "a FILEPASS record (RC4 encryption)",
    ),
    "xls_excel95": hw.Case(
        _excel95,
        "refused",
        ("这是 Excel 95 或更早版本的工作簿，无法读取。",),
        "a BIFF5 workbook (Excel 95)",
    ),
    "xls_truncated": hw.Case(
        _truncated,
        "refused",
        (CORRUPT,),
        "a real .xls cut in half",
    ),
    "xls_random_compound_file": hw.Case(
        _random_compound,
        "refused",
        ("文件已损坏（复合文档的文件头无效）",),
        "the OLE2 signature, then 64 KiB of noise",
    ),
    "xls_filler_at_the_size_limit": hw.Case(
        _filler_at_the_size_limit,
        "imported",
        (),
        "20 lines, then 12 million empty records of an unknown type (60 MB)",
    ),
    "xls_filler_records": hw.Case(
        _filler_records,
        "imported",
        (),
        "20 lines among 240,000 hyperlink, comment, object and empty records, and a chart",
    ),
}
