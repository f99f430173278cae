"""Celery tasks of guides: the full sync (nightly by beat, or on demand) and the retry of a run's
failed items.

Tasks are acknowledged late and rejected when their worker is lost, so a sync whose worker dies
goes back to the queue; the redelivered task takes its own interrupted run over (same task id)
and, since unchanged guides are not written, finishes the work without repeating it.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from .models import SyncRun
from .sync import SyncBusy, sync_full, sync_retry

User = get_user_model()

# No automatic retry: a failed run is recorded with its reasons and the next one starts fresh.
# A full sync pages through the provincial platform with polite backoff and can take most of an
# hour; the hard limit stays below the broker's visibility timeout (an hour, settings), so that
# a sync still running is never handed to a second worker.
SYNC_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": 0,
    "soft_time_limit": 50 * 60,
    "time_limit": 55 * 60,
}


@shared_task(**SYNC_TASK_OPTIONS)
def sync_guides(
    self, trigger: str = SyncRun.Trigger.SCHEDULE, user_id: int | None = None, base_url=None
) -> int | None:
    """Run a full sync; return its run id, or None when another run was in progress."""
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        run = sync_full(
            trigger=trigger, user=user, base_url=base_url, task_id=self.request.id or ""
        )
    except SyncBusy:
        return None
    return run.pk


@shared_task(**SYNC_TASK_OPTIONS)
def retry_failed_guides(self, run_id: int, user_id: int | None = None) -> int | None:
    """Fetch again the failed items of run ``run_id``; return the new run's id, or None."""
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        retry = sync_retry(
            run=run, trigger=SyncRun.Trigger.ADMIN, user=user, task_id=self.request.id or ""
        )
    except SyncBusy:
        return None
    return retry.pk
