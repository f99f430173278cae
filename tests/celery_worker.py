"""Start a real Celery worker process on Redis against the test database (PostgreSQL runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.celery import app

REDIS = "redis://127.0.0.1:6379/13"
ROOT = Path(settings.BASE_DIR)


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def database_url() -> str:
    s = connection.settings_dict
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def start_worker(
    queue: str, log_path: Path, *, extra_args: Sequence[str] = (), **env_extra: str
) -> subprocess.Popen:
    """Start a solo-pool worker on ``queue`` in its own process group; log to ``log_path``.

    ``extra_args`` go on the worker's command line (``-B`` and ``-s`` for an embedded beat).
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **env_extra,
    }
    log = open(log_path, "a")  # noqa: SIM115 (the worker process holds it)
    return subprocess.Popen(
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
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def forget_connections() -> None:
    """Drop the producer pools, so that the next message goes to the broker configured now.

    kombu also keeps process-wide pools keyed by broker URL; a later test on the same URL would
    otherwise get a pool whose connections were closed here ("Acquire on closed pool").
    """
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()
