"""Database triggers for the derivation rule (一把尺) that a CHECK constraint cannot express.

They refuse, on PostgreSQL and SQLite alike:
- a township entry without a source;
- a source that is not the same item in the parent division;
- an active entry whose source is dropped, and dropping an entry that still has active derived
  entries (so no path, however it writes, leaves a township entry without a live source);
- moving an entry that has derived entries to another item or division.
On PostgreSQL the source row is read FOR SHARE, so a concurrent drop and derive cannot both pass.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER catalog_entry_source_ins BEFORE INSERT ON catalog_catalogentry
    WHEN (NEW.source_id IS NULL
          AND (SELECT level FROM districts_division WHERE id = NEW.division_id) = 'township')
      OR (NEW.source_id IS NOT NULL AND (
            (SELECT division_id FROM catalog_catalogentry WHERE id = NEW.source_id)
              IS NOT (SELECT parent_id FROM districts_division WHERE id = NEW.division_id)
         OR (SELECT item_id FROM catalog_catalogentry WHERE id = NEW.source_id) IS NOT NEW.item_id
         OR (NEW.is_dropped = 0
             AND (SELECT is_dropped FROM catalog_catalogentry WHERE id = NEW.source_id) = 1)))
    BEGIN SELECT RAISE(ABORT, 'catalog entry violates derivation rule'); END;
    """,
    """
    CREATE TRIGGER catalog_entry_source_upd BEFORE UPDATE ON catalog_catalogentry
    WHEN (NEW.source_id IS NULL
          AND (SELECT level FROM districts_division WHERE id = NEW.division_id) = 'township')
      OR (NEW.source_id IS NOT NULL AND (
            (SELECT division_id FROM catalog_catalogentry WHERE id = NEW.source_id)
              IS NOT (SELECT parent_id FROM districts_division WHERE id = NEW.division_id)
         OR (SELECT item_id FROM catalog_catalogentry WHERE id = NEW.source_id) IS NOT NEW.item_id
         OR (NEW.is_dropped = 0
             AND (SELECT is_dropped FROM catalog_catalogentry WHERE id = NEW.source_id) = 1)))
      OR (NEW.is_dropped = 1 AND OLD.is_dropped = 0 AND EXISTS (
            SELECT 1 FROM catalog_catalogentry c WHERE c.source_id = NEW.id AND c.is_dropped = 0))
      OR ((NEW.item_id IS NOT OLD.item_id OR NEW.division_id IS NOT OLD.division_id) AND EXISTS (
            SELECT 1 FROM catalog_catalogentry c WHERE c.source_id = NEW.id))
    BEGIN SELECT RAISE(ABORT, 'catalog entry violates derivation rule'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_entry_source_ins;",
    "DROP TRIGGER IF EXISTS catalog_entry_source_upd;",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION catalog_entry_source_check() RETURNS trigger AS $$
    DECLARE
        src catalog_catalogentry%ROWTYPE;
        div districts_division%ROWTYPE;
    BEGIN
        SELECT * INTO div FROM districts_division WHERE id = NEW.division_id;
        IF NEW.source_id IS NULL THEN
            IF div.level = 'township' THEN
                RAISE EXCEPTION 'catalog entry violates derivation rule: township entry without source'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        ELSE
            -- FOR SHARE: a concurrent drop of the source must commit first, or wait for us.
            SELECT * INTO src FROM catalog_catalogentry WHERE id = NEW.source_id FOR SHARE;
            IF src.division_id IS DISTINCT FROM div.parent_id OR src.item_id <> NEW.item_id THEN
                RAISE EXCEPTION 'catalog entry violates derivation rule: source not in parent division'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF NOT NEW.is_dropped AND src.is_dropped THEN
                RAISE EXCEPTION 'catalog entry violates derivation rule: source is dropped'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.is_dropped AND NOT OLD.is_dropped AND EXISTS (
            SELECT 1 FROM catalog_catalogentry c WHERE c.source_id = NEW.id AND NOT c.is_dropped
        ) THEN
            RAISE EXCEPTION 'catalog entry violates derivation rule: derived entries still active'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND (NEW.item_id <> OLD.item_id OR NEW.division_id <> OLD.division_id)
            AND EXISTS (SELECT 1 FROM catalog_catalogentry c WHERE c.source_id = NEW.id)
        THEN
            RAISE EXCEPTION 'catalog entry violates derivation rule: entry with derived entries moved'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER catalog_entry_source_check BEFORE INSERT OR UPDATE ON catalog_catalogentry
    FOR EACH ROW EXECUTE FUNCTION catalog_entry_source_check();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_entry_source_check ON catalog_catalogentry;",
    "DROP FUNCTION IF EXISTS catalog_entry_source_check();",
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
    dependencies = [("catalog", "0001_initial"), ("districts", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
