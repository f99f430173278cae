"""The published-text triggers cover the new attributes too: once published, a publication's
type, 主题分类, 公开属性 (and its reason) and 索引号 change only through a revision, like its
text. 有效性 is not covered: a policy is marked amended or repealed after it is published.
"""

from django.db import migrations

from . import _guard

TEXT = _guard.GUARDED
OLD_TEXT = TEXT[:7]


def forward(apps, schema_editor):
    _guard.replace(schema_editor, TEXT)


def backward(apps, schema_editor):
    _guard.replace(schema_editor, OLD_TEXT)


class Migration(migrations.Migration):
    dependencies = [("publications", "0005_types_and_attributes")]

    operations = [migrations.RunPython(forward, backward)]
