"""New rows of an import chunk written as one statement stream per table, with their history.

Django's `bulk_create` compiles every value of every row into SQL and, on SQLite (999
parameters a statement), sends some 40 rows an INSERT; `bulk_create_with_history` then builds
a model instance per history row and does it again. For the 100,000-party import that was
most of the time, the database itself a tenth of it. `rows_insert` takes the ids up front
(the sequence on PostgreSQL; on SQLite the write lock the IMMEDIATE transaction holds makes
the next ids this transaction's), prepares each column's values the way the ORM would only
where the driver cannot take the Python value as it is, and writes the rows and their "+"
history rows (what `bulk_history_create` writes: the same values, the history date, no change
reason, the default history user) with one `executemany` each.

The rows are dicts of attribute names (`party_id`, not `party`); a field not given takes its
default, `auto_now`/`auto_now_add` timestamps are `now`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

# fields whose Python values the drivers (sqlite3, psycopg) take as they are
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "URLField",
    }
)
_MISSING = object()


def ids_take(model, count: int) -> list[int]:
    """`count` primary keys for rows about to be inserted in this transaction."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: above both the highest row and the highest id ever given (AUTOINCREMENT)
        quoted = connection.ops.quote_name(table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({pk}) FROM {quoted}), 0),"
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        top = cursor.fetchone()[0]
        return list(range(top + 1, top + 1 + count))


def _column_values(model, rows: Sequence[dict], ids: list[int], stamp) -> tuple[list, list]:
    """The model's concrete fields and, per row, their values ready for the driver."""
    fields = list(model._meta.concrete_fields)
    pk = model._meta.pk
    getters = []
    for field in fields:
        if field is pk:
            getters.append(None)
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if auto:
            getters.append(("const", stamp))
            continue
        plain = field.get_internal_type() in PLAIN_TYPES
        if field.has_default() and callable(field.default) and not isinstance(field.default, type):
            default = _MISSING  # a default made per row (a uuid, a dict)
        else:
            default = field.get_default()
            if not plain:
                default = field.get_db_prep_save(default, connection)
        getters.append((field.attname, default, None if plain else field))
    values = []
    for row, row_id in zip(rows, ids, strict=True):
        out = []
        for field, getter in zip(fields, getters, strict=True):
            if getter is None:
                out.append(row_id)
            elif getter[0] == "const":
                out.append(getter[1])
            else:
                name, default, prep = getter
                value = row.get(name, _MISSING)
                if value is _MISSING:
                    if default is not _MISSING:
                        out.append(default)
                        continue
                    value = field.get_default()
                out.append(value if prep is None else prep.get_db_prep_save(value, connection))
        values.append(out)
    return fields, values


def _executemany(table: str, columns: list[str], values: list) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", values)


def rows_insert(model, rows: Sequence[dict], *, now=None, history: bool = True) -> list[int]:
    """Insert a row per dict of `rows` (and, for a model with history, its "+" history
    row); answers their ids in order. Within the caller's transaction."""
    if not rows:
        return []
    now = now or timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    ids = ids_take(model, len(rows))
    fields, values = _column_values(model, rows, ids, stamp)
    _executemany(model._meta.db_table, [f.column for f in fields], values)
    manager = getattr(model, "history", None) if history else None
    if manager is not None:
        _history_insert(model, manager.model, fields, values, stamp)
    return ids


def _history_insert(model, historical, fields, values, stamp) -> None:
    """What `bulk_history_create` writes for new rows, from the rows' own prepared values."""
    where = {field.attname: index for index, field in enumerate(fields)}
    where["id"] = where[model._meta.pk.attname]
    user = historical.get_default_history_user(model())
    fixed = {
        "history_date": stamp,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": getattr(user, "pk", None),
    }
    columns, picks = [], []
    for field in historical._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        columns.append(field.column)
        if field.attname in fixed:
            picks.append(("fixed", fixed[field.attname]))
        else:
            picks.append(("row", where[field.attname]))
    rows = [[pick[1] if pick[0] == "fixed" else row[pick[1]] for pick in picks] for row in values]
    _executemany(historical._meta.db_table, columns, rows)
