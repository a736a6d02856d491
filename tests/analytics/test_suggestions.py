"""The quotation editor's "Suggested" panel: stored "for this customer" and "bought together"
rows, without the products already on the order, flagged when stock cannot cover them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tandem.analytics import queries
from tandem.analytics.models import ModelName, ModelRun, RunState
from tandem.analytics.services import analytics_train
from tandem.catalog.services import product_create
from tandem.parties.services import party_create
from tandem.sales.models import OrderState, SalesOrder, SalesOrderLine

from .conftest import AS_OF


def _orders(company, plan):
    """Done orders, one per (party, [(product, quantity)]), a day apart up to AS_OF."""
    stamp = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC)
    orders = [
        SalesOrder(
            company=company,
            party=party,
            currency_id=company.currency_id,
            state=OrderState.DONE,
            number=f"T-{i:04d}",
            quotation_number=f"T-{i:04d}",
            channel="history",
            order_date=AS_OF - timedelta(days=len(plan) - i),
            confirmed_at=stamp,
        )
        for i, (party, _items) in enumerate(plan)
    ]
    SalesOrder.objects.bulk_create(orders)
    SalesOrderLine.objects.bulk_create(
        SalesOrderLine(
            company=company,
            order=order,
            sequence=10 * n,
            product=product,
            quantity=Decimal(quantity),
            uom_id=product.uom_id,
            unit_price=product.list_price,
            untaxed_amount=product.list_price * quantity,
            total_amount=product.list_price * quantity,
        )
        for order, (_party, items) in zip(orders, plan, strict=True)
        for n, (product, quantity) in enumerate(items, start=1)
    )


@pytest.fixture
def pasta_and_sauce(company):
    """60 orders of 10 customers: pasta always with sauce (3 jars), plus milk, bread or eggs;
    Ann buys tea every time and pasta never."""
    names = ["pasta", "sauce", "milk", "bread", "eggs", "tea"]
    products = {
        name: product_create(
            company=company, sku=name.upper(), name=name.title(), list_price=Decimal(4)
        )
        for name in names
    }
    buyers = [party_create(company=company, name=f"Buyer {i}", is_customer=True) for i in range(9)]
    ann = party_create(company=company, name="Ann", is_customer=True)
    plan = []
    for i in range(54):
        extra = products[["milk", "bread", "eggs"][i % 3]]
        plan.append((buyers[i % 9], [(products["pasta"], 1), (products["sauce"], 3), (extra, 1)]))
    plan += [(ann, [(products["tea"], 2), (products["milk"], 1)]) for _ in range(6)]
    _orders(company, plan)
    analytics_train(company=company, as_of=AS_OF, only=["recommendations"])
    return products, buyers, ann


def test_the_pair_that_goes_together_is_suggested_without_what_is_on_the_order(
    company, pasta_and_sauce, django_assert_num_queries
):
    products, buyers, _ann = pasta_and_sauce
    assert ModelRun.objects.filter(
        company=company, name=ModelName.BOUGHT_TOGETHER, state=RunState.ACTIVE
    ).exists()
    # when a buyer's quotation already holds pasta
    with django_assert_num_queries(3):
        found = queries.order_suggestions(
            company, party_id=buyers[0].pk, product_ids=[products["pasta"].pk]
        )
    # then sauce comes first, bought before by this customer, at its usual 3 jars
    first = found["for_customer"][0]
    assert first["product"] == products["sauce"]
    assert first["reason"] == "repeat" and first["quantity"] == Decimal("3.000")
    offered = [i["product"] for i in found["for_customer"] + found["bought_together"]]
    assert products["pasta"] not in offered  # already on the order
    assert len(offered) == len(set(offered))  # nothing twice
    # nothing is in stock: every goods item is flagged short
    assert first["available"] == 0 and first["short"] is True


def test_bought_together_follows_the_lines_for_a_customer_with_no_history(company, pasta_and_sauce):
    products, _buyers, _ann = pasta_and_sauce
    found = queries.order_suggestions(company, party_id=None, product_ids=[products["pasta"].pk])
    assert found["for_customer"] == []
    assert found["bought_together"][0]["product"] == products["sauce"]
    assert found["bought_together"][0]["reason"] == "together"


def test_the_panel_answers_for_the_form_being_typed(web, company, pasta_and_sauce):
    products, _buyers, ann = pasta_and_sauce
    # given Ann's quotation with tea on a line: her own milk is suggested, tea is not
    response = web.get(
        "/sales/orders/suggestions/",
        {"party": ann.pk, "lines-n1a-product": products["tea"].pk, "lines-n1a-quantity": "2"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="suggestions"' in html
    assert f'data-suggest-add data-product="{products["milk"].pk}"' in html
    assert f'data-product="{products["tea"].pk}"' not in html  # on the order already
    assert "Bought before by this customer" in html
    assert "Only 0 available" in html and "/purchasing/replenishment/" in html


def test_the_panel_without_a_customer_or_lines_asks_for_one(web, company):
    response = web.get("/sales/orders/suggestions/", {"party": "x", "lines-a-product": "-3"})
    assert response.status_code == 200
    assert "Pick a customer or a product" in response.content.decode()


def test_the_quotation_editor_loads_the_panel(web, company):
    html = web.get("/sales/orders/new/").content.decode()
    assert 'id="order-suggestions"' in html and "/sales/orders/suggestions/" in html
    assert "analytics/suggest.js" in html
