"""Money aggregates that are exact on SQLite as well as on PostgreSQL.

SQLite stores DECIMAL columns as binary floats (REAL), so its SUM(debit) adds floats:
0.1 + 0.2 comes back as 0.30000000000000004, and over a million lines the error can reach
cents. On SQLite these expressions add whole hundredths instead, ROUND(x * 100), which a
double holds exactly up to 2**53 (90 trillion in currency units), and divide once at the
end. PostgreSQL's numeric SUM is exact as it is.
"""

from django.db.models import DecimalField, Func, Sum

SUM_FIELD = DecimalField(max_digits=20, decimal_places=2)
CENTS_FIELD = DecimalField(max_digits=22, decimal_places=0)


class Cents(Func):
    """A money expression in whole hundredths (for window sums; divide the result by 100)."""

    template = "((%(expressions)s) * 100)"
    output_field = CENTS_FIELD

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="ROUND((%(expressions)s) * 100)", **extra_context
        )


class MoneySum(Sum):
    """SUM of a money expression with two decimal places; None over no rows."""

    def __init__(self, expression, **extra):
        extra.setdefault("output_field", SUM_FIELD)
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        clone = self.copy()
        source, *rest = clone.get_source_expressions()
        clone.set_source_expressions([Cents(source), *rest])
        sql, params = Sum.as_sql(clone, compiler, connection, **extra_context)
        return f"({sql} / 100.0)", params
