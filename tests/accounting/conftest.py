from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services
from tandem.accounting.models import Account, FiscalYear, Journal, Tax
from tandem.accounting.services.invoices import invoice_create, invoice_post
from tandem.catalog.services import product_create
from tandem.parties.models import Party, PaymentTerm

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


# -- documents: shared by the invoice and payment tests ------------------------------------


@pytest.fixture
def supplier(company):
    return Party.objects.create(
        company=company, name="Shanghai Supplier", is_supplier=True, currency_id="CNY"
    )


@pytest.fixture
def usd_customer(company):
    return Party.objects.create(
        company=company, name="Boston Customer", is_customer=True, currency_id="USD"
    )


@pytest.fixture
def usd_supplier(company):
    return Party.objects.create(
        company=company, name="Texas Supplier", is_supplier=True, currency_id="USD"
    )


@pytest.fixture
def taxes(chart):
    """The PRC taxes by name: 销项税 13%, 进项税 13%, ..."""
    return {t.name: t for t in Tax.objects.filter(company=chart)}


@pytest.fixture
def term(company):
    return PaymentTerm.objects.create(company=company, name="30 days", due_days=30)


@pytest.fixture
def product(chart, taxes):
    made = product_create(
        company=chart,
        sku="TEA-1",
        name="龙井茶 Longjing tea",
        list_price=D("200"),
        cost_price=D("120"),
    )
    made.taxes.add(taxes["销项税 13%"], taxes["进项税 13%"])
    return made


@pytest.fixture
def draft(company, customer, taxes, owner):
    """draft(lines=None, kind=..., post=False, **kw): an invoice of 2 x 100.00 at 13%."""

    def make(lines=None, *, kind="customer_invoice", party=None, post=False, **kw):
        scope = "销项税 13%" if kind.startswith("customer") else "进项税 13%"
        lines = lines or [
            {
                "description": "Consulting",
                "quantity": D("2"),
                "unit_price": D("100"),
                "taxes": [taxes[scope]],
            }
        ]
        kw.setdefault("date", date(YEAR, 3, 10))
        invoice = invoice_create(
            company=company, kind=kind, party=party or customer, lines=lines, user=owner, **kw
        )
        return invoice_post(invoice=invoice, user=owner) if post else invoice

    return make
