"""PostgreSQL triggers that keep posted entries and their lines append-only.

The application refuses these writes too (models and QuerySets); the triggers also stop raw
SQL, other clients and bugs. SQLite is left alone (its test flush deletes rows one by one).
Self-contained on purpose: migrations never import app code that may change later.
"""

from django.db import migrations

GUARDS = """
CREATE OR REPLACE FUNCTION accounting_entry_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'posted' THEN
        RAISE EXCEPTION
            'tandem: journal entry % (id %) is posted; posted entries never change, post a reversal instead',
            OLD.number, OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounting_entryline_guard() RETURNS trigger AS $$
DECLARE
    blocked bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.posted OR EXISTS (
            SELECT 1 FROM accounting_entry e WHERE e.id = OLD.entry_id AND e.state = 'posted'
        ) THEN
            blocked := OLD.id;
        END IF;
    END IF;
    IF blocked IS NULL AND TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM accounting_entry e WHERE e.id = NEW.entry_id AND e.state = 'posted'
    ) THEN
        blocked := NEW.id;
    END IF;
    IF blocked IS NOT NULL THEN
        RAISE EXCEPTION
            'tandem: entry line % belongs to a posted journal entry; posted entries never change, post a reversal instead',
            blocked
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS accounting_entry_append_only ON accounting_entry;
CREATE TRIGGER accounting_entry_append_only
    BEFORE UPDATE OR DELETE ON accounting_entry
    FOR EACH ROW EXECUTE FUNCTION accounting_entry_guard();

DROP TRIGGER IF EXISTS accounting_entryline_append_only ON accounting_entryline;
CREATE TRIGGER accounting_entryline_append_only
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_entryline
    FOR EACH ROW EXECUTE FUNCTION accounting_entryline_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS accounting_entryline_append_only ON accounting_entryline;
DROP TRIGGER IF EXISTS accounting_entry_append_only ON accounting_entry;
DROP FUNCTION IF EXISTS accounting_entryline_guard();
DROP FUNCTION IF EXISTS accounting_entry_guard();
"""


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDS, params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0001_initial")]

    operations = [migrations.RunPython(create_guards, drop_guards)]
