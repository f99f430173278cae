"""Hostile catalog workbooks, built as zip bytes, and a child process that imports one.

Each builder returns the bytes of an .xlsx that once took a worker down (or another file no
editor should be able to hurt the portal with). The zip is written here byte by byte, so a
member can declare any size, method, flag or offset, and a deflate stream of gigabytes is a
few megabytes long: a repeated piece is compressed once after a full flush, so its compressed
form can be repeated as it is, and the CRC of the repetition is combined, not computed.

``python -m tests.catalog.hostile_workbooks run XLSX ADDRESS_SPACE SECONDS`` imports one
workbook through ``import_catalog`` under an address-space cap and an alarm, into the database
DATABASE_URL names (a copy of ``template_database``: migrated, with the reference data), and
prints a JSON line; ``serve TEMPLATE DATABASE ADDRESS_SPACE`` does the same for a stream of
requests, forking a child per workbook from one process that set Django up once (the tests use
it: a fresh interpreter costs two seconds per case). ``run_fresh``, ``run_command`` (the
``import_catalog`` command) and ``Server`` drive them; the peak memory is each child's own
VmHWM, and the tables written are counted in the database file once the child has ended.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITY = "430100"
DOMAIN = "重大建设项目"
ADDRESS_SPACE = 2 * 2**30  # a plain import needs well under 1 GiB of address space
TIMEOUT = 60  # seconds: a guard against endless loops, not a performance bound
PEAK_MIB = 300
MiB = 2**20

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PNS = "http://schemas.openxmlformats.org/package/2006/relationships"
WS_TYPE = f"{RNS}/worksheet"
SST_TYPE = f"{RNS}/sharedStrings"
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_HEAD = XML_HEAD + f'<worksheet xmlns="{NS}" xmlns:r="{RNS}"><sheetData>'.encode()
SHEET_TAIL = b"</sheetData></worksheet>"
HEADINGS = [
    "序号",
    "一级事项",
    "二级事项",
    "公开内容",
    "公开依据",
    "公开时限",
    "公开主体",
    "公开渠道和载体",
]


# ---------------------------------------------------------------------------------------------
# CRC-32 of repeated data (zlib's crc32_combine), so a gigabyte is never run through crc32.


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """Return the CRC-32 of A + B from crc32(A), crc32(B) and len(B)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def _crc_repeated(piece: bytes, times: int) -> int:
    crc, block, length, block_length = 0, zlib.crc32(piece), 0, len(piece)
    while times:
        if times & 1:
            crc = crc32_combine(crc, block, block_length) if length else block
            length += block_length
        times >>= 1
        if times:
            block = crc32_combine(block, block, block_length)
            block_length *= 2
    return crc


# ---------------------------------------------------------------------------------------------
# Parts: a body is a list of (bytes, times); deflated piece by piece.

Body = list[tuple[bytes, int]]


@dataclass
class Part:
    """One zip member as stored: name, stored bytes, CRC, true size and what the directory says."""

    name: str
    data: bytes
    crc: int
    size: int
    method: int = 8
    flags: int = 0
    declared_size: int | None = None  # a lie, when set

    @classmethod
    def deflated(cls, name: str, body: Body | bytes, *, pad_to_ratio: float = 0, **kw) -> Part:
        """Return a deflated member; with ``pad_to_ratio``, bytes after the stream's end lower
        its compression ratio to that (they are never read: the stream has ended)."""
        if isinstance(body, bytes):
            body = [(body, 1)]
        out, crc, size = [], 0, 0
        for piece, times in _coalesced(body):
            if not piece or not times:
                continue
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)
            out.append(packed * times)
            piece_crc = _crc_repeated(piece, times)
            crc = crc32_combine(crc, piece_crc, len(piece) * times) if size else piece_crc
            size += len(piece) * times
        out.append(zlib.compressobj(6, zlib.DEFLATED, -15).flush())  # the final, empty block
        data = b"".join(out)
        if pad_to_ratio and size / len(data) > pad_to_ratio:
            data += os.urandom(int(size / pad_to_ratio) - len(data) + 1)
        return cls(name, data, crc, size, **kw)

    @classmethod
    def stored(cls, name: str, data: bytes, **kw) -> Part:
        return cls(name, data, zlib.crc32(data), len(data), method=0, **kw)


def _coalesced(body: Body) -> Body:
    """Return ``body`` with neighbouring single pieces joined and small repeated ones grouped.

    A repeated piece is compressed on its own, so it should be long enough (64 KiB) for deflate
    to find the repetition inside it.
    """
    out: Body = []
    for piece, times in body:
        group = max(1, min(times, (1 << 16) // max(len(piece), 1)))
        if group > 1:
            if times // group:
                out.append((piece * group, times // group))
            piece, times = piece, times % group
            if not times:
                continue
        if times == 1 and out and out[-1][1] == 1:
            out[-1] = (out[-1][0] + piece, 1)
        else:
            out.append((piece, times))
    return out


def zip_bytes(parts: list[Part], *, shared_offset: bool = False) -> bytes:
    """Return a zip of ``parts``; zip64 end records when there are more than 65,535.

    With ``shared_offset`` every directory entry points at the first member's data (entries
    that overlap, as in David Fifield's non-recursive zip bombs).
    """
    out, central = bytearray(), bytearray()
    first = 0
    for part in parts:
        offset = first if shared_offset and central else len(out)
        name = part.name.encode()
        declared = part.size if part.declared_size is None else part.declared_size
        declared = min(declared, 0xFFFFFFFF)
        if not (shared_offset and central):
            out += struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                part.flags,
                part.method,
                0,
                0x21,
                part.crc,
                len(part.data),
                declared,
                len(name),
                0,
            )
            out += name + part.data
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            part.flags,
            part.method,
            0,
            0x21,
            part.crc,
            len(part.data),
            declared,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    directory_at, count = len(out), len(parts)
    out += central
    if count > 0xFFFF:
        record_at = len(out)
        out += struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), directory_at
        )
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    short = min(count, 0xFFFF)
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, short, short, len(central), directory_at, 0)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Workbooks.


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def column_letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def row_xml(number: int, values: list, *, start: int = 1) -> bytes:
    """Return a <row> of inline strings (numbers as numbers), from column ``start``."""
    cells = []
    for col, value in enumerate(values, start):
        ref = f"{column_letters(col)}{number}"
        if value is None:
            continue
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_escape(value)}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'.encode()


def catalog_rows(lines: int = 2, first_row: int = 1) -> bytes:
    """Return a header row and ``lines`` valid catalog lines (one item each), from ``first_row``."""
    rows = [row_xml(first_row, HEADINGS)]
    for i in range(lines):
        rows.append(
            row_xml(
                first_row + 1 + i,
                [
                    i + 1,
                    "项目审批",
                    f"审批结果{i:05d}",
                    "项目名称、批复文号",
                    "《政府投资条例》",
                    "20个工作日内",
                    "市发展改革委",
                    "政府网站",
                ],
            )
        )
    return b"".join(rows)


def book(
    sheets: list[tuple[str, Part | Body | bytes]],
    *,
    strings: Part | Body | None = None,
    extra: list[Part] = (),
    targets: dict[int, str] | None = None,
) -> bytes:
    """Return an .xlsx of ``sheets`` (title, sheet part or its XML body), in that order.

    ``targets`` replaces the relationship target of the sheet at that index.
    """
    parts, rels, entries = [], [], []
    for i, (title, body) in enumerate(sheets, 1):
        name = f"xl/worksheets/sheet{i}.xml"
        target = (targets or {}).get(i - 1, f"worksheets/sheet{i}.xml")
        rels.append(f'<Relationship Id="rId{i}" Type="{WS_TYPE}" Target="{_escape(target)}"/>')
        entries.append(f'<sheet name="{_escape(title)}" sheetId="{i}" r:id="rId{i}"/>')
        parts.append(body if isinstance(body, Part) else Part.deflated(name, body))
    if strings is not None:
        rels.append(f'<Relationship Id="rIdS" Type="{SST_TYPE}" Target="sharedStrings.xml"/>')
        parts.append(
            strings if isinstance(strings, Part) else Part.deflated("xl/sharedStrings.xml", strings)
        )
    workbook = (
        XML_HEAD
        + f'<workbook xmlns="{NS}" xmlns:r="{RNS}"><sheets>{"".join(entries)}</sheets>'.encode()
        + b"</workbook>"
    )
    relationships = (
        XML_HEAD + f'<Relationships xmlns="{PNS}">{"".join(rels)}</Relationships>'.encode()
    )
    return zip_bytes(
        [
            Part.deflated("[Content_Types].xml", XML_HEAD + b"<Types/>"),
            Part.deflated("xl/workbook.xml", workbook),
            Part.deflated("xl/_rels/workbook.xml.rels", relationships),
            *parts,
            *extra,
        ]
    )


def sheet(*rows: bytes | tuple[bytes, int], tail: bytes = b"") -> Body:
    """Return a sheet's XML: the head, ``rows`` (bytes or (bytes, times)), ``tail`` after them."""
    body: Body = [(SHEET_HEAD, 1)]
    for row in rows:
        body.append(row if isinstance(row, tuple) else (row, 1))
    body.append((b"</sheetData>" + tail + b"</worksheet>", 1))
    return body


def sst(*items: tuple[bytes, int], count: int | None = None) -> Body:
    head = XML_HEAD + f'<sst xmlns="{NS}"'.encode()
    if count is not None:
        head += f' uniqueCount="{count}"'.encode()
    return [(head + b">", 1), *items, (b"</sst>", 1)]


def si(text: str) -> bytes:
    return f"<si><t>{_escape(text)}</t></si>".encode()


# ---------------------------------------------------------------------------------------------
# The cases: what each file is, and what the import must answer.


@dataclass(frozen=True)
class Case:
    """A hostile workbook and the outcome expected of importing it.

    ``outcome`` is "refused" (WorkbookError), "errors" (a report with errors, nothing written)
    or "imported"; ``expect`` are texts the message (or one of the report's errors) holds.
    """

    build: Callable[[], bytes]
    outcome: str
    expect: tuple[str, ...]
    about: str
    bench: bool = True  # also in bench.hostile


def _where(row: int = 0) -> str:
    return f"工作表“{DOMAIN}”" + (f"第{row}行" if row else "")


SHEET1 = "xl/worksheets/sheet1.xml"
ROW_XML_LIMIT = "本行的 XML 数据超过上限（每行最多 16 MB、100,000 个 XML 元素）。"


def _one(body: Body, **kw) -> bytes:
    """Return a workbook of one sheet named after the domain."""
    return book([(DOMAIN, Part.deflated(SHEET1, body, **kw))])


def _padded(body: Body, **kw) -> bytes:
    """Return a one-sheet workbook whose sheet is padded under the ratio limit."""
    return _one(body, pad_to_ratio=90, **kw)


def _merges(*refs: str) -> bytes:
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)
    return f"<mergeCells>{cells}</mergeCells>".encode()


def _after_header(row: bytes) -> bytes:
    return _one(sheet(catalog_rows(1), row))


def _with_strings(row: bytes, *texts: str) -> bytes:
    items = sst(*((si(text), 1) for text in texts))
    return book([(DOMAIN, sheet(catalog_rows(1), row))], strings=items)


def _comment_split_text() -> bytes:
    return _padded(
        sheet(
            row_xml(1, HEADINGS),
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>',
            (b"x" * 1000 + b"<!---->", 200_000),
            b"</t></is></c></row>",
        )
    )


def _cdata() -> bytes:
    return _padded(
        sheet(
            row_xml(1, HEADINGS),
            b'<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[',
            (b"<a" * 512, 100_000),
            b"]]></t></is></c></row>",
        )
    )


def _shared_strings_bomb() -> bytes:
    return book([(DOMAIN, sheet(catalog_rows(1)))], strings=sst((si("字" * 30_000), 35_000)))


SHARED_BOMB_MB = (len(sst()[0][0]) + len(si("字" * 30_000)) * 35_000 + len(b"</sst>")) / MiB


def _many_strings(item: bytes, times: int) -> bytes:
    strings = Part.deflated("xl/sharedStrings.xml", sst((item, times)), pad_to_ratio=90)
    return book([(DOMAIN, sheet(catalog_rows(1)))], strings=strings)


def _empty_rows() -> bytes:
    # No row numbers: each row is the one after the last, as the XML allows.
    return _padded(sheet(catalog_rows(2), (b'<row s="2" customFormat="1"/>', 6_000_000)))


def _odd_paths() -> bytes:
    return book(
        [(DOMAIN, sheet(catalog_rows(1)))],
        targets={0: "../../../../etc/passwd"},
        extra=[Part.deflated("../../evil.xml", b"<x/>"), Part.deflated("/etc/cron.d/x", b"<x/>")],
    )


def _billion_laughs_text() -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return (
        XML_HEAD
        + f"<!DOCTYPE worksheet [{''.join(entities)}]>".encode()
        + f'<worksheet xmlns="{NS}"><sheetData>{cell}</sheetData></worksheet>'.encode()
    )


def _external_entity_in_strings() -> bytes:
    strings = [
        (XML_HEAD + b'<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1),
        (f'<sst xmlns="{NS}"><si><t>&x;</t></si></sst>'.encode(), 1),
    ]
    return book([(DOMAIN, sheet(catalog_rows(1)))], strings=strings)


def _utf16_dtd() -> bytes:
    text = _billion_laughs_text().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return _one([(text.encode("utf-16"), 1)])


def _deep_row() -> bytes:
    return _padded(
        sheet(
            row_xml(1, HEADINGS),
            b'<row r="2"><c r="A2" t="inlineStr"><is>',
            (b"<r>", 1_000_000),
            (b"</r>", 1_000_000),
            b"</is></c></row>",
        )
    )


def _wide_row() -> bytes:
    return _padded(
        sheet(
            row_xml(1, HEADINGS),
            b'<row r="2">',
            (b'<c r="A2" s="1"/>', 1_000_000),
            b"</row>",
        )
    )


def _lying(body: Body, *, declared: int) -> bytes:
    return _one(body, pad_to_ratio=90, declared_size=declared)


def _truncated() -> bytes:
    data = b"".join(piece * times for piece, times in sheet(catalog_rows(50)))
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = compressor.compress(data) + compressor.flush()
    part = Part(SHEET1, packed[: len(packed) // 2], zlib.crc32(data), len(data))
    return book([(DOMAIN, part)])


def _bzip2() -> bytes:
    import bz2

    data = b"".join(piece * times for piece, times in sheet(catalog_rows(1)))
    part = Part(SHEET1, bz2.compress(data), zlib.crc32(data), len(data), method=12)
    return book([(DOMAIN, part)])


def _regex_traps() -> bytes:
    """Return lines whose channel cells are 30,000 digits, under a title of 30,000 marks."""
    rows = [row_xml(1, ["(" + "■" * 30_000]), row_xml(2, HEADINGS)]
    for i in range(100):
        digits = "1" * 30_000 + str(i)  # distinct, so that no cache answers
        rows.append(
            row_xml(3 + i, [i, "项目审批", f"审批{i}", "内容", "依据", "时限", "主体", digits])
        )
    return _padded(sheet(b"".join(rows)))


def _formatted_rows() -> bytes:
    empty = b"".join(
        f'<row r="{n}" spans="1:9" s="2" customFormat="1" ht="14.25"/>'.encode()
        for n in range(22, 1_048_577)
    )
    return _one(sheet(catalog_rows(20), empty))


CASES: dict[str, Case] = {
    "column_reference_bomb": Case(
        lambda: _after_header(b'<row r="4"><c r="ZZZZZZZZZ4"><v>1</v></c></row>'),
        "errors",
        (f"{_where(4)}：单元格引用“ZZZZZZZZZ4”超出列数上限（最多 256 列）。",),
        "cell reference ZZZZZZZZZ4 (the row was padded to column 5,429,503,678,976)",
    ),
    "merged_range_bomb": Case(
        lambda: _one(sheet(catalog_rows(2), tail=_merges("A5:XFD1048576"))),
        "errors",
        (
            f"{_where()}：合并单元格区域“A5:XFD1048576”过大"
            "（17,179,803,648 个单元格，每个区域最多 1,048,576 个）。",
        ),
        "<mergeCell ref=A5:XFD1048576> (each covered cell became a dict entry)",
    ),
    "row_number_bomb": Case(
        lambda: _after_header(b'<row r="1999999999"><c r="A1999999999"><v>1</v></c></row>'),
        "errors",
        (f"{_where(3)}：行号“1999999999”超出行数上限（最多 1,048,576 行）。",),
        'row r="1999999999" (an empty row was yielded for each missing number)',
    ),
    "whitespace_bomb": Case(
        lambda: _one(sheet(catalog_rows(1), (b" " * MiB, 3 * 1024))),
        "refused",
        (f"{_where()}解压后为 3072 MB，超过单个部件的上限 256 MB。",),
        "3 GiB of whitespace deflated to 3 MB inside a sheet",
    ),
    "ratio_bomb": Case(
        lambda: _one(sheet(catalog_rows(1), (b" " * MiB, 100))),
        "refused",
        (f"{_where()}的压缩比为 ", " 倍，超过上限 100 倍，疑似压缩炸弹，已拒绝。"),
        "100 MiB of whitespace deflated 1,000 to 1, under the size limits",
    ),
    "whitespace_under_the_limits": Case(
        lambda: _padded(sheet(catalog_rows(1), (b" " * MiB, 200))),
        "refused",
        (f"{_where()}含有超过 1 MB 的连续文字或标记（超过上限）",),
        "200 MiB of whitespace padded under the size and ratio limits: stopped in the stream",
    ),
    "text_split_by_comments": Case(
        _comment_split_text,
        "refused",
        (f"{_where()}含有 XML 注释或处理指令，正常的 Excel 工作簿不会包含这些内容，已拒绝。",),
        "a 200 MB text node cut by comments (ElementTree re-joined the text at each: hours)",
    ),
    "cdata_bomb": Case(
        _cdata,
        "errors",
        (f"{_where(2)}：{ROW_XML_LIMIT}",),
        "100 MB of '<a' inside CDATA (no long run without '<'): stopped by the row's bytes",
    ),
    "shared_strings_bomb": Case(
        _shared_strings_bomb,
        "refused",
        (
            f"共享字符串表（xl/sharedStrings.xml）解压后为 {SHARED_BOMB_MB:.0f} MB，"
            "超过单个部件的上限 256 MB。",
        ),
        "35,000 shared strings of 30,000 characters: 6.4 MB deflated, 3 GB of XML",
    ),
    "shared_strings_count": Case(
        lambda: _many_strings(b"<si><t>a</t></si>", 600_000),
        "refused",
        ("共享字符串表（xl/sharedStrings.xml）的字符串超过上限（最多 500,000 个）。",),
        "600,000 shared strings, under the size and ratio limits",
    ),
    "shared_strings_length": Case(
        lambda: _many_strings(si("字" * 30_000), 600),
        "refused",
        ("共享字符串表（xl/sharedStrings.xml）的文字合计超过上限（最多 16,000,000 个字符）。",),
        "600 shared strings of 30,000 characters (18 million)",
    ),
    "shared_string_too_long": Case(
        lambda: book([(DOMAIN, sheet(catalog_rows(1)))], strings=sst((si("长" * 40_000), 1))),
        "refused",
        ("共享字符串表（xl/sharedStrings.xml）第1项有 40,000 个字符，超过上限",),
        "one shared string of 40,000 characters (Excel stops at 32,767)",
    ),
    "six_million_empty_rows": Case(
        _empty_rows,
        "errors",
        (f"{_where(1_048_577)}：行号“1048577”超出行数上限（最多 1,048,576 行）。",),
        "6 million empty formatted rows (each stayed in memory, and the preview timed out)",
    ),
    "zip_entries": Case(
        lambda: zip_bytes([Part.stored(f"xl/media/image{i}.png", b"") for i in range(100_000)]),
        "refused",
        ("文件含有 100,000 个压缩条目，超过上限 10,000 个，不是正常的 Excel 工作簿。",),
        "100,000 zip entries (zip64 end record)",
    ),
    "zip64_entry_count": Case(
        lambda: _zip64_claiming(2**40),
        "refused",
        ("文件含有 1,099,511,627,776 个压缩条目，超过上限 10,000 个",),
        "a zip64 end record claiming 2^40 entries, refused before zipfile reads the directory",
    ),
    "overlapping_entries": Case(
        lambda: _overlapping(2000),
        "refused",
        ("文件中各压缩条目的数据合计大于文件本身，条目相互重叠，疑似压缩炸弹，已拒绝。",),
        "2,000 directory entries sharing one member's data (an overlapping zip bomb)",
    ),
    "odd_part_paths": Case(
        _odd_paths,
        "refused",
        (f"{_where()}已损坏，无法读取。请在 Excel 中重新保存后再导入。",),
        "a sheet at ../../../../etc/passwd, members named ../../evil.xml and /etc/cron.d/x",
    ),
    "one_part_many_sheets": Case(
        lambda: book(
            [(DOMAIN, sheet(catalog_rows(1))), ("城乡规划", sheet(catalog_rows(1)))],
            targets={1: "worksheets/sheet1.xml"},
        ),
        "refused",
        ("多个工作表指向同一部件（xl/worksheets/sheet1.xml），文件已损坏。",),
        "two sheets pointing at one part (each would read it again)",
    ),
    "too_many_sheets": Case(
        lambda: book([(f"表{i}", sheet()) for i in range(300)]),
        "refused",
        ("工作簿的工作表超过上限（最多 255 个）。",),
        "300 worksheets",
    ),
    "billion_laughs": Case(
        lambda: _one([(_billion_laughs_text(), 1)]),
        "refused",
        (
            f"{_where()}含有文档类型定义（DTD）或实体声明，"
            "正常的 Excel 工作簿不会包含这些内容，已拒绝。",
        ),
        "a billion-laughs DTD in a sheet",
    ),
    "external_entity_in_shared_strings": Case(
        _external_entity_in_strings,
        "refused",
        ("共享字符串表（xl/sharedStrings.xml）含有文档类型定义（DTD）或实体声明",),
        "an external entity (file:///etc/passwd) in the shared strings",
    ),
    "utf16_dtd": Case(
        _utf16_dtd,
        "refused",
        (f"{_where()}不是 UTF-8 编码的 XML，无法读取。",),
        "the DTD in UTF-16, which a byte scan for '<!' does not see",
    ),
    "huge_inline_string": Case(
        lambda: _after_header(row_xml(3, [1, "项目审批", "审批", "字" * 40_000])),
        "errors",
        (
            f"{_where(3)}：单元格“D3”的文字有 40,000 个字符，超过上限"
            "（每个单元格最多 32,767 个字符，与 Excel 相同）。",
        ),
        "an inline string of 40,000 characters",
    ),
    "huge_text_node": Case(
        lambda: _padded(
            sheet(catalog_rows(1), row_xml(3, [1, "项目审批", "审批", "字" * 2_000_000]))
        ),
        "refused",
        (f"{_where()}含有超过 1 MB 的连续文字或标记（超过上限）",),
        "one text node of 6 MB",
    ),
    "shared_index_out_of_range": Case(
        lambda: _with_strings(b'<row r="3"><c r="A3" t="s"><v>7</v></c></row>', "甲", "乙"),
        "errors",
        (f"{_where(3)}：单元格“A3”引用的共享字符串“7”不存在（共享字符串表共 2 项）。",),
        "a shared string index past the table",
    ),
    "shared_index_negative": Case(
        lambda: _with_strings(b'<row r="3"><c r="A3" t="s"><v>-1</v></c></row>', "甲"),
        "errors",
        (f"{_where(3)}：单元格“A3”引用的共享字符串“-1”不存在",),
        "a negative shared string index (Python would read the last item)",
    ),
    "shared_index_of_20000_digits": Case(
        lambda: _with_strings(
            b'<row r="3"><c r="A3" t="s"><v>' + b"9" * 20_000 + b"</v></c></row>", "甲"
        ),
        "errors",
        (f"{_where(3)}：单元格“A3”引用的共享字符串“99999999999999999999”不存在",),
        "a shared string index of 20,000 digits (int() refuses more than 4,300)",
    ),
    "negative_row_number": Case(
        lambda: _after_header(b'<row r="-5"><c r="A5"><v>1</v></c></row>'),
        "errors",
        (f"{_where(3)}：行号“-5”无效。",),
        'row r="-5"',
    ),
    "non_numeric_row_number": Case(
        lambda: _after_header(b'<row r="abc"><c r="A5"><v>1</v></c></row>'),
        "errors",
        (f"{_where(3)}：行号“abc”无效。",),
        'row r="abc"',
    ),
    "rows_out_of_order": Case(
        lambda: _one(sheet(catalog_rows(3), row_xml(2, [9]))),
        "errors",
        (f"{_where(5)}：行号“2”不大于上一行的行号 4，行的顺序有误。",),
        "row 2 after row 4",
    ),
    "negative_cell_reference": Case(
        lambda: _after_header(b'<row r="3"><c r="A-3"><v>1</v></c></row>'),
        "errors",
        (f"{_where(3)}：单元格引用“A-3”无效。",),
        'cell r="A-3"',
    ),
    "non_numeric_cell_reference": Case(
        lambda: _after_header(b'<row r="3"><c r="3A"><v>1</v></c></row>'),
        "errors",
        (f"{_where(3)}：单元格引用“3A”无效。",),
        'cell r="3A"',
    ),
    "ten_thousand_columns": Case(
        lambda: _one(sheet(row_xml(1, [f"列{i}" for i in range(10_000)]))),
        "errors",
        (f"{_where(1)}：单元格引用“IW1”超出列数上限（最多 256 列）。",),
        "a sheet 10,000 columns wide",
    ),
    "a_million_cells_in_one_row": Case(
        _wide_row,
        "errors",
        (f"{_where(2)}：{ROW_XML_LIMIT}",),
        "one row of a million empty styled cells",
    ),
    "deep_nesting": Case(
        _deep_row,
        "errors",
        (f"{_where(2)}：{ROW_XML_LIMIT}",),
        "a cell nested a million elements deep",
    ),
    "reversed_merged_range": Case(
        lambda: _one(sheet(catalog_rows(2), tail=_merges("B5:A1"))),
        "errors",
        (f"{_where()}：合并单元格区域“B5:A1”无效。",),
        "<mergeCell ref=B5:A1>",
    ),
    "malformed_merged_range": Case(
        lambda: _one(sheet(catalog_rows(2), tail=_merges("A1:B"))),
        "errors",
        (f"{_where()}：合并单元格区域“A1:B”无效。",),
        "<mergeCell ref=A1:B>",
    ),
    "overlapping_merged_ranges": Case(
        lambda: _one(sheet(catalog_rows(3), tail=_merges("B2:B4", "A3:C3"))),
        "errors",
        (f"{_where(3)}：合并单元格区域“A3:C3”与“B2:B4”重叠。",),
        "two merged ranges that overlap",
    ),
    "too_many_merged_ranges": Case(
        lambda: _one(
            sheet(catalog_rows(2), tail=_merges(*(f"A{r}:B{r}" for r in range(10, 110_011))))
        ),
        "errors",
        (f"{_where()}：合并单元格区域超过上限（每个工作表最多 100,000 个）。",),
        "110,001 merged ranges",
    ),
    "declared_size_too_small": Case(
        lambda: _lying(sheet(catalog_rows(1), (b"<row/>", 8_000_000)), declared=100_000),
        "refused",
        (f"{_where()}已损坏，无法读取。",),
        "a sheet declaring 100 KB that inflates to 48 MB (zipfile stops at the declared size)",
    ),
    "declared_size_too_large": Case(
        lambda: _lying(sheet(catalog_rows(1)), declared=3_000_000_000),
        "refused",
        (f"{_where()}解压后为 2861 MB，超过单个部件的上限 256 MB。",),
        "a small sheet declaring 3 GB",
    ),
    "truncated_deflate_stream": Case(
        _truncated,
        "refused",
        (f"{_where()}已损坏，无法读取。请在 Excel 中重新保存后再导入。",),
        "a sheet whose deflate stream stops in the middle",
    ),
    "encrypted_member": Case(
        lambda: _one(sheet(catalog_rows(1)), flags=1),
        "refused",
        (f"{_where()}已加密，无法读取。",),
        "a sheet flagged as encrypted (zipfile raised RuntimeError: a 500)",
    ),
    "bzip2_member": Case(
        _bzip2,
        "refused",
        (f"{_where()}使用了 Excel 不使用的压缩方式（12），无法读取。",),
        "a bzip2 sheet (zipfile inflates bzip2 without bounding the output)",
    ),
    "quadratic_regex_traps": Case(
        _regex_traps,
        "errors",
        (f"{_where(3)}“公开渠道和载体”列：渠道名称“{'1' * 30}…”超过100个字符。",),
        "a title of 30,000 ■ and 100 channel cells of 30,000 digits (regexes backtracked: hours)",
    ),
    "too_many_errors": Case(
        lambda: _one(
            sheet(catalog_rows(0), *(row_xml(n, [n, "项目审批"]) for n in range(2, 3000)))
        ),
        "errors",
        (f"{_where()}：错误已达 1000 个，停止读取，之后的行未检查。请先改正以上错误后再导入。",),
        "2,998 lines without a second-level item: the report stops at 1,000 errors",
    ),
    "row_text_limit": Case(
        lambda: _after_header(row_xml(3, [1, "项目审批", "审批", "字" * 30_000, "依" * 30_000])),
        "errors",
        (f"{_where(3)}：本行文字共 60,007 个字符，超过上限（每行最多 50,000 个字符）。",),
        "one line of 60,007 characters",
    ),
    "formatted_rows_to_the_last_row": Case(
        _formatted_rows,
        "imported",
        (),
        "20 lines, then formatted empty rows down to row 1,048,576, as Excel saves them",
    ),
}


def _overlapping(entries: int) -> bytes:
    kernel = Part.deflated("xl/worksheets/sheet1.xml", b" " * MiB)
    parts = [replace(kernel, name=f"xl/worksheets/sheet{i}.xml") for i in range(entries)]
    return zip_bytes(parts, shared_offset=True)


def _zip64_claiming(entries: int) -> bytes:
    """Return a tiny zip whose zip64 end record claims ``entries`` entries."""
    real = zip_bytes([Part.stored("a.txt", b"a")])
    directory_at = real.index(b"PK\x01\x02")
    central = real[directory_at : real.index(b"PK\x05\x06")]
    body = real[:directory_at] + central
    record_at = len(body)
    body += struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, len(central), directory_at
    )
    body += struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    body += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body


# ---------------------------------------------------------------------------------------------
# The child: import one workbook and report.

WRITTEN_MODELS = (
    "catalog.CatalogEntry",
    "catalog.Channel",
    "catalog.FirstLevelItem",
    "catalog.SecondLevelItem",
    "catalog.CatalogEvent",
)


def _environment(database: Path, settings: str = "portal.settings_test") -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        ALLOW_INSECURE_KEY="1",
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    return env


def template_database(directory: Path, settings: str = "portal.settings_test") -> Path:
    """Return a migrated SQLite database with the reference data, made once in ``directory``."""
    path = Path(directory) / "template.sqlite3"
    if not path.exists():
        env = _environment(path, settings)
        for command in (["migrate", "--noinput", "-v", "0"], ["load_reference_data"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
    return path


def _counts() -> dict[str, int]:
    from django.apps import apps

    from catalog.models import CatalogEntry

    counts = {label: apps.get_model(label).objects.count() for label in WRITTEN_MODELS}
    counts["channel links"] = CatalogEntry.channels.through.objects.count()
    return counts


def import_once(path: str) -> dict:
    """Import ``path`` into the city's catalog through ``import_catalog``; return what it did.

    The outcome ("refused", "errors", "imported", or "crash" with the exception), the messages,
    the import's seconds, the rows written by model, and the process's peak memory.
    """
    from catalog.workbooks.imports import WorkbookError, import_catalog
    from districts.models import Division

    before = _counts()
    started = time.perf_counter()
    try:
        city = Division.objects.get(code=CITY)
        try:
            report = import_catalog(source=path, division=city, user=None)
        except WorkbookError as error:
            outcome, messages = "refused", [error.message]
        else:
            outcome = "errors" if report.has_errors else "imported"
            messages = [str(e) for e in report.errors[:20]]
            if len(report.errors) > 20:
                messages.append(str(report.errors[-1]))
    except MemoryError:
        outcome, messages = "crash", ["MemoryError"]
    except Exception as error:  # noqa: BLE001 — the report says what broke
        outcome, messages = "crash", [f"{type(error).__name__}: {error}"[:500]]
    seconds = time.perf_counter() - started
    after = _counts()
    return {
        "outcome": outcome,
        "messages": messages,
        "seconds": seconds,
        "written": {k: after[k] - before[k] for k in after if after[k] != before[k]},
        "peak_mib": peak_mib(),
    }


def peak_mib() -> float:
    """Return this process's peak resident memory in MiB: VmHWM, its own address space's.

    Not ru_maxrss: after an exec, Linux counts the memory the process had before it (its
    parent's, copied or borrowed) in ru_maxrss.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cap(address_space: int, timeout: float) -> None:
    """Cap this process's address space and wall-clock time (SIGALRM's default ends it)."""
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    signal.alarm(int(timeout))


def table_counts(database: Path) -> dict[str, int]:
    """Return the row count of every table of a SQLite database, read without Django."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def changed_tables(template: Path, database: Path) -> dict[str, int]:
    """Return the tables whose row count differs from the template's, with the difference."""
    before, after = table_counts(template), table_counts(database)
    return {n: after.get(n, 0) - before.get(n, 0) for n in after if after[n] != before.get(n, 0)}


def copy_database(template: Path, database: Path) -> None:
    """Make ``database`` a copy of ``template``, leaving no write-ahead log of an earlier copy.

    The portal keeps SQLite in WAL mode: a case's child that ends without closing its
    connection leaves ``case.sqlite3-wal`` behind, and the next copy would read that case's
    rows back from it.
    """
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, database)


def _setup() -> None:
    import django

    django.setup()


def _serve(template: str, database: str, address_space: int) -> None:
    """Answer requests on stdin with a forked child each; one JSON line per answer."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what Django or a command prints must not mix with the answers
    _setup()
    from django.db import connections

    for line in sys.stdin:
        request = json.loads(line)
        copy_database(Path(template), Path(database))
        result = Path(database).with_suffix(".json")
        result.unlink(missing_ok=True)
        connections.close_all()  # the child opens its own
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _cap(address_space, request["timeout"])
                result.write_text(json.dumps(import_once(request["path"])))
            except BaseException:
                traceback.print_exc()
                code = 3
            finally:
                os._exit(code)
        _, status, usage = os.wait4(pid, 0)
        answer = json.loads(result.read_text()) if result.exists() else None
        reply = {
            "exit": os.waitstatus_to_exitcode(status),
            "wall": time.perf_counter() - started,
            "peak_mib": answer["peak_mib"] if answer else usage.ru_maxrss / 1024,
            "result": answer,
            "changed": changed_tables(Path(template), Path(database)),
        }
        replies.write(json.dumps(reply) + "\n")


def _run(path: str, address_space: int, timeout: float) -> None:
    _cap(address_space, timeout)
    _setup()
    print(json.dumps(import_once(path)))


# ---------------------------------------------------------------------------------------------
# The parent's side.


@dataclass
class Outcome:
    """What a child did: exit code (negative: killed by that signal), peak MiB, its report.

    ``peak_mib`` is the child's own (``peak_mib()``), or wait4's ru_maxrss when it did not get
    to say (killed). ``changed`` are the tables whose row count the import changed, read from
    the database file after the child ended; ``stdout``/``stderr`` a fresh process's output.
    """

    exit: int
    peak_mib: float
    wall: float
    result: dict | None
    changed: dict[str, int]
    stdout: str = ""
    stderr: str = ""

    @property
    def outcome(self) -> str:
        return self.result["outcome"] if self.result else "killed"

    @property
    def message(self) -> str:
        if self.result:
            return "\n".join(self.result["messages"])
        return (self.stdout + self.stderr)[-4000:]


def spawn(
    argv: list[str],
    template: Path,
    directory: Path,
    *,
    address_space: int = ADDRESS_SPACE,
    timeout: float = TIMEOUT,
    settings: str = "portal.settings_test",
) -> Outcome:
    """Run ``argv`` (after the interpreter) on a copy of ``template``, capped; return its outcome.

    The peak resident memory is the child's own, from wait4.
    """
    database = Path(directory) / "case.sqlite3"
    copy_database(template, database)
    out_path, err_path = database.with_suffix(".out"), database.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *argv],
            cwd=ROOT,
            env=_environment(database, settings),
            stdout=out,
            stderr=err,
            preexec_fn=lambda: _cap(address_space, timeout),  # noqa: PLW1509 — no threads here
        )
        guard = threading.Timer(timeout + 30, child.kill)  # should the alarm not fire
        guard.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            guard.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    peak = usage.ru_maxrss / 1024
    for line in stderr.splitlines():
        if line.startswith(PEAK_MARK):
            peak = float(line.removeprefix(PEAK_MARK))
    return Outcome(
        child.returncode,
        peak,
        time.perf_counter() - started,
        None,
        changed_tables(template, database),
        stdout,
        stderr,
    )


PEAK_MARK = "peak MiB: "
# Runs manage.py as its own __main__ and, at exit, says its peak memory on stderr.
MANAGE = f"""
import atexit, runpy, sys
from tests.catalog.hostile_workbooks import peak_mib
atexit.register(lambda: print("{PEAK_MARK}%.1f" % peak_mib(), file=sys.stderr))
sys.argv = sys.argv[1:]
runpy.run_path("manage.py", run_name="__main__")
"""


def run_command(xlsx: Path, template: Path, directory: Path, *args: str) -> Outcome:
    """Run ``manage.py import_catalog xlsx --division CITY *args`` as ``spawn`` does."""
    argv = ["manage.py", "import_catalog", str(xlsx), "--division", CITY, *args]
    return spawn(["-c", MANAGE, *argv], template, directory)


def run_fresh(
    xlsx: Path,
    template: Path,
    directory: Path,
    *,
    timeout: float = TIMEOUT,
    settings: str = "portal.settings_test",
) -> Outcome:
    """Import ``xlsx`` in a fresh interpreter on a copy of ``template``; return what it did."""
    argv = ["-m", "tests.catalog.hostile_workbooks", "run", str(xlsx)]
    argv += [str(ADDRESS_SPACE), str(timeout)]
    done = spawn(argv, template, directory, timeout=timeout, settings=settings)
    lines = done.stdout.strip().splitlines()
    if done.exit == 0 and lines:
        done.result = json.loads(lines[-1])
        done.peak_mib = done.result["peak_mib"]
    return done


@dataclass
class Server:
    """A process with Django set up that forks one child per workbook (see ``_serve``)."""

    template: Path
    directory: Path
    address_space: int = ADDRESS_SPACE
    process: subprocess.Popen | None = field(default=None, init=False)

    def __enter__(self) -> Server:
        database = Path(self.directory) / "served.sqlite3"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.catalog.hostile_workbooks",
                "serve",
                str(self.template),
                str(database),
                str(self.address_space),
            ],
            cwd=ROOT,
            env=_environment(database),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def run(self, xlsx: Path, *, timeout: float = TIMEOUT) -> Outcome:
        """Import ``xlsx`` in a forked child; return what it did."""
        request = {"path": str(xlsx), "timeout": timeout}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        guard = threading.Timer(timeout + 60, self.process.kill)  # should the server hang
        guard.start()
        try:
            line = self.process.stdout.readline()
        finally:
            guard.cancel()
        if not line:
            raise RuntimeError("the import server died")
        reply = json.loads(line)
        return Outcome(
            reply["exit"], reply["peak_mib"], reply["wall"], reply["result"], reply["changed"]
        )


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "serve":
        template, database, address_space = args
        _serve(template, database, int(address_space))
    elif command == "run":
        path, address_space, timeout = args
        _run(path, int(address_space), float(timeout))
    else:
        raise SystemExit(f"unknown command {command!r}: serve or run")


if __name__ == "__main__":
    main(sys.argv[1:])
