"""The publication guard triggers (see 0002), written for a given list of guarded columns."""

FINAL = "('published', 'superseded', 'withdrawn')"

#: The columns a published row keeps (0006 on): its text, place and attributes.
GUARDED = (
    "title",
    "doc_no",
    "body",
    "formed_on",
    "responsible_body",
    "entry_id",
    "division_id",
    "pub_type_id",
    "theme_id",
    "disclosure",
    "withheld_reason",
    "index_no",
)

#: From 0009: a published issue also keeps the series and date it was published as.
GUARDED_0009 = (*GUARDED, "series_id", "series_date")


def _sqlite(columns):
    # Both triggers, created afresh: adding columns with defaults makes SQLite rebuild the
    # table (0005), and the rebuild drops the triggers that were on it.
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    return [
        "DROP TRIGGER IF EXISTS publication_published_text;",
        "DROP TRIGGER IF EXISTS publication_published_status;",
        f"""
        CREATE TRIGGER publication_published_text BEFORE UPDATE ON publications_publication
        WHEN OLD.status IN {FINAL} AND ({changed})
        BEGIN SELECT RAISE(ABORT, 'published publication text cannot be edited in place'); END;
        """,
        f"""
        CREATE TRIGGER publication_published_status BEFORE UPDATE ON publications_publication
        WHEN (OLD.status = 'published' AND NEW.status NOT IN {FINAL})
          OR (OLD.status IN ('superseded', 'withdrawn') AND NEW.status IS NOT OLD.status)
        BEGIN SELECT RAISE(ABORT, 'publication review state cannot go back'); END;
        """,
    ]


def _postgres(columns):
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    return [
        f"""
        CREATE OR REPLACE FUNCTION publication_guard() RETURNS trigger AS $$
        BEGIN
          IF OLD.status IN {FINAL} AND ({changed}) THEN
            RAISE EXCEPTION 'published publication text cannot be edited in place';
          END IF;
          IF (OLD.status = 'published' AND NEW.status NOT IN {FINAL})
             OR (OLD.status IN ('superseded', 'withdrawn')
                 AND NEW.status IS DISTINCT FROM OLD.status)
          THEN
            RAISE EXCEPTION 'publication review state cannot go back';
          END IF;
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """,
    ]


def replace(schema_editor, columns) -> None:
    """Rewrite the text guard so that it covers ``columns``."""
    statements = {"sqlite": _sqlite, "postgresql": _postgres}.get(schema_editor.connection.vendor)
    for sql in statements(columns) if statements else []:
        schema_editor.execute(sql, params=None)
