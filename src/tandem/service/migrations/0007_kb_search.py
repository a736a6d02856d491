"""Knowledge-base search indexes on PostgreSQL: a GIN full-text index over title and body
(the 'simple' configuration, which the query uses too) and, when the pg_trgm extension can
be installed, a trigram index on the title. Nothing on SQLite (the search falls back to
icontains there)."""

from django.db import migrations, transaction

FTS = (
    "CREATE INDEX IF NOT EXISTS service_kb_fts ON service_kbarticle USING gin "
    "((setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B')))"
)
TRGM = (
    "CREATE INDEX IF NOT EXISTS service_kb_title_trgm ON service_kbarticle "
    "USING gin (title gin_trgm_ops)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FTS)
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001  no right to install it: full-text only
            return
        cursor.execute(TRGM)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS service_kb_title_trgm")
        cursor.execute("DROP INDEX IF EXISTS service_kb_fts")


class Migration(migrations.Migration):
    dependencies = [("service", "0006_canned_macros")]
    operations = [migrations.RunPython(forwards, backwards)]
