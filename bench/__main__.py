"""Run the benchmarks and print a table with the machine's details.

Each measurement runs in a fresh child process on a fresh database, so that neither caches
nor memory from one run colour the next. Usage: ``python -m bench [--repeat N] [--db ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def machine() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return [
        f"machine : {platform.machine()} · {cpu} · {os.cpu_count()} cores · {mem}",
        f"system  : {platform.platform()}",
        f"python  : {platform.python_version()}",
    ]


def run_child(case: str, database_url: str | None) -> dict:
    env = {**os.environ, "ALLOW_INSECURE_KEY": "1", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    out = subprocess.run(
        [sys.executable, "-m", "bench.cases", case],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark case {case} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres").close()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    dbs = []
    if args.db in ("sqlite", "both"):
        dbs.append(("SQLite", None))
    if args.db in ("postgres", "both"):
        if pg_available():
            dbs.append(("PostgreSQL", PG_URL))
        elif args.db == "postgres":
            raise SystemExit("PostgreSQL on 127.0.0.1:5432 does not answer.")
    print("\n".join(machine()))
    header = (
        f"{'database':<11} {'case':<42} {'median s':>9} {'runs s':>24} {'peak MiB':>9} {'rows':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for label, url in dbs:
        results: dict[str, list[dict]] = {}
        for _ in range(args.repeat):
            # Alternate the cases so that machine noise falls on both alike.
            for case in ("derive", "bulk_create"):
                results.setdefault(case, []).append(run_child(case, url))
        medians = {}
        for case, runs in results.items():
            times = [r["seconds"] for r in runs]
            medians[case] = statistics.median(times)
            name = {
                "derive": "derive 9 districts + 170 townships (service)",
                "bulk_create": "plain bulk_create of the same rows",
            }[case]
            print(
                f"{label:<11} {name:<42} {medians[case]:>9.2f} "
                f"{' '.join(f'{t:.2f}' for t in times):>24} "
                f"{max(r['peak_mib'] for r in runs):>9.1f} {runs[0]['rows']:>8}"
            )
        print(
            f"{label:<11} {'ratio derive / bulk_create':<42} "
            f"{medians['derive'] / medians['bulk_create']:>9.2f}"
        )
    print()
    print("peak MiB: the process's peak resident memory (ru_maxrss), setup included.")


if __name__ == "__main__":
    main()
