"""A delivery from the warehouse's stock location reserves what sits on the shelves below it,
each portion as a move from its shelf, and ships from there."""

import pytest

from tandem.inventory import services
from tandem.inventory.models import StockMove

from .conftest import D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves(wh):
    top = services.location_create(company=wh.company, name="A", parent=wh.stock_location)
    bin_ = services.location_create(company=wh.company, name="A-1", parent=top)
    return top, bin_


def test_delivery_reserves_from_the_stock_location_then_the_shelves_below(
    wh, make_product, supplier, receive, deliver, shelves
):
    top, bin_ = shelves
    product = make_product("fifo")
    receive(product, "2", "5.00")  # into WH/Stock itself
    for location, qty in ((top, "3"), (bin_, "4")):
        receipt = services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            party=supplier,
            location_dest=location,
            moves=[{"product": product, "quantity": D(qty), "unit_cost": D("5.00")}],
        )
        services.transfer_done(transfer=services.transfer_confirm(transfer=receipt))
    # when 8 are to leave WH/Stock: 2 there, 3 on A, 3 of the 4 on A-1
    delivery = services.transfer_assign(transfer=deliver(product, "8"))
    assert delivery.state == "assigned" and delivery.shortfalls == []
    moves = StockMove.objects.filter(transfer=delivery).order_by("pk")
    assert sorted((m.location_src.name, m.quantity, m.quantity_reserved) for m in moves) == sorted(
        [(wh.stock_location.name, D(2), D(2)), ("A", D(3), D(3)), ("A-1", D(3), D(3))]
    )
    assert sum(m.quantity for m in moves) == D(8)
    assert level(product, bin_) == (D(4), D(3))
    # then shipping takes each portion from its own shelf
    services.transfer_done(transfer=delivery)
    assert level(product, wh.stock_location) == (D(0), D(0))
    assert level(product, top) == (D(0), D(0))
    assert level(product, bin_) == (D(1), D(0))
    assert balance(wh.company, "cogs") == D("40.00")
    assert_integrity()


def test_all_from_one_shelf_moves_the_move_itself(wh, make_product, supplier, deliver, shelves):
    top, _bin = shelves
    product = make_product("fifo")
    receipt = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        party=supplier,
        location_dest=top,
        moves=[{"product": product, "quantity": D(5), "unit_cost": D("2.00")}],
    )
    services.transfer_done(transfer=services.transfer_confirm(transfer=receipt))
    delivery = services.transfer_assign(transfer=deliver(product, "5"))
    move = StockMove.objects.get(transfer=delivery)
    assert (move.location_src_id, move.quantity_reserved) == (top.pk, D(5))


def test_what_no_location_has_is_reported_short(wh, make_product, supplier, deliver, shelves):
    top, _bin = shelves
    product = make_product("fifo")
    receipt = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        party=supplier,
        location_dest=top,
        moves=[{"product": product, "quantity": D(2), "unit_cost": D("2.00")}],
    )
    services.transfer_done(transfer=services.transfer_confirm(transfer=receipt))
    delivery = services.transfer_assign(transfer=deliver(product, "5"))
    assert [s["missing"] for s in delivery.shortfalls] == ["3"]
    moves = StockMove.objects.filter(transfer=delivery).order_by("pk")
    assert sorted((m.location_src_id, m.quantity, m.quantity_reserved) for m in moves) == sorted(
        [(wh.stock_location.pk, D(3), D(0)), (top.pk, D(2), D(2))]
    )
    assert_integrity()
