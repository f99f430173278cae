"""Record in each published snapshot which elements its office approved as its own.

Before, the public copy of a derived entry was refreshed from the entry's working copy's list of
personalised elements, so a change nobody had approved yet decided what the public read. The
snapshot now carries ``overridden`` (as approved) and ``dropped_here`` (its own office approved
the drop). Existing snapshots take them from the working copy, the best record there is.
"""

from django.db import migrations


def forward(apps, schema_editor):
    CatalogEntry = apps.get_model("catalog", "CatalogEntry")
    published = dict(
        CatalogEntry.objects.filter(published_values__isnull=False).values_list(
            "pk", "published_values"
        )
    )
    changed = []
    rows = CatalogEntry.objects.filter(published_values__isnull=False).only(
        "pk", "source_id", "overridden", "published_values"
    )
    for entry in rows.iterator(chunk_size=2000):
        snapshot = dict(entry.published_values)
        if "overridden" in snapshot and "dropped_here" in snapshot:
            continue
        source = published.get(entry.source_id) if entry.source_id else None
        snapshot["overridden"] = list(entry.overridden) if entry.source_id else []
        snapshot["dropped_here"] = bool(snapshot.get("is_dropped")) and not (source or {}).get(
            "is_dropped"
        )
        entry.published_values = snapshot
        changed.append(entry)
        if len(changed) >= 2000:
            CatalogEntry.objects.bulk_update(changed, ["published_values"])
            changed = []
    CatalogEntry.objects.bulk_update(changed, ["published_values"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_guidelink")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
