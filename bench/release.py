"""Benchmark 定时发布: how late a real worker's beat releases scheduled publications.

A child process builds a fresh PostgreSQL database (migrate, the Changsha divisions, a catalog
derived to 芙蓉区 and 文艺路街道 and published, an editor and a reviewer), starts a real Celery
worker with an embedded beat (``-B``) on Redis, with PUBLICATION_RELEASE_INTERVAL at the
production default of 20 s unless ``--interval`` says otherwise. (Production runs the beat as a
service of its own, docker-compose.yml; the schedule and the job it sends are the same.)
It then files N publications through the approval path with release times spread evenly over
``--spread`` seconds (so that they fall at every phase of the beat's interval),
waits until all are released, and reports the lag ``published_at − release_at``: median, 95th
percentile and maximum, against the target of the issue — released "within a minute of the
time" (max lag ≤ 60 s).

Usage: ``python -m bench.release [--count N] [--spread S] [--interval S]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.freshdb import fresh_database

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/13"
TARGET_SECONDS = 60.0
# Release times start this far after the worker is ready: filing N items must finish first.
LEAD_SECONDS = 10.0
RELEASE_TASK = "publications.tasks.release_scheduled"
SUCCEEDED = re.compile(re.escape(RELEASE_TASK) + r"\[[^\]]+\] succeeded in ([0-9.e-]+)s: (\d+)")
FAILED = re.compile(r"ERROR/MainProcess\] Task ([\w.]+)\[")


def redis_answers() -> bool:
    """Return whether the Redis the worker uses answers a ping."""
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def build_office():
    """Load the reference data and a published township catalog; return (entry, editor,
    reviewer)."""
    from django.conf import settings

    from catalog.models import CatalogEntry, Domain, FirstLevelItem, SecondLevelItem
    from catalog.reference import channels_load, domains_load
    from catalog.review import catalog_publish_as_loaded
    from catalog.services import catalog_derive, entry_create
    from districts.models import Division, Role
    from districts.services import divisions_load, membership_grant
    from publications.reference import themes_load, types_load
    from tests.factories import UserFactory
    from workcalendar.services import calendar_seed_from_package

    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    types_load(path=settings.FIXTURES_DIR / "publication_types.csv")
    themes_load(path=settings.FIXTURES_DIR / "themes.csv")
    calendar_seed_from_package()
    city = Division.objects.get(code="430100")
    furong = Division.objects.get(code="430102")
    wenyilu = Division.objects.get(code="430102001")
    domain = Domain.objects.get(name="社会救助")
    first = FirstLevelItem.objects.create(domain=domain, name="最低生活保障")
    item = SecondLevelItem.objects.create(first_level=first, name="低保资金发放")
    entry_create(
        division=city,
        item=item,
        values={"time_limit": "制定或获取信息之日起10个工作日内", "subject": "市民政局"},
        user=None,
    )
    catalog_derive(division=furong, user=None)
    catalog_derive(division=wenyilu, user=None)
    catalog_publish_as_loaded(entry_ids=list(CatalogEntry.objects.values_list("pk", flat=True)))
    # An address of the submitter's: the worker mails them on release, as it would in production.
    editor = UserFactory(username="bench-editor", email="bench-editor@example.test", is_staff=True)
    reviewer = UserFactory(username="bench-reviewer", is_staff=True)
    membership_grant(user=editor, division=wenyilu, role=Role.EDITOR)
    membership_grant(user=reviewer, division=furong, role=Role.REVIEWER)
    return CatalogEntry.objects.get(division=wenyilu, item=item), editor, reviewer


def wait_until(predicate, timeout: float, what: str, log: Path) -> None:
    """Return once ``predicate()`` is true; exit with the worker log after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    text = log.read_text()
    raise SystemExit(f"{what} did not happen within {timeout:.0f} s; worker log:\n{text}")


def child(count: int, spread: float, interval: float) -> dict:
    """Build the data, run a worker with its beat, schedule and wait; return the figures."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from publications import services
    from publications.models import Publication, PublicationEvent
    from tests.celery_worker import start_worker

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    entry, editor, reviewer = build_office()
    setup_s = time.perf_counter() - started

    folder = Path(tempfile.mkdtemp(prefix="bench-release-"))
    log = folder / "worker.log"
    queue = f"bench-release-{uuid.uuid4().hex[:12]}"
    process = start_worker(
        queue,
        log,
        extra_args=["-B", "-s", str(folder / "beat-schedule")],
        PUBLICATION_RELEASE_INTERVAL=str(interval),
    )
    try:
        wait_until(lambda: "ready." in log.read_text(), 60, "the worker to start", log)
        first = timezone.now() + dt.timedelta(seconds=LEAD_SECONDS)
        step = spread / max(count - 1, 1)
        filing = time.perf_counter()
        ids = []
        for n in range(count):
            item = services.publication_create(
                entry=entry,
                data={
                    "title": f"低保资金发放公示（定时发布 {n + 1:02d}）",
                    "formed_on": "2026-11-02",
                    "release_at": first + dt.timedelta(seconds=n * step),
                },
                user=editor,
            )
            services.publication_submit(publication=item, user=editor)
            services.publication_approve(publication=item, user=reviewer)
            ids.append(item.pk)
        filing_s = time.perf_counter() - filing
        waiting = Publication.objects.filter(pk__in=ids)
        scheduled = waiting.filter(status=Publication.Status.SCHEDULED).count()
        if scheduled != count:
            raise SystemExit(f"only {scheduled} of {count} publications were scheduled")
        # The last release time, then at most one interval, with room for a slow run.
        bound = LEAD_SECONDS + spread + 3 * interval + 30
        wait_until(
            lambda: not waiting.exclude(status=Publication.Status.PUBLISHED).exists(),
            bound,
            f"the release of all {count} publications",
            log,
        )
        # One more run, to show it finds nothing left to release.
        runs = len(SUCCEEDED.findall(log.read_text()))
        wait_until(
            lambda: len(SUCCEEDED.findall(log.read_text())) > runs,
            interval + 30,
            "one more release job",
            log,
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    rows = list(waiting.values_list("pk", "release_at", "published_at"))
    lags = sorted((published - release).total_seconds() for _, release, published in rows)
    events = PublicationEvent.objects.filter(
        publication_id__in=ids, action=PublicationEvent.Action.RELEASE
    )
    text = log.read_text()
    runs = [(float(seconds), int(released)) for seconds, released in SUCCEEDED.findall(text)]
    failures: dict[str, int] = {}
    for task in FAILED.findall(text):
        failures[task] = failures.get(task, 0) + 1
    return {
        "count": count,
        "spread": spread,
        "interval": interval,
        "setup_s": setup_s,
        "filing_s": filing_s,
        "lags": lags,
        "release_events": events.count(),
        "published_once": len({e.publication_id for e in events}),
        "runs": len(runs),
        "runs_releasing": sum(1 for _, released in runs if released),
        "released_by_runs": sum(released for _, released in runs),
        "run_median_ms": statistics.median(s for s, _ in runs) * 1000,
        "run_max_ms": max(s for s, _ in runs) * 1000,
        "failures": failures,
    }


def run(count: int, spread: float, interval: float) -> dict:
    """Run the child on a fresh PostgreSQL database; return its figures."""
    env = {
        **os.environ,
        "ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
    }
    # The benchmark process runs its own tasks in-process; only the worker talks to Redis.
    env.pop("REDIS_URL", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    with fresh_database("postgres", "bench_release") as url:
        env["DATABASE_URL"] = url
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.release",
                "--child",
                "--count",
                str(count),
                "--spread",
                str(spread),
                "--interval",
                str(interval),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"release benchmark failed:\n{out.stdout[-3000:]}\n{out.stderr[-8000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of sorted ``values``."""
    return values[max(math.ceil(share * len(values)) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--spread", type=float, default=90.0, help="seconds")
    parser.add_argument(
        "--interval", type=float, default=20.0, help="PUBLICATION_RELEASE_INTERVAL, seconds"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.count, args.spread, args.interval)))
        return
    from bench.__main__ import machine, pg_available

    if not pg_available():
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer.")
    if not redis_answers():
        raise SystemExit(f"Redis at {REDIS} does not answer.")
    data = run(args.count, args.spread, args.interval)
    lags = data["lags"]
    worst = max(lags)
    default = " (the production default)" if args.interval == 20.0 else ""
    print("\n".join(machine()))
    print(
        f"定时发布 on PostgreSQL: one solo-pool Celery worker with its embedded beat on Redis; "
        f"PUBLICATION_RELEASE_INTERVAL {data['interval']:g} s{default}"
    )
    print(
        f"{data['count']} publications approved with release times spread over "
        f"{data['spread']:g} s (one every {data['spread'] / max(data['count'] - 1, 1):.1f} s); "
        f"setup {data['setup_s']:.0f} s and filing {data['filing_s']:.1f} s untimed"
    )
    print()
    header = (
        f"{'interval s':>10} {'released':>9} {'median lag s':>13} {'p95 lag s':>10} "
        f"{'max lag s':>10} {'min lag s':>10}  target (max)  verdict"
    )
    print(header)
    print("-" * len(header))
    verdict = "met" if worst <= TARGET_SECONDS else "MISSED"
    print(
        f"{data['interval']:>10g} {len(lags):>4}/{data['count']:<4} "
        f"{statistics.median(lags):>13.1f} {percentile(lags, 0.95):>10.1f} {worst:>10.1f} "
        f"{min(lags):>10.1f}  ≤ {TARGET_SECONDS:.0f} s        {verdict}"
    )
    print()
    print("lag = published_at − release_at, read from the database after the run.")
    print(
        f"release job: {data['runs']} runs, {data['runs_releasing']} of them released "
        f"{data['released_by_runs']} items; each run took median {data['run_median_ms']:.0f} ms, "
        f"max {data['run_max_ms']:.0f} ms."
    )
    print(
        f"RELEASE events: {data['release_events']} for {data['published_once']} publications "
        f"(one each: {'yes' if data['release_events'] == data['published_once'] else 'NO'})."
    )
    if data["failures"]:
        failed = ", ".join(f"{task} × {n}" for task, n in sorted(data["failures"].items()))
        print(f"tasks that failed in the worker (not the release itself): {failed}")
    else:
        print("no task failed in the worker.")


if __name__ == "__main__":
    main()
