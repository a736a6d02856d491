"""MRP and kits: a kit sold is demand on its components (pegged to the order line), never a
planned order of its own."""

import datetime

import pytest

from tandem.manufacturing import services
from tandem.manufacturing.models import PlannedOrder
from tandem.parties.models import Party
from tandem.sales import services as sales

from .conftest import D

pytestmark = pytest.mark.django_db


def test_a_kit_sold_is_planned_as_its_components(factory, make_product):
    company = factory["company"]
    gift = make_product("average", sku="GIFT")
    # GIFT = 1 LAMP + 2 SHADE, a kit
    services.bom_create(
        company=company,
        product=gift,
        type="phantom",
        lines=[
            {"product": factory["lamp"], "quantity": "1"},
            {"product": factory["shade"], "quantity": "2"},
        ],
    )
    customer = Party.objects.create(
        company=company, name="Gift Shop", is_customer=True, currency_id="CNY"
    )
    today = datetime.date(2026, 12, 7)
    order = sales.sales_order_create(
        company=company,
        party=customer,
        lines=[{"product": gift, "quantity": D(5), "unit_price": D(80)}],
        commitment_date=today + datetime.timedelta(14),
    )
    order = sales.sales_order_confirm(order=order)
    line = order.lines.get()

    services.mrp_run(company=company, today=today)

    planned = {
        p.product.sku: p
        for p in PlannedOrder.objects.filter(company=company).select_related("product")
    }
    assert "GIFT" not in planned
    lamp = planned["LAMP"]
    assert (lamp.kind, lamp.quantity) == ("manufacture", D(5))
    assert [(p.demand_kind, p.demand_id, p.quantity) for p in lamp.pegging.all()] == [
        ("sales_order_line", line.pk, D(5))
    ]
    # 10 shades for the gifts and 5 inside the lamps' kit, 10 on hand
    assert planned["SHADE"].quantity == D(5)
