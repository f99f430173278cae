"""A real Celery worker, on Redis, sends the notice a review step queued after commit.

The worker is a separate process reading the same (committed) test database; the e-mail goes
to a file backend so that the test can read what the worker sent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from districts.models import Role
from portal.celery import app
from publications.models import Publication
from tests.conftest import require_service

pytestmark = [
    pytest.mark.services,
    pytest.mark.postgresql_only,
    pytest.mark.django_db(transaction=True),
]

REDIS = "redis://127.0.0.1:6379/13"
ROOT = Path(settings.BASE_DIR)


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    s = connection.settings_dict
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """Start a worker on a queue of its own; yield (queue, mail folder); stop it afterwards."""
    if not _redis_answers():
        require_service(f"Redis at {REDIS}")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    mails = tmp_path / "mails"
    mails.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"filemail:///{mails}",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 (closed when the worker stops)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = {
        k: app.conf[k]
        for k in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    app.conf.update(
        task_always_eager=False, broker_url=REDIS, result_backend=REDIS, task_default_queue=queue
    )
    _forget_connections()
    try:
        yield queue, mails, tmp_path / "worker.log"
    finally:
        app.conf.update(saved)
        _forget_connections()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _forget_connections() -> None:
    # Earlier tests in this process may have opened the producer pool on another broker URL;
    # drop it so that the next message goes to the broker configured now.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


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
