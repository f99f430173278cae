"""Benchmark the portal with Redis up, down and hung: what a public page and an approval cost.

A child process builds a small fresh database (the Changsha divisions, a catalog derived to
芙蓉区 and 文艺路街道, published, with a few publications), then serves requests through Django's
test client (server time, no network) with the page cache on (``ResilientRedisCache``):

- ``cache up``: a real Redis of the benchmark's own (a hit after the first request);
- ``no cache``: PUBLIC_CACHE_SECONDS=0 (every page rendered), the floor a dead cache can reach;
- ``cache stopped``: the same Redis stopped (connections refused);
- ``cache hung``: a listener that accepts connections and never answers (the worst case: the
  first request waits for REDIS_TIMEOUT, then the process backs off).

For each it prints the first request's time and the median and 95th percentile of the rest, per
page type; and the time an approval takes with the broker up (in-process), stopped and hung.

Usage: ``python -m bench.redis_down [--requests N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def hung_listener() -> tuple[int, threading.Event]:
    """Accept connections on a free port and never answer; return (port, stop event)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    stop = threading.Event()
    held = []

    def run():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue
        for conn in held:
            conn.close()
        server.close()

    threading.Thread(target=run, daemon=True).start()
    return server.getsockname()[1], stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child(requests: int) -> dict:
    """Run in a fresh process: build the data, measure every scenario, return the figures."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    django.setup()
    from bench.cases import setup

    setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
    from catalog.reference import channels_load, domains_load
    from catalog.review import catalog_publish_as_loaded
    from catalog.services import catalog_derive, entry_create
    from districts.models import Division, Role
    from districts.services import divisions_load, membership_grant
    from outbox import services as outbox
    from portal.celery import app
    from publications import services
    from tests.celery_worker import forget_connections
    from tests.factories import UserFactory
    from workcalendar.services import calendar_seed_from_package

    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    calendar_seed_from_package()
    city = Division.objects.get(code="430100")
    furong = Division.objects.get(code="430102")
    wenyilu = Division.objects.get(code="430102001")
    domain = Domain.objects.get(name="社会救助")
    first = FirstLevelItem.objects.create(domain=domain, name="最低生活保障")
    for n in range(20):
        item = SecondLevelItem.objects.create(first_level=first, name=f"低保事项{n}")
        entry_create(
            division=city,
            item=item,
            values={"time_limit": "20个工作日", "subject": "市民政局"},
            user=None,
        )
    catalog_derive(division=furong, user=None)
    catalog_derive(division=wenyilu, user=None)
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))
    editor, reviewer = UserFactory(username="bench-editor"), UserFactory(username="bench-reviewer")
    membership_grant(user=editor, division=wenyilu, role=Role.EDITOR)
    membership_grant(user=reviewer, division=furong, role=Role.REVIEWER)
    entry = CatalogEntry.objects.filter(division=wenyilu).first()

    def publication(status: str):
        item = services.publication_create(
            entry=entry, data={"title": "低保资金发放公示", "formed_on": "2026-11-02"}, user=editor
        )
        services.publication_submit(publication=item, user=editor)
        if status == "published":
            services.publication_approve(publication=item, user=reviewer)
        return item

    shown = publication("published")
    pages = {
        "home": "/",
        "district column": furong.get_absolute_url(),
        "township column": wenyilu.get_absolute_url(),
        "domain table": f"/d/{wenyilu.slug}/{domain.slug}/",
        "entry": entry.get_absolute_url(),
        "publication": shown.get_absolute_url(),
    }

    def cache_settings(url: str) -> dict:
        return {
            "default": {
                "BACKEND": "portal.cache_backend.ResilientRedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"bench-{os.getpid()}-{time.monotonic_ns()}",
                "OPTIONS": {
                    "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
                    "socket_timeout": settings.REDIS_TIMEOUT,
                    "BACKOFF_SECONDS": 10,
                },
            }
        }

    def measure(label: str, caches: dict, seconds: int) -> list[dict]:
        rows = []
        with override_settings(CACHES=caches, PUBLIC_CACHE_SECONDS=seconds):
            client = Client()
            for name, url in pages.items():
                started = time.perf_counter()
                first = client.get(url)
                first_ms = (time.perf_counter() - started) * 1000
                assert first.status_code == 200, (label, name, first.status_code)
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (label, name, response.status_code)
                times.sort()
                rows.append(
                    {
                        "scenario": label,
                        "page": name,
                        "first_ms": first_ms,
                        "median_ms": statistics.median(times),
                        "p95_ms": times[int(len(times) * 0.95) - 1],
                        "cache": first.get("X-Page-Cache", "-"),
                    }
                )
        return rows

    folder = tempfile.mkdtemp()
    port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    url = f"redis://127.0.0.1:{port}/1"
    results = measure("cache up", cache_settings(url), 600)
    results += measure("no cache", cache_settings(url), 0)
    redis.terminate()
    redis.wait(timeout=10)
    results += measure("cache stopped", cache_settings(url), 600)
    hung_port, stop = hung_listener()
    results += measure("cache hung", cache_settings(f"redis://127.0.0.1:{hung_port}/1"), 600)

    # Approvals: the broker in-process (the floor), stopped (refused) and hung.
    approvals = []

    def approve(label: str, broker: str | None, n: int = 5) -> None:
        saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
        if broker:
            app.conf.update(task_always_eager=False, broker_url=broker)
        forget_connections()
        times = []
        try:
            items = [publication("submitted") for _ in range(n)]
            # The outage begins now for this process: the first approval finds it.
            outbox._breaker["until"] = 0.0
            for item in items:
                started = time.perf_counter()
                services.publication_approve(publication=item, user=reviewer)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            app.conf.update(saved)
            forget_connections()
        from outbox.models import OutboxMessage

        last = OutboxMessage.objects.exclude(last_error="").order_by("-pk").first()
        approvals.append(
            {
                "error": last.last_error[:70] if last else "",
                "scenario": label,
                "first_ms": times[0],
                "median_ms": statistics.median(times[1:]),
                "pending": outbox.pending_count(),
            }
        )

    approve("broker in-process", None)
    approve("broker stopped", f"redis://127.0.0.1:{free_port()}/0")
    approve("broker hung", f"redis://127.0.0.1:{hung_port}/0")
    stop.set()
    return {
        "pages": results,
        "approvals": approvals,
        "timeouts": [settings.REDIS_CONNECT_TIMEOUT, settings.REDIS_TIMEOUT],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.requests)))
        return
    from bench.__main__ import machine

    # The test settings: plain static files and no HTTPS redirect for the test client.
    env = {
        **os.environ,
        "ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "bench.redis_down", "--child", "--requests", str(args.requests)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    print("\n".join(machine()))
    connect, read = data["timeouts"]
    print(f"REDIS_CONNECT_TIMEOUT {connect} s, REDIS_TIMEOUT {read} s; SQLite; test client")
    print()
    header = f"{'scenario':<15} {'page':<17} {'first ms':>9} {'median ms':>10} {'p95 ms':>8}  cache"
    print(header)
    print("-" * len(header))
    for row in data["pages"]:
        print(
            f"{row['scenario']:<15} {row['page']:<17} {row['first_ms']:>9.1f} "
            f"{row['median_ms']:>10.1f} {row['p95_ms']:>8.1f}  {row['cache']}"
        )
    print()
    header = f"{'approval':<20} {'first ms':>9} {'median ms':>10} {'outbox pending':>15}"
    print(header)
    print("-" * len(header))
    for row in data["approvals"]:
        print(
            f"{row['scenario']:<20} {row['first_ms']:>9.1f} {row['median_ms']:>10.1f} "
            f"{row['pending']:>15}  {row.get('error', '')}"
        )
    print()
    print("first: the first request after the scenario began; median/p95 of the next requests.")
    print("Every page answered 200 in every scenario (the child asserts it).")


if __name__ == "__main__":
    main()
