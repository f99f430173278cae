"""Redis is a cache and a broker, never a single point of failure.

With the cache's Redis stopped (a real server of the test's own) or at a port where nothing
listens, every public page answers 200, uncached. With the broker down, submitting and approving
answer at once and what they owe (the search index, the reviewer's notice) waits in the outbox;
once the broker is back a real worker delivers it (PostgreSQL runs).
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches

from districts.models import Role
from outbox import services as outbox
from outbox.models import OutboxMessage
from portal.celery import app
from publications import services
from publications.models import Publication
from tests.celery_worker import forget_connections, start_worker
from tests.publications import conftest as publications_fixtures
from tests.redis_server import RedisServer, dead_url

calendar = publications_fixtures.calendar
office = publications_fixtures.office

pytestmark = pytest.mark.services


def resilient_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "portal.cache_backend.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "BACKOFF_SECONDS": 0,
            },
        }
    }


def public_urls(office, item: Publication) -> dict[str, str]:
    township = office.divisions["430102001"]
    domain = office.entries["township"].item.first_level.domain
    return {
        "home": "/",
        "column": township.get_absolute_url(),
        "list": f"/d/{township.slug}/publications/?page=1",
        "domain": f"/d/{township.slug}/{domain.slug}/",
        "entry": office.entries["township"].get_absolute_url(),
        "publication": item.get_absolute_url(),
        "search": "/search/?q=低保",
    }


def test_every_public_page_answers_with_the_cache_at_a_dead_port(client, office, settings):
    item = office.publication("township", "published", title="低保资金发放公示")
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.CACHES = resilient_cache(dead_url())
    cache = caches["default"]
    for name, url in public_urls(office, item).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
    assert cache.failures > 0  # it was tried, failed, and the pages were rendered anyway
    assert cache.get("anything", "default") == "default"
    assert cache.add("k", 1) is False
    with pytest.raises(ValueError):
        cache.incr("k")


def test_pages_survive_the_cache_server_stopping_and_come_back_cached(
    client, office, settings, tmp_path
):
    item = office.publication("township", "published", title="低保资金发放公示")
    server = RedisServer(tmp_path).start()
    try:
        settings.PUBLIC_CACHE_SECONDS = 600
        settings.CACHES = resilient_cache(server.url())
        urls = public_urls(office, item)
        client.get(urls["column"])
        assert client.get(urls["column"])["X-Page-Cache"] == "hit"

        server.stop()
        for name, url in urls.items():
            assert client.get(url).status_code == 200, name

        server.start()  # an empty Redis, as after a restart
        first, second = client.get(urls["column"]), client.get(urls["column"])
        assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    finally:
        server.stop()


def test_an_outage_of_the_cache_owes_the_generation_bump(
    client, office, settings, django_capture_on_commit_callbacks
):
    """Publishing while the cache is unreachable records the bump; it is made later."""
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.CACHES = resilient_cache(dead_url())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        office.publication("township", "published", title="缓存故障时发布")
    for callback in callbacks:
        callback()
    owed = OutboxMessage.objects.filter(task="portal.tasks.bump_generations")
    assert owed.exists()
    names = set(owed.first().args[0])
    assert "home" in names and any(n.startswith("division:") for n in names)


@pytest.fixture
def broker_down():
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=dead_url())
    forget_connections()
    outbox._breaker["until"] = 0.0
    yield
    app.conf.update(saved)
    forget_connections()
    outbox._breaker["until"] = 0.0


def test_approving_with_the_broker_down_answers_and_owes_the_side_effects(
    office, broker_down, django_capture_on_commit_callbacks
):
    editor, reviewer = office.user(Role.EDITOR, "township"), office.user(Role.REVIEWER, "district")
    with django_capture_on_commit_callbacks(execute=True):
        item = office.publication("township", "submitted", title="队列故障时审核")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_approve(publication=item, user=reviewer)
    assert Publication.objects.get(pk=item.pk).status == Publication.Status.PUBLISHED
    owed = set(
        OutboxMessage.objects.filter(dispatched_at__isnull=True).values_list("task", flat=True)
    )
    assert {
        "publications.tasks.notify_publication_submitted",
        "publications.tasks.notify_publication_reviewed",
        "search.tasks.search_index_objects",
    } <= owed
    # Once the broker is back (here: the in-process runner), they are delivered.
    app.conf.update(task_always_eager=True)
    assert outbox.deliver_pending(grace=timedelta(0)) >= 3
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
    assert editor.email


# -- the whole outage with a real worker (PostgreSQL: the worker reads the same database) --------


def _wait(check, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_publication_approved_while_the_broker_is_down_reaches_search_and_the_mail(
    office, tmp_path
):
    from search.models import SearchDocument

    server = RedisServer(tmp_path)  # its port is where the broker will be; nothing runs there
    queue = f"test-{uuid.uuid4().hex[:12]}"
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=server.url(), task_default_queue=queue)
    forget_connections()
    outbox._breaker["until"] = 0.0
    mails = tmp_path / "mails"
    mails.mkdir()
    process = None
    try:
        title = "队列恢复后送达的低保公示"
        item = office.publication("township", "submitted", title=title)
        started = time.monotonic()
        services.publication_approve(publication=item, user=office.user(Role.REVIEWER, "district"))
        answered_in = time.monotonic() - started
        assert not SearchDocument.objects.filter(title__contains=title).exists()
        assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() >= 3

        # The broker comes back; a worker starts (it delivers what waited as it starts).
        server.start()
        outbox._breaker["until"] = 0.0
        forget_connections()
        process = start_worker(
            queue,
            tmp_path / "worker.log",
            REDIS_URL=server.url(),
            EMAIL_URL=f"filemail:///{mails}",
        )
        assert _wait(lambda: not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists())
        assert _wait(lambda: SearchDocument.objects.filter(title__contains=title).exists()), (
            tmp_path / "worker.log"
        ).read_text()
        assert _wait(lambda: any(f.stat().st_size for f in mails.glob("*.log")))
        text = "\n".join(f.read_text(encoding="utf-8") for f in mails.glob("*.log"))
        assert title in text and "township_editor@example.test" in text
        assert answered_in < 10  # a hang guard, not a figure: the bench measures the time
    finally:
        app.conf.update(saved)
        forget_connections()
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
