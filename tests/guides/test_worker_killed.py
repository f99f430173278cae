"""A real Celery worker on Redis is killed in the middle of a sync; nothing is half-written and
the task, acknowledged late, is redelivered to the next worker, which finishes the work."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from guides.models import Guide, SyncRun
from guides.normalise import guide_record, record_hash
from portal.celery import app
from provincial_simulator.server import SimulatorServer
from tests.celery_worker import REDIS, forget_connections, redis_answers, start_worker
from tests.conftest import require_service

pytestmark = [
    pytest.mark.services,
    pytest.mark.postgresql_only,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(settings.BASE_DIR)
GUIDES = 300
# Redis hands an unacknowledged task to another worker after this many seconds.
VISIBILITY = 3
WORKER_ENV = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "PROVINCIAL_CONCURRENCY": "2"}


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s; worker log:\n{log.read_text()}")


def test_a_killed_worker_leaves_whole_guides_and_the_redelivered_task_finishes(
    reference_data, tmp_path
):
    if not redis_answers():
        require_service(f"Redis at {REDIS}")
    queue = f"test-sync-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    saved = {
        k: app.conf[k]
        for k in (
            "task_always_eager",
            "broker_url",
            "result_backend",
            "task_default_queue",
            "broker_transport_options",
        )
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=REDIS,
        result_backend=REDIS,
        task_default_queue=queue,
        broker_transport_options={
            "visibility_timeout": VISIBILITY,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )
    forget_connections()
    first = second = None
    try:
        with SimulatorServer(port=0, size=GUIDES) as sim:
            # Slow enough that the kill lands mid-run: 300 details × 40 ms over 2 threads ≈ 6 s.
            sim.set_faults(latency_ms=40, endpoints=["detail"])
            first = start_worker(queue, log, **WORKER_ENV)
            from guides.tasks import sync_guides

            result = sync_guides.apply_async(
                kwargs={"trigger": "admin", "base_url": sim.base_url}, queue=queue
            )
            wait_for(lambda: Guide.objects.count() >= 40, 60, "40 guides written", log)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)

            # Killed mid-run: a run still marked running, some guides, each one whole.
            written = Guide.objects.count()
            assert 0 < written < GUIDES
            dead = SyncRun.objects.get(status=SyncRun.Status.RUNNING)
            assert dead.task_id == result.id
            for guide in Guide.objects.all():
                keys = guide_record(
                    {"unifyName": "x", "areaCode": "430100"}, unify_id="x", audiences=[]
                ).keys()
                record = {key: getattr(guide, key) for key in keys}
                assert record_hash(record) == guide.content_hash, guide.unify_id

            sim.reset_faults()
            second = start_worker(queue, log, **WORKER_ENV)
            done = wait_for(
                lambda: SyncRun.objects.filter(
                    task_id=result.id, status=SyncRun.Status.SUCCEEDED
                ).first(),
                90,
                "the redelivered sync to finish",
                log,
            )
            assert set(Guide.objects.values_list("unify_id", flat=True)) == set(
                sim.dataset.guide_ids()
            )
    finally:
        for process in (first, second):
            if process is not None:
                stop(process)
        app.conf.update(saved)
        forget_connections()

    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.INTERRUPTED
    assert "重新投递" in dead.message
    # The guides the dead worker wrote are not written again.
    assert done.unchanged >= written
    assert done.created + done.unchanged == GUIDES and done.failed == 0
    assert Guide.objects.count() == GUIDES
