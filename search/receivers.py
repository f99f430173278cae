"""Receivers that keep the index current; connected in ``SearchConfig.ready()``.

Each records a task in the sending transaction's outbox; it is handed to the broker after the
commit, so a rolled-back approval never reaches the index, the worker reads committed rows, and
a broker outage delays indexing without losing it.
"""

from __future__ import annotations

import time

from outbox.services import enqueue
from publications.models import Publication

from . import indexing, tasks

Kind = indexing.Kind
# A publication enters or leaves the public only through these states.
_VISIBLE = {Publication.Status.PUBLISHED}


def on_publication_status_changed(sender, *, publication, from_status, to_status, **kwargs):
    if from_status in _VISIBLE or to_status in _VISIBLE:
        enqueue(tasks.search_index_objects, Kind.PUBLICATION, [publication.pk])


def on_entries_published(sender, *, entry_ids, **kwargs):
    if entry_ids:
        enqueue(tasks.search_index_objects, Kind.ENTRY, list(entry_ids))


def on_guides_synced(sender, *, run, **kwargs):
    enqueue(tasks.search_index_sync_run, run.pk)


def on_publications_loaded(sender, *, stdout=None, **kwargs):
    """Index a bulk load in this process, set-based, and say how long it took."""
    started = time.monotonic()
    result = indexing.index_kind(Kind.PUBLICATION)
    if stdout is not None:
        seconds = time.monotonic() - started
        stdout.write(
            f"搜索索引：公开信息 {result.total} 条，移除 {sum(result.removed.values())} 条，"
            f"用时 {seconds:.1f} 秒。"
        )
