import random

import pytest

from tandem.catalog.services import product_create
from tandem.core.integrity import run_all
from tandem.inventory.demo import load_inventory_demo
from tandem.parties.models import Party
from tandem.sales.demo import load_sales_demo
from tandem.sales.models import OrderException, SalesOrder, SalesReturn

pytestmark = pytest.mark.django_db


def test_sales_demo_makes_orders_in_every_state(books, wh):
    # a company prepared like the demo: customers, goods, then the inventory demo
    for n in range(10):
        Party.objects.create(
            company=books, name=f"Customer {n}", is_customer=True, currency_id="CNY"
        )
    Party.objects.create(company=books, name="Supplier", is_supplier=True, currency_id="CNY")
    for n in range(12):
        product_create(
            company=books,
            sku=f"D{n:02d}",
            name=f"Demo {n}",
            type="goods",
            list_price=f"{50 + n}",
            cost_price=f"{10 + n}",
            valuation="fifo",
        )
    load_inventory_demo(books, rng=random.Random(7), size="small")
    result = load_sales_demo(books, rng=random.Random(7), size="small")
    assert result["skipped"] == 0
    assert result["orders"] == SalesOrder.objects.filter(company=books).count() == 30
    states = set(SalesOrder.objects.values_list("state", flat=True))
    assert states == {"draft", "confirmed", "done", "cancelled"}
    payments = set(SalesOrder.objects.values_list("payment_status", flat=True))
    assert {"paid", "not_paid"} <= payments
    assert SalesReturn.objects.get().state == "refunded"
    open_kinds = set(OrderException.objects.filter(state="open").values_list("kind", flat=True))
    assert {"delivery_failed", "payment_overdue"} <= open_kinds
    report = run_all()
    assert report.ok, report.render()
