"""Worked FIFO / AVCO / standard examples through the services, with exact figures."""

import pytest

from tandem.inventory import queries, services
from tandem.inventory.models import ProductStock, ValuationLayer

from .conftest import D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "cogs", "remaining"),
    [("fifo", "1300.00", "500.00"), ("average", "1350.00", "450.00")],
)
def test_buy_100_at_8_and_100_at_10_then_deliver_150(
    wh, make_product, receive, deliver, method, cogs, remaining
):
    # given two receipts at different purchase prices
    product = make_product(method)
    receive(product, "100", "8.00")
    receive(product, "100", "10.00")
    # when 150 are delivered
    delivery = services.transfer_done(transfer=deliver(product, "150"))
    # then cost of goods sold, the valuation and the inventory account agree to the cent
    company = wh.company
    assert delivery.state == "done"
    assert delivery.moves.get().value == D(cogs)
    assert balance(company, "cogs") == D(cogs)
    assert balance(company, "inventory") == D(remaining)
    assert balance(company, "grni") == D("-1800.00")
    stock = ProductStock.objects.get(product=product)
    assert (stock.quantity, stock.value) == (D(50), D(remaining))
    report = queries.valuation(company)
    assert report["totals"]["value"] == D(remaining)
    assert report["rows"][0]["quantity"] == D(50)
    assert level(product, wh.stock_location) == (D(50), D(0))
    assert_integrity()


def test_fifo_layers_keep_what_is_left_of_the_newest_purchase(wh, make_product, receive, deliver):
    product = make_product("fifo")
    receive(product, "100", "8.00")
    receive(product, "100", "10.00")
    services.transfer_done(transfer=deliver(product, "150"))
    incoming = ValuationLayer.objects.filter(product=product, quantity__gt=0).order_by("pk")
    assert [(lay.remaining_quantity, lay.remaining_value) for lay in incoming] == [
        (D(0), D("0.00")),
        (D(50), D("500.00")),
    ]


def test_standard_cost_values_receipts_and_deliveries_at_the_cost_price(
    wh, make_product, receive, deliver
):
    product = make_product("standard", cost="9.50")
    receive(product, "10", "8.00")
    services.transfer_done(transfer=deliver(product, "4"))
    assert balance(wh.company, "inventory") == D("57.00")
    assert balance(wh.company, "cogs") == D("38.00")
    assert_integrity()
