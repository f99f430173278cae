"""Entries loaded as already published: one 审核通过并发布 event each, written in the database."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import CatalogEntry, CatalogEvent, ReviewStatus
from catalog.review import catalog_publish_as_loaded, entries_snapshot
from districts.models import Division
from tests.factories import CityEntryFactory

pytestmark = pytest.mark.django_db


def test_each_entry_gets_one_approve_event_from_its_status(reference_data):
    district = Division.objects.get(code="430102")
    draft = CityEntryFactory(division=reference_data)
    submitted = CityEntryFactory(
        division=district, status=ReviewStatus.SUBMITTED, submitted_at=timezone.now()
    )
    untouched = CityEntryFactory(division=district)
    before = timezone.now()

    assert catalog_publish_as_loaded(entry_ids=[draft.pk, submitted.pk]) == 2

    events = CatalogEvent.objects.order_by("entry_id")
    assert [(e.entry_id, e.division_id, e.from_status) for e in events] == [
        (draft.pk, reference_data.pk, draft.status),
        (submitted.pk, district.pk, ReviewStatus.SUBMITTED),
    ]
    for event in events:
        assert event.action == CatalogEvent.Action.APPROVE
        assert event.to_status == ReviewStatus.PUBLISHED
        assert event.reason == "载入时已是公开发布的目录（演示数据），未经本平台审核。"
        assert event.user_id is None and event.element == "" and event.detail == {}
        assert event.old_value is None and event.new_value is None
        assert before <= event.created_at <= timezone.now()
        assert str(event)  # the history list renders it
    published = CatalogEntry.objects.public()
    assert set(published.values_list("pk", flat=True)) == {draft.pk, submitted.pk}
    # The snapshot read from the few columns it needs is the one whole entries give.
    whole = list(published.prefetch_related("channels"))
    assert {e.pk: e.published_values for e in whole} == entries_snapshot(whole)
    assert not CatalogEvent.objects.filter(entry=untouched).exists()


def test_nothing_to_publish_writes_nothing(reference_data):
    assert catalog_publish_as_loaded(entry_ids=[]) == 0
    assert not CatalogEvent.objects.exists()
