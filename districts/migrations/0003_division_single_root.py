"""One root, and levels that follow the tree, enforced by the database.

A CHECK makes the root (no parent) the only "city"; a partial unique index allows one root.
A CHECK cannot read the parent row, so triggers (SQLite and PostgreSQL) refuse a division whose
level is not the one its parent's level gives (city → county → township, nothing under a
township), and a change of level under existing children. No form, import or shell session can
then mint a second city or a township-level "city".
"""

from django.db import migrations, models

SQLITE_CONDITION = """
    (NEW.parent_id IS NOT NULL AND NEW.level IS NOT (
        CASE (SELECT level FROM districts_division WHERE id = NEW.parent_id)
            WHEN 'city' THEN 'county' WHEN 'county' THEN 'township' ELSE NULL END))
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER districts_division_level_ins BEFORE INSERT ON districts_division
    WHEN {SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'division level must follow its parent'); END;
    """,
    f"""
    CREATE TRIGGER districts_division_level_upd BEFORE UPDATE ON districts_division
    WHEN {SQLITE_CONDITION}
      OR (NEW.level IS NOT OLD.level AND EXISTS (
            SELECT 1 FROM districts_division c WHERE c.parent_id = NEW.id))
    BEGIN SELECT RAISE(ABORT, 'division level must follow its parent'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS districts_division_level_ins;",
    "DROP TRIGGER IF EXISTS districts_division_level_upd;",
]
POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION districts_division_level_check() RETURNS trigger AS $$
    DECLARE
        parent_level text;
        expected text;
    BEGIN
        IF NEW.parent_id IS NOT NULL THEN
            SELECT level INTO parent_level FROM districts_division WHERE id = NEW.parent_id;
            expected := CASE parent_level WHEN 'city' THEN 'county'
                                          WHEN 'county' THEN 'township' ELSE NULL END;
            IF expected IS NULL OR NEW.level IS DISTINCT FROM expected THEN
                RAISE EXCEPTION 'division level must follow its parent'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.level IS DISTINCT FROM OLD.level AND EXISTS (
            SELECT 1 FROM districts_division c WHERE c.parent_id = NEW.id
        ) THEN
            RAISE EXCEPTION 'division level must follow its parent: it has children'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER districts_division_level_check BEFORE INSERT OR UPDATE ON districts_division
    FOR EACH ROW EXECUTE FUNCTION districts_division_level_check();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS districts_division_level_check ON districts_division;",
    "DROP FUNCTION IF EXISTS districts_division_level_check();",
]


def legacy_rename(on: bool):
    """On SQLite, let the table rebuild for the CHECK keep other apps' triggers (see 0002)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"PRAGMA legacy_alter_table = {'ON' if on else 'OFF'}")

    return run


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
    dependencies = [
        ("districts", "0002_division_banner"),
        # The catalog's triggers read this table; SQLite rebuilds it for the CHECK below.
        ("catalog", "0002_entry_source_triggers"),
    ]

    operations = [
        migrations.RunPython(legacy_rename(True), legacy_rename(False)),
        migrations.AddConstraint(
            model_name="division",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("level", "city"), ("parent__isnull", True)),
                    models.Q(("parent__isnull", False), models.Q(("level", "city"), _negated=True)),
                    _connector="OR",
                ),
                name="division_root_is_city",
                violation_error_message="只有市级区划没有上级；区县和乡镇(街道)必须有上级区划。",
            ),
        ),
        migrations.AddConstraint(
            model_name="division",
            constraint=models.UniqueConstraint(
                condition=models.Q(("parent__isnull", True)),
                fields=("level",),
                name="division_single_root",
                violation_error_message="平台只能有一个市级区划（树的根）。",
            ),
        ),
        migrations.RunPython(legacy_rename(False), legacy_rename(True)),
        migrations.RunPython(forward, backward),
    ]
