from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services as accounting
from tandem.accounting.models import Account, Tax
from tandem.accounting.services import company_today
from tandem.catalog.services import product_create
from tandem.inventory.services import warehouse_create
from tandem.parties.models import Party

D = Decimal


@pytest.fixture
def today(company):
    return company_today(company)


@pytest.fixture
def chart(company, today):
    """The PRC chart and the current fiscal year: receipts post on today's date."""
    accounting.fiscal_year_create(company=company, date_start=date(today.year, 1, 1))
    accounting.chart_install(company=company, template="prc")
    from tandem.accounting.services.taxes import taxes_install

    taxes_install(company=company, template="prc")
    return company


@pytest.fixture
def acct(chart):
    return {a.code: a for a in Account.objects.filter(company=chart)}


@pytest.fixture
def vat13(chart):
    return Tax.objects.get(company=chart, scope="purchase", name="进项税 13%")


@pytest.fixture
def warehouse(chart):
    return warehouse_create(company=chart, code="WH", name="Main warehouse")


@pytest.fixture
def supplier(company):
    return Party.objects.create(
        company=company,
        name="Shanghai Supplier",
        is_supplier=True,
        currency_id="CNY",
        email="buy@supplier.example",
    )


@pytest.fixture
def supplier2(company):
    return Party.objects.create(
        company=company, name="Hangzhou Supplier", is_supplier=True, currency_id="CNY"
    )


@pytest.fixture
def widget(chart, vat13):
    product = product_create(
        company=chart, sku="W-1", name="Widget", valuation="fifo", cost_price=D("8.00")
    )
    vat13.products.add(product)
    return product


@pytest.fixture
def gadget(chart, vat13):
    product = product_create(
        company=chart, sku="G-1", name="Gadget", valuation="average", cost_price=D("5.00")
    )
    vat13.products.add(product)
    return product


@pytest.fixture
def service_product(chart):
    return product_create(company=chart, sku="S-1", name="Installation", type="service")
