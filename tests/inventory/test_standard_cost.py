"""A product's costing changes in the catalog: a new standard cost revalues the units on hand
in the books, a new valuation method waits until no units are on hand."""

import pytest

from tandem.catalog.services import product_update
from tandem.core.errors import DomainError
from tandem.inventory import services
from tandem.inventory.models import ProductStock, ValuationLayer

from .conftest import D, assert_integrity, balance

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("new_cost", "difference"), [("10.00", "20.00"), ("5.00", "-30.00")])
def test_new_standard_cost_revalues_the_stock_on_hand(
    wh, make_product, receive, deliver, new_cost, difference
):
    # given 10 units of a standard-cost product valued at 8.00
    product = make_product("standard", cost="8.00")
    receive(product, "10", "8.00")
    company = wh.company
    assert balance(company, "inventory") == D("80.00")
    expense_before = balance(company, "expense")
    # when the standard cost changes
    product_update(product=product, cost_price=D(new_cost))
    # then stock, layers and the inventory account hold 10 x the new cost, the difference
    # against the stock gain/loss account (expense by default)
    value = D(new_cost) * 10
    stock = ProductStock.objects.get(product=product)
    assert (stock.quantity, stock.value) == (D(10), value)
    assert balance(company, "inventory") == value
    assert balance(company, "expense") - expense_before == -D(difference)
    revaluation = ValuationLayer.objects.get(product=product, move=None)
    assert (revaluation.quantity, revaluation.value) == (D(0), D(difference))
    assert_integrity()
    # and the units leave at the new cost, emptying the account exactly
    services.transfer_done(transfer=deliver(product, "10"))
    assert balance(company, "cogs") == value
    assert balance(company, "inventory") == D("0.00")
    assert_integrity()


def test_cost_change_of_a_product_without_stock_posts_nothing(wh, make_product):
    product = make_product("standard", cost="8.00")
    product_update(product=product, cost_price=D("9.00"))
    assert not ValuationLayer.objects.filter(product=product).exists()
    assert balance(wh.company, "inventory") == D("0.00")


def test_fifo_cost_price_is_only_a_default_and_revalues_nothing(wh, make_product, receive):
    product = make_product("fifo", cost="8.00")
    receive(product, "10", "8.00")
    product_update(product=product, cost_price=D("12.00"))
    assert ProductStock.objects.get(product=product).value == D("80.00")
    assert balance(wh.company, "inventory") == D("80.00")


def test_valuation_method_is_locked_while_units_are_on_hand(wh, make_product, receive, deliver):
    product = make_product("fifo", cost="8.00")
    receive(product, "10", "8.00")
    with pytest.raises(DomainError) as refused:
        product_update(product=product, valuation="average", cost_price=D("9.00"))
    assert refused.value.code == "product.valuation_in_stock"
    product.refresh_from_db()
    assert (product.valuation, product.cost_price) == ("fifo", D("8.00"))
    # once the stock is gone the method may change
    services.transfer_done(transfer=deliver(product, "10"))
    product_update(product=product, valuation="average")
    product.refresh_from_db()
    assert product.valuation == "average"
    assert_integrity()


def test_api_refuses_a_valuation_change_with_stock_and_changes_nothing(
    api, wh, make_product, receive
):
    product = make_product("standard", cost="8.00")
    receive(product, "10", "8.00")
    response = api.patch(f"/products/{product.pk}", {"valuation": "fifo"})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "product.valuation_in_stock"
    product.refresh_from_db()
    assert product.valuation == "standard"
    response = api.patch(f"/products/{product.pk}", {"cost_price": "9.00"})
    assert response.status_code == 200, response.content
    assert balance(wh.company, "inventory") == D("90.00")
