"""One benchmark case in a fresh process on a fresh database; print a JSON line of results."""

from __future__ import annotations

import json
import resource
import sys
import time

import django


def setup():
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor == "sqlite":
        # A file, not memory: the embedded deployment writes to a file too.
        connection.settings_dict["TEST"]["NAME"] = "/tmp/portal_bench.sqlite3"
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection, name


def main(case: str) -> None:
    connection, _ = setup()
    from django.conf import settings

    from bench.generate import build_city_catalog
    from catalog.models import CatalogEntry
    from catalog.reference import channels_load, domains_load
    from catalog.services import catalog_derive_tree
    from districts.models import Division
    from districts.services import divisions_load

    divisions_load(path=settings.FIXTURES_DIR / "divisions.csv")
    domains_load(path=settings.FIXTURES_DIR / "domains.csv")
    channels_load(path=settings.FIXTURES_DIR / "channels.csv")
    city = Division.objects.get(code="430100")
    build_city_catalog(city=city)

    if case == "derive":

        def step():
            catalog_derive_tree(root=city, user=None)

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

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    step()
    seconds = time.perf_counter() - started
    # ru_maxrss is the process's high-water mark in KiB (Linux): the peak while the step ran,
    # since setup used less (checked by rss_before).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = CatalogEntry.objects.exclude(division__level="city").count()
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(
        json.dumps(
            {
                "case": case,
                "seconds": seconds,
                "peak_mib": peak / 1024,
                "setup_mib": rss_before / 1024,
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
