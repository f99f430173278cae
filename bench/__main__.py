"""Run the benchmarks and print a table with the machine's details.

Each measurement runs in a fresh child process on a fresh database, so that neither caches
nor memory from one run colour the next. Two sets of cases: ``derive`` (derive the districts'
and townships' catalogs from the city's) and ``import`` (import generated standard workbooks of
1,542 and 100,000 lines, against django-import-export's default path and a plain bulk_create
of the same 1,542 lines).

Usage: ``python -m bench [--repeat N] [--db sqlite|postgres|both] [--cases derive,import,export]``.
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
CASE_SETS = {
    "derive": ("derive", "derive_half", "bulk_create"),
    "import": ("import_1542", "ie_default_1542", "bulk_create_1542", "import_100k"),
    "export": ("export_city",),
}
CASE_NAMES = {
    "derive": "derive 9 districts + 170 townships (service)",
    "derive_half": "the same from a half-size city catalog",
    "bulk_create": "plain bulk_create of the same rows",
    "import_1542": "import_catalog, 1,542-line workbook",
    "ie_default_1542": "import-export default path, same 1,542",
    "bulk_create_1542": "plain bulk_create of the same 1,542 rows",
    "import_100k": "import_catalog, 100,000-line workbook",
    "export_city": "export the 1,542-entry city catalog (xlsx)",
}
WORKBOOK_NAMES = {"import_1542": "1,542 lines", "import_100k": "100,000 lines"}
# (numerator, denominator, label, target ratio or None)
RATIOS = {
    # Deriving (ties to guides included) must stay far below writing the rows plainly, and grow
    # linearly: twice the catalog, about twice the time (quadratic would be 4x).
    "derive": [
        ("derive", "bulk_create", "ratio derive / bulk_create", 0.3),
        ("derive", "derive_half", "growth: full / half-size catalog", 2.5),
    ],
    "import": [
        ("import_1542", "ie_default_1542", "ratio import / import-export default", None),
        ("import_1542", "bulk_create_1542", "ratio import / bulk_create", 2.0),
    ],
    "export": [],
}
# Deriving the later half of the divisions may take at most this much longer than the first
# half (linear: about 1; a refresh of everything after each division: about 3).
HALVES_TARGET = 1.5
# case: (seconds, peak MiB or None)
TARGETS = {"import_1542": (3.0, None), "import_100k": (60.0, 500.0)}


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


def parse_sets(text: str) -> list[str]:
    sets = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in sets if part not in CASE_SETS]
    if unknown or not sets:
        raise argparse.ArgumentTypeError(
            f"unknown case set {', '.join(unknown) or text!r}; choose from {', '.join(CASE_SETS)}"
        )
    return sets


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--cases",
        type=parse_sets,
        default=list(CASE_SETS),
        help="comma-separated case sets: derive, import, export (default: all)",
    )
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
    cases = [case for name in CASE_SETS if name in args.cases for case in CASE_SETS[name]]
    print("\n".join(machine()))
    header = (
        f"{'database':<11} {'case':<42} {'median s':>9} {'runs s':>24} {'peak MiB':>9} {'rows':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    workbooks: dict[str, float] = {}
    for label, url in dbs:
        results: dict[str, list[dict]] = {}
        for _ in range(args.repeat):
            # Alternate the cases so that machine noise falls on all alike.
            for case in cases:
                results.setdefault(case, []).append(run_child(case, url))
        medians = {}
        for case, runs in results.items():
            times = [r["seconds"] for r in runs]
            medians[case] = statistics.median(times)
            peak = max(r["peak_mib"] for r in runs)
            line = (
                f"{label:<11} {CASE_NAMES[case]:<42} {medians[case]:>9.2f} "
                f"{' '.join(f'{t:.2f}' for t in times):>24} "
                f"{peak:>9.1f} {runs[0]['rows']:>8}"
            )
            if case in TARGETS:
                seconds, mib = TARGETS[case]
                line += f"   target < {seconds:.0f} s: {verdict(medians[case] < seconds)}"
                if mib is not None:
                    line += f", < {mib:.0f} MiB: {verdict(peak < mib)}"
            print(line)
            if "file_mib" in runs[0]:
                print(f"{'':<11} {'  exported workbook size':<42} {runs[0]['file_mib']:>9.2f} MiB")
            if "workbook_mib" in runs[0]:
                workbooks[case] = runs[0]["workbook_mib"]
        if "derive" in results:
            halves = [r["halves_s"] for r in results["derive"] if "halves_s" in r]
            if halves:
                later = statistics.median(b / a for a, b in halves)
                line = f"{label:<11} {'growth: later / first half of divisions':<42} {later:>9.2f}"
                print(line + f"   target <= {HALVES_TARGET:g}: {verdict(later <= HALVES_TARGET)}")
        for name in args.cases:
            for top, bottom, text, target in RATIOS[name]:
                ratio = medians[top] / medians[bottom]
                line = f"{label:<11} {text:<42} {ratio:>9.2f}"
                if target is not None:
                    line += f"   target <= {target:g}: {verdict(ratio <= target)}"
                print(line)
    print()
    print("peak MiB: the process's peak resident memory (ru_maxrss), setup included.")
    if "import" in args.cases:
        sizes = "; ".join(f"{WORKBOOK_NAMES[c]} {mib:.2f} MiB" for c, mib in workbooks.items())
        print(f"workbooks: {sizes} (written untimed, by a separate process, before each run).")
        print(
            "import-export default: ModelResource.import_data(dry_run=False, use_transactions=True)"
        )
        print(
            "  of a flat Dataset (division by code, item by pk, scalar elements, flags, channels);"
        )
        print("  it and bulk_create get their first- and second-level items created beforehand,")
        print("  untimed; import_catalog creates them itself, timed.")


if __name__ == "__main__":
    main()
