"""A PostgreSQL trigger that keeps done stock moves append-only.

The application refuses these writes too (model and QuerySet guards); the trigger also stops
raw SQL, other clients and bugs. SQLite is left alone (its test flush deletes row by row).
Self-contained on purpose: migrations never import app code that may change later.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION inventory_stockmove_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'done' THEN
        RAISE EXCEPTION
            'tandem: stock move % is done; done moves never change, move the stock back instead',
            OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS inventory_stockmove_append_only ON inventory_stockmove;
CREATE TRIGGER inventory_stockmove_append_only
    BEFORE UPDATE OR DELETE ON inventory_stockmove
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS inventory_stockmove_append_only ON inventory_stockmove;
DROP FUNCTION IF EXISTS inventory_stockmove_guard();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_stock_ledger")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
