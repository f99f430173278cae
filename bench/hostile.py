"""Import hostile workbooks, each in a fresh process, and print what became of each.

Every case of ``tests/catalog/hostile_workbooks.py`` (the zip bombs, DTDs, huge references and
ranges, malformed numbers, lying sizes …), the empty-rows bomb as it was reported (6 million
numbered rows, deflated as written rather than repeated), a workbook of long distinct texts,
and the benchmark's 100,000-line standard workbook (``bench/workbooks.py``) as the control.
Each is imported by ``import_catalog`` into the city's catalog in a new interpreter on a fresh
copy of a migrated SQLite database, under a 2 GiB address-space cap and a wall-clock alarm.
The table gives the outcome and its message, the import's seconds (inside the child, setup
excluded), the child's peak resident memory (its VmHWM, Django's setup included) and whether
anything was written. A case over 300 MiB (the control: over 500 MiB, the import benchmark's
target), killed, crashed, answering otherwise than expected, or writing when it should not is
flagged.

Usage: ``python -m bench.hostile [--cases NAME,NAME] [--skip-100k]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import machine
from bench.workbooks import standard_channels
from tests.catalog import hostile_workbooks as hw

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "portal.settings"
LIMIT_MIB = hw.PEAK_MIB
CONTROL_LIMIT_MIB = 500  # bench/__main__.py's target for the same import
CONTROL = "catalog_100k"
CONTROL_TIMEOUT = 600


def _numbered_empty_rows() -> bytes:
    """Return the reported bomb: 6 million numbered, formatted empty rows."""
    rows = b"".join(f'<row r="{n}" spans="1:9" s="2"/>'.encode() for n in range(4, 6_000_004))
    return hw.book([(hw.DOMAIN, hw.sheet(hw.catalog_rows(2), rows))])


def _unique_long_texts() -> bytes:
    """Return 3,450 lines whose 公开内容 and 公开依据 are 24,000 characters, each different.

    The last line has an error, so that nothing is kept; the lines before are still written
    inside the transaction, as an import does.
    """
    sheets = []
    titles = (hw.DOMAIN, "城乡规划", "公共资源交易")
    for s, title in enumerate(titles):
        rows = [hw.row_xml(1, hw.HEADINGS)]
        for i in range(1150):
            tag = f"{s}-{i:05d}"
            values = [i + 1, "项目审批", f"审批{tag}", "字" * 24_000 + tag, "依" * 24_000 + tag]
            rows.append(hw.row_xml(2 + i, [*values, "时限", "主体", "政府网站"]))
        if s == len(titles) - 1:
            rows.append(hw.row_xml(1152, [1151, "项目审批"]))  # no second-level item
        body = hw.sheet(b"".join(rows))
        part = hw.Part.deflated(f"xl/worksheets/sheet{s + 1}.xml", body, pad_to_ratio=90)
        sheets.append((title, part))
    return hw.book(sheets)


EXTRA = {
    "six_million_numbered_rows": hw.Case(
        _numbered_empty_rows,
        "errors",
        ("行号“1048577”超出行数上限",),
        "6 million numbered empty rows, deflated as written",
    ),
    "unique_long_texts": hw.Case(
        _unique_long_texts,
        "errors",
        ("第1152行“二级事项”列：缺少二级事项名称。",),
        "3,450 lines of two distinct 24,000-character texts (the importer cached each)",
    ),
}


def write_control(path: Path, template: Path) -> None:
    """Write the 100,000-line standard workbook in a process of its own (bench/workbooks.py)."""
    fixtures = ROOT / "fixtures"
    with (fixtures / "domains.csv").open(encoding="utf-8", newline="") as handle:
        domains = [r["name"] for r in sorted(csv.DictReader(handle), key=lambda r: int(r["order"]))]
    env = hw._environment(template, SETTINGS)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.workbooks",
            str(path),
            "100000",
            json.dumps(domains, ensure_ascii=False),
            json.dumps(standard_channels(), ensure_ascii=False),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def verdict(case: hw.Case | None, done: hw.Outcome) -> str:
    """Return "ok", or what is wrong with the outcome."""
    wrong = []
    if done.exit != 0:
        wrong.append(f"exit {done.exit}")
    expected = case.outcome if case else "imported"
    if done.outcome != expected:
        wrong.append(f"{done.outcome}, not {expected}")
    if case and not all(text in done.message for text in case.expect):
        wrong.append("other message")
    limit = LIMIT_MIB if case is not None else CONTROL_LIMIT_MIB
    if done.peak_mib > limit:
        wrong.append(f"OVER {limit} MiB")
    if (expected == "imported") != bool(done.changed):
        wrong.append(f"written {done.changed}" if done.changed else "nothing written")
    return "; ".join(wrong) or "ok"


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--skip-100k", action="store_true", help="leave out the control")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    cases = {**{n: c for n, c in hw.CASES.items() if c.bench}, **EXTRA}
    names = list(cases) + ([] if args.skip_100k else [CONTROL])
    if args.cases:
        wanted = [n.strip() for n in args.cases.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise SystemExit(f"unknown cases: {', '.join(unknown)}; choose from {', '.join(names)}")
        names = wanted
    os.environ["ALLOW_INSECURE_KEY"] = "1"
    print("\n".join(machine()))
    print(f"limits  : address space {hw.ADDRESS_SPACE / 2**30:.0f} GiB, alarm {hw.TIMEOUT} s")
    print()
    header = (
        f"{'case':<34} {'file MiB':>9} {'outcome':<8} {'import s':>8} {'peak MiB':>9} "
        f"{'verdict':<10} message"
    )
    print(header)
    print("-" * (len(header) + 50))
    flagged = []
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as directory:
        directory = Path(directory)
        template = hw.template_database(directory, SETTINGS)
        for name in names:
            path = directory / f"{name}.xlsx"
            case = cases.get(name)
            timeout = hw.TIMEOUT
            if case is None:
                write_control(path, template)
                timeout = CONTROL_TIMEOUT
            else:
                path.write_bytes(case.build())
            started = time.perf_counter()
            done = hw.run_fresh(path, template, directory, timeout=timeout, settings=SETTINGS)
            seconds = done.result["seconds"] if done.result else time.perf_counter() - started
            if done.outcome == "imported":
                message = f"{done.changed.get('catalog_catalogentry', 0):,} entries written"
            else:
                message = done.message
            result = verdict(case, done)
            if result != "ok":
                flagged.append(name)
            print(
                f"{name:<34} {path.stat().st_size / 2**20:>9.2f} {done.outcome:<8} "
                f"{seconds:>8.2f} {done.peak_mib:>9.1f} {shorten(result, 10):<10} "
                f"{shorten(message, 90)}"
            )
            path.unlink()
    print()
    print(
        "import s: the import alone, inside the child; peak MiB: the child's peak resident "
        "memory (VmHWM), Django's setup (about 75 MiB) included."
    )
    print(
        "outcome: refused (WorkbookError), errors (a report with errors, nothing written), "
        "imported; verdict: ok, or what differs from the expected outcome and message, a peak "
        f"over {LIMIT_MIB} MiB, or a write."
    )
    if flagged:
        print(f"FLAGGED: {', '.join(flagged)}")
        raise SystemExit(1)
    print(f"all {len(names)} cases ok.")


if __name__ == "__main__":
    main()
