"""The manufacturing demo: orders in every state, lots with genealogy, a held lot, an MRP run
whose planned orders can be firmed; the books reconcile; a second load changes nothing."""

import pytest

from tandem.manufacturing import services
from tandem.manufacturing.demo import load_manufacturing_demo
from tandem.manufacturing.models import (
    ManufacturingOrder,
    PlannedOrder,
    QualityAlert,
    QualityCheck,
    WorkCenter,
)

from .conftest import D, assert_integrity, balance

pytestmark = pytest.mark.django_db


def test_the_lamp_factory_demo(books, wh, supplier):
    company = books
    load_manufacturing_demo(company=company)
    states = sorted(
        ManufacturingOrder.objects.filter(company=company).values_list("product__sku", "state")
    )
    assert states == [
        ("MFG-ARM", "cancelled"),
        ("MFG-ARM", "done"),
        ("MFG-DESK", "done"),
        ("MFG-DESK", "draft"),
        ("MFG-FLOOR", "confirmed"),
        ("MFG-HEAD", "done"),
        ("MFG-HEAD", "in_progress"),
    ]
    # genealogy two levels down from the desk lamps' lot
    desk_lot = ManufacturingOrder.objects.get(product__sku="MFG-DESK", state="done")
    lot = desk_lot.genealogy.get().lot
    tree = services.lot_components(lot)
    assert [(n["name"], n["quantity"]) for n in tree] == [("HD-0001", D("6"))]
    assert [(n["name"], n["quantity"]) for n in tree[0]["children"]] == [("LED-2601", D("10"))]
    # the failed light test holds HD-0002 and raised an alert
    failed = QualityCheck.objects.get(state="fail")
    assert (failed.lot.name, failed.measure, failed.holds) == ("HD-0002", D("742"), True)
    assert QualityAlert.objects.get().lot_id == failed.lot_id
    # the done orders left nothing in WIP; what WIP holds is the open head order's
    in_progress = ManufacturingOrder.objects.get(state="in_progress")
    assert balance(company, "wip") == services.wip_balance(in_progress)
    # MRP planned lamps for the forecast and bought components from the supplier, firmable
    planned = PlannedOrder.objects.filter(company=company)
    kinds = {(p.kind, p.product.sku) for p in planned}
    assert ("manufacture", "MFG-DESK") in kinds and ("purchase", "MFG-LED") in kinds
    purchase = planned.filter(kind="purchase").order_by("id").first()
    assert purchase.supplier_id is not None
    firmed = services.planned_order_firm(planned=purchase)
    assert firmed.purchase_order_id is not None
    # the paint line works two shifts Monday to Saturday on its own calendar
    paint = WorkCenter.objects.get(company=company, code="PNT")
    assert (paint.calendar.name, paint.capacity_hours_per_day) == ("Paint line shifts", D("16"))
    assert WorkCenter.objects.get(company=company, code="ASM").calendar is None
    assert_integrity()
    before = ManufacturingOrder.objects.count()
    assert load_manufacturing_demo(company=company) == {"loaded": "before"}
    assert ManufacturingOrder.objects.count() == before
