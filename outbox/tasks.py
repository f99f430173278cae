"""Deliver what the outbox owes the broker; forget what was delivered long ago."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from . import services

# Handing messages to the broker takes milliseconds each (short timeouts in settings): minutes
# mean the broker or the database hangs, and the next beat run, a minute later, takes over.
TASK_OPTIONS = {"soft_time_limit": 240, "time_limit": 300, "ignore_result": True}


@shared_task(**TASK_OPTIONS)
def deliver_outbox() -> int:
    """Hand every message pending longer than the grace period to the broker; return how many."""
    total = 0
    while delivered := services.deliver_pending(limit=500):
        total += delivered
        if delivered < 500:
            break
    return total


@shared_task(**TASK_OPTIONS)
def purge_outbox() -> int:
    """Delete messages delivered more than a week ago; return how many rows went."""
    return services.purge()


@worker_ready.connect
def deliver_on_worker_start(sender=None, **kwargs) -> None:
    """A worker that starts after an outage sends what waited, without waiting for beat.

    No grace period here: a message handed over twice is still one task (same task id).
    """
    from datetime import timedelta

    services.deliver_pending(grace=timedelta(0))
