"""The element registry (catalog/elements.py): every consumer reads it, nobody else names elements.

The figure the registry is for: how many product modules a new disclosure element touches.
Before the registry, ``upload_form`` (an element with no behaviour of its own) was named in seven
modules (models, forms, admin, resources, the workbook format, reader and exporter) besides its
migration; now a plain element is named by the registry and its model column only, which
``test_a_plain_element_is_named_only_by_the_registry_and_its_model`` holds the code to.
"""

from __future__ import annotations

import re
from pathlib import Path

from catalog import elements
from catalog.admin.entries import CatalogEntryAdmin
from catalog.display import FLAG_LABELS
from catalog.forms import CatalogEntryForm
from catalog.models import CatalogEntry, Element
from catalog.workbooks import format as fmt
from catalog.workbooks import read
from catalog.workbooks.export import CSV_HEADER
from catalog.workbooks.resources import CatalogEntryResource
from search.indexing import ENTRY_TEXT

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_APPS = ("catalog", "districts", "guides", "portal", "publications", "search")


def product_modules() -> list[Path]:
    return [
        path
        for app in PRODUCT_APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def modules_naming(name: str) -> set[str]:
    word = re.compile(rf"\b{re.escape(name)}\b")
    return {
        str(path.relative_to(ROOT)) for path in product_modules() if word.search(path.read_text())
    }


def test_the_choices_are_the_registry():
    assert [(e.value, str(e.label)) for e in Element] == [(s.name, s.label) for s in elements.SPECS]
    assert sorted(s.file_position for s in elements.SPECS) == list(
        range(1, len(elements.SPECS) + 1)
    )


def test_every_element_has_its_model_columns():
    columns = {f.name for f in CatalogEntry._meta.get_fields()}
    for spec in elements.SPECS:
        assert set(spec.columns or (spec.name,)) <= columns, spec.name


def test_the_form_and_the_admin_fieldset_carry_every_element():
    form_fields = set(CatalogEntryForm.base_fields)
    fieldset = CatalogEntryAdmin.fieldsets[1][1]["fields"]
    flat = {f for line in fieldset for f in (line if isinstance(line, tuple) else (line,))}
    for spec in elements.SPECS:
        wanted = set(spec.columns or (spec.name,))
        assert wanted <= form_fields, spec.name
        assert wanted <= flat, spec.name
    # A flags element's columns sit on one line of the form.
    assert ("audience_all", "audience_specific") in fieldset


def test_every_workbook_and_flat_file_carries_every_element_in_file_order():
    keys = [c.key for c in fmt.columns(2)]
    positions = []
    for spec in elements.IN_FILE_ORDER:
        if spec.kind == elements.LEVELS:
            positions.append(keys.index("level_1"))
        else:
            first = (spec.columns or (spec.name,))[0]
            positions.append(keys.index(first))
    assert positions == sorted(positions)
    assert CSV_HEADER[5:] == [spec.heading for spec in elements.IN_FILE_ORDER]
    resource_columns = [f.column_name for f in CatalogEntryResource().get_export_fields()]
    assert resource_columns[5:-1] == CSV_HEADER[5:]


def test_the_reader_knows_every_heading_of_every_element():
    for spec in elements.SPECS:
        for heading in spec.headings:
            if spec.kind == elements.FLAGS:
                for flag in spec.flags:
                    for sub in flag.sub_headings:
                        assert read.SUB_HEADINGS[(heading, sub)] == flag.column
            elif spec.kind == elements.LEVELS:
                assert read.SINGLE_HEADINGS[heading] == "levels_text"
            else:
                assert read.SINGLE_HEADINGS[heading] == spec.name
    assert set(read.TEXT_KEYS) == {s.name for s in elements.SPECS if s.kind == elements.TEXT}


def test_labels_and_search_come_from_the_registry():
    assert FLAG_LABELS == {"audience": ("全社会", "特定群体"), "mode": ("主动", "依申请")}
    entry = CatalogEntry(audience_all=False, audience_specific=True, mode_active=True)
    assert entry.audience_labels() == ["特定群体"]
    assert entry.mode_labels() == ["主动"]
    assert set(ENTRY_TEXT) == {s.name for s in elements.SPECS if s.searchable}


def test_a_plain_element_is_named_only_by_the_registry_and_its_model():
    # upload_form and content_title have no behaviour of their own: adding such an element is
    # the registry line and the model column (with its migration and its 填报说明).
    for name in ("upload_form", "content_title"):
        assert modules_naming(name) - {"catalog/demo.py"} == {
            "catalog/elements.py",
            "catalog/models.py",
        }, name


def test_the_scan_finds_what_it_looks_for():
    # The check above is only as good as its scan: a known name in a known module is found.
    assert "catalog/workbooks/read.py" in modules_naming("SINGLE_HEADINGS")
    assert "catalog/elements.py" in modules_naming("upload_form")
