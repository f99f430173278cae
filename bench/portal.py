"""Benchmark the public portal: server time per page type, search latency, and throughput.

A child process builds a fresh PostgreSQL database (migrate, the demo data, the simulator's guides
synced, ``generate_publications --count N`` with its search index) and then:

- requests each page type ``--requests`` times through Django's test client with the page cache
  off (server time: request in, response out, no network) and reports median and 95th
  percentile and the query count;
- runs 20 Chinese searches 5 times each and reports each one's median and the overall figures;
- serves the portal with gunicorn and loads the district column page with a bounded pool of
  keep-alive connections on 127.0.0.1, uncached and cached (Redis), and the same HTML as a static
  file (WhiteNoise, same gunicorn): requests per second and the ratios.

Usage: ``python -m bench.portal [--count N] [--requests N] [--seconds S]``.
"""

from __future__ import annotations

import argparse
import http.client
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

from bench.freshdb import fresh_database

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "最低生活保障",
    "低保",
    "食品生产许可",
    "建设项目环境影响评价",
    "政府投资项目",
    "招标投标",
    "社会救助",
    "财政预算",
    "义务教育",
    "养老服务",
    "公共法律服务",
    "安全生产",
    "就业创业",
    "医疗保障",
    "户籍管理",
    "农村危房改造",
    "城乡规划",
    "生态环境",
    "公开信息",
    "长沙市芙蓉区",
]


def _timed(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return times


def _summary(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(int(0.95 * len(times)) - 1, 0)] * 1000,
    }


def pages(count: int, requests: int) -> dict:
    """Build the data and time the pages; return the figures (runs in its own process)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import CatalogEntry, Domain
    from districts.models import Division
    from guides.models import Guide
    from provincial_simulator.server import SimulatorServer
    from publications.models import Publication

    t0 = time.perf_counter()
    devnull = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    call_command("load_demo_data", stdout=devnull)
    with SimulatorServer(port=0) as sim:
        settings.PROVINCIAL_PUBLIC_URL = sim.base_url
        call_command("sync_guides", base_url=sim.base_url, stdout=devnull)
    call_command("generate_publications", count=count, stdout=devnull)
    setup = time.perf_counter() - t0

    settings.PUBLIC_CACHE_SECONDS = 0
    # Record each response's template context (the search page's result count).
    from django.test.utils import setup_test_environment

    setup_test_environment()
    district = Division.objects.get(code="430102")
    township = Division.objects.filter(parent=district).order_by("display_order").first()
    entry = (
        CatalogEntry.objects.public()
        .filter(division=district, publications__status="published")
        .order_by("pk")
        .first()
    )
    domain = Domain.objects.get(pk=entry.item.first_level.domain_id)
    publication = Publication.objects.published().filter(division=district).latest("published_at")
    guide = Guide.objects.active().filter(entry_links__isnull=False).first()
    urls = [
        ("首页（市级专栏与地图）", "/"),
        ("市级专栏", Division.objects.root().get_absolute_url()),
        ("区县专栏", district.get_absolute_url()),
        ("乡镇专栏", township.get_absolute_url()),
        ("区县公开信息列表（第 50 页）", f"/d/{district.slug}/publications/?page=50"),
        ("领域目录表", f"/d/{district.slug}/{domain.slug}/"),
        ("事项页", entry.get_absolute_url()),
        ("公开信息页", publication.get_absolute_url()),
        ("办事指南页", guide.get_absolute_url()),
        ("区县 RSS", f"/d/{district.slug}/feed/rss/"),
        ("站点地图（公开信息第 1 页）", "/sitemap-publications.xml"),
    ]
    client = Client()
    results = []
    for label, url in urls:
        _timed(client, url, 5)  # warm up
        times = _timed(client, url, requests)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results.append({"label": label, "url": url, "queries": len(queries), **_summary(times)})

    searches = []
    for query in QUERIES:
        url = f"/search/?q={query}"
        _timed(client, url, 1)
        times = _timed(client, url, 5)
        response = client.get(url)
        searches.append(
            {
                "query": query,
                "times_ms": [t * 1000 for t in times],
                "median_ms": statistics.median(times) * 1000,
                "found": response.context["page"].paginator.count
                if response.context and "page" in response.context
                else None,
            }
        )
    html = client.get(district.get_absolute_url()).content.decode()
    return {
        "publications": Publication.objects.published().count(),
        "entries": CatalogEntry.objects.public().count(),
        "setup_s": setup,
        "results": results,
        "searches": searches,
        "district_url": district.get_absolute_url(),
        "district_html": html,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str, seconds: float, connections: int = 8) -> dict:
    """Request ``path`` over ``connections`` keep-alive connections for ``seconds``."""
    stop = time.monotonic() + seconds
    counts, errors, lock = [0], [0], threading.Lock()
    latencies: list[float] = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done, bad, mine = 0, 0, []
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
                done += 1
                mine.append(time.perf_counter() - start)
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            counts[0] += done
            errors[0] += bad
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "rps": counts[0] / elapsed,
        "errors": errors[0],
        "median_ms": statistics.median(latencies) * 1000 if latencies else None,
    }


def throughput(env: dict, district_url: str, html: str, seconds: float) -> dict:
    """Serve with gunicorn and load the district page uncached, cached and as a static file."""
    results = {}
    with tempfile.TemporaryDirectory() as static_root:
        base = {
            **env,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "ALLOW_INSECURE_KEY": "1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": static_root,
            "REDIS_URL": "redis://127.0.0.1:6379/12",
            "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=base,
            check=True,
        )
        Path(static_root, "bench").mkdir()
        Path(static_root, "bench", "district.html").write_text(html, encoding="utf-8")
        for label, cache_seconds, path in (
            ("district page, uncached", "0", district_url),
            ("district page, cached (Redis)", "600", district_url),
            ("same HTML as a static file", "0", "/static/bench/district.html"),
        ):
            port = _free_port()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env={**base, "PUBLIC_CACHE_SECONDS": cache_seconds},
            )
            try:
                for _ in range(100):
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                            break
                    except OSError:
                        time.sleep(0.1)
                load(port, path, 1.0)  # warm up (and fill the cache)
                results[label] = load(port, path, seconds)
            finally:
                process.terminate()
                process.wait(timeout=20)
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(pages(int(sys.argv[2]), int(sys.argv[3]))))
        return
    from bench.__main__ import machine, pg_available

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if not pg_available():
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer.")
    print("\n".join(machine()))
    env = {
        **os.environ,
        "ALLOW_INSECURE_KEY": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DEMO_MODE": "1",
        # The whole demo catalog (108,157 entries), not the tests' two lines per domain.
        "DEMO_CATALOG_DIR": str(ROOT / "fixtures" / "reference_catalog"),
    }
    env.pop("REDIS_URL", None)
    with fresh_database("postgres", "bench_portal") as url:
        env["DATABASE_URL"] = url
        out = subprocess.run(
            [sys.executable, "-m", "bench.portal", "--child", str(args.count), str(args.requests)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(
                f"portal benchmark failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
            )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        loads = throughput(env, data["district_url"], data["district_html"], args.seconds)
    print(
        f"\n[postgresql] {data['publications']:,} published publications, "
        f"{data['entries']:,} public catalog entries (setup {data['setup_s']:.0f} s, untimed); "
        f"{args.requests} requests per page, page cache off, Django test client (server time)"
    )
    print("| page | median ms | p95 ms | queries |")
    print("|---|---|---|---|")
    for r in data["results"]:
        print(f"| {r['label']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |")
    medians = [s["median_ms"] for s in data["searches"]]
    every = sorted(t for s in data["searches"] for t in s["times_ms"])
    p95 = every[max(int(0.95 * len(every)) - 1, 0)]
    print(
        f"\nsearch (synonyms and grouping on), 20 Chinese queries × 5: median of medians "
        f"{statistics.median(medians):.1f} ms, slowest query's median {max(medians):.1f} ms, "
        f"p95 of all {len(every)} {p95:.1f} ms"
    )
    print("| query | median ms | results |")
    print("|---|---|---|")
    for s in data["searches"]:
        print(f"| {s['query']} | {s['median_ms']:.1f} | {s['found']} |")
    print(
        f"\nthroughput: gunicorn, 2 sync workers, 8 keep-alive connections, "
        f"{args.seconds:g} s each, {data['district_url']}"
    )
    print("| served as | requests/s | median latency ms | errors |")
    print("|---|---|---|---|")
    for label, r in loads.items():
        print(f"| {label} | {r['rps']:.0f} | {r['median_ms']:.1f} | {r['errors']} |")
    static = loads["same HTML as a static file"]["rps"]
    for label in ("district page, uncached", "district page, cached (Redis)"):
        print(f"ratio {label} / static file: {loads[label]['rps'] / static:.2f}")


if __name__ == "__main__":
    main()
