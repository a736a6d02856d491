"""Set-based writes the ORM makes expensive on hot paths.

Django's `bulk_update` builds one `CASE WHEN pk = … THEN …` per field and object; for the
handful of rows a document touches, compiling that costs more than the statement itself.
`rows_update` sends one parameterised UPDATE per row in a single `executemany`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router


def rows_update(model, objects: Sequence, fields: Sequence[str], *, unless=None) -> int:
    """Write `fields` of each object to its row; returns the number of rows changed.

    `unless=(field, value)` leaves rows whose `field` already equals `value` untouched (a
    guard such as "not done yet"); the caller compares the count with `len(objects)`.
    Like `bulk_update`, it writes the instances' values as they are: no `auto_now`.
    """
    if not objects:
        return 0
    meta = model._meta
    db = router.db_for_write(model)
    connection = connections[db]
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    guard = []
    if unless is not None:
        guard_field, guard_value = meta.get_field(unless[0]), unless[1]
        sql += f" AND {quote(guard_field.column)} <> %s"
        guard = [guard_field.get_db_prep_save(guard_value, connection)]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        + guard
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount
