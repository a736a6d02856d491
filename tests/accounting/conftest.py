from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services
from tandem.accounting.models import Account, FiscalYear, Journal
from tandem.parties.models import Party

D = Decimal
YEAR = 2026


def dr(account, amount, **extra):
    return {"account": account, "debit": D(amount), **extra}


def cr(account, amount, **extra):
    return {"account": account, "credit": D(amount), **extra}


@pytest.fixture
def chart(company):
    """The PRC chart on ACME with the fiscal year 2026 (twelve open monthly periods)."""
    services.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    services.chart_install(company=company, template="prc")
    return company


@pytest.fixture
def acct(chart):
    """ACME's accounts by code."""
    return {a.code: a for a in Account.objects.filter(company=chart)}


@pytest.fixture
def journals(chart):
    return {j.code: j for j in Journal.objects.filter(company=chart)}


@pytest.fixture
def fiscal_year(chart):
    return FiscalYear.objects.get(company=chart, name=str(YEAR))


@pytest.fixture
def customer(company):
    return Party.objects.create(
        company=company, name="Beijing Customer", is_customer=True, currency_id="CNY"
    )


@pytest.fixture
def post(company, journals, owner):
    """post(lines, on=date, journal="GEN") -> the posted entry."""

    def make(lines, *, on=date(YEAR, 3, 15), journal="GEN", reference=""):
        entry = services.entry_create(
            company=company,
            journal=journals[journal],
            date=on,
            lines=lines,
            reference=reference,
            user=owner,
        )
        return services.entry_post(entry=entry, user=owner)

    return make
