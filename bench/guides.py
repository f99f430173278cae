"""Benchmark the guide sync against the provincial simulator, and the same sync done naively.

For each database, a child process builds a fresh database (migrate, reference data) and
starts the simulator as its own process (``run_provincial_simulator``, the full 4,500 guides),
so that the server does not share the client's interpreter. It then times:

- the full sync into an empty table (wall time, requests, rows written),
- an unchanged re-sync (wall time, rows written, time spent in the database),
- the naive sync: one request at a time and ``update_or_create`` per guide, into an empty
  table, and its unchanged re-sync; and the ratios naive / ours,

first with the simulator answering at once, then with 20 ms of latency per call (the real
platform is slower than a local process), where concurrency matters.

Usage: ``python -m bench.guides [--db sqlite|postgres|both] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.freshdb import fresh_database

ROOT = Path(__file__).resolve().parent.parent
LATENCIES_MS = (0, 20)


class DbMeter:
    """Count rows written to the guides table and the time spent in the database."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.rows_written = 0
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.statements += 1
            head = sql.lstrip()[:12].upper()
            if "guides_guide" in sql and head.startswith("INSERT"):
                # One row per INSERT here (no bulk inserts); rowcount is -1 with RETURNING.
                self.rows_written += 1
            elif "guides_guide" in sql and head.startswith(("UPDATE", "DELETE")):
                self.rows_written += max(context["cursor"].rowcount, 0)


@contextmanager
def metered():
    from django.db import connection

    meter = DbMeter()
    with connection.execute_wrapper(meter):
        yield meter


def naive_sync(base_url: str) -> dict:
    """Sync the way a first version would: one call at a time, update_or_create per guide."""
    import httpx
    from django.utils import timezone

    from guides.client import parse_envelope
    from guides.models import Guide
    from guides.normalise import guide_record, record_hash

    requests = 0

    def call(client, action, inner):
        nonlocal requests
        requests += 1
        response = client.post("/hnywtb/anony", params={"action": action, "url": inner})
        ok, data, reason = parse_envelope(response.status_code, response.content)
        if not ok:
            raise RuntimeError(reason)
        return data

    audiences: dict[str, set[str]] = {}
    with httpx.Client(base_url=base_url, timeout=20, trust_env=False) as client:
        for audience in ("1", "2"):
            page = 1
            while True:
                query = json.dumps({"type": audience, "unifyName": "", "ztfl": "", "areaCode": ""})
                data = call(
                    client,
                    "toCatalogHttpPost",
                    f"/unifyTaskToWt/getUnifyTaskByPage?page={page}&rows=100&data={query}",
                )
                if not data["contents"]:
                    break
                for row in data["contents"]:
                    audiences.setdefault(row["unifyId"], set()).add(audience)
                page += 1
        now = timezone.now()
        for unify_id in sorted(audiences):
            detail = call(
                client, "toCatalogHttpGet", f"/unifyTaskToWt/getUnifyTaskInfo?unifyId={unify_id}"
            )
            record = guide_record(
                detail, unify_id=unify_id, audiences=sorted(audiences[unify_id]), base_url=base_url
            )
            Guide.objects.update_or_create(
                unify_id=unify_id,
                defaults={
                    **{k: v for k, v in record.items() if k != "unify_id"},
                    "content_hash": record_hash(record),
                    "status": Guide.Status.ACTIVE,
                    "changed_at": now,
                },
                create_defaults={
                    **{k: v for k, v in record.items() if k != "unify_id"},
                    "content_hash": record_hash(record),
                    "first_synced_at": now,
                    "changed_at": now,
                },
            )
    return {"requests": requests, "guides": len(audiences)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def simulator(latency_ms: int):
    """Run the simulator in its own process and yield its base URL."""
    import httpx

    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_provincial_simulator",
            "--port",
            str(port),
            "--latency-ms",
            str(latency_ms),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/__simulator__/state", timeout=1, trust_env=False)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the simulator did not start within 10 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _recorder(figures: dict[str, list]):
    def record(key: str, value) -> None:
        figures.setdefault(key, []).append(value)

    return record


def child(repeat: int) -> dict:
    """Time the syncs (runs in its own process, on the database in DATABASE_URL)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from guides.models import Guide, SyncRun
    from guides.sync import sync_full

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    results = []
    for latency in LATENCIES_MS:
        rounds = repeat if latency == 0 else 1
        figures: dict[str, list] = {}
        record = _recorder(figures)

        with simulator(latency) as base:
            settings.PROVINCIAL_PUBLIC_URL = base
            for _ in range(rounds):
                Guide.objects.all().delete()
                SyncRun.objects.all().delete()
                with metered() as meter:
                    start = time.perf_counter()
                    run = sync_full(trigger="command", base_url=base)
                    record("full_s", time.perf_counter() - start)
                assert run.status == SyncRun.Status.SUCCEEDED, run.message
                record("full_requests", run.requests)
                record("full_rows", meter.rows_written)
                record("full_db_s", meter.seconds)
                record("guides", Guide.objects.count())

                with metered() as meter:
                    start = time.perf_counter()
                    again = sync_full(trigger="command", base_url=base)
                    record("resync_s", time.perf_counter() - start)
                assert again.unchanged == run.created
                record("resync_rows", meter.rows_written)
                record("resync_db_s", meter.seconds)

                Guide.objects.all().delete()
                with metered() as meter:
                    start = time.perf_counter()
                    naive = naive_sync(base)
                    record("naive_s", time.perf_counter() - start)
                record("naive_requests", naive["requests"])
                record("naive_rows", meter.rows_written)
                with metered() as meter:
                    start = time.perf_counter()
                    naive_sync(base)
                    record("naive_resync_s", time.perf_counter() - start)
                record("naive_resync_rows", meter.rows_written)
                record("naive_resync_db_s", meter.seconds)
        results.append(
            {
                "latency_ms": latency,
                "rounds": rounds,
                **figures,
            }
        )
    return {"results": results}


def run(db: str, repeat: int) -> dict:
    env = {
        **os.environ,
        "ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("REDIS_URL", None)
    with fresh_database(db, "bench_guides") as url:
        env["DATABASE_URL"] = url
        out = subprocess.run(
            [sys.executable, "-m", "bench.guides", "--child", str(repeat)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"guide sync benchmark failed on {db}:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(values) -> float:
    return statistics.median(values)


def _runs(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
        return
    from bench.__main__ import machine, pg_available

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in dbs and not pg_available():
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer.")
    print("\n".join(machine()))
    print(
        "guide sync against the simulator in its own process on 127.0.0.1 "
        "(targets: full < 30 s; unchanged re-sync 0 rows written, < 5 s in the database)"
    )
    for db in dbs:
        data = run(db, args.repeat)
        print(f"\n[{db}]")
        print(
            "| latency | guides | full sync s (runs) | requests | rows written "
            "| re-sync s | re-sync rows | re-sync DB s | naive full s | naive requests "
            "| naive re-sync s | naive re-sync rows | naive/ours full | naive/ours re-sync |"
        )
        print("|" + "---|" * 14)
        for r in data["results"]:
            full, resync = _median(r["full_s"]), _median(r["resync_s"])
            naive, naive_resync = _median(r["naive_s"]), _median(r["naive_resync_s"])
            print(
                f"| {r['latency_ms']} ms | {r['guides'][0]:,} | {full:.2f} ({_runs(r['full_s'])}) "
                f"| {r['full_requests'][0]:,} | {r['full_rows'][0]:,} "
                f"| {resync:.2f} | {max(r['resync_rows'])} | {_median(r['resync_db_s']):.3f} "
                f"| {naive:.2f} | {r['naive_requests'][0]:,} | {naive_resync:.2f} "
                f"| {max(r['naive_resync_rows']):,} | {naive / full:.2f} "
                f"| {naive_resync / resync:.2f} |"
            )


if __name__ == "__main__":
    main()
