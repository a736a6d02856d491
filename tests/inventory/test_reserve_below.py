"""A delivery from the warehouse's stock location reserves what sits on the shelves below it,
nearest first, each portion as a move from its shelf, and ships from there."""

import threading
from datetime import date

import pytest
from django.db import connection

from tandem.accounting import services as accounting
from tandem.catalog.services import product_create
from tandem.core.errors import DomainError
from tandem.inventory import services
from tandem.inventory.models import Location, Lot, MoveState, StockMove

from .conftest import YEAR, D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves(wh):
    top = services.location_create(company=wh.company, name="A", parent=wh.stock_location)
    bin_ = services.location_create(company=wh.company, name="A-1", parent=top)
    return top, bin_


@pytest.fixture
def put(wh, supplier):
    """put(product, location, qty, unit_cost="2.00", **move): a done receipt into `location`."""

    def run(product, location, qty, unit_cost="2.00", **move):
        receipt = services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            party=supplier,
            location_dest=location,
            moves=[{"product": product, "quantity": D(qty), "unit_cost": D(unit_cost), **move}],
        )
        return services.transfer_done(transfer=services.transfer_confirm(transfer=receipt))

    return run


def _moves(transfer):
    """(source name, lot name, quantity, reserved) of the transfer's moves, sorted."""
    return sorted(
        (m.location_src.name, m.lot.name if m.lot else "", m.quantity, m.quantity_reserved)
        for m in StockMove.objects.filter(transfer=transfer).select_related("location_src", "lot")
    )


def test_delivery_reserves_from_the_stock_location_then_the_shelves_below(
    wh, make_product, receive, deliver, shelves, put
):
    top, bin_ = shelves
    product = make_product("fifo")
    receive(product, "2", "5.00")  # into WH/Stock itself
    put(product, top, "3", "5.00")
    put(product, bin_, "4", "5.00")
    # when 8 are to leave WH/Stock: 2 there, 3 on A, 3 of the 4 on A-1
    delivery = deliver(product, "8")
    (original,) = StockMove.objects.filter(transfer=delivery)
    delivery = services.transfer_assign(transfer=delivery)
    assert delivery.state == "assigned" and delivery.shortfalls == []
    assert _moves(delivery) == [
        ("A", "", D(3), D(3)),
        ("A-1", "", D(3), D(3)),
        ("Stock", "", D(2), D(2)),
    ]
    # the move itself keeps what its own location holds
    original.refresh_from_db()
    assert (original.location_src_id, original.quantity) == (wh.stock_location.pk, D(2))
    assert level(product, bin_) == (D(4), D(3))
    # then shipping takes each portion from its own shelf
    services.transfer_done(transfer=delivery)
    assert level(product, wh.stock_location) == (D(0), D(0))
    assert level(product, top) == (D(0), D(0))
    assert level(product, bin_) == (D(1), D(0))
    assert balance(wh.company, "cogs") == D("40.00")
    assert_integrity()


def test_all_from_one_shelf_moves_the_move_itself(wh, make_product, deliver, shelves, put):
    top, _bin = shelves
    product = make_product("fifo")
    put(product, top, "5")
    delivery = services.transfer_assign(transfer=deliver(product, "5"))
    move = StockMove.objects.get(transfer=delivery)
    assert (move.location_src_id, move.quantity, move.quantity_reserved) == (top.pk, D(5), D(5))
    assert delivery.state == MoveState.ASSIGNED


def test_nothing_at_the_source_the_move_becomes_the_nearest_portion(
    wh, make_product, deliver, shelves, put
):
    top, bin_ = shelves
    product = make_product("fifo")
    put(product, top, "2")
    put(product, bin_, "3")
    delivery = deliver(product, "5")
    (original,) = StockMove.objects.filter(transfer=delivery)
    services.transfer_assign(transfer=delivery)
    original.refresh_from_db()
    assert (original.location_src_id, original.quantity, original.quantity_reserved) == (
        top.pk,
        D(2),
        D(2),
    )
    assert _moves(delivery) == [("A", "", D(2), D(2)), ("A-1", "", D(3), D(3))]


def test_nearest_first_by_depth_then_id(wh, make_product, deliver, shelves, put):
    top, bin_ = shelves
    later = services.location_create(company=wh.company, name="B", parent=wh.stock_location)
    assert later.pk > bin_.pk
    product = make_product("fifo")
    put(product, bin_, "4")
    put(product, later, "4")
    # B is one level down, A-1 two: B goes first although it was made after A-1
    delivery = services.transfer_assign(transfer=deliver(product, "6"))
    assert _moves(delivery) == [("A-1", "", D(2), D(2)), ("B", "", D(4), D(4))]
    assert level(product, later) == (D(4), D(4))
    assert level(product, bin_) == (D(4), D(2))
    assert_integrity()


def test_what_no_location_has_is_reported_short(wh, make_product, deliver, shelves, put):
    top, _bin = shelves
    product = make_product("fifo")
    put(product, top, "2")
    delivery = deliver(product, "5")
    (original,) = StockMove.objects.filter(transfer=delivery)
    delivery = services.transfer_assign(transfer=delivery)
    assert delivery.state == MoveState.CONFIRMED
    assert delivery.shortfalls == [
        {"move": original.pk, "product": product.sku, "location": "WH/Stock", "missing": "3"}
    ]
    assert _moves(delivery) == [("A", "", D(2), D(2)), ("Stock", "", D(3), D(0))]
    assert_integrity()


def test_strict_refuses_what_no_location_has_and_changes_nothing(
    wh, make_product, receive, deliver, shelves, put
):
    top, _bin = shelves
    product = make_product("fifo")
    receive(product, "1", "2.00")
    put(product, top, "2")
    delivery = deliver(product, "5")
    with pytest.raises(DomainError) as refused:
        services.transfer_assign(transfer=delivery, strict=True)
    assert refused.value.code == "stock.insufficient"
    assert [s["missing"] for s in refused.value.extra["shortfalls"]] == ["2"]
    assert _moves(delivery) == [("Stock", "", D(5), D(0))]
    assert level(product, wh.stock_location) == (D(1), D(0))
    assert level(product, top) == (D(2), D(0))


def test_reserved_stock_on_a_shelf_is_not_taken_twice(wh, make_product, deliver, shelves, put):
    top, _bin = shelves
    product = make_product("fifo")
    put(product, top, "3")
    services.transfer_assign(transfer=deliver(product, "2"))
    second = services.transfer_assign(transfer=deliver(product, "2"))
    assert [s["missing"] for s in second.shortfalls] == ["1"]
    assert level(product, top) == (D(3), D(3))
    assert_integrity()


def test_an_internal_move_down_to_a_shelf_does_not_pick_from_that_shelf(
    wh, make_product, receive, shelves, put
):
    top, bin_ = shelves
    other = services.location_create(company=wh.company, name="B", parent=wh.stock_location)
    product = make_product("fifo")
    receive(product, "1", "2.00")
    put(product, top, "5")
    put(product, bin_, "5")
    put(product, other, "2")
    transfer = services.transfer_create(
        company=wh.company,
        kind="internal",
        location_src=wh.stock_location,
        location_dest=top,
        moves=[{"product": product, "quantity": D(4)}],
        confirm=True,
    )
    transfer = services.transfer_assign(transfer=transfer)
    # neither A nor A-1 (under A): WH/Stock's 1, B's 2, 1 short
    assert [s["missing"] for s in transfer.shortfalls] == ["1"]
    assert _moves(transfer) == [("B", "", D(2), D(2)), ("Stock", "", D(2), D(1))]
    assert_integrity()


def test_inactive_shelves_and_what_is_below_them_are_passed_over(
    wh, make_product, deliver, shelves, put
):
    top, bin_ = shelves
    product = make_product("fifo")
    put(product, bin_, "5")
    Location.objects.filter(pk=top.pk).update(active=False)
    delivery = services.transfer_assign(transfer=deliver(product, "2"))
    assert [s["missing"] for s in delivery.shortfalls] == ["2"]
    assert level(product, bin_) == (D(5), D(0))


def test_negative_stock_is_owed_at_the_source_only_for_what_no_shelf_has(
    wh, make_product, receive, deliver, shelves, put
):
    top, _bin = shelves
    product = make_product("fifo", cost="2.00")
    services.product_stock_update(product=product, allow_negative=True)
    receive(product, "1", "2.00")
    put(product, top, "3")
    delivery = services.transfer_assign(transfer=deliver(product, "6"))
    assert delivery.state == MoveState.ASSIGNED and delivery.shortfalls == []
    assert _moves(delivery) == [("A", "", D(3), D(3)), ("Stock", "", D(3), D(3))]
    services.transfer_done(transfer=delivery)
    assert level(product, wh.stock_location) == (D(-2), D(0))
    assert level(product, top) == (D(0), D(0))
    assert_integrity()


def test_lots_leave_by_first_expiry_across_the_source_and_its_shelves(
    wh, make_product, receive, deliver, shelves, put
):
    top, bin_ = shelves
    product = make_product("fifo", tracking="lot")
    receive(product, "1", "1.00", lot_name="HERE", expiry_date=date(2032, 1, 1))
    put(product, top, "2", lot_name="LATE", expiry_date=date(2031, 1, 1))
    put(product, top, "2", lot_name="SOON", expiry_date=date(2030, 1, 1))
    put(product, bin_, "5", lot_name="DEEP", expiry_date=date(2029, 1, 1))
    delivery = deliver(product, "6")
    (original,) = StockMove.objects.filter(transfer=delivery)
    delivery = services.transfer_assign(transfer=delivery)
    assert delivery.state == MoveState.ASSIGNED
    # the bin's lot expires first, then the shelf's sooner lot; the fresher ones stay
    assert _moves(delivery) == [
        ("A", "SOON", D(1), D(1)),
        ("A-1", "DEEP", D(5), D(5)),
    ]
    original.refresh_from_db()  # nothing short: the move took the first lot
    assert (original.location_src_id, original.lot.name) == (bin_.pk, "DEEP")
    services.transfer_done(transfer=delivery)
    assert_integrity()


def test_a_short_lot_delivery_keeps_the_shortfall_on_the_move(
    wh, make_product, deliver, shelves, put
):
    top, _bin = shelves
    product = make_product("fifo", tracking="lot")
    put(product, top, "2", lot_name="L1")
    delivery = deliver(product, "5")
    (original,) = StockMove.objects.filter(transfer=delivery)
    delivery = services.transfer_assign(transfer=delivery)
    assert [(s["move"], s["missing"]) for s in delivery.shortfalls] == [(original.pk, "3")]
    assert _moves(delivery) == [("A", "L1", D(2), D(2)), ("Stock", "", D(3), D(0))]
    assert_integrity()


def test_a_chosen_lot_is_found_on_a_shelf(wh, make_product, deliver, shelves, put):
    top, _bin = shelves
    product = make_product("fifo", tracking="lot")
    put(product, top, "2", lot_name="L1")
    put(product, top, "2", lot_name="L2")
    lot = Lot.objects.get(product=product, name="L2")
    delivery = services.transfer_assign(transfer=deliver(product, "2", lot=lot))
    assert _moves(delivery) == [("A", "L2", D(2), D(2))]
    assert level(product, top, lot) == (D(2), D(2))


def test_unreserve_releases_the_shelves_and_sends_the_moves_back_to_the_source(
    wh, make_product, receive, deliver, shelves, put
):
    top, bin_ = shelves
    product = make_product("fifo")
    receive(product, "1", "2.00")
    put(product, top, "2")
    put(product, bin_, "2")
    delivery = services.transfer_assign(transfer=deliver(product, "5"))
    assert _moves(delivery) == [
        ("A", "", D(2), D(2)),
        ("A-1", "", D(2), D(2)),
        ("Stock", "", D(1), D(1)),
    ]
    delivery = services.transfer_unreserve(transfer=delivery)
    assert delivery.state == MoveState.CONFIRMED
    assert _moves(delivery) == [
        ("Stock", "", D(1), D(0)),
        ("Stock", "", D(2), D(0)),
        ("Stock", "", D(2), D(0)),
    ]
    for location in (wh.stock_location, top, bin_):
        assert level(product, location)[1] == D(0)
    assert_integrity()
    # shelf A is emptied meanwhile: reserving again picks what is there now
    from_a = services.transfer_create(
        company=wh.company,
        kind="delivery",
        warehouse=wh,
        location_src=top,
        moves=[{"product": product, "quantity": D(2)}],
        confirm=True,
    )
    services.transfer_done(transfer=services.transfer_assign(transfer=from_a))
    assert level(product, top) == (D(0), D(0))
    again = services.transfer_assign(transfer=delivery)
    assert [s["missing"] for s in again.shortfalls] == ["2"]
    assert sum(m.quantity for m in StockMove.objects.filter(transfer=delivery)) == D(5)
    assert level(product, bin_) == (D(2), D(2))
    assert level(product, wh.stock_location) == (D(1), D(1))
    assert_integrity()


def test_partly_done_split_moves_leave_their_rest_on_the_backorder_from_their_shelf(
    wh, make_product, receive, deliver, shelves, put
):
    top, bin_ = shelves
    product = make_product("fifo")
    receive(product, "2", "2.00")
    put(product, top, "3")
    put(product, bin_, "4")
    delivery = services.transfer_assign(transfer=deliver(product, "8"))
    by_shelf = {m.location_src_id: m for m in StockMove.objects.filter(transfer=delivery)}
    # when 2 of A's 3 and all of A-1's 3 ship, WH/Stock's 2 not at all
    done = services.transfer_done(
        transfer=delivery, quantities={by_shelf[top.pk].pk: D(2), by_shelf[bin_.pk].pk: D(3)}
    )
    backorder = done.backorder
    assert backorder.state == MoveState.ASSIGNED
    assert _moves(backorder) == [("A", "", D(1), D(1)), ("Stock", "", D(2), D(2))]
    # the untouched move went to the backorder whole
    assert StockMove.objects.get(pk=by_shelf[wh.stock_location.pk].pk).transfer_id == backorder.pk
    assert level(product, top) == (D(1), D(1))
    assert level(product, bin_) == (D(1), D(0))
    assert level(product, wh.stock_location) == (D(2), D(2))
    assert_integrity()
    services.transfer_done(transfer=backorder)
    assert level(product, top) == (D(0), D(0))
    assert level(product, wh.stock_location) == (D(0), D(0))
    assert balance(wh.company, "cogs") == D("16.00")
    assert_integrity()


def test_cancel_releases_every_shelf(wh, make_product, receive, deliver, shelves, put):
    top, bin_ = shelves
    product = make_product("fifo")
    receive(product, "1", "2.00")
    put(product, bin_, "4")
    delivery = services.transfer_assign(transfer=deliver(product, "3"))
    services.transfer_cancel(transfer=delivery)
    assert level(product, bin_) == (D(4), D(0))
    assert level(product, wh.stock_location) == (D(1), D(0))
    assert_integrity()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_deliveries_at_once_share_the_stock_location_and_its_shelves(company):
    # given 3 units in WH/Stock, 4 on shelf A and 2 on bin A-1 under it
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    wh = services.warehouse_create(company=company, code="WH", name="Main")
    top = services.location_create(company=company, name="A", parent=wh.stock_location)
    bin_ = services.location_create(company=company, name="A-1", parent=top)
    product = product_create(company=company, sku="HOT", name="Hot item", valuation="fifo")
    for location, qty in ((wh.stock_location, 3), (top, 4), (bin_, 2)):
        receipt = services.transfer_create(
            company=company,
            kind="receipt",
            warehouse=wh,
            location_dest=location,
            moves=[{"product": product, "quantity": D(qty), "unit_cost": "2.00"}],
            confirm=True,
        )
        services.transfer_done(transfer=receipt)
    deliveries = [
        services.transfer_create(
            company=company,
            kind="delivery",
            warehouse=wh,
            moves=[{"product": product, "quantity": "1"}],
            confirm=True,
        )
        for _ in range(12)
    ]
    # when twelve reserve one unit each at the same moment
    barrier = threading.Barrier(12)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results.append(services.transfer_assign(transfer=deliveries[index], strict=True).state)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then nine get a unit, nearest first across the three locations, three are refused
    assert results == ["assigned"] * 9
    assert sorted(getattr(e, "code", repr(e)) for e in errors) == ["stock.insufficient"] * 3
    assert level(product, wh.stock_location) == (D(3), D(3))
    assert level(product, top) == (D(4), D(4))
    assert level(product, bin_) == (D(2), D(2))
    assert (
        sorted(
            StockMove.objects.filter(product=product, state="assigned").values_list(
                "location_src__name", flat=True
            )
        )
        == ["A"] * 4 + ["A-1"] * 2 + ["Stock"] * 3
    )
    assert_integrity()
