"""The full sync against the simulator as a real HTTP server: counts, writes, upstream changes,
withdrawals, and every fault switch the simulator has."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guides.models import Guide, SyncFailure, SyncRun
from guides.normalise import PLACEHOLDERS, record_hash

pytestmark = pytest.mark.django_db

TEXT_FIELDS = [
    f.name
    for f in Guide._meta.get_fields()
    if getattr(f, "get_internal_type", lambda: "")() in ("CharField", "TextField", "URLField")
]
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b.*\bguides_guide\b", re.IGNORECASE | re.DOTALL)


def guide_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if WRITE.match(q["sql"])]


def stored_record(guide: Guide) -> dict:
    """Rebuild the normalised record from a stored row (every record key is a column)."""
    from guides.normalise import guide_record

    keys = guide_record(
        {"unifyName": "x", "areaCode": "430100"}, unify_id=guide.unify_id, audiences=[]
    ).keys()
    return {key: getattr(guide, key) for key in keys}


def test_a_full_sync_stores_every_listed_guide_once(sim, sync):
    run = sync(sim.base_url)

    expected = set(sim.dataset.guide_ids())
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.listed == len(expected) == Guide.objects.count()
    assert (run.created, run.changed, run.unchanged, run.withdrawn, run.failed) == (
        len(expected),
        0,
        0,
        0,
        0,
    )
    assert set(Guide.objects.values_list("unify_id", flat=True)) == expected
    # Every call the simulator answered was made (and counted) by the client.
    assert run.requests == sim.stats["total"]
    # Items listed under both 个人 and 法人 (and under several themes) are one guide.
    both = {i for i in expected if len(sim.dataset.guide_types(i)) == 2}
    assert both
    for guide in Guide.objects.filter(unify_id__in=both):
        assert guide.audiences == ["1", "2"]
    # Guides land in their divisions.
    assert not Guide.objects.filter(division__isnull=True).exists()
    for guide in Guide.objects.all():
        assert guide.content_hash == record_hash(stored_record(guide))
        for field in TEXT_FIELDS:
            value = getattr(guide, field)
            assert value.strip().lower() not in PLACEHOLDERS - {""}, (field, value)
            assert "<script" not in value.lower() and "javascript:" not in value.lower()
            assert "onclick" not in value.lower()


def test_an_unchanged_resync_writes_no_guide(sim, sync):
    sync(sim.base_url)
    before = dict(Guide.objects.values_list("unify_id", "changed_at"))

    with CaptureQueriesContext(connection) as queries:
        run = sync(sim.base_url)

    assert guide_writes(queries.captured_queries) == []
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.created, run.changed, run.withdrawn, run.failed) == (0, 0, 0, 0)
    assert run.unchanged == len(before)
    assert dict(Guide.objects.values_list("unify_id", "changed_at")) == before


def test_a_changed_item_is_written_and_only_it(sim, sync):
    sync(sim.base_url)
    target = sim.dataset.guide_ids()[7]
    old = Guide.objects.get(unify_id=target)
    others = dict(Guide.objects.exclude(pk=old.pk).values_list("unify_id", "content_hash"))
    sim.change([target])

    with CaptureQueriesContext(connection) as queries:
        run = sync(sim.base_url)

    assert (run.created, run.changed, run.unchanged) == (0, 1, len(others))
    assert len(guide_writes(queries.captured_queries)) == 1
    new = Guide.objects.get(unify_id=target)
    assert new.content_hash != old.content_hash
    assert new.changed_at > old.changed_at
    assert new.first_synced_at == old.first_synced_at
    assert dict(Guide.objects.exclude(pk=old.pk).values_list("unify_id", "content_hash")) == others


def test_a_vanished_item_is_withdrawn_not_deleted_and_comes_back(sim, sync):
    sync(sim.base_url)
    target = sim.dataset.guide_ids()[3]
    sim.vanish([target])

    run = sync(sim.base_url)

    assert run.withdrawn == 1 and run.status == SyncRun.Status.SUCCEEDED
    guide = Guide.objects.get(unify_id=target)
    assert guide.status == Guide.Status.WITHDRAWN and guide.withdrawn_at is not None
    assert Guide.objects.active().count() == Guide.objects.count() - 1
    assert "标记为取消" in run.message

    sim.restore([target])
    back = sync(sim.base_url)
    guide.refresh_from_db()
    assert back.changed == 1 and guide.status == Guide.Status.ACTIVE and guide.withdrawn_at is None


def test_a_generation_advance_brings_changes_and_cancellations(settings, sync):
    from provincial_simulator.server import SimulatorServer

    with SimulatorServer(port=0, size=400) as big:
        first = sync(big.base_url)
        assert first.created == 400
        big.advance()
        run = sync(big.base_url)
        present = set(big.dataset.guide_ids())
    assert run.withdrawn == 400 - len(present) > 0
    assert run.changed > 0
    assert run.unchanged == len(present) - run.changed
    assert set(Guide.objects.active().values_list("unify_id", flat=True)) == present


def test_a_mass_disappearance_is_taken_as_a_platform_fault(sim, sync):
    sync(sim.base_url)
    ids = sim.dataset.guide_ids()
    sim.vanish(ids[: len(ids) // 2])

    run = sync(sim.base_url)

    assert run.withdrawn == 0
    assert run.status == SyncRun.Status.PARTIAL
    assert "疑为平台故障" in run.failures.get(stage="withdraw").reason
    assert not Guide.objects.filter(status=Guide.Status.WITHDRAWN).exists()


# Fault switches -----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["error_rate", "failure_rate", "malformed_rate"])
def test_a_share_of_bad_answers_is_survived_by_retrying(sim, sync, settings, fault):
    settings.PROVINCIAL_RETRIES = 8
    sim.set_faults(**{fault: 0.3})

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.SUCCEEDED, list(run.failures.values_list("reason"))
    assert Guide.objects.count() == len(sim.dataset.guide_ids())
    injected = sum(sim.stats["faults"].values())
    assert injected > 0
    # Each injected fault cost one more request than the clean run would make.
    assert run.requests == sim.stats["total"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("error_rate", "HTTP 5"),
        ("failure_rate", "平台报告失败：系统繁忙"),
        ("malformed_rate", "无法解析的 JSON"),
    ],
)
def test_failing_details_keep_the_last_good_version(sim, sync, settings, fault, reason):
    sync(sim.base_url)
    hashes = dict(Guide.objects.values_list("unify_id", "content_hash"))
    changed = sim.dataset.guide_ids()[:5]
    sim.change(changed)
    settings.PROVINCIAL_RETRIES = 1
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 0  # no breaker: every item fails on its own
    sim.set_faults(**{fault: 1.0, "endpoints": ["detail"]})

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.PARTIAL
    assert run.failed == len(hashes) and run.changed == run.created == 0
    assert dict(Guide.objects.values_list("unify_id", "content_hash")) == hashes
    failure = run.failures.filter(stage="detail").first()
    assert reason in failure.reason and "已尝试 2 次" in failure.reason
    assert failure.name and failure.audiences


def test_a_run_stops_after_too_many_failures_in_a_row(sim, sync, settings):
    sync(sim.base_url)
    hashes = dict(Guide.objects.values_list("unify_id", "content_hash"))
    settings.PROVINCIAL_RETRIES = 0
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 5
    sim.set_faults(error_rate=1.0, endpoints=["detail"])

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.FAILED
    assert "连续" in run.message and "已中止" in run.message
    assert 5 <= run.failed < len(hashes)
    assert run.withdrawn == 0
    assert dict(Guide.objects.values_list("unify_id", "content_hash")) == hashes


def test_latency_beyond_the_timeout_fails_the_calls_that_wait(sim, sync, settings):
    sync(sim.base_url)
    hashes = dict(Guide.objects.values_list("unify_id", "content_hash"))
    settings.PROVINCIAL_TIMEOUT = 0.2
    settings.PROVINCIAL_RETRIES = 1
    sim.set_faults(latency_ms=600)

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.FAILED
    assert "超时" in " ".join(run.failures.values_list("reason", flat=True))
    assert dict(Guide.objects.values_list("unify_id", "content_hash")) == hashes


def test_latency_within_the_timeout_only_slows_the_run(sim, sync, settings):
    sim.set_faults(latency_ms=40)

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.SUCCEEDED
    elapsed = (run.finished_at - run.started_at).total_seconds()
    # 4 threads in parallel: far less than one call after another would take.
    assert elapsed < run.requests * 0.040
    assert Guide.objects.count() == run.listed


def test_a_page_repeated_once_is_fetched_again(sim, sync, settings):
    settings.PROVINCIAL_PAGE_SIZE = 10
    sim.set_faults(repeat_page={"page": 2, "times": 1})

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.listed == len(sim.dataset.guide_ids())


def test_a_page_that_always_repeats_blocks_withdrawals(sim, sync, settings):
    settings.PROVINCIAL_PAGE_SIZE = 10
    sync(sim.base_url)
    gone = sim.dataset.guide_ids()[0]
    sim.vanish([gone])
    sim.set_faults(repeat_page={"page": 2, "times": None})

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.PARTIAL
    assert run.withdrawn == 0
    reasons = list(run.failures.filter(stage="list").values_list("reason", flat=True))
    # Both lists (个人, 法人) repeat their page 2.
    assert len(reasons) == 2 and all("第 2 页与第 1 页内容重复" in r for r in reasons)
    assert "不标记取消" in run.message
    assert Guide.objects.get(unify_id=gone).status == Guide.Status.ACTIVE


def test_a_short_maintenance_window_is_waited_out(sim, sync, settings):
    settings.PROVINCIAL_RETRIES = 6
    settings.PROVINCIAL_BACKOFF = 0.2
    settings.PROVINCIAL_BACKOFF_MAX = 0.8
    sim.set_faults(maintenance_seconds=0.6)

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.requests > sim.stats["total"] - 1 and sim.stats["faults"].get("maintenance", 0) > 0


def test_a_long_maintenance_fails_the_run_and_changes_nothing(sim, sync, settings):
    sync(sim.base_url)
    hashes = dict(Guide.objects.values_list("unify_id", "content_hash"))
    settings.PROVINCIAL_RETRIES = 1
    sim.set_faults(maintenance_seconds=60)

    run = sync(sim.base_url)

    assert run.status == SyncRun.Status.FAILED
    assert "未能从省平台取得事项列表" in run.message
    reasons = " ".join(run.failures.values_list("reason", flat=True))
    assert "维护页面" in reasons
    assert dict(Guide.objects.values_list("unify_id", "content_hash")) == hashes
    assert not Guide.objects.filter(status=Guide.Status.WITHDRAWN).exists()


def test_an_unreachable_platform_fails_the_run(sync, settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.PROVINCIAL_RETRIES = 1

    run = sync(f"http://127.0.0.1:{port}")

    assert run.status == SyncRun.Status.FAILED
    assert "连接失败" in " ".join(run.failures.values_list("reason", flat=True))


# Retrying failed items --------------------------------------------------------------------------


def test_retrying_a_runs_failed_items_fetches_only_them(sim, sync, settings):
    from guides.sync import sync_retry

    settings.PROVINCIAL_RETRIES = 0
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 0
    sim.set_faults(failure_rate=1.0, endpoints=["detail"])
    failed_run = sync(sim.base_url)
    assert failed_run.failed == failed_run.listed and Guide.objects.count() == 0
    sim.reset_faults()
    sim.reset_stats()

    retry = sync_retry(run=failed_run, trigger="admin")

    assert retry.kind == SyncRun.Kind.RETRY and retry.retry_of == failed_run
    assert retry.status == SyncRun.Status.SUCCEEDED
    assert retry.created == failed_run.failed == Guide.objects.count()
    # Only the failed details were asked for: no listing.
    assert sim.stats["total"] == retry.requests == failed_run.failed
    assert not SyncFailure.objects.filter(run=failed_run, resolved_by__isnull=True).exists()
    # Audiences come from the failure record, so the retried guides keep them.
    for guide in Guide.objects.all():
        assert guide.audiences == sorted(sim.dataset.guide_types(guide.unify_id))


def test_a_later_full_run_resolves_earlier_failures(sim, sync, settings):
    settings.PROVINCIAL_RETRIES = 0
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 0
    sim.set_faults(error_rate=1.0, endpoints=["detail"])
    failed_run = sync(sim.base_url)
    sim.reset_faults()

    later = sync(sim.base_url)

    assert later.created == failed_run.failed
    assert set(failed_run.failures.values_list("resolved_by", flat=True)) == {later.pk}


# After a sync ---------------------------------------------------------------------------------


def test_a_sync_that_wrote_guides_ties_service_entries(sim, sync, furong):
    from catalog.models import CatalogEntry, GuideLink
    from tests.factories import CityEntryFactory

    name = sim.dataset.name(
        next(i for i in sim.dataset.guide_ids() if sim.dataset.detail(i)["areaCode"] == "430102")
    )
    entry = CityEntryFactory(
        division=furong, item_type=CatalogEntry.ItemType.SERVICE, service_name=f" {name} "
    )

    sync(sim.base_url)

    link = GuideLink.objects.get(entry=entry)
    assert link.guide.name == name and link.method == GuideLink.Method.NAME
