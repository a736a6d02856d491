"""Worked examples, figures checked by hand: the ledger after every step, WIP 0 at the end."""

import datetime

import pytest

from tandem.inventory.models import ProductStock, StockMove
from tandem.manufacturing import services
from tandem.manufacturing.models import MoState

from .conftest import D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


def ledger(company):
    return {
        role: balance(company, role)
        for role in ("wip", "inventory", "production_absorbed", "production_variance", "expense")
    }


def stock(product):
    row = ProductStock.objects.get(product=product)
    return row.quantity, row.value


def test_explosion_converts_cm_explodes_the_kit_and_rolls_up_the_cost(factory):
    # given the lamp's two-level BOM (a kit inside) with its wire in cm
    bom, f = factory["bom"], factory
    # when one lamp is exploded
    rows = services.bom_explode(bom=bom, quantity="1")
    # then the wire is 1.5 m, the kit's shade and bolts are one level down, all consumed
    assert [(r.level, r.product.sku, r.quantity, r.kind, r.consumed) for r in rows] == [
        (1, "WIRE", D("1.500"), "component", True),
        (1, "KIT", D("1"), "phantom", False),
        (2, "SHADE", D("1"), "component", True),
        (2, "BOLT", D("4"), "component", True),
        (1, "BOLT", D("2"), "component", True),
    ]
    assert services.bom_components(bom=bom, quantity="4") == {
        f["wire"]: D("6.000"),
        f["shade"]: D("4"),
        f["bolt"]: D("24"),
    }
    # and the cost: wire at its average 70.00 / 15 m (1.5 m = 7.00), kit 8.00 + 4 x 0.30,
    # bolts 2 x 0.30, half an hour at 42.00
    cost = services.bom_cost(bom=bom, quantity="1")
    assert [(r.product.sku, r.cost) for r in cost["rows"]] == [
        ("WIRE", D("7.00")),
        ("KIT", D("9.20")),
        ("SHADE", D("8.00")),
        ("BOLT", D("1.20")),
        ("BOLT", D("0.60")),
    ]
    assert cost["materials"] == D("16.80")
    assert [(op["minutes"], op["hours"], op["cost"]) for op in cost["operations"]] == [
        (D("30.00"), D("0.5000"), D("21.00"))
    ]
    assert cost["total"] == D("37.80")
    assert [line.bom.product.sku for line in services.bom_where_used(product=f["bolt"])] == [
        "KIT",
        "LAMP",
    ]


def test_lamps_made_in_two_batches_with_scrap_and_time_leave_wip_at_zero(factory):
    f = factory
    company, wh = f["company"], f["wh"]
    assert ledger(company)["inventory"] == D("180.00")
    # given an order for 4 lamps, confirmed and reserved
    mo = services.mo_create(company=company, bom=f["bom"], quantity="4")
    assert {(c.product.sku, c.quantity) for c in mo.components.all()} == {
        ("WIRE", D("6.000")),
        ("BOLT", D("24")),
        ("SHADE", D("4")),
    }
    assert [(o.product.sku, o.quantity, o.cost_share) for o in mo.outputs.all()] == [
        ("LAMP", D("4"), D("0")),
        ("OFFCUT", D("0.400"), D("10")),
    ]
    services.mo_confirm(mo=mo)
    mo = services.mo_assign(mo=mo)
    assert mo.shortfalls == []
    assert level(f["wire"], wh.stock_location) == (D("15"), D("6"))
    assert level(f["bolt"], wh.stock_location) == (D("100"), D("24"))
    # when an hour is logged at assembly: 30.00 labour + 12.00 overhead into WIP
    log = services.mo_log_work(mo=mo, minutes="60", operation=f["bom"].operations.get())
    assert (log.labour_cost, log.overhead_cost) == (D("30.00"), D("12.00"))
    assert ledger(company) == {
        "wip": D("42.00"),
        "inventory": D("180.00"),
        "production_absorbed": D("-42.00"),
        "production_variance": D("0.00"),
        "expense": D("0.00"),
    }
    # and 2 of the 4 lamps are made: half the components, wire 3 m FIFO at 4.00 = 12.00,
    # bolts 12 x 0.30 = 3.60, shades 2 x 8.00 = 16.00 -> 31.60; WIP 73.60 goes out:
    # offcut 0.2 kg takes 10 % = 7.36, the lamps 66.24 (33.12 each)
    mo = services.mo_produce(mo=mo, quantity="2")
    assert mo.state == MoState.IN_PROGRESS
    assert services.wip_balance(mo) == D("0.00")
    assert ledger(company)["inventory"] == D("222.00")
    assert stock(f["lamp"]) == (D("2"), D("66.24"))
    assert stock(f["offcut"]) == (D("0.200"), D("7.36"))
    assert stock(f["wire"]) == (D("12.000"), D("58.00"))
    assert level(f["wire"], wh.stock_location) == (D("12.000"), D("3.000"))
    # when a reserved shade is scrapped: 8.00 to the loss account, out of inventory
    scrap = services.mo_scrap(mo=mo, product=f["shade"], quantity="1", reason="dented")
    assert scrap.value == D("8.00")
    assert ledger(company)["expense"] == D("8.00")
    assert ledger(company)["inventory"] == D("214.00")
    assert level(f["shade"], wh.stock_location) == (D("7"), D("1"))
    # and the last 2 lamps are made: wire 2 m at 4.00 + 1 m at 5.00 = 13.00, bolts 3.60,
    # shades 16.00 (the scrapped one replaced from free stock) -> 32.60: offcut 3.26,
    # lamps 29.34
    mo = services.mo_produce(mo=mo, quantity="2")
    assert ledger(company)["inventory"] == D("214.00")
    assert stock(f["lamp"]) == (D("4"), D("95.58"))
    assert stock(f["offcut"]) == (D("0.400"), D("10.62"))
    assert level(f["shade"], wh.stock_location) == (D("5"), D("0"))
    # when half an hour more is logged (21.00) and the order is done, the 21.00 goes to
    # the lamps in stock and WIP is back at 0
    services.mo_log_work(mo=mo, minutes="30", work_center=f["asm"])
    assert ledger(company)["wip"] == D("21.00")
    mo = services.mo_done(mo=mo)
    assert mo.state == MoState.DONE
    assert ledger(company) == {
        "wip": D("0.00"),
        "inventory": D("235.00"),
        "production_absorbed": D("-63.00"),
        "production_variance": D("0.00"),
        "expense": D("8.00"),
    }
    assert stock(f["lamp"]) == (D("4"), D("116.58"))
    lamp, offcut = mo.outputs.all()
    assert (lamp.quantity_produced, lamp.value) == (D("4"), D("116.58"))
    assert (offcut.quantity_produced, offcut.value) == (D("0.400"), D("10.62"))
    consumed = {c.product.sku: (c.quantity_consumed, c.value_consumed) for c in mo.components.all()}
    assert consumed == {
        "WIRE": (D("6.000"), D("25.00")),
        "BOLT": (D("24"), D("7.20")),
        "SHADE": (D("4"), D("32.00")),
    }
    assert not services.open_moves(mo)
    assert_integrity()


def test_standard_cost_gear_with_a_backorder_posts_its_variances(books, wh, make_product, receive):
    company = books
    blank = make_product("average", sku="BLANK")
    gear = make_product("standard", sku="GEAR", cost="10.00")
    receive(blank, "10", "3.00")
    mill = services.work_center_create(
        company=company, code="MILL", name="Mill", cost_per_hour="20"
    )
    bom = services.bom_create(
        company=company,
        product=gear,
        lines=[{"product": blank, "quantity": "2"}],
        operations=[{"work_center": mill, "minutes": "6"}],
    )
    mo = services.mo_create(company=company, bom=bom, quantity="5")
    services.mo_confirm(mo=mo)
    # given half an hour on the mill (10.00)
    services.mo_log_work(mo=mo, minutes="30", work_center=mill)
    # when 2 of 5 gears are made and the rest goes to a backorder: blanks 4 x 3.00 =
    # 12.00, WIP 22.00, the gears enter at standard 2 x 10.00: 2.00 unfavourable variance
    mo = services.mo_produce(mo=mo, quantity="2", backorder=True)
    assert mo.state == MoState.DONE
    rest = mo.backorder
    assert (rest.state, rest.quantity, rest.backorder_of_id) == ("confirmed", D("3"), mo.pk)
    assert ledger(company)["wip"] == D("0.00")
    assert ledger(company)["production_variance"] == D("2.00")
    assert stock(gear) == (D("2"), D("20.00"))
    # the first order's unconsumed blanks are no longer waiting; the backorder's are
    assert [m.quantity for m in services.open_moves(rest)] == [D("6")]
    assert not services.open_moves(mo)
    # when the backorder makes its 3: blanks 18.00 against 30.00 at standard: 12.00
    # favourable
    services.mo_produce(mo=rest, quantity="3")
    services.mo_done(mo=rest)
    assert ledger(company) == {
        "wip": D("0.00"),
        "inventory": D("50.00"),
        "production_absorbed": D("-10.00"),
        "production_variance": D("-10.00"),
        "expense": D("0.00"),
    }
    assert stock(blank) == (D("0"), D("0.00"))
    assert stock(gear) == (D("5"), D("50.00"))
    assert StockMove.objects.filter(origin=rest.number, state="done").count() == 2
    assert_integrity()


def test_lots_reserved_by_expiry_are_consumed_and_the_output_gets_its_lot(
    books, wh, make_product, receive
):
    from tandem.manufacturing.queries import consumed_lots

    company = books
    glass = make_product("fifo", sku="GLASS", tracking="lot")
    vase = make_product("fifo", sku="VASE", tracking="lot")
    receive(glass, "5", "3.00", lot_name="G-LATE", expiry_date=datetime.date(2031, 1, 1))
    receive(glass, "2", "2.00", lot_name="G-SOON", expiry_date=datetime.date(2030, 1, 1))
    bom = services.bom_create(
        company=company, product=vase, lines=[{"product": glass, "quantity": "1"}]
    )
    mo = services.mo_create(company=company, bom=bom, quantity="3")
    services.mo_confirm(mo=mo)
    services.mo_assign(mo=mo)
    soon, late = glass.lots.get(name="G-SOON"), glass.lots.get(name="G-LATE")
    # the lot expiring first is reserved first: 2 of G-SOON, 1 of G-LATE
    assert level(glass, wh.stock_location, soon) == (D("2"), D("2"))
    assert level(glass, wh.stock_location, late) == (D("5"), D("1"))
    # when the 3 vases are made under lot V-1: FIFO takes the older layer first, 5 x 3.00
    # received first, so 3 x 3.00 = 9.00 whichever lots left
    mo = services.mo_produce(mo=mo, quantity="3", lot_name="V-1")
    assert consumed_lots(mo) == {glass.pk: sorted([soon.pk, late.pk])}
    assert level(vase, wh.stock_location, vase.lots.get(name="V-1")) == (D("3"), D("0"))
    assert stock(vase) == (D("3"), D("9.00"))
    services.mo_done(mo=mo)
    assert ledger(company)["wip"] == D("0.00")
    assert_integrity()
