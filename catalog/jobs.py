"""Catalog work that leaves the request: workbook preview and import, and deriving catalogs.

A request only stores the upload (under ``CATALOG_IMPORT_DIR``, by a name of ours) or records
what to derive, creates a ``CatalogJob`` and queues it through the outbox; a worker runs it
(in-process when there is no broker) and reports progress (rows read, errors so far) in the
cache; the job's page shows the progress, then the outcome, and offers to confirm a clean
preview. The stored file is removed when the import ran, when a preview failed or was
abandoned, and by ``sweep`` (hourly) when it expired, when its worker died, or when no job
names it.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from districts.models import Division
from outbox.services import enqueue

from . import policies
from .models import CatalogJob
from .workbooks.imports import ImportReport, WorkbookError, import_catalog

log = logging.getLogger(__name__)

STORED_NAME = re.compile(r"^[0-9a-f]{32}\.xlsx$")
# What a job's page shows of a report: enough to act on, bounded whatever the workbook.
SHOWN_ERRORS = 300
SHOWN_ROWS = 1000
Status, Kind = CatalogJob.Status, CatalogJob.Kind
INTERNAL_ERROR = "处理时发生内部错误，未写入任何数据；请稍后重试或联系管理员。"


def import_dir() -> Path:
    """Return the private folder of uploaded workbooks (created on first use)."""
    path = Path(settings.CATALOG_IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_path(job: CatalogJob) -> Path | None:
    """Return where the job's workbook lies, or None (no file, or a name that is not ours)."""
    if not STORED_NAME.match(job.stored_name or ""):
        return None
    return import_dir() / job.stored_name


def _remove_file(job: CatalogJob) -> None:
    path = stored_path(job)
    if path is not None:
        path.unlink(missing_ok=True)


def progress_key(job_id: int) -> str:
    return f"catalog-job:{job_id}"


def progress_of(job: CatalogJob) -> dict[str, int]:
    """Return the running job's progress ({} when the cache has none, or is down)."""
    return cache.get(progress_key(job.pk)) or {}


def _require_editor(user, division: Division) -> None:
    if not policies.entries.allows(user, "change", division):
        raise PermissionDenied(f"您没有{division.name}目录的修改权限。")


# -- starting ------------------------------------------------------------------------------------


def store_upload(upload) -> tuple[str, int]:
    """Copy an uploaded file into the import folder under a new name; return (name, size).

    The copy stops, and the partial file goes, as soon as it passes the import limit (an
    upload's declared size is the client's word).
    """
    limit = settings.CATALOG_IMPORT_MAX_BYTES
    # The suffix is nominal: an .xls is stored under it too, and the reader goes by content.
    name = f"{uuid.uuid4().hex}.xlsx"
    path = import_dir() / name
    size = 0
    try:
        with path.open("xb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise ValidationError(
                        f"文件过大：超过导入上限 {limit / 2**20:.0f} MB。"
                        "请按领域拆分为多个工作簿后分别导入。"
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return name, size


@transaction.atomic
def preview_start(*, user, division: Division, upload) -> CatalogJob:
    """Store ``upload`` and queue its preview into ``division``'s catalog; return the job."""
    _require_editor(user, division)
    name, size = store_upload(upload)
    # A rolled-back request leaves an unnamed file behind: sweep() removes such orphans.
    job = CatalogJob.objects.create(
        kind=Kind.PREVIEW,
        division=division,
        user=user,
        file_name=os.path.basename(upload.name or "")[:255],
        stored_name=name,
        size=size,
    )
    _queue(job)
    return job


@transaction.atomic
def import_confirm(*, preview: CatalogJob, user) -> CatalogJob:
    """Queue the import of a clean preview's workbook; return the new job.

    Only the user who previewed confirms, once, while the file is kept.
    """
    preview = CatalogJob.objects.select_for_update().get(pk=preview.pk)
    if preview.user_id != user.pk or preview.kind != Kind.PREVIEW:
        raise PermissionDenied("只能确认本人发起的导入预览。")
    _require_editor(user, preview.division)
    if preview.status != Status.DONE or preview.result.get("has_errors"):
        raise ValidationError("该预览未完成或有错误，不能确认导入；请修改工作簿后重新上传。")
    if CatalogJob.objects.filter(preview=preview).exists():
        raise ValidationError("该预览已确认过导入。")
    path = stored_path(preview)
    if path is None or not path.exists():
        raise ValidationError("预览的工作簿已过期删除，请重新上传。")
    job = CatalogJob.objects.create(
        kind=Kind.IMPORT,
        division=preview.division,
        user=user,
        file_name=preview.file_name,
        stored_name=preview.stored_name,
        size=preview.size,
        preview=preview,
    )
    # The file now belongs to the import; the preview no longer names it.
    preview.stored_name = ""
    preview.save(update_fields=["stored_name"])
    _queue(job)
    return job


@transaction.atomic
def preview_abandon(*, preview: CatalogJob, user) -> None:
    """Drop a preview that will not be confirmed, and its file."""
    preview = CatalogJob.objects.select_for_update().get(pk=preview.pk)
    if preview.user_id != user.pk:
        raise PermissionDenied("只能放弃本人发起的导入预览。")
    if preview.stored_name:
        doomed = stored_path(preview)
        transaction.on_commit(lambda: doomed and doomed.unlink(missing_ok=True))
    preview.stored_name = ""
    if not preview.is_finished:
        preview.finished_at = timezone.now()
    preview.status = Status.EXPIRED
    preview.message = "已放弃，未导入。"
    preview.save(update_fields=["stored_name", "status", "message", "finished_at"])


@transaction.atomic
def derive_start(
    *, user, division: Division, with_children: bool, by_level: bool = False
) -> CatalogJob:
    """Queue deriving ``division``'s catalog (and those below it); return the job.

    With ``by_level``, each division takes only the entries whose 公开层级 reach its own level.
    """
    _require_editor(user, division)
    if division.parent_id is None:
        raise ValidationError("市级参考目录是源头，不从其他目录生成。")
    job = CatalogJob.objects.create(
        kind=Kind.DERIVE,
        division=division,
        user=user,
        with_children=with_children,
        by_level=by_level,
    )
    _queue(job)
    return job


def _queue(job: CatalogJob) -> None:
    from .tasks import run_catalog_job

    enqueue(run_catalog_job, job.pk)


# -- running -------------------------------------------------------------------------------------


def run(job_id: int) -> str:
    """Run the job (the task's body) and return its final status.

    A job redelivered after its worker died runs again: its writes were rolled back with the
    dead worker's transaction. A finished job is left as it is.
    """
    claimed = CatalogJob.objects.filter(
        pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(status=Status.RUNNING, started_at=timezone.now())
    job = CatalogJob.objects.select_related("division", "user").filter(pk=job_id).first()
    if not claimed or job is None:
        return job.status if job else ""
    try:
        result = _derive(job) if job.kind == Kind.DERIVE else _import(job)
    except (WorkbookError, ValidationError, PermissionDenied, FileNotFoundError) as error:
        _finish(job, Status.FAILED, _message(error), {})
    except Exception:
        log.exception("Catalog job %s failed", job_id)
        _finish(
            job, Status.FAILED, "处理时发生内部错误，未写入任何数据；请稍后重试或联系管理员。", {}
        )
    else:
        _finish(job, Status.DONE, result.pop("message", ""), result)
    return job.status


def _message(error: Exception) -> str:
    if isinstance(error, WorkbookError):
        return error.message
    if isinstance(error, FileNotFoundError):
        return "工作簿文件已不存在（可能已过期删除），请重新上传。"
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def _finish(job: CatalogJob, status: str, message: str, result: dict) -> None:
    job.status, job.message, job.result = status, message, result
    job.finished_at = timezone.now()
    keep = job.kind == Kind.PREVIEW and status == Status.DONE and not result.get("has_errors")
    if not keep and job.stored_name:
        # Imported, failed, or a preview with errors (it cannot be confirmed): the file goes.
        _remove_file(job)
        job.stored_name = ""
    job.save(update_fields=["status", "message", "result", "finished_at", "stored_name"])
    cache.delete(progress_key(job.pk))


def _progress(job: CatalogJob):
    last = [0.0]

    def report(rows: int, errors: int) -> None:
        # At most twice a second: a cache write per chunk of 500 rows would be plenty too.
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            cache.set(progress_key(job.pk), {"rows": rows, "errors": errors}, 3600)

    return report


def _import(job: CatalogJob) -> dict[str, Any]:
    path = stored_path(job)
    if path is None:
        raise FileNotFoundError(job.stored_name)
    report = import_catalog(
        source=path,
        division=job.division,
        user=job.user,
        dry_run=job.kind == Kind.PREVIEW,
        progress=_progress(job),
    )
    return report_result(report)


def report_result(report: ImportReport) -> dict[str, Any]:
    """Return what a job keeps of an import report (JSON, bounded in size)."""
    errors = report.errors
    shown = report.outcomes[:SHOWN_ROWS]
    return {
        "message": report.summary(),
        "summary": report.summary(),
        "counts": dict(report.counts),
        "rows": len(report.outcomes),
        "has_errors": report.has_errors,
        "applied": report.applied,
        "new_channels": report.new_channels,
        "error_count": len(errors),
        "errors": [str(e) for e in errors[:SHOWN_ERRORS]],
        "headers": [
            {
                "sheet": h.sheet,
                "domain": h.domain,
                "mapping": h.mapping,
                "extra": h.extra,
                "level_mapping": h.level_mapping,
            }
            for h in report.headers
        ],
        "outcomes": [
            {
                "status": o.status,
                "label": o.status_label,
                "sheet": o.sheet,
                "row": o.row,
                "domain": o.domain,
                "first_level": o.first_level,
                "second_level": o.second_level,
                "changed": o.changed,
                "errors": [f"{e.column}：{e.message}" if e.column else e.message for e in o.errors],
                "diffs": o.diffs,
            }
            for o in shown
        ],
        # Rows that change an entry and are listed with 原值 → 新值 (the others name only the
        # elements they change; see workbooks.imports.DIFF_ROWS).
        "detailed": sum(1 for o in shown if o.diffs),
    }


def _derive(job: CatalogJob) -> dict[str, Any]:
    from .guide_links import links_refresh_on_commit
    from .services import catalog_derive

    targets = [job.division]
    if job.with_children:
        targets += list(job.division.descendants().in_tree_order())
    created, problems = 0, []
    report = _progress(job)
    for done, target in enumerate(targets, 1):
        try:
            created += catalog_derive(
                division=target, user=job.user, refresh_ties=False, by_level=job.by_level
            ).created
        except ValidationError as error:
            problems.append(f"{target.name}：{'；'.join(error.messages)}")
        report(done, len(problems))
    # One refresh of the ties for everything derived (a task of its own, after this one).
    links_refresh_on_commit(divisions=[t.pk for t in targets])
    message = f"已为 {len(targets)} 个区划生成目录，新增 {created} 项。"
    return {
        "message": message,
        "divisions": len(targets),
        "created": created,
        "errors": problems,
        "has_errors": bool(problems),
    }


# -- cleaning up ---------------------------------------------------------------------------------


def sweep(*, now=None) -> dict[str, int]:
    """Remove what uploads leave behind; return counts by kind of clean-up.

    - a preview not confirmed within ``CATALOG_IMPORT_KEEP_HOURS`` expires with its file;
    - a job running for longer than the task time limit lost its worker: failed, file gone;
    - a file in the folder that no job names (a request that died after storing it) goes
      once it is an hour old.
    """
    now = now or timezone.now()
    keep = timedelta(hours=settings.CATALOG_IMPORT_KEEP_HOURS)
    counts = {"expired": 0, "dead": 0, "orphans": 0}
    for job in CatalogJob.objects.filter(
        kind=Kind.PREVIEW, status=Status.DONE, finished_at__lt=now - keep
    ).exclude(stored_name=""):
        _remove_file(job)
        job.stored_name, job.status = "", Status.EXPIRED
        job.message = "预览超过保留时间未确认，工作簿已删除；如需导入请重新上传。"
        job.save(update_fields=["stored_name", "status", "message"])
        counts["expired"] += 1
    dead_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    for job in CatalogJob.objects.filter(status=Status.RUNNING, started_at__lt=now - dead_after):
        _finish(job, Status.FAILED, "处理中断（后台进程已停止），未写入任何数据；请重新发起。", {})
        counts["dead"] += 1
    named = set(CatalogJob.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    cutoff = time.time() - 3600
    for path in import_dir().iterdir():
        if path.name in named or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                counts["orphans"] += 1
        except OSError:
            continue
    return counts
