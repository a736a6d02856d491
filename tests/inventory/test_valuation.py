"""Worked FIFO / AVCO / standard examples through the services, with exact figures."""

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    assert report["rows"][0]["unit_cost"] == D(remaining) / 50
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


@pytest.mark.django_db(False)
@given(
    value_cents=st.integers(-(10**15), 10**15),
    quantity_micro=st.integers(-(10**15), 10**15).filter(bool),
)
def test_report_unit_cost_is_the_exact_quotient_rounded_half_even(value_cents, quantity_micro):
    exact = (Decimal(value_cents) / 100) / (Decimal(quantity_micro) / 1_000_000)
    expected = (Decimal(value_cents) * 10_000 / quantity_micro).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_EVEN
    )
    assert abs(exact - expected) <= Decimal("0.0000005")
    assert Decimal(queries._unit_cost_micro(value_cents, quantity_micro)) / 10**6 == expected


@pytest.mark.parametrize(
    ("value_cents", "quantity_micro", "unit_cost_micro"),
    [
        (1, 2_000_000, 5_000),  # 0.01 / 2 = 0.005
        (1, 3_000_000, 3_333),  # 0.01 / 3 rounds down
        (2, 3_000_000, 6_667),  # 0.02 / 3 rounds up
        (-2, 3_000_000, -6_667),  # a negative value rounds away from zero like its mirror
        (1, 20_000_000_000, 0),  # 0.01 / 20,000: half a millionth, to the even 0
        (3, 20_000_000_000, 2),  # 0.03 / 20,000: 1.5 millionths, to the even 2
    ],
)
def test_report_unit_cost_rounds_ties_to_even(value_cents, quantity_micro, unit_cost_micro):
    assert queries._unit_cost_micro(value_cents, quantity_micro) == unit_cost_micro


def test_a_row_with_value_and_no_units_reports_exact_figures_and_no_unit_cost(
    wh, make_product, receive
):
    # value left on no units (a rounding rest, say) still shows, as exact decimals
    product = make_product("average")
    receive(product, "3", "1.00")
    ProductStock.objects.filter(product=product).update(quantity=0, value=D("0.01"))
    (row,) = queries.valuation(wh.company)["rows"]
    assert (row["quantity"], row["value"], row["unit_cost"]) == (D(0), D("0.01"), D(0))
    assert all(isinstance(row[key], Decimal) for key in ("quantity", "value", "unit_cost"))
    assert queries.valuation(wh.company)["totals"]["value"] == D("0.01")
