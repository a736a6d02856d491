from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services as accounting
from tandem.hr import services

D = Decimal
YEAR = 2025


@pytest.fixture(autouse=True)
def _prc_pack(db):
    """The PRC pack is reference data: on PostgreSQL a transactional test elsewhere in the
    run flushes every table, the pack included; the service that installs it puts it back."""
    services.prc_pack_ensure()


@pytest.fixture
def books(company):
    """The PRC chart and fiscal year 2025 (the year the payroll tests run through)."""
    accounting.chart_install(company=company, template="prc")
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    return company


@pytest.fixture
def prc(books):
    return services.salary_structure_install_prc(company=books)


@pytest.fixture
def hire(company):
    """hire(number, salary, city="shanghai", hired=2020-01-01, **version fields)."""

    def make(number, salary, *, city="shanghai", hired=date(2020, 1, 1), **fields):
        version = {
            "base_salary": D(salary),
            "social_insurance_city": city,
            "housing_fund_rate": D("0.07"),
            **fields,
        }
        return services.employee_create(
            company=company,
            number=number,
            name=f"Employee {number}",
            hire_date=hired,
            version=version,
        )

    return make


@pytest.fixture
def run_month(company):
    """run_month(structure, month, post=True) -> the run, computed (and posted)."""

    def run(structure, month, *, post=True):
        payroll = services.payroll_run_create(
            company=company, period=f"{YEAR}-{month:02d}", structure=structure
        )
        payroll = services.payroll_run_compute(run=payroll)
        if post:
            payroll = services.payroll_run_post(run=payroll)
        return payroll

    return run
