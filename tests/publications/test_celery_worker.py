"""A real Celery worker, on Redis, sends the notice a review step queued after commit.

The worker is a separate process reading the same (committed) test database; the e-mail goes
to a file backend so that the test can read what the worker sent.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from districts.models import Role
from portal.celery import app
from publications.models import Publication
from tests.celery_worker import REDIS, forget_connections, redis_answers, start_worker
from tests.conftest import require_service

pytestmark = [
    pytest.mark.services,
    pytest.mark.postgresql_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(tmp_path, office):
    """Start a worker on a queue of its own; yield (queue, mail folder); stop it afterwards.

    After ``office``: building it queues tasks, which must run in-process, not on this broker.
    """
    if not redis_answers():
        require_service(f"Redis at {REDIS}")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    mails = tmp_path / "mails"
    mails.mkdir()
    log_path = tmp_path / "worker.log"
    process = start_worker(queue, log_path, EMAIL_URL=f"filemail:///{mails}")
    saved = {
        k: app.conf[k]
        for k in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    app.conf.update(
        task_always_eager=False, broker_url=REDIS, result_backend=REDIS, task_default_queue=queue
    )
    forget_connections()
    try:
        yield queue, mails, log_path
    finally:
        app.conf.update(saved)
        forget_connections()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_mail(folder: Path, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.log"))
        if files and files[0].stat().st_size:
            time.sleep(0.2)
            return "\n".join(f.read_text(encoding="utf-8") for f in files)
        time.sleep(0.25)
    return ""


def test_the_worker_mails_the_reviewing_office_after_submit(office, worker):
    queue, mails, log = worker
    from publications import services

    item = services.publication_create(
        entry=office.entries["township"],
        data={"title": "文艺路街道低保资金发放公示（真实worker）", "formed_on": "2026-11-02"},
        user=office.user(Role.EDITOR, "township"),
    )
    services.publication_submit(publication=item, user=office.user(Role.EDITOR, "township"))
    assert Publication.objects.get(pk=item.pk).status == Publication.Status.SUBMITTED

    text = _wait_for_mail(mails)
    assert text, "the worker sent nothing within 60 s; its log:\n" + log.read_text()
    # The district office reviews a township: its reviewer and administrator are told.
    assert "district_reviewer@example.test" in text
    assert "district_administrator@example.test" in text
    assert "township_editor@example.test" not in text
    assert "文艺路街道低保资金发放公示（真实worker）" in text
    assert "succeeded" in log.read_text()
