"""One benchmark case in a fresh process on a fresh database; print a JSON line of results.

Cases: ``derive`` and ``bulk_create`` (derive 9 districts + 170 townships from the city's 1,542
entries, and the plain bulk_create floor for the same rows); ``import_1542`` and
``import_100k`` (import_catalog of a generated standard workbook into the city's empty
catalog); ``ie_default_1542`` and ``bulk_create_1542`` (django-import-export's default
row-by-row import, and a plain bulk_create, of the same 1,542 lines). Only the step is timed;
workbooks are written beforehand by a process of their own, and the items the last two cases
need are created beforehand too.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

IMPORT_LINES = {"import_1542": 1542, "import_100k": 100_000}
SAME_DATA_LINES = {"ie_default_1542": 1542, "bulk_create_1542": 1542}
CITY_CODE = "430100"
# The flat rows django-import-export reads: the natural key (division code, item pk), the
# scalar element columns, the audience/mode flags and the channels (pks).
IE_COLUMNS = (
    "division",
    "item",
    "content",
    "basis",
    "time_limit",
    "subject",
    "levels",
    "item_type",
    "service_name",
    "content_title",
    "upload_form",
    "remarks",
    "audience_all",
    "audience_specific",
    "mode_active",
    "mode_on_request",
    "channels",
)


def setup():
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    # Names of this process's own, so that two benchmark runs at once do not clobber each other.
    if connection.vendor == "sqlite":
        # A file, not memory: the embedded deployment writes to a file too.
        connection.settings_dict["TEST"]["NAME"] = f"/tmp/portal_bench_{os.getpid()}.sqlite3"
    else:
        connection.settings_dict["TEST"]["NAME"] = f"test_portal_bench_{os.getpid()}"
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection, name


def write_workbook(lines: int, directory: str) -> Path:
    """Write a standard workbook of ``lines`` lines in a process of its own; return its path.

    Its own process, so that the writer's memory does not count in this process's peak.
    """
    from catalog.models import Channel, Domain

    domains = list(Domain.objects.order_by("display_order").values_list("name", flat=True))
    channels = list(Channel.objects.filter(is_standard=True).values_list("name", flat=True))
    path = Path(directory) / f"catalog_{lines}.xlsx"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.workbooks",
            str(path),
            str(lines),
            json.dumps(domains, ensure_ascii=False),
            json.dumps(channels, ensure_ascii=False),
        ],
        check=True,
        env=os.environ,
    )
    return path


def same_lines(lines: int):
    """Return the lines the workbook of ``lines`` lines holds, with the items created for them.

    Returns (lines, item pks in line order, channel pks by name). The first- and second-level
    items are created here, untimed: django-import-export and bulk_create only write entries.
    """
    from bench.workbooks import catalog_lines
    from catalog.models import Channel, Domain, FirstLevelItem, SecondLevelItem

    domains = {d.name: d for d in Domain.objects.order_by("display_order")}
    channels = list(Channel.objects.filter(is_standard=True))
    data = list(
        catalog_lines(lines=lines, domains=list(domains), channels=[c.name for c in channels])
    )
    firsts: dict[tuple[str, str], FirstLevelItem] = {}
    for line in data:
        key = (line.domain, line.first_level)
        if key not in firsts:
            firsts[key] = FirstLevelItem(
                domain=domains[line.domain], name=line.first_level, display_order=len(firsts)
            )
    FirstLevelItem.objects.bulk_create(list(firsts.values()))
    seconds = SecondLevelItem.objects.bulk_create(
        [
            SecondLevelItem(
                first_level=firsts[(line.domain, line.first_level)],
                name=line.second_level,
                display_order=i,
            )
            for i, line in enumerate(data)
        ]
    )
    return data, [s.pk for s in seconds], {c.name: c.pk for c in channels}


def bench_entry_resource():
    """Return a plain django-import-export ModelResource for catalog entries (default options)."""
    from import_export import fields, resources, widgets

    from catalog.models import CatalogEntry, Channel, SecondLevelItem
    from districts.models import Division

    class BenchEntryResource(resources.ModelResource):
        division = fields.Field(
            attribute="division",
            column_name="division",
            widget=widgets.ForeignKeyWidget(Division, field="code"),
        )
        item = fields.Field(
            attribute="item",
            column_name="item",
            widget=widgets.ForeignKeyWidget(SecondLevelItem, field="pk"),
        )
        channels = fields.Field(
            attribute="channels",
            column_name="channels",
            widget=widgets.ManyToManyWidget(Channel, field="pk"),
        )

        class Meta:
            model = CatalogEntry
            fields = IE_COLUMNS
            import_id_fields = ("division", "item")

    return BenchEntryResource


def import_check(report, *, city, lines: int, path: Path) -> None:
    """Fail loudly unless the import wrote every line, with the workbook's values."""
    from bench.workbooks import catalog_lines
    from catalog.models import CatalogEntry, Channel, Domain

    if report.errors or not report.applied:
        shown = "\n".join(str(e) for e in report.errors[:20])
        raise SystemExit(f"import of {path.name} not applied: {report.summary()}\n{shown}")
    if report.counts["new"] != lines or len(report.outcomes) != lines:
        raise SystemExit(f"import of {path.name}: {report.summary()}, expected {lines} new lines")
    entries = CatalogEntry.objects.filter(division=city)
    if entries.count() != lines:
        raise SystemExit(f"import of {path.name} wrote {entries.count()} entries, not {lines}")
    links = CatalogEntry.channels.through.objects.filter(catalogentry__division=city).count()
    if links != 3 * lines:
        raise SystemExit(f"import of {path.name} wrote {links} channel links, not {3 * lines}")
    # Compare a sample of lines (every one for the small workbook) with what was stored.
    step = max(1, lines // 2000)
    domains = list(Domain.objects.order_by("display_order").values_list("name", flat=True))
    channels = list(Channel.objects.filter(is_standard=True).values_list("name", flat=True))
    wanted = [
        line
        for i, line in enumerate(catalog_lines(lines=lines, domains=domains, channels=channels))
        if i % step == 0
    ]
    stored = {
        (e.item.first_level.domain.name, e.item.first_level.name, e.item.name): e
        for e in entries.filter(item__name__in=[w.second_level for w in wanted])
        .select_related("item__first_level__domain")
        .prefetch_related("channels")
    }
    for line in wanted:
        entry = stored.get((line.domain, line.first_level, line.second_level))
        if entry is None:
            raise SystemExit(f"import of {path.name}: no entry for {line.second_level}")
        got = {
            name: getattr(entry, name)
            for name in (
                "item_type",
                "service_name",
                "content",
                "content_title",
                "upload_form",
                "basis",
                "time_limit",
                "subject",
                "audience_all",
                "audience_specific",
                "mode_active",
                "mode_on_request",
                "levels",
                "remarks",
            )
        }
        got["channels"] = [c.name for c in entry.channels.all()]
        for name, value in got.items():
            if getattr(line, name) != value:
                raise SystemExit(
                    f"import of {path.name}: {line.second_level} {name} is {value!r}, "
                    f"expected {getattr(line, name)!r}"
                )


def main(case: str) -> None:
    connection, _ = setup()
    try:
        run(case, connection)
    except BaseException:
        # The test database has a name of its own: drop it rather than leave it behind.
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        raise


def run(case: str, connection) -> None:
    from django.conf import settings

    from bench.generate import build_city_catalog
    from catalog.models import CatalogEntry
    from catalog.reference import channels_load, domains_load
    from districts.models import Division
    from districts.services import divisions_load

    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    city = Division.objects.get(code=CITY_CODE)
    extra: dict = {}
    if case in IMPORT_LINES or case in SAME_DATA_LINES:
        run_import_case(case, city, connection, extra)
        return
    if case in ("derive", "derive_half"):
        from bench.generate import build_guides

        build_guides()
    build_city_catalog(city=city, scale=0.5 if case == "derive_half" else 1.0)

    if case == "export_city":
        import io

        from catalog.workbooks.export import export_workbook

        buffer = io.BytesIO()
        seconds, peak, rss_before, _ = timed(lambda: export_workbook(division=city, stream=buffer))
        extra["file_mib"] = len(buffer.getvalue()) / 2**20
        rows = CatalogEntry.objects.filter(division=city).count()
        finish(connection, case, seconds, peak, rss_before, rows, extra)
        return

    if case in ("derive", "derive_half"):
        from catalog.services import catalog_derive

        def step():
            # catalog_derive_tree's loop, timed by halves: each division derives the same number
            # of entries, so linear work takes as long for the later half as for the first;
            # work that grows with what was derived before (a refresh of everything after each
            # division) makes the later half several times slower.
            # Each half ends with the refresh of its ties (in-process here, as in make run).
            from catalog.guide_links import links_refresh_on_commit

            divisions = list(city.descendants().in_tree_order())
            half = len(divisions) // 2
            marks = [time.perf_counter()]
            for part in (divisions[:half], divisions[half:]):
                for division in part:
                    catalog_derive(division=division, user=None, refresh_ties=False)
                links_refresh_on_commit(divisions=[d.pk for d in part])
                marks.append(time.perf_counter())
            extra["halves_s"] = [marks[1] - marks[0], marks[2] - marks[1]]

    else:
        link = CatalogEntry.channels.through

        def step():
            # The same rows, written level by level with no service logic: the floor.
            for parent_level in ("city", "county"):
                sources = list(
                    CatalogEntry.objects.filter(division__level=parent_level).prefetch_related(
                        "channels"
                    )
                )
                by_division: dict[int, list] = {}
                for s in sources:
                    by_division.setdefault(s.division_id, []).append(s)
                for child in Division.objects.filter(parent__level=parent_level):
                    rows = by_division.get(child.parent_id, [])
                    copies = CatalogEntry.objects.bulk_create(
                        [
                            CatalogEntry(
                                division=child,
                                item_id=s.item_id,
                                source=s,
                                content=s.content,
                                basis=s.basis,
                                time_limit=s.time_limit,
                                subject=s.subject,
                                audience_all=s.audience_all,
                                audience_specific=s.audience_specific,
                                mode_active=s.mode_active,
                                mode_on_request=s.mode_on_request,
                                levels=s.levels,
                                item_type=s.item_type,
                                service_name=s.service_name,
                                content_title=s.content_title,
                                upload_form=s.upload_form,
                                remarks=s.remarks,
                            )
                            for s in rows
                        ],
                        batch_size=1000,
                    )
                    link.objects.bulk_create(
                        [
                            link(catalogentry_id=c.pk, channel_id=ch.pk)
                            for c, s in zip(copies, rows, strict=True)
                            for ch in s.channels.all()
                        ],
                        batch_size=5000,
                    )

    seconds, peak, rss_before, _ = timed(step)
    rows = CatalogEntry.objects.exclude(division__level="city").count()
    finish(connection, case, seconds, peak, rss_before, rows, extra)


def timed(step):
    """Run ``step``; return (seconds, peak KiB, KiB before, its result).

    ru_maxrss is the process's high-water mark in KiB (Linux): the peak while the step ran,
    unless setup used more (see the KiB before).
    """
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, peak, rss_before, result


def finish(connection, case, seconds, peak, rss_before, rows, extra) -> None:
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(
        json.dumps(
            {
                "case": case,
                "seconds": seconds,
                "peak_mib": peak / 1024,
                "setup_mib": rss_before / 1024,
                "rows": rows,
                **extra,
            }
        )
    )


def run_import_case(case: str, city, connection, extra: dict) -> None:
    import tablib

    from catalog.models import CatalogEntry
    from catalog.workbooks.imports import import_catalog

    with tempfile.TemporaryDirectory(prefix="portal_bench_") as directory:
        if case in IMPORT_LINES:
            lines = IMPORT_LINES[case]
            path = write_workbook(lines, directory)
            extra["workbook_mib"] = path.stat().st_size / 2**20
            seconds, peak, rss_before, report = timed(
                lambda: import_catalog(source=path, division=city, user=None)
            )
            import_check(report, city=city, lines=lines, path=path)
        elif case == "ie_default_1542":
            lines = SAME_DATA_LINES[case]
            data, item_pks, channel_pks = same_lines(lines)
            dataset = tablib.Dataset(headers=list(IE_COLUMNS))
            for line, pk in zip(data, item_pks, strict=True):
                dataset.append(
                    [
                        city.code,
                        str(pk),
                        line.content,
                        line.basis,
                        line.time_limit,
                        line.subject,
                        json.dumps(line.levels, ensure_ascii=False),
                        line.item_type,
                        line.service_name,
                        line.content_title,
                        line.upload_form,
                        line.remarks,
                        *("1" if flag else "0" for flag in flags(line)),
                        ",".join(str(channel_pks[name]) for name in line.channels),
                    ]
                )
            resource_ = bench_entry_resource()()
            seconds, peak, rss_before, result = timed(
                lambda: resource_.import_data(dataset, dry_run=False, use_transactions=True)
            )
            if result.has_errors() or result.has_validation_errors():
                first = next(iter(result.row_errors()), None) or result.base_errors
                raise SystemExit(f"django-import-export failed: {first}")
            if result.totals["new"] != lines:
                raise SystemExit(f"django-import-export: {dict(result.totals)}")
        else:
            lines = SAME_DATA_LINES[case]
            data, item_pks, channel_pks = same_lines(lines)
            link = CatalogEntry.channels.through

            def step():
                entries = CatalogEntry.objects.bulk_create(
                    [
                        CatalogEntry(
                            division=city,
                            item_id=pk,
                            content=line.content,
                            basis=line.basis,
                            time_limit=line.time_limit,
                            subject=line.subject,
                            audience_all=line.audience_all,
                            audience_specific=line.audience_specific,
                            mode_active=line.mode_active,
                            mode_on_request=line.mode_on_request,
                            levels=line.levels,
                            item_type=line.item_type,
                            service_name=line.service_name,
                            content_title=line.content_title,
                            upload_form=line.upload_form,
                            remarks=line.remarks,
                        )
                        for line, pk in zip(data, item_pks, strict=True)
                    ],
                    batch_size=1000,
                )
                link.objects.bulk_create(
                    [
                        link(catalogentry_id=entry.pk, channel_id=channel_pks[name])
                        for entry, line in zip(entries, data, strict=True)
                        for name in line.channels
                    ],
                    batch_size=5000,
                )

            seconds, peak, rss_before, _ = timed(step)
    rows = CatalogEntry.objects.filter(division=city).count()
    links = CatalogEntry.channels.through.objects.filter(catalogentry__division=city).count()
    if rows != lines or links != 3 * lines:
        raise SystemExit(f"{case} wrote {rows} entries and {links} links, expected {lines}")
    finish(connection, case, seconds, peak, rss_before, rows, extra)


def flags(line) -> tuple[bool, bool, bool, bool]:
    return (line.audience_all, line.audience_specific, line.mode_active, line.mode_on_request)


if __name__ == "__main__":
    main(sys.argv[1])
