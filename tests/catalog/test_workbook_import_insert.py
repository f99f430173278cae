"""The importer writes new rows with plain INSERTs: every column it does not give is filled
as bulk_create (and the model) would fill it, whatever columns the models gain later."""

from __future__ import annotations

from django.utils import timezone

from catalog.models import CatalogEntry, CatalogEvent, FirstLevelItem, SecondLevelItem
from catalog.workbooks.imports import ENTRY_COLUMNS, import_catalog
from districts.models import Role

from . import workbooks as wb
from .workbooks import YR_YANGLAO


def defaults_differing(instance, model, given: set[str]) -> dict:
    """Return the columns of ``instance`` not in ``given`` whose value is not the default."""
    fresh = model()
    return {
        f.attname: (getattr(instance, f.attname), getattr(fresh, f.attname))
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.attname not in given
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and getattr(instance, f.attname) != getattr(fresh, f.attname)
    }


def test_new_rows_get_model_defaults_and_timestamps(city, make_member):
    user = make_member(city, Role.EDITOR)  # who imports must hold a role there
    started = timezone.now()
    report = import_catalog(
        source=wb.xlsx_bytes(wb.common_sheet("养老服务", YR_YANGLAO)), division=city, user=user
    )
    assert report.applied and report.counts == {"new": len(YR_YANGLAO)}

    entries = list(CatalogEntry.objects.filter(division=city).order_by("pk"))
    assert len(entries) == len(YR_YANGLAO)
    for entry in entries:
        assert defaults_differing(entry, CatalogEntry, set(ENTRY_COLUMNS)) == {}
        assert entry.upstream_changed == [] and not entry.is_dropped and entry.drop_reason == ""
        assert entry.updated_by == user and entry.source is None and entry.overridden == []
        assert started <= entry.created_at <= entry.updated_at <= timezone.now()

    events = list(CatalogEvent.objects.filter(action=CatalogEvent.Action.CREATE).order_by("pk"))
    assert [e.entry_id for e in events] == [e.pk for e in entries]
    given = {"division_id", "entry_id", "action", "user_id", "detail"}
    for event in events:
        assert defaults_differing(event, CatalogEvent, given) == {}
        assert (event.division, event.user, event.element) == (city, user, "")
        assert event.old_value is None and event.new_value is None
        assert started <= event.created_at <= timezone.now()

    # Items are numbered after those in use, in workbook order.
    [first] = FirstLevelItem.objects.filter(name="养老服务通用政策")
    seconds = SecondLevelItem.objects.filter(first_level=first).order_by("display_order")
    assert [s.name for s in seconds] == [line.second_level for line in YR_YANGLAO]
    assert [e.item_id for e in entries] == [s.pk for s in seconds]
