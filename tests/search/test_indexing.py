"""Only public content is indexed; the review chain, catalog approvals and guide syncs keep the
index current after commit; indexing is idempotent; the rebuild command and bulk load hook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import CatalogEntry
from guides.models import Guide, SyncRun
from guides.signals import guides_synced
from publications import services
from search.indexing import index_entries, index_guides, index_kind
from search.models import SearchDocument
from tests.portal.test_guide_pages import GuideFactory, withdraw

pytestmark = pytest.mark.django_db

Kind = SearchDocument.Kind


def docs(kind: str) -> dict[int, SearchDocument]:
    return {d.object_id: d for d in SearchDocument.objects.filter(kind=kind)}


def rebuild() -> None:
    """Run the rebuild command, the path operators take, without its report."""
    call_command("rebuild_search_index", stdout=io.StringIO())


def test_only_published_publications_are_indexed(office, committed):
    with committed():
        draft = office.publication("district", "draft", title="草稿低保名单")
        submitted = office.publication("district", "submitted", title="待审低保名单")
        published = office.publication("township", "published", title="2026年低保资金发放")
        withdrawn = office.publication("district", "withdrawn", title="已撤销低保名单")
    indexed = docs(Kind.PUBLICATION)
    assert set(indexed) == {published.pk}
    assert {draft.pk, submitted.pk, withdrawn.pk}.isdisjoint(indexed)
    doc = indexed[published.pk]
    assert doc.title == "2026年低保资金发放"
    assert doc.url == f"/p/{published.pk}/"
    assert doc.division_id == published.division_id
    assert doc.domain_id == published.entry.item.first_level.domain_id
    assert doc.date == published.published_at
    assert "低保" in doc.tokens.split() and "资金" in doc.tokens.split()


def test_withdrawal_unindexes(office, committed):
    with committed():
        item = office.publication("district", "published", title="低保资金发放公示")
    assert item.pk in docs(Kind.PUBLICATION)
    with committed():
        services.publication_withdraw(
            publication=item, user=office.user("editor", "district"), reason="信息有误"
        )
    assert item.pk not in docs(Kind.PUBLICATION)


def test_a_revision_replaces_its_predecessor_in_the_index(office, committed):
    with committed():
        old = office.publication("district", "published", title="低保标准（第一版）")
        editor, reviewer = office.user("editor", "district"), office.reviewer_for("district")
        draft = services.publication_revise(publication=old, user=editor)
        services.publication_update(
            publication=draft, data={"title": "低保标准（第二版）"}, user=editor
        )
    # The draft revision is not public; the published version still is.
    assert set(docs(Kind.PUBLICATION)) == {old.pk}
    with committed():
        services.publication_submit(publication=draft, user=editor)
        services.publication_approve(publication=draft, user=reviewer)
    indexed = docs(Kind.PUBLICATION)
    assert set(indexed) == {draft.pk}
    assert indexed[draft.pk].title == "低保标准（第二版）"


def test_a_rolled_back_approval_never_reaches_the_index(office, django_capture_on_commit_callbacks):
    item = office.publication("district", "submitted", title="低保名单")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.publication_approve(publication=item, user=office.reviewer_for("district"))
    assert callbacks  # queued for after the commit, not run inside the transaction
    assert not SearchDocument.objects.exists()


def test_published_entries_are_indexed_from_their_snapshot(office, committed):
    # The office fixture published its catalog as loaded, inside the test's transaction.
    assert not docs(Kind.ENTRY)
    entry = office.entries["district"]
    CatalogEntry.objects.filter(pk=entry.pk).update(content="工作中的草稿内容")
    index_entries()
    indexed = docs(Kind.ENTRY)
    assert set(indexed) == set(CatalogEntry.objects.public().values_list("pk", flat=True))
    doc = indexed[entry.pk]
    assert doc.title == "低保资金发放"
    assert doc.url == f"/entry/{entry.pk}/"
    assert doc.domain.name == "社会救助"
    assert "工作中的草稿内容" not in doc.body  # the public reads the published snapshot
    assert "最低生活保障" in doc.body  # the first-level item


def test_catalog_publish_as_loaded_indexes_after_commit(office, committed):
    ids = list(CatalogEntry.objects.values_list("pk", flat=True))
    CatalogEntry.objects.update(status="draft")
    from catalog.review import catalog_publish_as_loaded

    with committed():
        catalog_publish_as_loaded(entry_ids=ids[:1])
    # The entries derived from it are indexed again with it.
    assert set(docs(Kind.ENTRY)) == set(
        CatalogEntry.objects.public().filter(pk__in=ids).values_list("pk", flat=True)
    )


def test_dropped_entries_leave_the_index(indexed_office):
    entry = indexed_office.entries["township"]
    assert entry.pk in docs(Kind.ENTRY)
    values = {**entry.published_values, "is_dropped": True}
    CatalogEntry.objects.filter(pk=entry.pk).update(published_values=values)
    result = index_entries([entry.pk])
    assert result.removed == {Kind.ENTRY: 1}
    assert entry.pk not in docs(Kind.ENTRY)


def test_active_guides_are_indexed_and_withdrawn_ones_leave(furong, committed):
    active = GuideFactory(name="食品生产许可", division=furong)
    gone = withdraw(GuideFactory(name="食品经营许可", division=furong))
    index_guides()
    indexed = docs(Kind.GUIDE)
    assert set(indexed) == {active.pk}
    assert indexed[active.pk].url == f"/guide/{active.unify_id}/"
    assert indexed[active.pk].division == furong
    assert indexed[active.pk].domain is None
    assert "<" not in indexed[active.pk].body  # the guide's HTML is stored as plain text
    assert "具有本区户籍" in indexed[active.pk].body
    withdraw(active)
    assert gone.pk not in docs(Kind.GUIDE)
    index_guides([active.pk])
    assert not docs(Kind.GUIDE)


def test_a_sync_run_indexes_the_guides_it_wrote(furong, committed):
    now = timezone.now()
    old = GuideFactory(name="旧事项", division=furong, changed_at=now - dt.timedelta(days=3))
    fresh = GuideFactory(name="食品生产许可", division=furong, changed_at=now)
    run = SyncRun.objects.create(
        trigger="manual", base_url="http://127.0.0.1", started_at=now, heartbeat_at=now
    )
    with committed():
        guides_synced.send(sender=SyncRun, run=run)
    assert set(docs(Kind.GUIDE)) == {fresh.pk}
    assert old.pk not in docs(Kind.GUIDE)


def test_indexing_is_idempotent(indexed_office, committed):
    with committed():
        indexed_office.publication("district", "published", title="低保资金发放")
    first = sorted(SearchDocument.objects.values_list("kind", "object_id", "tokens"))
    rebuild()
    rebuild()
    index_kind(Kind.PUBLICATION, list(docs(Kind.PUBLICATION)))
    assert sorted(SearchDocument.objects.values_list("kind", "object_id", "tokens")) == first


def test_rebuild_removes_rows_of_objects_no_longer_public(indexed_office, furong):
    guide = GuideFactory(name="食品生产许可", division=furong)
    rebuild()
    Guide.objects.filter(pk=guide.pk).delete()
    result = index_kind(Kind.GUIDE)
    assert result.removed[Kind.GUIDE] == 1
    assert not docs(Kind.GUIDE)


def test_rebuild_command_prints_counts_and_time(indexed_office):
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    text = out.getvalue()
    entries = CatalogEntry.objects.public().count()
    assert f"目录事项：索引 {entries} 条" in text
    assert "公开信息：索引 0 条" in text
    assert "搜索索引重建完成" in text and "秒" in text
    out = io.StringIO()
    call_command("rebuild_search_index", "--kind", "guide", stdout=out)
    assert "目录事项" not in out.getvalue()


def test_generated_publications_are_indexed_in_bulk(office):
    out = io.StringIO()
    call_command("generate_publications", "--count", "60", "--authors", "2", stdout=out)
    from publications.models import Publication

    published = set(Publication.objects.published().values_list("pk", flat=True))
    assert published
    assert set(docs(Kind.PUBLICATION)) == published
    assert "搜索索引：公开信息" in out.getvalue()
