"""Benchmark the 依申请公开 queue at 10,000 open requests.

For each database, a child process builds a fresh database (migrate, the demo data, then
``--count`` open requests bulk-inserted across 芙蓉区 and its townships, received over the last
60 working days, with their clocks computed), then requests each page ``--requests`` times
through Django's test client as demo users: the time is the server's (no network). It prints
median and 95th-percentile times and each page's query count, which must not depend on the
number of requests.

Usage: ``python -m bench.foi [--db sqlite|postgres|both] [--count N] [--requests N]``.
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

QUEUE = "/admin/foi/inforequest/"
SCENARIOS = [
    ("队列 · 区填报员（本机关）", "furong_editor", QUEUE),
    ("队列 · 区填报员 · 已逾期", "furong_editor", QUEUE + "?deadline=overdue"),
    ("队列 · 区管理员 · 5日内到期", "furong_admin", QUEUE + "?deadline=soon"),
    ("队列 · 市管理员（全市督办）", "city_admin", QUEUE + "?deadline=overdue"),
    ("队列 · 查询码搜索", "furong_editor", QUEUE + "?q=YSQ"),
    ("工作台（含依申请公开卡片）", "furong_editor", "/admin/"),
]


def generate(count: int) -> int:
    """Bulk-insert ``count`` open requests with their receipt event and clock; return count."""
    import random

    from django.utils import timezone

    from districts.models import Division
    from foi import identity, services
    from foi.clock import Step, compute
    from foi.models import InfoRequest, RequestEvent

    rng = random.Random(14)
    furong = Division.objects.get(code="430102")
    divisions = [furong, *furong.get_children()]
    calendar = services.ProvisionalCalendar()
    today = timezone.localdate()
    days = [calendar.add_working_days(today, -n) for n in range(60)]
    clocks = {d: compute([Step("received", d)], today, calendar) for d in days}
    token = identity.encrypt("E00000000")
    words = ["最低生活保障", "老旧小区改造", "征地补偿", "行政处罚", "财政预算", "停车位", "学位"]
    rows = []
    for n in range(count):
        received = rng.choice(days)
        clock = clocks[received]
        asked = f"{rng.choice(words)}相关信息（基准测试 {n}）"
        rows.append(
            InfoRequest(
                division=divisions[n % len(divisions)] if n % 2 else furong,
                code=services.new_code(),
                applicant_kind="person",
                name=f"测试申请人{n}",
                id_type="passport",
                id_cipher=token,
                id_tail="0000",
                id_digest=identity.digest(f"bench:{n % 3000}"),
                phone=f"139{n:08d}",
                description=asked,
                delivery="email",
                channel="online",
                received_on=received,
                state=clock.state,
                due_on=clock.due_on,
                due_provisional=bool(calendar.guessed),
                keywords=" ".join(w for w in words if w in asked),
            )
        )
    made = InfoRequest.objects.bulk_create(rows, batch_size=2000)
    RequestEvent.objects.bulk_create(
        [RequestEvent(request=r, kind="received", on=r.received_on) for r in made],
        batch_size=2000,
    )
    return len(made)


def child(count: int, requests: int) -> dict:
    """Build the data and time the pages; return the figures (runs in its own process)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from foi.models import InfoRequest

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    generate(count)
    setup = time.perf_counter() - t0
    User = get_user_model()
    sample = InfoRequest.objects.filter(division__code="430102", is_demo=False).first()
    scenarios = [
        *SCENARIOS,
        ("申请详情页（承办机关）", "furong_editor", f"{QUEUE}{sample.pk}/change/"),
    ]
    results = []
    client = Client()
    for label, username, url in scenarios:
        client.force_login(User.objects.get(username=username))
        for _ in range(3):
            assert client.get(url).status_code == 200, url
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
                "median_ms": statistics.median(times) * 1000,
                "p95_ms": times[max(0, int(0.95 * len(times)) - 1)] * 1000,
                "queries": len(queries),
            }
        )
    return {
        "open": InfoRequest.objects.open().count(),
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
    with fresh_database(db, "bench_foi") as url:
        env["DATABASE_URL"] = url
        out = subprocess.run(
            [sys.executable, "-m", "bench.foi", "--child", str(count), str(requests)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"foi benchmark failed on {db}:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]))))
        return
    from bench.__main__ import machine, pg_available

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in dbs and not pg_available():
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer.")
    print("\n".join(machine()))
    print(
        f"依申请公开 queue: {args.count:,} generated open requests, {args.requests} requests "
        "per page, Django test client (server time, no network)"
    )
    for db in dbs:
        data = run(db, args.count, args.requests)
        print(f"\n[{db}] {data['open']:,} open requests (setup {data['setup_s']:.0f} s, untimed)")
        print("| page | median ms | p95 ms | queries |")
        print("|---|---|---|---|")
        for r in data["results"]:
            print(f"| {r['label']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")


if __name__ == "__main__":
    main()
