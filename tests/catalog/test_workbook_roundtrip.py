"""Export → import round trips: whatever the model allows comes back identical.

The export writes the standard workbook; the import must read back every element exactly
(channels, audience, mode, levels with their channels, item type, the text elements), so that
importing an exported catalog into the same division changes nothing and into an empty sibling
division reproduces it.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import CatalogEntry, CatalogEvent, Channel, Domain, Element
from catalog.services import entry_create, entry_update, get_value
from catalog.workbooks.export import export_workbook
from catalog.workbooks.imports import UNCHANGED, import_catalog
from districts.models import Division
from tests.factories import FirstLevelItemFactory, SecondLevelItemFactory

ELEMENTS = [e.value for e in Element]


def snapshot(division) -> dict:
    """Return {(domain, first, second): {element: value}} for the division's active entries."""
    entries = CatalogEntry.objects.active().in_division(division).with_elements()
    return {
        (e.item.first_level.domain.name, e.item.first_level.name, e.item.name): {
            element: get_value(e, element) for element in ELEMENTS
        }
        for e in entries
    }


def exported(division) -> bytes:
    buffer = io.BytesIO()
    export_workbook(division=division, stream=buffer)
    return buffer.getvalue()


@pytest.fixture
def demo(db, monkeypatch):
    # The round trips need the demo catalog, not its year of publications (which would also
    # hold the entries the sibling test deletes).
    monkeypatch.setattr(
        "portal.management.commands.load_demo_data.build_demo_year", lambda **kwargs: 0
    )
    call_command("load_demo_data", stdout=io.StringIO())


def test_demo_catalogs_reimport_unchanged(demo):
    """Each level's demo catalogs (one demo load for all: it is the slow part)."""
    for code in ["430100", "430102", "430103", "430181", "430102001", "430182213"]:
        division = Division.objects.get(code=code)
        before = snapshot(division)
        report = import_catalog(source=exported(division), division=division, user=None)
        assert not report.has_errors, [str(e) for e in report.errors]
        assert report.applied
        assert {o.status for o in report.outcomes} == {UNCHANGED}, code
        assert len(report.outcomes) == len(before)
        assert snapshot(division) == before


def test_demo_catalogs_export_as_they_import(demo):
    """The city, every county and a township of each: the exported workbook reads back as
    exactly the catalog (a dry run; every township is derived the same way)."""
    divisions = list(Division.objects.filter(level__in=["city", "county"]))
    divisions += [d.children.order_by("code").first() for d in divisions if d.parent_id]
    for division in divisions:
        before = snapshot(division)
        report = import_catalog(
            source=exported(division), division=division, user=None, dry_run=True
        )
        assert not report.has_errors, (division.name, [str(e) for e in report.errors][:5])
        assert {o.status for o in report.outcomes} == {UNCHANGED}, division.name
        assert len(report.outcomes) == len(before)


def test_a_district_catalog_imported_into_an_empty_sibling_is_identical(demo):
    furong = Division.objects.get(code="430102")
    tianxin = Division.objects.get(code="430103")
    # Make 芙蓉区 differ from the city, so that the copy must carry personalised elements.
    entry = CatalogEntry.objects.filter(division=furong).first()
    entry_update(
        entry=entry, changes={"time_limit": "=5个工作日内", "mode": [True, True]}, user=None
    )
    workbook = exported(furong)
    # Empty 天心区's demo catalog (townships first: they point at it) to import into it.
    with transaction.atomic():
        # The demo loader recorded their publication; the history goes with them here.
        CatalogEvent.objects.filter(entry__division__in=[tianxin, *tianxin.children.all()]).delete()
        CatalogEntry.objects.filter(division__parent=tianxin).delete()
        CatalogEntry.objects.filter(division=tianxin).delete()
    report = import_catalog(source=workbook, division=tianxin, user=None)
    assert report.applied and not report.has_errors
    assert snapshot(tianxin) == snapshot(furong)
    copied = CatalogEntry.objects.get(division=tianxin, item=entry.item)
    assert copied.source.division.code == "430100"
    assert set(copied.overridden) == {"time_limit", "mode"}


TEXT = st.text(
    alphabet=st.sampled_from(list("政务公开目录信息20个工作日=+-@■□√●〇（）()、，；: \nabcXYZ019")),
    min_size=0,
    max_size=40,
).map(str.strip)
NAME = TEXT.filter(bool)
LEVELS = st.lists(
    st.fixed_dictionaries(
        {
            "level": st.sampled_from(["县级", "乡级", "区级", "镇(街)级", "乡、村级", "市级"]),
            "channels": st.lists(
                st.sampled_from(["政府网站", "政务服务中心", "便民服务站", "12345政务服务热线"]),
                unique=True,
                max_size=3,
            ),
        }
    ),
    max_size=3,
    unique_by=lambda level: level["level"],
)
ENTRY = st.fixed_dictionaries(
    {
        "second": NAME,
        "content": TEXT,
        "basis": TEXT,
        "time_limit": TEXT,
        "subject": TEXT,
        "service_name": TEXT,
        "content_title": TEXT,
        "upload_form": TEXT,
        "remarks": TEXT,
        "item_type": st.sampled_from(["service", "non_service"]),
        "audience": st.sampled_from([[True, False], [False, True], [True, True]]),
        "mode": st.sampled_from([[True, False], [False, True], [True, True]]),
        "levels": LEVELS,
        "channels": st.lists(st.integers(min_value=0, max_value=18), unique=True, max_size=5),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(ENTRY, min_size=1, max_size=6, unique_by=lambda e: e["second"]))
def test_any_catalog_survives_export_and_import(reference_data, entries):
    city = reference_data
    channels = list(Channel.objects.order_by("display_order"))
    with transaction.atomic():
        domain = Domain.objects.get(name="社会救助")
        first = FirstLevelItemFactory(domain=domain, name="往返测试")
        for values in entries:
            item = SecondLevelItemFactory(first_level=first, name=values["second"])
            data = {k: v for k, v in values.items() if k != "second"}
            data["channels"] = [channels[i % len(channels)] for i in data["channels"]]
            entry_create(division=city, item=item, values=data, user=None)
        before = snapshot(city)
        buffer = io.BytesIO()
        export_workbook(division=city, domain=domain, stream=buffer)
        report = import_catalog(source=buffer.getvalue(), division=city, user=None)
        assert not report.has_errors, [str(e) for e in report.errors]
        assert {o.status for o in report.outcomes} == {UNCHANGED}
        assert snapshot(city) == before
        transaction.set_rollback(True)
