"""定时发布 end to end: a real Celery worker with its embedded beat, on Redis, releases a
scheduled publication once its time has come, never before, and exactly once.

The worker is a separate process reading the same (committed) test database; the beat in it
runs ``publications.tasks.release_scheduled`` every PUBLICATION_RELEASE_INTERVAL seconds, here
2 s, so the test waits seconds rather than the production 20 s.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from districts.models import Role
from publications import services
from publications.models import Publication, PublicationEvent
from tests.celery_worker import REDIS, redis_answers, start_worker
from tests.conftest import require_service

pytestmark = [
    pytest.mark.services,
    pytest.mark.postgresql_only,
    pytest.mark.django_db(transaction=True),
]

Status = Publication.Status
INTERVAL = 2
# Far enough ahead that creating, submitting and approving finish before it.
LEAD = dt.timedelta(seconds=5)
RELEASED_WITHIN = 60.0
RELEASE_TASK = "publications.tasks.release_scheduled"


def stop(process: subprocess.Popen) -> None:
    """Kill the worker's whole process group (the worker and its embedded beat)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(predicate, timeout: float, what: str, log: Path):
    """Return the first truthy value of ``predicate()``; fail with the worker log on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s; worker log:\n{log.read_text()}")


def release_runs(log: Path) -> int:
    """Return how many release jobs the worker has finished so far."""
    text = log.read_text() if log.exists() else ""
    return sum(1 for line in text.splitlines() if RELEASE_TASK in line and "succeeded" in line)


def test_the_beat_releases_a_scheduled_publication_on_time_and_once(office, client, tmp_path):
    if not redis_answers():
        require_service(f"Redis at {REDIS}")
    queue = f"test-release-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    process = start_worker(
        queue,
        log,
        extra_args=["-B", "-s", str(tmp_path / "beat-schedule")],
        PUBLICATION_RELEASE_INTERVAL=str(INTERVAL),
    )
    try:
        # The beat has sent the job and the worker has run it against this database: from here
        # on, a due publication is released within one interval.
        wait_for(lambda: release_runs(log) >= 1, 60, "a first release job", log)

        editor = office.user(Role.EDITOR, "township")
        release_at = timezone.now() + LEAD
        item = services.publication_create(
            entry=office.entries["township"],
            data={
                "title": "文艺路街道低保资金发放公示（定时发布）",
                "formed_on": "2026-11-02",
                "release_at": release_at,
            },
            user=editor,
        )
        services.publication_submit(publication=item, user=editor)
        services.publication_approve(publication=item, user=office.reviewer_for("township"))
        item.refresh_from_db()
        assert item.status == Status.SCHEDULED, item.status
        assert item.published_at is None
        assert client.get(item.get_absolute_url()).status_code == 404

        released = wait_for(
            lambda: Publication.objects.filter(pk=item.pk, status=Status.PUBLISHED).first(),
            RELEASED_WITHIN,
            "the scheduled release",
            log,
        )
        # Two more runs of the job must find nothing left to do.
        runs = release_runs(log)
        wait_for(lambda: release_runs(log) >= runs + 2, 30, "two more release jobs", log)
    finally:
        stop(process)

    assert released.published_at >= released.release_at == release_at
    assert released.published_at - release_at < dt.timedelta(seconds=RELEASED_WITHIN)
    assert released.index_no
    events = released.events.filter(action=PublicationEvent.Action.RELEASE)
    assert events.count() == 1
    assert events.get().user is None
    assert client.get(released.get_absolute_url()).status_code == 200
    # The tasks the release owes (the submitter's notice among them) ran without error: the
    # notice once failed in the worker on the job's missing reviewer.
    assert "raised unexpected" not in log.read_text(), log.read_text()
