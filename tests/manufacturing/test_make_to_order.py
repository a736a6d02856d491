"""Make to order: a manufacturing order from a confirmed sales order line, for what the line
still needs, by its commitment date; refused when the order is not confirmed, when the
product has no BOM and when the line is covered already (nothing written)."""

from datetime import timedelta

import pytest

from tandem.catalog.services.pricing import company_today
from tandem.core.errors import DomainError
from tandem.manufacturing import services
from tandem.manufacturing.models import ManufacturingOrder
from tandem.parties.models import Party
from tandem.sales import services as sales

from .conftest import D

pytestmark = pytest.mark.django_db


def order_for(f, lines, confirm=True):
    company = f["company"]
    customer = Party.objects.filter(company=company, name="Lamp Shop").first()
    customer = customer or Party.objects.create(
        company=company, name="Lamp Shop", is_customer=True, currency_id="CNY"
    )
    order = sales.sales_order_create(
        company=company,
        party=customer,
        lines=lines,
        commitment_date=company_today(company) + timedelta(10),
    )
    if confirm:
        sales.sales_order_confirm(order=order)
    return order


def test_an_order_made_for_a_sales_line_and_not_twice(factory):
    f = factory
    order = order_for(f, [{"product": f["lamp"], "quantity": D(12), "unit_price": D(50)}])
    line = order.lines.get()
    mo = services.mo_from_sales_line(line=line)
    assert (mo.product, mo.quantity, mo.bom, mo.sales_order_id, mo.state) == (
        f["lamp"],
        D("12"),
        f["bom"],
        order.pk,
        "draft",
    )
    assert mo.planned_end == order.commitment_date
    # its components come from the BOM: 12 x 1.5 m of wire
    assert mo.components.get(product=f["wire"]).quantity == D("18")
    # the line is covered now: a second order is refused, nothing written
    with pytest.raises(DomainError) as refused:
        services.mo_from_sales_line(line=line)
    assert (refused.value.code, refused.value.status) == (
        "manufacturing_order.sales_line_covered",
        409,
    )
    # a cancelled order no longer covers it
    services.mo_cancel(mo=mo)
    again = services.mo_from_sales_line(line=line)
    assert again.quantity == D("12")
    assert ManufacturingOrder.objects.filter(sales_order=order).count() == 2


def test_refusals_write_nothing(factory):
    f = factory
    draft = order_for(
        f, [{"product": f["lamp"], "quantity": D(2), "unit_price": D(50)}], confirm=False
    )
    with pytest.raises(DomainError) as refused:
        services.mo_from_sales_line(line=draft.lines.get())
    assert (refused.value.code, refused.value.status) == (
        "manufacturing_order.sales_line_state",
        409,
    )
    no_bom = order_for(f, [{"product": f["bolt"], "quantity": D(2), "unit_price": D(1)}])
    with pytest.raises(DomainError) as refused:
        services.mo_from_sales_line(line=no_bom.lines.get())
    assert (refused.value.code, refused.value.status) == ("bom.missing", 422)
    assert not ManufacturingOrder.objects.exists()


def test_through_the_api(api, factory):
    f = factory
    order = order_for(f, [{"product": f["lamp"], "quantity": D(3), "unit_price": D(50)}])
    line = order.lines.get()
    answer = api.post("/manufacturing-orders/from-sales-line", {"sales_order_line": line.pk})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["quantity"], body["sales_order"], body["state"]) == ("3.000000", order.pk, "draft")
    answer = api.post("/manufacturing-orders/from-sales-line", {"sales_order_line": line.pk})
    assert (answer.status_code, answer.json()["code"]) == (
        409,
        "manufacturing_order.sales_line_covered",
    )
    answer = api.post("/manufacturing-orders/from-sales-line", {"sales_order_line": 999999})
    assert (answer.status_code, answer.json()["code"]) == (422, "reference.invalid")
    assert ManufacturingOrder.objects.count() == 1
