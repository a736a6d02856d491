"""Payroll compute and post read each input table once and write in bulk (one executemany
for the payslips, one for their lines): the number of queries does not grow with the
number of employees (PostgreSQL: COPY for both)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.hr import services

pytestmark = pytest.mark.django_db


def _queries(company, prc, hire, count, period):
    for n in range(count):
        employee = hire(f"{period}-{n}", 10000 + 1000 * n, city="beijing" if n % 3 else "shanghai")
        services.payroll_input_set(
            company=company, employee=employee, period=period, kind="overtime", amount=Decimal(300)
        )
    run = services.payroll_run_create(company=company, period=period, structure=prc)
    with CaptureQueriesContext(connection) as computing:
        run = services.payroll_run_compute(run=run)
    with CaptureQueriesContext(connection) as posting:
        services.payroll_run_post(run=run)
    assert run.payslips.filter(state="done").count() == run.payslips.count() >= count

    if connection.vendor == "sqlite":  # (PostgreSQL writes with COPY, which is not logged)
        inserts = [q["sql"] for q in computing.captured_queries if "INSERT INTO" in q["sql"]]
        assert len(inserts) == 2, inserts  # the payslips, then all their lines
        lines = run.payslips.count() * prc.rules.count()
        assert inserts[1].startswith(f"{lines} times: INSERT")
    return [q["sql"][:40] for q in computing.captured_queries], len(posting)


def test_compute_and_post_queries_do_not_grow_with_employees(company, prc, hire):
    _queries(company, prc, hire, 1, "2025-01")  # the year's first posting opens its sequence
    few = _queries(company, prc, hire, 2, "2025-02")
    many = _queries(company, prc, hire, 12, "2025-03")
    assert few[1] == many[1]
    assert len(few[0]) == len(many[0]), "\n".join(
        f"{a!r:45} {b!r}" for a, b in zip(few[0], many[0], strict=False)
    )
