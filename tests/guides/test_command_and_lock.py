"""The sync_guides command (its output and exit codes), the one-run-at-a-time lock, a run that
breaks mid-way, and the Celery tasks called directly."""

from __future__ import annotations

import datetime as dt
import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from guides.models import Guide, SyncRun
from guides.sync import SyncBusy, run_begin, sync_retry
from guides.tasks import retry_failed_guides, sync_guides
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_failures(settings):
    """Make failing calls fail at once: no retries, no breaker."""
    settings.PROVINCIAL_RETRIES = 0
    settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES = 0
    settings.PROVINCIAL_CONCURRENCY = 4


def running_run(*, age: dt.timedelta = dt.timedelta(0), task_id: str = "") -> SyncRun:
    """Create a RUNNING run directly, its heartbeat ``age`` old."""
    beat = timezone.now() - age
    return SyncRun.objects.create(
        trigger=SyncRun.Trigger.SCHEDULE,
        base_url="http://127.0.0.1:1",
        task_id=task_id,
        started_at=beat - dt.timedelta(minutes=1),
        heartbeat_at=beat,
    )


def begin(**kwargs) -> SyncRun:
    return run_begin(
        kind=SyncRun.Kind.FULL, trigger=SyncRun.Trigger.COMMAND, base_url="http://x", **kwargs
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_command(*args, **options) -> tuple[int, str, str]:
    """Call sync_guides; return (exit code, stdout, stderr), 0 when it returned normally."""
    out, err = StringIO(), StringIO()
    try:
        call_command("sync_guides", *args, stdout=out, stderr=err, **options)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


# The command ---------------------------------------------------------------------------------


def test_the_command_prints_the_counts_and_exits_normally(sim, reference_data, settings):
    settings.PROVINCIAL_CONCURRENCY = 4

    code, out, err = run_command(base_url=sim.base_url)

    run = SyncRun.objects.get()
    assert code == 0 and err == ""
    assert run.status == SyncRun.Status.SUCCEEDED and run.trigger == SyncRun.Trigger.COMMAND
    assert run.base_url == sim.base_url
    assert f"同步 #{run.pk}：成功（{sim.base_url}，用时 " in out
    assert f"列表事项 100，新增 100，变更 0，未变 0，取消 0，失败 0，请求 {run.requests} 次" in out
    assert Guide.objects.count() == 100

    # Again, as the command line spells it: nothing new.
    code, out, _err = run_command("--base-url", sim.base_url)
    assert code == 0
    assert "新增 0，变更 0，未变 100，取消 0，失败 0" in out


def test_a_failed_run_exits_1(sim, reference_data, quick_failures):
    sim.set_faults(maintenance_seconds=60)

    code, out, _err = run_command(base_url=sim.base_url)

    run = SyncRun.objects.get()
    assert code == 1
    assert run.status == SyncRun.Status.FAILED
    assert f"同步 #{run.pk}：失败" in out
    assert "未能从省平台取得事项列表；已有指南保持不变。" in out
    # Each failure is listed with its stage and reason.
    assert "  - 事项列表  个人事项列表：" in out and "维护页面" in out


def test_a_run_with_failed_items_exits_2_and_lists_the_first_twenty(
    sim, reference_data, quick_failures
):
    sim.set_faults(failure_rate=1.0, endpoints=["detail"])

    code, out, _err = run_command(base_url=sim.base_url)

    run = SyncRun.objects.get()
    assert code == 2
    assert run.status == SyncRun.Status.PARTIAL and run.failed == 100
    assert "新增 0，变更 0，未变 0，取消 0，失败 100" in out
    assert out.count("  - 事项详情 ") == 20
    assert "平台报告失败：" in out
    assert "…另有 80 条失败记录，见管理后台。" in out


def test_a_fresh_running_run_makes_the_command_exit_3(sim, reference_data):
    other = running_run()

    code, out, err = run_command(base_url=sim.base_url)

    assert code == 3 and out == ""
    assert f"已有同步在运行（#{other.pk}，开始于 " in err and "请稍后再试" in err
    assert list(SyncRun.objects.all()) == [other]
    assert sim.stats["total"] == 0


def test_a_base_url_that_is_not_http_is_refused(reference_data):
    with pytest.raises(CommandError, match="平台地址必须以 http:// 或 https:// 开头：ftp://x"):
        call_command("sync_guides", base_url="ftp://x", stdout=StringIO())
    assert not SyncRun.objects.exists()


def test_an_unreachable_platform_exits_1(reference_data, quick_failures):
    url = f"http://127.0.0.1:{free_port()}"

    code, out, _err = run_command(base_url=url)

    run = SyncRun.objects.get()
    assert code == 1 and run.status == SyncRun.Status.FAILED
    assert run.base_url == url and "连接失败" in out


# The lock ------------------------------------------------------------------------------------


def test_a_fresh_running_run_refuses_a_second_and_names_itself(db):
    other = running_run(age=dt.timedelta(seconds=30))

    with pytest.raises(SyncBusy) as caught:
        begin()

    assert caught.value.run == other
    started = timezone.localtime(other.started_at).strftime("%Y-%m-%d %H:%M:%S")
    assert str(caught.value) == f"已有同步在运行（#{other.pk}，开始于 {started}），请稍后再试。"
    other.refresh_from_db()
    assert other.status == SyncRun.Status.RUNNING and SyncRun.objects.count() == 1


def test_an_empty_task_id_is_no_redelivery(db):
    # Two runs started outside Celery both have an empty task id; that is not "the same task".
    running_run(task_id="")

    with pytest.raises(SyncBusy):
        begin(task_id="")


def test_a_stale_run_is_interrupted_and_taken_over(db, settings):
    settings.PROVINCIAL_SYNC_STALE_SECONDS = 120
    stale = running_run(age=dt.timedelta(seconds=121))

    run = begin()

    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.INTERRUPTED
    assert stale.finished_at is not None and stale.finished_at <= run.started_at
    assert stale.message == "运行中断：执行它的进程长时间没有响应，已由新的运行接替。"
    assert run.status == SyncRun.Status.RUNNING and run.pk != stale.pk


def test_a_run_just_within_the_stale_limit_still_holds_the_lock(db, settings):
    settings.PROVINCIAL_SYNC_STALE_SECONDS = 120
    running_run(age=dt.timedelta(seconds=100))

    with pytest.raises(SyncBusy):
        begin()


def test_the_same_task_redelivered_takes_its_run_over_at_once(db):
    mine = running_run(task_id="task-1")

    run = begin(task_id="task-1")

    mine.refresh_from_db()
    assert mine.status == SyncRun.Status.INTERRUPTED
    assert mine.message == "运行中断：执行它的进程在完成前退出，任务已重新投递。"
    assert run.task_id == "task-1" and run.status == SyncRun.Status.RUNNING
    # Another task does not.
    with pytest.raises(SyncBusy):
        begin(task_id="task-2")


def test_the_database_refuses_a_second_running_row(db):
    running_run()

    with pytest.raises(IntegrityError), transaction.atomic():
        running_run()

    assert SyncRun.objects.filter(status=SyncRun.Status.RUNNING).count() == 1
    # Finished runs are not limited.
    for status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.FAILED):
        SyncRun.objects.create(
            trigger="command",
            base_url="x",
            status=status,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )


# A run that breaks --------------------------------------------------------------------------


@pytest.fixture
def apply_breaks_on_the_third_call(monkeypatch):
    from guides import sync as sync_module

    real = sync_module.guide_apply
    calls = []

    def breaking(record, **kwargs):
        calls.append(record["unify_id"])
        if len(calls) == 3:
            raise RuntimeError("磁盘已满")
        return real(record, **kwargs)

    monkeypatch.setattr(sync_module, "guide_apply", breaking)
    return calls


def test_an_unexpected_error_ends_the_run_failed_and_propagates(
    sim, sync, apply_breaks_on_the_third_call
):
    with pytest.raises(RuntimeError, match="磁盘已满"):
        sync(sim.base_url)

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED and run.finished_at is not None
    assert run.message == "同步意外中止：RuntimeError: 磁盘已满"
    assert run.created == 2 == Guide.objects.count()
    # The lock is free again: the next run starts at once and finishes the work.
    run_next = sync(sim.base_url)
    assert run_next.status == SyncRun.Status.SUCCEEDED
    assert (run_next.created, run_next.unchanged) == (98, 2)


def test_an_unexpected_error_in_a_retry_ends_it_failed(sim, sync, quick_failures, monkeypatch):
    sim.set_faults(failure_rate=1.0, endpoints=["detail"])
    failed = sync(sim.base_url)
    sim.reset_faults()
    from guides import sync as sync_module

    def broken(record, **kwargs):
        raise RuntimeError("写入失败")

    monkeypatch.setattr(sync_module, "guide_apply", broken)

    with pytest.raises(RuntimeError):
        sync_retry(run=failed, trigger=SyncRun.Trigger.ADMIN)

    retry = SyncRun.objects.get(kind=SyncRun.Kind.RETRY)
    assert retry.status == SyncRun.Status.FAILED and retry.retry_of == failed
    assert retry.message == "重试意外中止：RuntimeError: 写入失败"
    assert failed.failures.filter(resolved_by__isnull=True).count() == 100


# The Celery tasks ----------------------------------------------------------------------------


def test_the_sync_task_returns_its_run_id(sim, reference_data, settings):
    settings.PROVINCIAL_CONCURRENCY = 4
    user = UserFactory()

    result = sync_guides.apply(
        kwargs={"trigger": SyncRun.Trigger.ADMIN, "user_id": user.pk, "base_url": sim.base_url}
    )

    run = SyncRun.objects.get()
    assert result.get() == run.pk
    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 100
    assert run.trigger == SyncRun.Trigger.ADMIN and run.started_by == user
    assert run.task_id == result.id


def test_the_sync_task_defaults_to_the_schedule_and_the_configured_platform(
    sim, reference_data, settings
):
    settings.PROVINCIAL_BASE_URL = sim.base_url
    settings.PROVINCIAL_CONCURRENCY = 4

    run_id = sync_guides.delay().get()

    run = SyncRun.objects.get(pk=run_id)
    assert run.trigger == SyncRun.Trigger.SCHEDULE and run.started_by is None
    assert run.base_url == sim.base_url and run.status == SyncRun.Status.SUCCEEDED


def test_the_sync_task_returns_none_when_busy(sim, reference_data):
    other = running_run()

    assert sync_guides.apply(kwargs={"base_url": sim.base_url}).get() is None
    assert list(SyncRun.objects.all()) == [other] and sim.stats["total"] == 0


def test_a_redelivered_sync_task_takes_its_run_over(sim, reference_data, settings):
    settings.PROVINCIAL_CONCURRENCY = 4
    lost = running_run(task_id="redelivered-1")

    run_id = sync_guides.apply(kwargs={"base_url": sim.base_url}, task_id="redelivered-1").get()

    lost.refresh_from_db()
    assert lost.status == SyncRun.Status.INTERRUPTED and "重新投递" in lost.message
    run = SyncRun.objects.get(pk=run_id)
    assert run.status == SyncRun.Status.SUCCEEDED and run.task_id == "redelivered-1"


def test_the_retry_task_returns_the_retry_run_id(sim, sync, quick_failures):
    sim.set_faults(failure_rate=1.0, endpoints=["detail"])
    failed = sync(sim.base_url)
    sim.reset_faults()
    user = UserFactory()

    retry_id = retry_failed_guides.delay(failed.pk, user_id=user.pk).get()

    retry = SyncRun.objects.get(pk=retry_id)
    assert retry.kind == SyncRun.Kind.RETRY and retry.retry_of == failed
    assert retry.trigger == SyncRun.Trigger.ADMIN and retry.started_by == user
    assert retry.status == SyncRun.Status.SUCCEEDED and retry.created == 100
    assert not failed.failures.filter(resolved_by__isnull=True).exists()


def test_the_retry_task_returns_none_for_a_missing_run_or_when_busy(sim, sync, quick_failures):
    assert retry_failed_guides.apply(args=[987654]).get() is None
    sim.set_faults(failure_rate=1.0, endpoints=["detail"])
    failed = sync(sim.base_url)
    running_run()

    assert retry_failed_guides.apply(args=[failed.pk]).get() is None
    assert not SyncRun.objects.filter(kind=SyncRun.Kind.RETRY).exists()
