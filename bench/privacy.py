"""Time the privacy check (个人信息检查) of a 20-page PDF list and a 5,000-row Excel list.

The files are generated first, untimed, by ``tests/publications/privacy_corpus.py`` (seeded):
a 名单公示 whose table carries ID numbers, mobiles, bank cards and home addresses. Each run
then extracts the text (``publications.extract.extract_text``) and scans it
(``publications.privacy.scan``), in this process, the cases alternating so that machine noise
falls on all alike; the table gives the median and the fastest of the runs, split into
extraction and scan. No database and no Django settings are needed.

Usage: ``python -m bench.privacy [--repeat N]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from bench.__main__ import machine
from publications.extract import extract_text
from publications.privacy import scan
from tests.publications import privacy_corpus as corpus

SEED = 2026
PDF_PAGES = 20
XLSX_ROWS = 5_000
DOCX_ROWS = 1_000


def pdf_of_pages(pages: int) -> tuple[bytes, int]:
    """Return a generated list written as a PDF of exactly ``pages`` pages, and its rows."""
    rows = pages * 40
    for _ in range(20):
        document = corpus.generate(SEED, documents=1, rows=rows)[0]
        data, page_of_row = corpus.write_pdf(document)
        total = max(page_of_row.values()) + 1  # the closing lines have a page of their own
        if total == pages:
            return data, rows
        rows += (pages - total) * 30 if abs(pages - total) > 1 else (pages - total) * 5
    raise SystemExit(f"could not lay out a {pages}-page PDF")


def cases() -> list[tuple[str, str, bytes, int]]:
    """Return (label, kind, file, rows) for each case, generated untimed."""
    pdf, pdf_rows = pdf_of_pages(PDF_PAGES)
    xlsx = corpus.write_xlsx(corpus.generate(SEED, documents=1, rows=XLSX_ROWS)[0])
    docx = corpus.write_docx(corpus.generate(SEED, documents=1, rows=DOCX_ROWS)[0])
    return [
        (f"PDF, {PDF_PAGES} pages", "pdf", pdf, pdf_rows),
        (f"xlsx 名单, {XLSX_ROWS:,} rows", "xlsx", xlsx, XLSX_ROWS),
        (f"docx table, {DOCX_ROWS:,} rows", "docx", docx, DOCX_ROWS),
    ]


def run(kind: str, data: bytes) -> dict:
    """Extract and scan once; return the seconds of each step and what was found."""
    start = time.perf_counter()
    extraction = extract_text(data, kind=kind)
    middle = time.perf_counter()
    hits = scan(extraction.pieces, wrapped=kind == "pdf")
    end = time.perf_counter()
    return {
        "extract": middle - start,
        "scan": end - middle,
        "total": end - start,
        "pieces": len(extraction.pieces),
        "chars": extraction.chars,
        "hits": len(hits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(machine()))
    started = time.perf_counter()
    work = cases()
    print(f"files generated in {time.perf_counter() - started:.1f} s (untimed), seed {SEED}")
    results: dict[str, list[dict]] = {label: [] for label, *_ in work}
    for _label, kind, data, _ in work:  # one warm-up run each: imports, regex compilation
        run(kind, data)
    for _ in range(args.repeat):
        for label, kind, data, _ in work:
            results[label].append(run(kind, data))
    print()
    print(
        f"| case | file KiB | rows | pieces | characters | hits | extract median s "
        f"| scan median s | total median s | total min s |   (runs: {args.repeat})"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, _, data, rows in work:
        runs = results[label]
        first = runs[0]

        def median(step: str, runs: list[dict] = runs) -> float:
            return statistics.median(r[step] for r in runs)

        print(
            f"| {label} | {len(data) / 1024:,.0f} | {rows:,} | {first['pieces']:,} "
            f"| {first['chars']:,} | {first['hits']:,} | {median('extract'):.3f} "
            f"| {median('scan'):.3f} | {median('total'):.3f} "
            f"| {min(r['total'] for r in runs):.3f} |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"peak MiB: {peak:.0f} (this process's resident memory, generation included)")
    print("hits: ID numbers, mobiles, bank cards and home addresses found (4 per row, less the")
    print("house-on-a-street addresses the detector leaves alone on purpose).")


if __name__ == "__main__":
    main()
