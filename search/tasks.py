"""Celery tasks of the search index: incremental re-indexing, queued after commit.

Tasks take ids, re-read the rows (an object that is gone or no longer public loses its row),
and are safe to run twice: indexing upserts.
"""

from __future__ import annotations

from celery import shared_task

from guides.models import SyncRun

from . import indexing

# The largest jobs are a first sync run's (every guide it wrote) and an approval of city entries
# (every entry derived from them, at every level): jieba segments each one, which can take
# minutes on a whole city; the usual incremental updates finish far sooner under the same limits.
TASK_OPTIONS = {
    "bind": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "soft_time_limit": 600,
    "time_limit": 660,
}


@shared_task(**TASK_OPTIONS)
def search_index_objects(self, kind: str, ids: list[int]) -> int:
    """Index (or unindex) the objects of ``kind`` with ``ids``; return how many are indexed."""
    if kind == indexing.Kind.ENTRY:
        return indexing.index_entries(ids).total
    return indexing.index_kind(kind, ids).total


@shared_task(**TASK_OPTIONS)
def search_index_sync_run(self, run_id: int) -> int:
    """Index the guides that sync run ``run_id`` created, changed or withdrew."""
    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        return 0
    return indexing.index_guides_changed_since(run.started_at).total
