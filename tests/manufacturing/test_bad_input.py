"""Issue 17's bad input: a stable code, and nothing written."""

import pytest

from tandem.accounting.models import Entry
from tandem.core.errors import DomainError
from tandem.inventory.models import StockLevel, StockMove
from tandem.manufacturing import services
from tandem.manufacturing.models import Bom, BomLine, ManufacturingOrder, MoState

from .conftest import D, uom

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Bom.objects.count(),
        BomLine.objects.count(),
        list(ManufacturingOrder.objects.values_list("state", "quantity_produced")),
        StockMove.objects.count(),
        list(StockLevel.objects.values_list("on_hand", "reserved").order_by("pk")),
        Entry.objects.count(),
    )


def refused(code, call, **kwargs):
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    assert snapshot() == before
    return caught.value


def test_a_bom_containing_itself_at_any_depth_is_refused(factory):
    f = factory
    company = f["company"]
    # directly
    error = refused(
        "bom.cycle",
        services.bom_create,
        company=company,
        product=f["wire"],
        lines=[{"product": f["wire"], "quantity": "1"}],
    )
    assert error.field == "lines.0.product"
    # two levels down: SHADE made of LAMP, while LAMP contains the KIT that contains SHADE
    refused(
        "bom.cycle",
        services.bom_create,
        company=company,
        product=f["shade"],
        lines=[{"product": f["lamp"], "quantity": "1"}],
    )
    # and when an existing BOM is changed to close the loop
    refused(
        "bom.cycle",
        services.bom_update,
        bom=f["kit_bom"],
        lines=[{"product": f["lamp"], "quantity": "1"}],
    )


def test_units_of_another_category_zero_quantities_and_shares_over_100_are_refused(factory):
    f = factory
    company = f["company"]
    error = refused(
        "bom.uom_category",
        services.bom_create,
        company=company,
        product=f["lamp"],
        lines=[{"product": f["wire"], "quantity": "2", "uom": uom(company, "kg")}],
    )
    assert error.field == "lines.0.uom"
    for bad in ("0", "-1"):
        refused(
            "validation.min_value",
            services.bom_create,
            company=company,
            product=f["lamp"],
            quantity=bad,
            lines=[{"product": f["bolt"], "quantity": "1"}],
        )
        refused(
            "validation.min_value",
            services.bom_create,
            company=company,
            product=f["lamp"],
            lines=[{"product": f["bolt"], "quantity": bad}],
        )
    error = refused(
        "bom.cost_share_exceeds",
        services.bom_create,
        company=company,
        product=f["lamp"],
        lines=[{"product": f["bolt"], "quantity": "1"}],
        byproducts=[
            {"product": f["offcut"], "quantity": "1", "cost_share": "60"},
            {"product": f["shade"], "quantity": "1", "cost_share": "50"},
        ],
    )
    assert error.field == "byproducts.1.cost_share"


def test_producing_more_than_planned_needs_the_permission(factory):
    f = factory
    mo = services.mo_create(company=f["company"], bom=f["bom"], quantity="2")
    services.mo_confirm(mo=mo)
    refused("manufacturing_order.overproduction", services.mo_produce, mo=mo, quantity="3")
    # with it, the extra lamp is made (its components taken beyond the plan)
    mo = services.mo_produce(mo=mo, quantity="3", allow_overproduction=True)
    assert mo.quantity_produced == D("3")


def test_consuming_a_lot_not_reserved_or_not_on_hand_is_refused(factory, make_product, receive):
    f = factory
    company = f["company"]
    glass = make_product("fifo", sku="GLASS", tracking="lot")
    receive(glass, "5", "2.00", lot_name="G-1")
    receive(glass, "5", "2.00", lot_name="G-2")
    vase = make_product("fifo", sku="VASE")
    bom = services.bom_create(
        company=company, product=vase, lines=[{"product": glass, "quantity": "1"}]
    )
    mo = services.mo_create(company=company, bom=bom, quantity="3")
    services.mo_confirm(mo=mo)
    services.mo_assign(mo=mo)  # takes 3 of lot G-1
    other = glass.lots.get(name="G-2")
    refused(
        "manufacturing_order.lot_not_reserved",
        services.mo_produce,
        mo=mo,
        quantity="1",
        consumed=[{"product": glass, "quantity": "1", "lot": other}],
    )
    # more wire than the 15 m on hand
    lamp_mo = services.mo_create(company=company, bom=f["bom"], quantity="1")
    services.mo_confirm(mo=lamp_mo)
    refused(
        "stock.insufficient",
        services.mo_produce,
        mo=lamp_mo,
        quantity="1",
        consumed=[{"product": f["wire"], "quantity": "16"}],
    )


def test_actions_out_of_order_answer_409_and_change_nothing(factory):
    f = factory
    mo = services.mo_create(company=f["company"], bom=f["bom"], quantity="1")
    error = refused(
        "manufacturing_order.invalid_transition", services.mo_produce, mo=mo, quantity="1"
    )
    assert error.status == 409
    services.mo_confirm(mo=mo)
    services.mo_assign(mo=mo)
    mo = services.mo_cancel(mo=mo)
    assert mo.state == MoState.CANCELLED
    assert not services.open_moves(mo)
    assert not StockLevel.objects.filter(reserved__gt=0).exists()
    refused("manufacturing_order.cancelled", services.mo_done, mo=mo)
