"""Database triggers: published text is never edited in place, and the review chain only moves
forward from published (to superseded or withdrawn), whatever path writes the row.

The service functions already refuse both; the triggers make a raw UPDATE from a shell or a
script fail the same way.
"""

from django.db import migrations

TEXT = ("title", "doc_no", "body", "formed_on", "responsible_body", "entry_id", "division_id")
FINAL = "('published', 'superseded', 'withdrawn')"

SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in TEXT)
PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in TEXT)

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER publication_published_text BEFORE UPDATE ON publications_publication
    WHEN OLD.status IN {FINAL} AND ({SQLITE_CHANGED})
    BEGIN SELECT RAISE(ABORT, 'published publication text cannot be edited in place'); END;
    """,
    f"""
    CREATE TRIGGER publication_published_status BEFORE UPDATE ON publications_publication
    WHEN (OLD.status = 'published' AND NEW.status NOT IN {FINAL})
      OR (OLD.status IN ('superseded', 'withdrawn') AND NEW.status IS NOT OLD.status)
    BEGIN SELECT RAISE(ABORT, 'publication review state cannot go back'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS publication_published_text;",
    "DROP TRIGGER IF EXISTS publication_published_status;",
]
POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION publication_guard() RETURNS trigger AS $$
    BEGIN
      IF OLD.status IN {FINAL} AND ({PG_CHANGED}) THEN
        RAISE EXCEPTION 'published publication text cannot be edited in place';
      END IF;
      IF (OLD.status = 'published' AND NEW.status NOT IN {FINAL})
         OR (OLD.status IN ('superseded', 'withdrawn') AND NEW.status IS DISTINCT FROM OLD.status)
      THEN
        RAISE EXCEPTION 'publication review state cannot go back';
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER publication_guard BEFORE UPDATE ON publications_publication
    FOR EACH ROW EXECUTE FUNCTION publication_guard();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS publication_guard ON publications_publication;",
    "DROP FUNCTION IF EXISTS publication_guard();",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("publications", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
