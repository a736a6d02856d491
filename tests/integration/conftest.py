"""A small trading company for the end-to-end tests: PRC chart, 13% VAT, one warehouse with
ten units of each of three FIFO products, one customer."""

from datetime import date
from decimal import Decimal as D

import pytest

from tandem.accounting import services as accounting
from tandem.accounting.models import Tax
from tandem.catalog.services import product_create
from tandem.inventory import services as inventory
from tandem.parties.models import Party

YEAR = date.today().year
# sku, list price, unit cost, quantity ordered
LINES = [("P-100", "100", "60", 2), ("P-50", "50", "40", 3), ("P-20", "20", "10", 5)]


@pytest.fixture
def shop(company):
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    vat = Tax.objects.get(company=company, scope="sale", name="销项税 13%")
    warehouse = inventory.warehouse_create(company=company, code="WH", name="Main")
    supplier = Party.objects.create(
        company=company, name="Supplier", is_supplier=True, currency_id="CNY"
    )
    products = []
    for sku, price, cost, _qty in LINES:
        product = product_create(
            company=company,
            sku=sku,
            name=f"Product {sku}",
            type="goods",
            list_price=D(price),
            cost_price=D(cost),
            valuation="fifo",
        )
        vat.products.add(product)
        receipt = inventory.transfer_create(
            company=company,
            kind="receipt",
            warehouse=warehouse,
            party=supplier,
            moves=[{"product": product, "quantity": D("10"), "unit_cost": D(cost)}],
        )
        inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=receipt))
        products.append(product)
    customer = Party.objects.create(
        company=company,
        name="Hangzhou Buyer",
        is_customer=True,
        currency_id="CNY",
        email="buyer@example.com",
    )
    return {"products": products, "customer": customer}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run each write's on-commit reactions (order statuses follow invoice and payment events)
    as the real request's commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
