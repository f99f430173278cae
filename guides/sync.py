"""The guide sync: list every item on the platform, fetch each guide, upsert it, record the run.

One run at a time (a partial unique index on running runs is the lock). Details are fetched by a
bounded pool of threads; every database write happens on the calling thread, one guide per
transaction, so a worker killed mid-run leaves whole guides only, and the next run (or the same
task redelivered, since tasks are acknowledged late) finishes the work. A guide whose normalised
hash did not change is not written. A guide is withdrawn only when the listing was complete and
the share that vanished is believable; a guide whose detail fails keeps its last good version.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from districts.models import Division

from .client import ClientConfig, PlatformError, ProvincialClient
from .models import Guide, SyncFailure, SyncRun
from .normalise import GuideDataError, guide_record, plain_text, record_hash, strip_control
from .signals import guides_synced

AUDIENCES = ("1", "2")

# How often a run reports its counts and proves it is alive.
HEARTBEAT_EVERY_ITEMS = 50
HEARTBEAT_EVERY_SECONDS = 5.0
# Beyond the pages that `total` promises, how many more a listing reads before it stops:
# the platform's totals are not to be trusted, but a listing must end.
EXTRA_PAGES_LIMIT = 50


class SyncBusy(Exception):
    """Another run is in progress; the message names it."""

    def __init__(self, run: SyncRun | None) -> None:
        self.run = run
        if run is None:
            super().__init__("已有同步在运行，请稍后再试。")
        else:
            started = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S")
            super().__init__(f"已有同步在运行（#{run.pk}，开始于 {started}），请稍后再试。")


@dataclass
class Listing:
    """What the listing found: unifyId → the audiences that list it, and its listed name."""

    audiences: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems


class _Recorder:
    """Keep a run's counts and failures, and write them to its row now and then."""

    def __init__(self, run: SyncRun, client: ProvincialClient | None = None) -> None:
        self.run = run
        self.client = client
        self.failures: list[SyncFailure] = []
        self.resolved_ids: list[str] = []
        self._since = 0
        self._last = time.monotonic()

    def fail(self, stage: str, reason: str, unify_id: str = "", name: str = "", audiences=()):
        self.run.failed += 1 if unify_id else 0
        failure = SyncFailure(
            run=self.run,
            stage=stage,
            unify_id=unify_id,
            name=name[:300],
            audiences=sorted(audiences),
            reason=strip_control(reason)[:2000],
        )
        # Failures are saved at once so that a killed run still shows what went wrong.
        failure.save()
        self.failures.append(failure)

    def tick(self) -> None:
        self._since += 1
        if (
            self._since >= HEARTBEAT_EVERY_ITEMS
            or time.monotonic() - self._last >= HEARTBEAT_EVERY_SECONDS
        ):
            self.flush()

    def flush(self, **extra) -> None:
        run = self.run
        run.heartbeat_at = timezone.now()
        if self.client is not None:
            run.requests = self.client.stats.requests
        for key, value in extra.items():
            setattr(run, key, value)
        fields = ["heartbeat_at", "requests", "listed", "created", "changed", "unchanged"]
        fields += ["withdrawn", "failed", *extra]
        run.save(update_fields=list(dict.fromkeys(fields)))
        self._since = 0
        self._last = time.monotonic()


# Starting and finishing a run ------------------------------------------------------------------


def run_begin(
    *,
    kind: str,
    trigger: str,
    base_url: str,
    user=None,
    task_id: str = "",
    retry_of: SyncRun | None = None,
) -> SyncRun:
    """Record a new running run and return it; raise SyncBusy when another one is alive.

    A running run whose heartbeat is older than PROVINCIAL_SYNC_STALE_SECONDS, or that belongs to
    the same Celery task (redelivered because its worker died), is marked interrupted first.
    """
    now = timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.PROVINCIAL_SYNC_STALE_SECONDS)
    with transaction.atomic():
        running = SyncRun.objects.select_for_update().filter(status=SyncRun.Status.RUNNING).first()
        if running is not None:
            redelivered = bool(task_id) and running.task_id == task_id
            if not redelivered and running.heartbeat_at >= stale_before:
                raise SyncBusy(running)
            running.status = SyncRun.Status.INTERRUPTED
            running.finished_at = now
            running.message = (
                "运行中断：执行它的进程在完成前退出，任务已重新投递。"
                if redelivered
                else "运行中断：执行它的进程长时间没有响应，已由新的运行接替。"
            )
            running.save(update_fields=["status", "finished_at", "message"])
        try:
            with transaction.atomic():
                return SyncRun.objects.create(
                    kind=kind,
                    trigger=trigger,
                    base_url=base_url,
                    started_by=user if user is not None and user.is_authenticated else None,
                    task_id=task_id or "",
                    retry_of=retry_of,
                    started_at=now,
                    heartbeat_at=now,
                )
        except IntegrityError:
            raise SyncBusy(SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()) from None


def _run_finish(recorder: _Recorder, *, fatal: str = "", notes: Iterable[str] = ()) -> SyncRun:
    run = recorder.run
    if fatal:
        status = SyncRun.Status.FAILED
    elif run.failed or recorder.failures:
        status = SyncRun.Status.PARTIAL
    else:
        status = SyncRun.Status.SUCCEEDED
    message = "\n".join([m for m in (fatal, *notes) if m])
    if recorder.resolved_ids:
        # Earlier failures of items this run got right are settled.
        for start in range(0, len(recorder.resolved_ids), 500):
            SyncFailure.objects.filter(
                unify_id__in=recorder.resolved_ids[start : start + 500],
                resolved_by__isnull=True,
            ).exclude(run=run).update(resolved_by=run)
    recorder.flush(status=status, finished_at=timezone.now(), message=message)
    if run.created or run.changed or run.withdrawn:
        guides_synced.send(sender=SyncRun, run=run)
    return run


# The listing ---------------------------------------------------------------------------------


def listing_fetch(client: ProvincialClient, executor: ThreadPoolExecutor) -> Listing:
    """Return every item the platform lists, de-duplicated by unifyId, with any problems."""
    listing = Listing()
    for audience in AUDIENCES:
        _list_audience(client, executor, audience, listing)
    return listing


def _ids(page) -> list[str]:
    return [plain_text(row.get("unifyId"), 64) for row in page.contents]


def _list_audience(client, executor, audience: str, listing: Listing) -> None:
    """Add one audience's items to ``listing``; what was read is kept even when a page fails."""
    label = "个人" if audience == "1" else "法人"
    try:
        first = client.list_page(audience=audience, page=1)
    except PlatformError as exc:
        listing.problems.append(f"{label}事项列表：{exc}")
        return
    pages = {1: first}
    size = client.config.page_size
    # `totalPage` is not trusted (it often equals `total`); pages are counted from `total`.
    expected = math.ceil(first.total / size) if first.total else 1
    # Pages are read in windows of the pool's size, so that an inflated `total` costs one
    # window past the last page, not millions of queued calls.
    window = max(client.config.concurrency, 1)
    failed, page = False, 1
    while not failed and pages[page].contents and page < expected:
        batch = range(page + 1, min(page + window, expected) + 1)
        futures = {
            number: executor.submit(client.list_page, audience=audience, page=number)
            for number in batch
        }
        for number, future in futures.items():
            try:
                pages[number] = future.result()
            except PlatformError as exc:
                listing.problems.append(f"{label}事项列表：{exc}")
                failed = True
        if failed:
            break
        page = next((n for n in batch if not pages[n].contents), batch[-1])
    # Read on while pages keep coming, in case `total` was low.
    while not failed and pages[page].contents and page < expected + EXTRA_PAGES_LIMIT:
        page += 1
        try:
            pages[page] = client.list_page(audience=audience, page=page)
        except PlatformError as exc:
            listing.problems.append(f"{label}事项列表：{exc}")
            failed = True
    if not failed and pages[page].contents:
        listing.problems.append(
            f"{label}事项列表在第 {page} 页后仍未结束（平台称共 {first.total or 0} 条），"
            "已停止读取。"
        )
    _repair_repeats(client, audience, pages, listing, label)
    rows = 0
    for number in sorted(pages):
        for row in pages[number].contents:
            unify_id = plain_text(row.get("unifyId"), 64)
            if not unify_id:
                continue
            rows += 1
            listing.audiences.setdefault(unify_id, set()).add(audience)
            listing.names.setdefault(unify_id, plain_text(row.get("unifyName"), 300))
    if not failed and first.total is not None and rows < first.total:
        listing.problems.append(
            f"{label}事项列表不完整：平台称共 {first.total} 条，只取到 {rows} 条。"
        )


def _repair_repeats(client, audience, pages, listing, label) -> None:
    """Fetch again any page that repeats the page before it; note the ones that still do."""
    for number in sorted(pages):
        if number == 1 or number - 1 not in pages or not pages[number].contents:
            continue
        for _attempt in range(client.config.retries + 1):
            if _ids(pages[number]) != _ids(pages[number - 1]):
                break
            try:
                pages[number] = client.list_page(audience=audience, page=number)
            except PlatformError as exc:
                listing.problems.append(f"{label}事项列表：{exc}")
                break
        else:
            listing.problems.append(
                f"{label}事项列表第 {number} 页与第 {number - 1} 页内容重复，重试后仍然如此。"
            )


# Writing guides ------------------------------------------------------------------------------


@dataclass
class _Known:
    pk: int
    content_hash: str
    status: str


def _known_guides() -> dict[str, _Known]:
    return {
        unify_id: _Known(pk, content_hash, status)
        for unify_id, pk, content_hash, status in Guide.objects.values_list(
            "unify_id", "pk", "content_hash", "status"
        )
    }


def _division_ids() -> dict[str, int]:
    return dict(Division.objects.exclude(code="").values_list("code", "pk"))


def guide_apply(
    record: dict, *, known: dict[str, _Known], divisions: dict[str, int], now: dt.datetime
) -> str:
    """Write one normalised guide in its own transaction; return created/changed/unchanged.

    The record comes from guides.normalise, which already cut every text to its column.
    """
    digest = record_hash(record)
    current = known.get(record["unify_id"])
    if (
        current is not None
        and current.content_hash == digest
        and current.status == Guide.Status.ACTIVE
    ):
        return "unchanged"
    values = {
        **record,
        "content_hash": digest,
        "division_id": divisions.get(record["area_code"]),
        "status": Guide.Status.ACTIVE,
        "withdrawn_at": None,
        "changed_at": now,
    }
    with transaction.atomic():
        if current is None:
            guide = Guide.objects.create(first_synced_at=now, **values)
            known[record["unify_id"]] = _Known(guide.pk, digest, Guide.Status.ACTIVE)
            return "created"
        Guide.objects.filter(pk=current.pk).update(**values)
    current.content_hash, current.status = digest, Guide.Status.ACTIVE
    return "changed"


def _fetch_record(client: ProvincialClient, unify_id: str, audiences: set[str]) -> dict:
    return guide_record(
        client.detail(unify_id),
        unify_id=unify_id,
        audiences=sorted(audiences),
        base_url=settings.PROVINCIAL_PUBLIC_URL,
    )


def _apply_all(
    client: ProvincialClient,
    executor: ThreadPoolExecutor,
    wanted: dict[str, set[str]],
    names: dict[str, str],
    recorder: _Recorder,
) -> str:
    """Fetch and write every wanted guide; return a fatal reason when the run had to stop."""
    run = recorder.run
    known = _known_guides()
    divisions = _division_ids()
    limit = settings.PROVINCIAL_MAX_CONSECUTIVE_FAILURES
    in_a_row = 0
    ids = iter(sorted(wanted))
    pending: dict[Future, str] = {}
    window = max(client.config.concurrency * 4, 1)

    def refill() -> None:
        # A bounded window of queued calls, so that stopping early leaves little to cancel.
        while len(pending) < window:
            unify_id = next(ids, None)
            if unify_id is None:
                return
            future = executor.submit(_fetch_record, client, unify_id, wanted[unify_id])
            pending[future] = unify_id

    refill()
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            unify_id = pending.pop(future)
            name = names.get(unify_id, "")
            try:
                record = future.result()
                outcome = guide_apply(record, known=known, divisions=divisions, now=timezone.now())
            except PlatformError as exc:
                recorder.fail("detail", str(exc), unify_id, name, wanted[unify_id])
                in_a_row += 1
            except GuideDataError as exc:
                recorder.fail("detail", f"详情数据无效：{exc}", unify_id, name, wanted[unify_id])
                in_a_row += 1
            except IntegrityError as exc:
                recorder.fail("save", f"保存失败：{exc}"[:500], unify_id, name, wanted[unify_id])
                in_a_row += 1
            else:
                in_a_row = 0
                setattr(run, outcome, getattr(run, outcome) + 1)
                recorder.resolved_ids.append(unify_id)
            recorder.tick()
            if limit and in_a_row >= limit:
                for other in pending:
                    other.cancel()
                return f"省平台连续 {in_a_row} 次调用失败，本次同步已中止；已有指南保持不变。"
        refill()
    return ""


def _withdraw_vanished(listing: Listing, recorder: _Recorder) -> str:
    """Mark withdrawn the active guides the complete listing no longer holds; return a note."""
    active = set(Guide.objects.active().values_list("unify_id", flat=True))
    vanished = sorted(active - set(listing.audiences))
    if not vanished:
        return ""
    share = settings.PROVINCIAL_MAX_WITHDRAW_SHARE
    if len(vanished) > max(5, share * len(active)):
        recorder.fail(
            "withdraw",
            f"平台列表少了 {len(vanished)} 个事项（超过现有 {len(active)} 个的 {share:.0%}），"
            "疑为平台故障，本次不标记取消。",
        )
        return ""
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(vanished), 500):
            recorder.run.withdrawn += Guide.objects.filter(
                unify_id__in=vanished[start : start + 500], status=Guide.Status.ACTIVE
            ).update(status=Guide.Status.WITHDRAWN, withdrawn_at=now)
    return f"{recorder.run.withdrawn} 个事项已不在平台列表中，已标记为取消。"


# The two kinds of run ------------------------------------------------------------------------


def sync_full(
    *, trigger: str, user=None, base_url: str | None = None, task_id: str = ""
) -> SyncRun:
    """Run a full sync and return its record; raise SyncBusy when another run is alive."""
    config = ClientConfig.from_settings(base_url)
    run = run_begin(
        kind=SyncRun.Kind.FULL,
        trigger=trigger,
        base_url=config.base_url,
        user=user,
        task_id=task_id,
    )
    recorder = _Recorder(run)
    try:
        with (
            ProvincialClient(config) as client,
            ThreadPoolExecutor(max_workers=max(config.concurrency, 1)) as executor,
        ):
            recorder.client = client
            listing = listing_fetch(client, executor)
            for problem in listing.problems:
                recorder.fail("list", problem)
            run.listed = len(listing.audiences)
            recorder.flush()
            if not listing.audiences:
                return _run_finish(recorder, fatal="未能从省平台取得事项列表；已有指南保持不变。")
            fatal = _apply_all(client, executor, listing.audiences, listing.names, recorder)
            if fatal:
                return _run_finish(recorder, fatal=fatal)
            notes = []
            if listing.complete:
                notes.append(_withdraw_vanished(listing, recorder))
            else:
                notes.append("事项列表不完整，本次不标记取消。")
            return _run_finish(recorder, notes=notes)
    except BaseException as exc:
        # Anything unexpected (a bug, a soft time limit) ends the run as failed, not running.
        if not run.is_finished:
            _run_finish(recorder, fatal=f"同步意外中止：{type(exc).__name__}: {exc}"[:1000])
        raise


def sync_retry(*, run: SyncRun, trigger: str, user=None, task_id: str = "") -> SyncRun:
    """Fetch again the items that failed in ``run`` and return the new run's record."""
    config = ClientConfig.from_settings(run.base_url)
    failures = list(
        run.failures.filter(resolved_by__isnull=True).exclude(unify_id="").order_by("id")
    )
    retry = run_begin(
        kind=SyncRun.Kind.RETRY,
        trigger=trigger,
        base_url=config.base_url,
        user=user,
        task_id=task_id,
        retry_of=run,
    )
    recorder = _Recorder(retry)
    wanted = {f.unify_id: set(f.audiences) or {"1"} for f in failures}
    names = {f.unify_id: f.name for f in failures}
    notes = []
    if run.failures.filter(unify_id="", resolved_by__isnull=True).exists():
        notes.append("原运行的事项列表未能完整取得；重试只处理失败的事项，完整列表需要全量同步。")
    try:
        with (
            ProvincialClient(config) as client,
            ThreadPoolExecutor(max_workers=max(config.concurrency, 1)) as executor,
        ):
            recorder.client = client
            retry.listed = len(wanted)
            fatal = _apply_all(client, executor, wanted, names, recorder) if wanted else ""
            return _run_finish(recorder, fatal=fatal, notes=notes)
    except BaseException as exc:
        if not retry.is_finished:
            _run_finish(recorder, fatal=f"重试意外中止：{type(exc).__name__}: {exc}"[:1000])
        raise
