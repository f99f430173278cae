"""Benchmark the annual report: the city's 2025 report over 100,000 publications and 10,000
requests.

A child process builds a fresh database (migrate, the Changsha divisions and the publication
types, one city catalog entry), writes a year of the city's data in bulk (100,000 published
items of the report's source types and others, a tenth of the 规范性文件 repealed with their
events, 10,000 依申请公开 requests of every applicant kind and reply, some carried over from
2024 or into 2026), then computes the city's report ``--repeat`` times. It prints the median
and fastest time of ``disclosure.report.compute.compute``, its query count (the same at any
size: three), and the time of the checks and of the XLSX and PDF outputs.

Usage: ``python -m bench.annual_report [--db sqlite|postgres|both] [--publications N]
[--requests N] [--repeat N]``.
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

from bench.__main__ import machine, pg_available
from bench.freshdb import fresh_database

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025
# Shares of the generated publications by type (the rest are 工作动态, not counted).
TYPE_SHARES = (("guifanxing", 0.05), ("xuke", 0.45), ("chufa", 0.30), ("dongtai", 0.20))


def build(publications: int, requests: int) -> tuple:
    """Write the data; return (report, seconds spent)."""
    import datetime as dt
    import random

    from django.conf import settings
    from django.utils import timezone

    from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
    from catalog.reference import channels_load, domains_load
    from catalog.services import entry_create
    from disclosure.models import AnnualReport
    from disclosure.report import layout
    from districts.models import Division
    from districts.services import divisions_load
    from foi.models import ApplicantKind, InfoRequest
    from publications.models import Publication, PublicationEvent, PublicationType
    from publications.reference import themes_load, types_load
    from tests.factories import UserFactory

    start = time.perf_counter()
    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    types_load(path=settings.FIXTURES_DIR / "publication_types.csv")
    themes_load(path=settings.FIXTURES_DIR / "themes.csv")
    city = Division.objects.get(code="430100")
    domain = Domain.objects.get(name="社会救助")
    first = FirstLevelItem.objects.create(domain=domain, name="最低生活保障")
    item = SecondLevelItem.objects.create(first_level=first, name="低保资金发放")
    entry = entry_create(
        division=city, item=item, values={"time_limit": "20个工作日内", "subject": "市"}, user=None
    )
    entry = CatalogEntry.objects.get(pk=entry.pk)
    author = UserFactory(username="bench-author")
    types = dict(PublicationType.objects.values_list("slug", "pk"))
    rng = random.Random(2026)
    slugs = [s for s, _ in TYPE_SHARES]
    weights = [w for _, w in TYPE_SHARES]
    batch, repealed = [], []
    for i in range(publications):
        slug = rng.choices(slugs, weights)[0]
        formed = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randint(-200, 364))
        stamp = timezone.make_aware(dt.datetime.combine(formed, dt.time(10)))
        policy = slug == "guifanxing"
        gone = policy and rng.random() < 0.1
        batch.append(
            Publication(
                entry=entry,
                division=city,
                title=f"压测{i:06d}",
                formed_on=formed,
                responsible_body="长沙市",
                pub_type_id=types[slug],
                status=Publication.Status.PUBLISHED,
                published_at=stamp,
                index_no=f"BENCH-{i:06d}",
                validity=(
                    Publication.Validity.REPEALED
                    if gone
                    else Publication.Validity.CURRENT
                    if policy
                    else ""
                ),
                created_by=author,
                is_demo=True,
            )
        )
        if len(batch) == 5000:
            created = Publication.objects.bulk_create(batch)
            repealed += [p for p in created if p.validity == Publication.Validity.REPEALED]
            batch = []
    created = Publication.objects.bulk_create(batch)
    repealed += [p for p in created if p.validity == Publication.Validity.REPEALED]
    events = PublicationEvent.objects.bulk_create(
        [
            PublicationEvent(
                publication=p,
                division=city,
                action=PublicationEvent.Action.VALIDITY,
                changes={"validity": ["现行有效", "已废止"]},
            )
            for p in repealed
        ]
    )
    # Repealed in 2025 or in 2026, half each (created_at is auto_now_add: set afterwards).
    for n, event in enumerate(events):
        when = dt.datetime(YEAR + (n % 2), 6, 1, 10, tzinfo=dt.UTC)
        PublicationEvent.objects.filter(pk=event.pk).update(created_at=when)
    replies = [("open", 1), ("open", 2), ("partial", 0)] + [
        (c, n) for c, reasons in layout.REASONS.items() for n in range(1, len(reasons) + 1)
    ]
    rows = []
    for i in range(requests):
        received = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randint(-60, 364))
        closed = received + dt.timedelta(days=rng.randint(1, 40))
        category, reason = rng.choice(replies)
        rows.append(
            InfoRequest(
                division=city,
                code=f"B{i:09d}",
                applicant_kind=rng.choice(ApplicantKind.values),
                name="申请人",
                id_type="resident",
                id_cipher="x",
                id_tail="0000",
                id_digest=f"{i}",
                phone="13800000000",
                description="压测",
                delivery="email",
                channel="online",
                received_on=received,
                state=InfoRequest.State.CLOSED,
                closed_on=closed,
                reply_category=category,
                reply_reason=reason,
            )
        )
    InfoRequest.objects.bulk_create(rows, batch_size=5000)
    report = AnnualReport.objects.create(
        division=city,
        year=YEAR,
        overview="压测",
        figures={
            **dict.fromkeys(layout.FOUR_KEYS, 0),
            "rules_issued": 0,
            "rules_repealed": 0,
            "rules_in_force": 0,
            "coercion": 0,
            "fee": "0",
        },
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return AnnualReport.objects.select_related("division").get(pk=report.pk), (
        time.perf_counter() - start
    )


def child(publications: int, requests: int, repeat: int) -> dict:
    """Build the data and time the report (runs in its own process); return the figures."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from disclosure.report import checks, compute, exports

    call_command("migrate", verbosity=0)
    report, built = build(publications, requests)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            snapshot = compute.compute(report)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    problems = checks.problems(snapshot)
    checked = time.perf_counter() - started
    report.snapshot = snapshot
    started = time.perf_counter()
    xlsx = exports.xlsx_bytes(report)
    xlsx_s = time.perf_counter() - started
    started = time.perf_counter()
    pdf = exports.pdf_bytes(report)
    pdf_s = time.perf_counter() - started
    return {
        "vendor": connection.vendor,
        "built": built,
        "median": statistics.median(times),
        "fastest": min(times),
        "queries": len(queries),
        "checks": checked,
        "problems": len(problems),
        "xlsx": xlsx_s,
        "xlsx_kib": len(xlsx) / 1024,
        "pdf": pdf_s,
        "pdf_kib": len(pdf) / 1024,
        "new": snapshot["three"]["new"]["total"],
        "closed": snapshot["three"]["closed_total"]["total"],
        "licence": snapshot["two"]["licence"]["value"],
        "normative_repealed": snapshot["two"]["normative_repealed"]["value"],
    }


def run(db: str, args) -> dict:
    env = {
        **os.environ,
        "ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
    }
    with fresh_database(db, "bench_annual") as url:
        env["DATABASE_URL"] = url
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.annual_report",
                "--child",
                "--publications",
                str(args.publications),
                "--requests",
                str(args.requests),
                "--repeat",
                str(args.repeat),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"the {db} child failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--publications", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.publications, args.requests, args.repeat)))
        return
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in dbs and not pg_available():
        print("(PostgreSQL is not reachable on 127.0.0.1:5432: skipped)")
        dbs.remove("postgres")
    print("\n".join(machine()))
    print(
        f"the city's {YEAR} report: {args.publications:,} publications, "
        f"{args.requests:,} requests, {args.repeat} runs"
    )
    print()
    print("| db | compute median | fastest | queries | checks | xlsx | pdf | data built in |")
    print("|---|---|---|---|---|---|---|---|")
    for db in dbs:
        r = run(db, args)
        print(
            f"| {r['vendor']} | {r['median'] * 1000:.0f} ms | {r['fastest'] * 1000:.0f} ms "
            f"| {r['queries']} | {r['checks'] * 1000:.1f} ms | {r['xlsx'] * 1000:.0f} ms "
            f"({r['xlsx_kib']:.0f} KiB) | {r['pdf'] * 1000:.0f} ms ({r['pdf_kib']:.0f} KiB) "
            f"| {r['built']:.0f} s |"
        )
        print(
            f"  figures: 本年新收 {r['new']:,}, 办结 {r['closed']:,}, 行政许可 {r['licence']:,}, "
            f"规范性文件本年废止 {r['normative_repealed']:,}; failed checks {r['problems']}"
        )


if __name__ == "__main__":
    main()
