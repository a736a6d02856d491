"""FIFO with negative stock allowed: units sold before they were received leave at the cost
price of the day; the next receipt gives them their real cost and trues up cost of goods
sold, so that no value is left on a product with nothing on hand."""

import pytest

from tandem.inventory import services
from tandem.inventory.models import ProductStock, ValuationLayer

from .conftest import D, assert_integrity, balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def oversold(wh, make_product, receive, deliver):
    # 10 in at 8.00, 15 out: 5 units leave without layers at the cost price 9.00
    product = make_product("fifo", cost="9.00")
    services.product_stock_update(product=product, allow_negative=True)
    receive(product, "10", "8.00")
    services.transfer_done(transfer=deliver(product, "15"))
    stock = ProductStock.objects.get(product=product)
    assert (stock.quantity, stock.value) == (D(-5), D("-45.00"))
    assert balance(wh.company, "cogs") == D("125.00")  # 10 x 8.00 + 5 x 9.00
    return product


def test_next_receipt_settles_the_oversold_units_at_its_cost(wh, oversold, receive, deliver):
    company = wh.company
    # 20 in at 10.00: 5 of them were sold already, at 9.00 instead of 10.00
    receive(oversold, "20", "10.00")
    assert balance(company, "cogs") == D("130.00")  # + 5 x (10.00 - 9.00)
    stock = ProductStock.objects.get(product=oversold)
    assert (stock.quantity, stock.value) == (D(15), D("150.00"))
    assert balance(company, "inventory") == D("150.00")
    receipt_layer = ValuationLayer.objects.get(product=oversold, quantity=D(20))
    assert (receipt_layer.remaining_quantity, receipt_layer.remaining_value) == (
        D(15),
        D("150.00"),
    )
    assert_integrity()
    # the rest leaves at the receipt's cost and the product ends at zero value
    services.transfer_done(transfer=deliver(oversold, "15"))
    stock.refresh_from_db()
    assert (stock.quantity, stock.value) == (D(0), D("0.00"))
    assert balance(company, "inventory") == D("0.00")
    assert balance(company, "cogs") == D("280.00")  # 10 x 8.00 + 20 x 10.00
    assert_integrity()


def test_a_smaller_receipt_settles_part_and_the_rest_stays_owed(wh, oversold, receive):
    company = wh.company
    # 3 in at 7.00 for 5 owed: 3 settle 2.00 cheaper each, 2 stay owed at 9.00
    receive(oversold, "3", "7.00")
    assert balance(company, "cogs") == D("119.00")  # 125.00 - 3 x 2.00
    stock = ProductStock.objects.get(product=oversold)
    assert (stock.quantity, stock.value) == (D(-2), D("-18.00"))
    assert balance(company, "inventory") == D("-18.00")
    assert not ValuationLayer.objects.filter(product=oversold, remaining_quantity__gt=0).exists()
    assert_integrity()
