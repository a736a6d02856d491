"""Fixtures the invoice tests share (import them with `from ... import *`)."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting.models import Tax
from tandem.accounting.services.invoices import invoice_create, invoice_post
from tandem.catalog.services import product_create
from tandem.parties.models import Party, PaymentTerm
from tests.accounting.conftest import YEAR

D = Decimal
__all__ = ["D", "YEAR", "draft", "product", "supplier", "taxes", "term"]


@pytest.fixture
def taxes(chart):
    """The PRC taxes by name: 销项税 13%, 进项税 13%, ..."""
    return {t.name: t for t in Tax.objects.filter(company=chart)}


@pytest.fixture
def term(company):
    return PaymentTerm.objects.create(company=company, name="30 days", due_days=30)


@pytest.fixture
def supplier(company):
    return Party.objects.create(
        company=company, name="Shanghai Supplier", is_supplier=True, currency_id="CNY"
    )


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
