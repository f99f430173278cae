"""Benchmark the staff working list and the publication change list at 100,000 publications.

For each database, a child process builds a fresh database (migrate, the demo data, then
``generate_publications --count N``), and then requests each page 200 times through Django's
test client as several demo users: the time is the server's (request in, response out, no
network). It prints median and 95th-percentile times and each page's query count.

Usage: ``python -m bench.worklist [--db sqlite|postgres|both] [--count N] [--requests N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.freshdb import fresh_database

ROOT = Path(__file__).resolve().parent.parent

WORKLIST = "/admin/publications/publication/worklist/"
CHANGELIST = "/admin/publications/publication/"
# (label, demo user, URL): what each office opens first thing in the morning.
SCENARIOS = [
    ("工作台 · 市审核员 · 待审", "city_reviewer", WORKLIST + "?tab=review"),
    ("工作台 · 市审核员 · 已发", "city_reviewer", WORKLIST + "?tab=published"),
    ("工作台 · 区填报员 · 待办", "furong_editor", WORKLIST + "?tab=todo"),
    (
        "工作台 · 区审核员 · 待审（逾期筛选）",
        "furong_reviewer",
        WORKLIST + "?tab=review&deadline=overdue",
    ),
    ("工作台 · 街道填报员 · 待办", "wenyilu_editor", WORKLIST + "?tab=todo"),
    ("列表 · 市管理员", "city_admin", CHANGELIST),
    ("列表 · 市管理员 · 待审核", "city_admin", CHANGELIST + "?status__exact=submitted"),
    ("列表 · 区填报员", "furong_editor", CHANGELIST),
]


def child(count: int, requests: int) -> dict:
    """Build the data and time the pages; return the figures (runs in its own process)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from publications.models import Publication

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("generate_publications", count=count, stdout=open(os.devnull, "w"))  # noqa: SIM115
    setup = time.perf_counter() - t0
    User = get_user_model()
    results = []
    client = Client()
    for label, username, url in SCENARIOS:
        client.force_login(User.objects.get(username=username))
        for _ in range(5):  # warm caches and connections
            assert client.get(url).status_code == 200
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        results.append(
            {
                "label": label,
                "url": url,
                "median_ms": statistics.median(times) * 1000,
                "p95_ms": times[int(0.95 * len(times)) - 1] * 1000,
                "queries": len(queries),
            }
        )
    return {
        "publications": Publication.objects.count(),
        "setup_s": setup,
        "results": results,
    }


def run(db: str, count: int, requests: int) -> dict:
    env = {
        **os.environ,
        "ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DEMO_MODE": "1",
    }
    env.pop("REDIS_URL", None)
    with fresh_database(db, "bench_worklist") as url:
        env["DATABASE_URL"] = url
        out = subprocess.run(
            [sys.executable, "-m", "bench.worklist", "--child", str(count), str(requests)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"worklist benchmark failed on {db}:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]))))
        return
    from bench.__main__ import machine, pg_available

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in dbs and not pg_available():
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer.")
    print("\n".join(machine()))
    print(
        f"working list and change list: {args.count:,} generated publications, "
        f"{args.requests} requests per page, Django test client (server time, no network)"
    )
    for db in dbs:
        data = run(db, args.count, args.requests)
        print(
            f"\n[{db}] {data['publications']:,} publications in the database "
            f"(setup {data['setup_s']:.0f} s, untimed)"
        )
        print("| page | median ms | p95 ms | queries |")
        print("|---|---|---|---|")
        for r in data["results"]:
            print(f"| {r['label']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")


if __name__ == "__main__":
    main()
