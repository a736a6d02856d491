from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services as accounting
from tandem.accounting.models import Account, EntryLine
from tandem.catalog.services import product_create
from tandem.core.integrity import run_all
from tandem.inventory import services
from tandem.inventory.models import StockLevel
from tandem.parties.models import Party

D = Decimal
YEAR = date.today().year


@pytest.fixture
def books(company):
    """ACME with the PRC chart and the current fiscal year open."""
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    return company


@pytest.fixture
def wh(books):
    return services.warehouse_create(company=books, code="WH", name="Main warehouse")


@pytest.fixture
def make_product(books):
    counter = iter(range(1, 10_000))

    def make(valuation="fifo", *, tracking="none", cost="0", sku=None, **extra):
        return product_create(
            company=books,
            sku=sku or f"P{next(counter):03d}",
            name="Widget",
            valuation=valuation,
            tracking=tracking,
            cost_price=D(cost),
            **extra,
        )

    return make


@pytest.fixture
def supplier(company):
    return Party.objects.create(
        company=company, name="Supplier Co", is_supplier=True, currency_id="CNY"
    )


@pytest.fixture
def customer(company):
    return Party.objects.create(
        company=company, name="Customer Co", is_customer=True, currency_id="CNY"
    )


@pytest.fixture
def receive(wh, supplier):
    """receive(product, qty, unit_cost=None, **move) -> the done receipt."""

    def run(product, qty, unit_cost=None, **move):
        transfer = services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            party=supplier,
            moves=[{"product": product, "quantity": D(qty), "unit_cost": unit_cost, **move}],
        )
        return services.transfer_done(transfer=services.transfer_confirm(transfer=transfer))

    return run


@pytest.fixture
def deliver(wh, customer):
    """deliver(product, qty) -> the confirmed (not yet done) delivery."""

    def run(product, qty, **move):
        transfer = services.transfer_create(
            company=wh.company,
            kind="delivery",
            warehouse=wh,
            party=customer,
            moves=[{"product": product, "quantity": D(qty), **move}],
        )
        return services.transfer_confirm(transfer=transfer)

    return run


def balance(company, role):
    """Debit minus credit of the posted lines on the company's accounts with `role`."""
    lines = EntryLine.objects.filter(
        company=company, posted=True, account__in=Account.objects.filter(company=company, role=role)
    )
    return sum((line.debit - line.credit for line in lines), D("0.00"))


def level(product, location, lot=None):
    row = StockLevel.objects.filter(product=product, location=location, lot=lot).first()
    return (row.on_hand, row.reserved) if row else (D(0), D(0))


def assert_integrity():
    report = run_all()
    assert report.ok, report.render()
