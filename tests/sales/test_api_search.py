"""`search` on /returns, /order-exceptions and /sla-policies (audit finding 7: it was
ignored and every row came back)."""

from decimal import Decimal

import pytest

from tandem.parties.models import Party
from tandem.sales import services
from tandem.sales.services.orders import exception_open

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orders(books, customer, make_product, order_of, stock_in):
    """Two confirmed orders of one product, to Beijing Customer and to Shenzhen Retail."""
    other = Party.objects.create(
        company=books, name="Shenzhen Retail", is_customer=True, currency_id="CNY"
    )
    product = make_product("100")
    stock_in(product, 10)
    first = services.sales_order_confirm(order=order_of((product, 2)))
    second = services.sales_order_confirm(order=order_of((product, 3), party=other))
    return first, second


def test_returns_match_number_customer_or_order_number(api, two_orders):
    made = []
    for order in two_orders:
        services.delivery_step(order=order, step="ship")
        services.sales_order_invoice(orders=[order], post=True)
        line = order.lines.get()
        made.append(
            services.sales_return_create(order=order, lines=[{"order_line": line, "quantity": 1}])
        )
    first, second = made

    by_number = api.listed("/returns", search=second.number.lower())
    by_customer = api.listed("/returns", search="shenzhen")
    by_order = api.listed("/returns", search=two_orders[0].number)
    none = api.listed("/returns", search="zzzqqqnotthere")

    assert [r["id"] for r in by_number["items"]] == [second.pk]
    assert [r["id"] for r in by_customer["items"]] == [second.pk]
    assert [r["id"] for r in by_order["items"]] == [first.pk]
    assert none == {"items": [], "count": 0}


def test_order_exceptions_match_order_number_kind_or_detail(api, two_orders):
    first, second = two_orders
    shortage = exception_open(order=first, kind="stock_shortage", detail="Short of widgets")
    overdue = exception_open(order=second, kind="payment_overdue", detail="Invoice 30 days late")

    by_order = api.listed("/order-exceptions", search=second.number)
    by_kind = api.listed("/order-exceptions", search="shortage")
    by_detail = api.listed("/order-exceptions", search="DAYS LATE")
    none = api.listed("/order-exceptions", search="zzzqqqnotthere")
    wildcard = api.listed("/order-exceptions", search="%")

    assert [e["id"] for e in by_order["items"]] == [overdue.pk]
    assert [e["id"] for e in by_kind["items"]] == [shortage.pk]
    assert [e["id"] for e in by_detail["items"]] == [overdue.pk]
    assert none["count"] == 0
    assert wildcard["count"] == 0  # a LIKE wildcard is a literal character here


def test_sla_policies_match_name_or_stage(api, books):
    ship = services.sla_policy_create(
        company=books, stage="shipped", target_hours=D("48"), name="Ship in two days"
    )
    pack = services.sla_policy_create(company=books, stage="packed", target_hours=D("24"))

    by_name = api.listed("/sla-policies", search="two DAYS")
    by_stage = api.listed("/sla-policies", search="packed")
    none = api.listed("/sla-policies", search="zzzqqqnotthere")

    assert [p["id"] for p in by_name["items"]] == [ship.pk]
    assert [p["id"] for p in by_stage["items"]] == [pack.pk]
    assert none["count"] == 0
