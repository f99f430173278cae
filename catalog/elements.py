"""The disclosure elements (公开要素), each declared once.

Every module that handles an entry's elements reads this registry: the model's ``Element``
choices, services (values, normalising, snapshots), the admin form and its fieldset, the
review panel and import preview, the workbook layout, reader and exporters (xlsx, CSV, JSON,
django-import-export), and search. A new element is one ``Spec`` here plus its model column
(and migration) and its 填报说明 in ``portal/help_content.py``; ``tests/catalog/test_elements.py``
holds the rest of the code to that.

The registry order is the order staff see elements in (the form, the review panel, diffs);
``file_position`` is the order of the standard workbook's columns (the 2021 national format),
which the CSV, JSON and import-export files follow too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

# How an element is stored and edited.
TEXT = "text"  # one text column of the same name
CHOICE = "choice"  # one column with choices (事项类型)
CHANNELS = "channels"  # the many-to-many of standard channels
FLAGS = "flags"  # two or more boolean columns (公开对象, 公开方式)
LEVELS = "levels"  # a JSON list of {level, channels}


@dataclass(frozen=True)
class Flag:
    """One boolean column of a FLAGS element: its column, label and workbook sub-headings."""

    column: str
    label: str
    sub_headings: tuple[str, ...]  # the first is what the exporter writes


@dataclass(frozen=True)
class Spec:
    """One disclosure element: what it is called, how it is stored, how workbooks show it."""

    name: str
    label: str
    kind: str
    file_position: int
    headings: tuple[str, ...] = ()  # workbook headings that mean it; the first is written
    width: int = 16  # workbook column width, in characters
    flags: tuple[Flag, ...] = ()
    searchable: bool = False  # its text goes into the search index

    @property
    def columns(self) -> tuple[str, ...]:
        """Return the model columns that store the element (none for the channels M2M)."""
        if self.kind == FLAGS:
            return tuple(flag.column for flag in self.flags)
        if self.kind == CHANNELS:
            return ()
        return (self.name,)

    @property
    def heading(self) -> str:
        """Return the workbook heading the exporter writes (the top heading for flags)."""
        return self.headings[0] if self.headings else self.label


SPECS: tuple[Spec, ...] = (
    Spec(
        "content",
        "公开内容(要素)",
        TEXT,
        file_position=3,
        headings=("公开内容(要素)", "公开内容(要素)及要求", "公开内容", "公开要素"),
        width=36,
        searchable=True,
    ),
    Spec("basis", "公开依据", TEXT, 6, ("公开依据",), width=30, searchable=True),
    Spec("time_limit", "公开时限", TEXT, 7, ("公开时限",)),
    Spec("subject", "公开主体", TEXT, 8, ("公开主体",), searchable=True),
    Spec(
        "channels",
        "公开渠道和载体",
        CHANNELS,
        file_position=9,
        headings=("公开渠道和载体", "公开渠道", "公开载体"),
        width=22,
    ),
    Spec(
        "audience",
        "公开对象",
        FLAGS,
        file_position=10,
        headings=("公开对象",),
        flags=(
            Flag("audience_all", "全社会", ("全社会",)),
            Flag("audience_specific", "特定群体", ("特定群体", "特定群众")),
        ),
    ),
    Spec(
        "mode",
        "公开方式",
        FLAGS,
        file_position=11,
        headings=("公开方式",),
        flags=(
            Flag("mode_active", "主动", ("主动", "主动公开")),
            Flag("mode_on_request", "依申请", ("依申请", "依申请公开")),
        ),
    ),
    Spec("levels", "公开层级", LEVELS, 12, ("公开层级",)),
    Spec("item_type", "事项类型", CHOICE, 1, ("事项类型",), width=10),
    Spec(
        "service_name",
        "对应本级政务服务事项名称",
        TEXT,
        2,
        ("对应本级政务服务事项名称",),
        width=18,
        searchable=True,
    ),
    Spec("content_title", "公开内容标题", TEXT, 4, ("公开内容标题",), searchable=True),
    Spec("upload_form", "公开内容上传形式", TEXT, 5, ("公开内容上传形式",), width=10),
    Spec("remarks", "备注", TEXT, 13, ("备注",), width=20, searchable=True),
)
BY_NAME: dict[str, Spec] = {spec.name: spec for spec in SPECS}
IN_FILE_ORDER: tuple[Spec, ...] = tuple(sorted(SPECS, key=lambda spec: spec.file_position))

# The element choices, built from the registry (labels translated lazily like any choices).
Element = models.TextChoices(
    "Element", [(spec.name.upper(), (spec.name, _(spec.label))) for spec in SPECS]
)
Element.__doc__ = "The disclosure elements (公开要素) an entry carries and a derivation may change."

# Elements stored as plain columns of the same name; the others map to several columns or M2M.
SCALAR_ELEMENTS: tuple[str, ...] = tuple(s.name for s in SPECS if s.kind in (TEXT, CHOICE, LEVELS))
TEXT_ELEMENTS: tuple[str, ...] = tuple(s.name for s in SPECS if s.kind == TEXT)
ELEMENT_COLUMNS: dict[str, tuple[str, ...]] = {spec.name: spec.columns for spec in SPECS}
FLAG_COLUMNS: tuple[str, ...] = tuple(f.column for s in SPECS for f in s.flags)
SEARCHABLE: tuple[str, ...] = tuple(s.name for s in SPECS if s.searchable)


def flag_labels(element: str) -> tuple[str, ...]:
    """Return the labels of a FLAGS element's columns, e.g. ("全社会", "特定群体")."""
    return tuple(flag.label for flag in BY_NAME[element].flags)


def chosen_labels(element: str, flags) -> list[str]:
    """Return the labels of the flags that are set (``flags`` in the element's column order)."""
    return [label for flag, label in zip(flags, flag_labels(element), strict=False) if flag]


def entry_flag_labels(entry, element: str) -> list[str]:
    """Return the labels of an entry's set flags for a FLAGS element."""
    return [flag.label for flag in BY_NAME[element].flags if getattr(entry, flag.column)]


def form_fields() -> list[str]:
    """Return the entry form's element fields, in the registry's order."""
    return [field for spec in SPECS for field in (spec.columns or (spec.name,))]


def fieldset_fields() -> tuple:
    """Return the admin fieldset's element fields, a FLAGS element's columns on one line."""
    return tuple(
        spec.columns if spec.kind == FLAGS else (spec.columns or (spec.name,))[0] for spec in SPECS
    )
