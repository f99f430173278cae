"""Rewrite 公开层级 stored with variant labels (区级, 镇(街)级, 乡、村级) with the canonical levels.

Entries saved or imported since levels became canonical already are; older ones were shown
canonically on the public pages but kept their labels in the admin form and exports.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from catalog.levels import canonicalise_stored_levels

    canonicalise_stored_levels(apps.get_model("catalog", "CatalogEntry"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0013_catalogjob_by_level"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
