"""Record tasks with the commit that owes them, hand them to the broker, deliver what is owed.

``enqueue(task, *args, **kwargs)`` writes an ``OutboxMessage`` in the caller's transaction and
hands it to the broker once the transaction commits. When the broker does not answer (within
the short timeouts in settings) the message stays pending, the request goes on at once, and
this process stops trying the broker for ``OUTBOX_BROKER_BACKOFF`` seconds (so a dead broker
costs one request one timeout, not every request). Pending messages are delivered by
``deliver_pending``: every minute by beat, when a worker starts, and after any hand-over that
succeeded. Each message keeps one Celery task id, so a message handed over twice is one task
to idempotent task code (``claim``/``release`` give tasks a database-backed "done once").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import DoneKey, OutboxMessage

log = logging.getLogger(__name__)

# Messages younger than this are left to the hand-over their own commit triggers.
GRACE = timedelta(seconds=30)
_state = threading.local()  # "delivering": no nested delivery from inside a delivery
_breaker = {"until": 0.0}
# Counted per process, for the logs and the tests: hand-overs that failed and succeeded.
stats = {"failed": 0, "dispatched": 0}


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Record ``task(*args, **kwargs)`` in the current transaction; send it after the commit.

    Arguments must be JSON values (they are stored, then sent as Celery's JSON). Outside a
    transaction the message is written and handed over at once; a rolled-back transaction
    (or savepoint) takes its messages with it.
    """
    message = OutboxMessage.objects.create(task=task.name, args=list(args), kwargs=dict(kwargs))
    transaction.on_commit(lambda: dispatch([message.pk]))
    return message


def broker_resting() -> bool:
    """Return True while this process leaves the broker alone after a failure."""
    return time.monotonic() < _breaker["until"]


def dispatch(ids: Iterable[int], *, force: bool = False) -> int:
    """Hand the pending messages ``ids`` to the broker; return how many were handed over.

    Never raises: a failure leaves the message pending with its error recorded. Unless
    ``force``, nothing is tried while the broker rests after a failure.
    """
    eager = current_app.conf.task_always_eager
    if broker_resting() and not (force or eager):
        return 0
    done = 0
    messages = OutboxMessage.objects.filter(pk__in=list(ids), dispatched_at__isnull=True)
    for message in messages.order_by("pk"):
        task = current_app.tasks.get(message.task)
        if task is None:
            # Not the broker's fault (a task renamed since the message was written): say so,
            # and leave the message for someone to look at rather than resting the broker.
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=F("attempts") + 1, last_error=f"未知任务：{message.task}"
            )
            log.error("Outbox message %s names an unknown task.", message)
            continue
        try:
            task.apply_async(message.args, message.kwargs, task_id=message.task_id)
        except Exception as error:  # the broker's many errors, or an eager task that failed
            stats["failed"] += 1
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
            )
            if not eager:
                _breaker["until"] = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF
                log.warning(
                    "Broker unavailable (%s); %s left pending, delivered later.", error, message
                )
                break
            log.exception("Task %s failed in-process; it stays pending.", message)
            continue
        stats["dispatched"] += 1
        done += 1
        OutboxMessage.objects.filter(pk=message.pk).update(
            dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    if done and not getattr(_state, "delivering", False):
        # The broker answers: anything an earlier outage left behind goes now too.
        deliver_pending(limit=50)
    return done


def deliver_pending(*, limit: int = 500, grace: timedelta = GRACE) -> int:
    """Hand over up to ``limit`` messages pending longer than ``grace``; return how many."""
    cutoff = timezone.now() - grace
    ids = list(
        OutboxMessage.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    _state.delivering = True
    try:
        return dispatch(ids, force=True)
    finally:
        _state.delivering = False


def pending_count() -> int:
    """Return how many messages wait for the broker."""
    return OutboxMessage.objects.filter(dispatched_at__isnull=True).count()


def purge(*, keep_days: int = 7) -> int:
    """Delete handed-over messages and done keys older than ``keep_days``; return how many."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    messages, _ = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    keys, _ = DoneKey.objects.filter(created_at__lt=cutoff - timedelta(days=23)).delete()
    return messages + keys


def claim(key: str) -> bool:
    """Claim ``key`` for work that must happen once; return False if it was claimed before."""
    try:
        with transaction.atomic():
            DoneKey.objects.create(key=key[:200])
    except IntegrityError:
        return False
    return True


def release(key: str) -> None:
    """Give up a claim (the work failed and will be retried)."""
    DoneKey.objects.filter(key=key[:200]).delete()
