"""The outbox: a task a commit owes is recorded with the commit and delivered, whatever the broker.

The broker here is a real Redis on a port of the test's own, or a port where nothing listens.
"""

from __future__ import annotations

import pytest
from celery import shared_task
from django.db import transaction

from outbox import services
from outbox.models import DoneKey, OutboxMessage
from portal.celery import app
from tests.celery_worker import forget_connections
from tests.redis_server import dead_url

RAN: list = []


@shared_task(name="tests.outbox.record")
def record(value, *, extra=None):
    RAN.append((value, extra, record.request.id))
    return value


@pytest.fixture(autouse=True)
def clean():
    RAN.clear()
    services._breaker["until"] = 0.0
    yield
    services._breaker["until"] = 0.0


@pytest.fixture
def broker_down():
    """Point the Celery app at a Redis port where nothing listens (not eager)."""
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=dead_url())
    forget_connections()
    yield
    app.conf.update(saved)
    forget_connections()


def test_nothing_is_sent_before_the_commit_and_a_rollback_sends_nothing(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.enqueue(record, 1)
            assert RAN == []
        with pytest.raises(RuntimeError), transaction.atomic():
            services.enqueue(record, 2)
            raise RuntimeError("the change fails")
        assert RAN == []
    assert [v for v, *_ in RAN] == [1]
    assert list(OutboxMessage.objects.values_list("args", flat=True)) == [[1]]


def test_a_delivered_message_keeps_its_task_id(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(record, "x", extra={"k": 1})
    message.refresh_from_db()
    assert message.dispatched_at is not None and message.attempts == 1
    assert [("x", {"k": 1}, f"outbox-{message.pk}")] == RAN


def test_with_the_broker_down_the_message_waits_and_nothing_raises(
    db, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.enqueue(record, 1)
    first.refresh_from_db()
    assert first.dispatched_at is None and first.attempts == 1
    assert "Error" in first.last_error
    assert services.broker_resting()
    failed = services.stats["failed"]
    # While the broker rests, later commits do not even try (no timeout per request).
    with django_capture_on_commit_callbacks(execute=True):
        second = services.enqueue(record, 2)
    second.refresh_from_db()
    assert second.attempts == 0 and services.stats["failed"] == failed
    assert services.pending_count() == 2 and RAN == []


def test_pending_messages_are_delivered_once_the_broker_is_back(
    db, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        waiting = [services.enqueue(record, n) for n in range(3)]
    assert services.pending_count() == 3
    # The broker is back (here: the in-process runner) and the deliverer runs.
    app.conf.update(task_always_eager=True)
    from datetime import timedelta

    assert services.deliver_pending(grace=timedelta(0)) == 3
    assert sorted(v for v, *_ in RAN) == [0, 1, 2]
    assert {task_id for *_, task_id in RAN} == {f"outbox-{m.pk}" for m in waiting}
    assert services.pending_count() == 0
    # Delivering again hands over nothing twice.
    assert services.deliver_pending(grace=timedelta(0)) == 0


def test_the_deliverer_leaves_young_messages_to_their_own_commit(db, broker_down):
    services.enqueue(record, 1)  # autocommit: handed over at once, fails, stays pending
    assert services.deliver_pending() == 0  # younger than the grace period
    assert services.pending_count() == 1


def test_claims_make_work_happen_once(db):
    assert services.claim("notice-sent:a") is True
    assert services.claim("notice-sent:a") is False
    services.release("notice-sent:a")
    assert services.claim("notice-sent:a") is True
    assert DoneKey.objects.count() == 1


def test_the_command_reports_what_is_pending(db, broker_down, capsys):
    from django.core.management import call_command

    services.enqueue(record, 1)
    call_command("deliver_outbox", "--all")
    assert "仍待投递 1 个" in capsys.readouterr().out


def test_purge_forgets_old_deliveries(db):
    from datetime import timedelta

    from django.utils import timezone

    old = OutboxMessage.objects.create(task="x", dispatched_at=timezone.now() - timedelta(days=8))
    OutboxMessage.objects.create(task="y")  # pending: never purged
    assert services.purge() == 1
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
    assert OutboxMessage.objects.count() == 1


def test_an_unknown_task_is_recorded_and_does_not_rest_the_broker(db):
    message = OutboxMessage.objects.create(task="tests.outbox.renamed_since")
    assert services.dispatch([message.pk]) == 0
    message.refresh_from_db()
    assert message.dispatched_at is None and "未知任务" in message.last_error
    assert not services.broker_resting()
