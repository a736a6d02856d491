"""Payroll benchmark: N employees (default 10,000) on the PRC structure, one month computed
and posted, with attendance (overtime) inputs, bonuses and special additional deductions.

Usage:
    python bench/payroll.py [--employees 10000] [--database-url URL] [--data-dir DIR]
                            [--prior-months 2]

Without --database-url it runs on SQLite in a fresh temporary data dir; with a PostgreSQL
URL the database is flushed first (a scratch database). The employees, their versions and
inputs are written in bulk and the year's earlier months (January and February by default)
are computed and posted (setup, not measured: the measured month then reads a real
year-to-date of payslip lines for its cumulative withholding); then `payroll_run_compute`
and `payroll_run_post` run as the app runs them for March. Prints one JSON line: seconds
and SQL queries of compute and post, payslips per second, the process's peak RSS and the
machine's load average (the machine is shared). The target (issue
18): 10,000 payslips computed and posted in under 60 s, with a query count that does not
grow with the number of employees.
"""

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal

SEED = 20260618
PERIOD = "2025-03"


def setup(database_url: str, data_dir: str = ""):
    os.environ["TANDEM_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="tandem-payroll-bench-")
    if database_url:
        os.environ["TANDEM_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)


def build(count: int):
    from tandem.accounting import services as accounting
    from tandem.core.services import company_create
    from tandem.hr import services
    from tandem.hr.models import Employee, EmployeeVersion, PayrollInput

    rng = random.Random(SEED)
    company = company_create(code="PAY", name="Payroll Bench Co")
    accounting.chart_install(company=company, template="prc")
    accounting.fiscal_year_create(company=company, date_start=date(2025, 1, 1))
    services.prc_pack_ensure()
    structure = services.salary_structure_install_prc(company=company)
    department = services.department_create(company=company, name="Staff")
    employees = Employee.objects.bulk_create(
        [
            Employee(
                company=company,
                number=f"B{n:06d}",
                name=f"Bench {n}",
                hire_date=date(2019, 1, 1) if n % 10 else date(2025, 2, 10),
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    versions, inputs = [], []
    for employee in employees:
        city = "beijing" if rng.random() < 0.3 else "shanghai"
        deductions = {}
        if rng.random() < 0.4:
            deductions["children_education"] = "2000"
        if rng.random() < 0.3:
            deductions["housing_rent"] = "1500"
        versions.append(
            EmployeeVersion(
                company=company,
                employee=employee,
                effective_from=employee.hire_date,
                department=department,
                base_salary=Decimal(rng.randrange(50, 600) * 100),
                social_insurance_city=city,
                housing_fund_rate=Decimal("0.12" if city == "beijing" else "0.07"),
                special_deductions=deductions,
            )
        )
        for period in ("2025-01", "2025-02", PERIOD):
            if rng.random() < 0.3:
                inputs.append(
                    PayrollInput(
                        company=company,
                        employee=employee,
                        period=period,
                        kind="overtime",
                        amount=Decimal(rng.randrange(100, 3000)),
                    )
                )
        if rng.random() < 0.1:
            inputs.append(
                PayrollInput(
                    company=company,
                    employee=employee,
                    period=PERIOD,
                    kind="bonus",
                    amount=Decimal(5000),
                )
            )
    EmployeeVersion.objects.bulk_create(versions, batch_size=2000)
    PayrollInput.objects.bulk_create(inputs, batch_size=2000)
    return company, structure


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument(
        "--prior-months",
        type=int,
        default=2,
        choices=[0, 1, 2],
        help="earlier months of the year computed and posted before the measured one",
    )
    args = parser.parse_args(argv)
    setup(args.database_url, args.data_dir)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.hr import services
    from tandem.hr.checks import posted_runs_match_entries

    started = time.perf_counter()
    company, structure = build(args.employees)
    for month in range(1, args.prior_months + 1):
        earlier = services.payroll_run_create(
            company=company, period=f"2025-{month:02d}", structure=structure
        )
        services.payroll_run_post(run=services.payroll_run_compute(run=earlier))
    setup_seconds = time.perf_counter() - started
    run = services.payroll_run_create(company=company, period=PERIOD, structure=structure)
    with CaptureQueriesContext(connection) as compute_queries:
        started = time.perf_counter()
        run = services.payroll_run_compute(run=run)
        compute_seconds = time.perf_counter() - started
    with CaptureQueriesContext(connection) as post_queries:
        started = time.perf_counter()
        run = services.payroll_run_post(run=run)
        post_seconds = time.perf_counter() - started
    breaches = list(posted_runs_match_entries())
    slips = run.payslips.count()
    failed = run.payslips.filter(state="failed").count()
    total = compute_seconds + post_seconds
    result = {
        "benchmark": "payroll",
        "database": connection.vendor,
        "employees": args.employees,
        "rules": structure.rules.count(),
        "prior_months": args.prior_months,
        "payslips": slips,
        "failed": failed,
        "setup_s": round(setup_seconds, 2),
        "compute_s": round(compute_seconds, 2),
        "compute_queries": len(compute_queries),
        "post_s": round(post_seconds, 2),
        "post_queries": len(post_queries),
        "total_s": round(total, 2),
        "payslips_per_s": round(slips / total, 1) if total else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "integrity_breaches": len(breaches),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    print(json.dumps(result))
    return 0 if not failed and not breaches else 1


if __name__ == "__main__":
    sys.exit(main())
