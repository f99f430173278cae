"""The full-text GIN index, on PostgreSQL only (SQLite searches ``tokens`` with LIKE).

The expression must stay exactly what ``search.selectors`` queries, or the planner ignores it.
"""

from django.db import migrations

INDEX = "search_doc_tokens_gin"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON search_searchdocument "
    "USING gin (to_tsvector('simple'::regconfig, tokens))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
