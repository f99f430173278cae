"""A minimal streaming reader of .xlsx worksheets: cell values, formulas flagged, row by row.

openpyxl's read-only mode builds a cell object per cell and parses inline strings slowly; at
100,000 catalog lines reading alone took most of the import's time budget. Catalog import only
needs each cell's text and whether it holds a formula, so this reads the sheet XML directly
with the standard library's C-accelerated iterparse, clearing each row once it is read.
The standard library's expat refuses entity expansion attacks and never fetches external
entities, so untrusted uploads are safe to parse here.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WORKSHEET_TYPE = "/worksheet"
ROW, CELL, VALUE, FORMULA, INLINE, TEXT, PHONETIC = (
    f"{MAIN}row",
    f"{MAIN}c",
    f"{MAIN}v",
    f"{MAIN}f",
    f"{MAIN}is",
    f"{MAIN}t",
    f"{MAIN}rPh",
)


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
    """Return the column number of a cell reference (A1 → 1, AB7 → 28)."""
    letters = ref.rstrip(DIGITS)
    number = _columns.get(letters)
    if number is None:
        number = 0
        for char in letters:
            if "A" <= char <= "Z":
                number = number * 26 + ord(char) - 64
            else:
                break
        if len(_columns) < 20_000:
            _columns[letters] = number
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


class Sheet:
    def __init__(self, book: Book, title: str, path: str):
        self.book = book
        self.title = title
        self._worksheet_path = path

    def iter_rows(self) -> Iterator[list[Cell]]:
        """Yield every row from row 1 on (empty lists for empty rows) as lists of cells."""
        strings = self.book.shared_strings()
        expected = 1
        with self.book._archive.open(self._worksheet_path) as part:
            for _, element in iterparse(part):
                if element.tag != ROW:
                    continue
                number = int(element.get("r") or expected)
                while expected < number:
                    yield []
                    expected += 1
                cells: list[Cell] = []
                append, cell = cells.append, self._cell
                # Cells are the row's children (a row may also hold an extension list).
                for position, c in enumerate((c for c in element if c.tag == CELL), 1):
                    ref = c.get("r")
                    col = _column(ref) if ref else position
                    while len(cells) < col - 1:
                        append(EMPTY)
                    append(cell(c, strings))
                yield cells
                expected = number + 1
                # Empty the row once read: what stays behind is one bare element per row.
                element.clear()

    @staticmethod
    def _cell(c, strings: list[str]) -> Cell:
        kind = c.get("t", "n")
        formula = c.find(FORMULA)
        if formula is not None:
            # Like openpyxl without data_only: a formula cell reads as its formula.
            return Cell(f"={formula.text or ''}", "f")
        data_type = "s" if kind in ("s", "inlineStr", "str") else "n"
        if kind == "inlineStr":
            inline = c.find(INLINE)
            return Cell(_text(inline) if inline is not None else "", data_type)
        v = c.find(VALUE)
        raw = v.text if v is not None else None
        if raw is None:
            return Cell(None, data_type)
        if kind == "s":
            index = int(raw)
            return Cell(strings[index] if index < len(strings) else "", data_type)
        if kind == "b":
            return Cell(raw == "1", data_type)
        if kind in ("str", "e"):
            return Cell(raw, data_type)
        try:
            number = float(raw)
        except ValueError:
            return Cell(raw, data_type)
        return Cell(int(number) if number.is_integer() else number, data_type)


class Book:
    """The worksheets of an .xlsx archive, read lazily."""

    def __init__(self, handle):
        self._archive = zipfile.ZipFile(handle)
        self._strings: list[str] | None = None
        self.worksheets = self._sheets()

    def _sheets(self) -> list[Sheet]:
        rels = {}
        with self._archive.open("xl/_rels/workbook.xml.rels") as part:
            for _, element in iterparse(part):
                if element.tag == f"{PKG_REL}Relationship":
                    rels[element.get("Id")] = (element.get("Target"), element.get("Type", ""))
        sheets = []
        with self._archive.open("xl/workbook.xml") as part:
            for _, element in iterparse(part):
                if element.tag != f"{MAIN}sheet":
                    continue
                target, kind = rels.get(element.get(f"{REL}id"), ("", ""))
                if not target or not kind.endswith(WORKSHEET_TYPE):
                    continue  # chart sheets and dialog sheets hold no table
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                sheets.append(Sheet(self, element.get("name", ""), path))
        return sheets

    def shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if "xl/sharedStrings.xml" in self._archive.namelist():
                with self._archive.open("xl/sharedStrings.xml") as part:
                    context = iterparse(part, events=("start", "end"))
                    _, root = next(context)
                    for event, element in context:
                        if event == "end" and element.tag == f"{MAIN}si":
                            self._strings.append(_text(element))
                            root.clear()
        return self._strings

    def close(self) -> None:
        self._archive.close()
