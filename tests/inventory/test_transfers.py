"""Transfers through the services: reservations, backorders, cancel, lots, bad input."""

from decimal import Decimal

import pytest

from tandem.catalog.models import Uom
from tandem.core.errors import DomainError
from tandem.inventory import services
from tandem.inventory.models import (
    Lot,
    MoveState,
    ProductStock,
    StockLevel,
    StockMove,
    Transfer,
    ValuationLayer,
)

from .conftest import D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


def snapshot(company):
    """Everything a refused call must leave alone."""
    return (
        list(StockLevel.objects.values_list("pk", "on_hand", "reserved").order_by("pk")),
        list(
            StockMove.objects.values_list(
                "pk", "state", "quantity", "quantity_done", "quantity_reserved", "transfer"
            ).order_by("pk")
        ),
        list(Transfer.objects.values_list("pk", "state").order_by("pk")),
        list(ProductStock.objects.values_list("pk", "quantity", "value").order_by("pk")),
        ValuationLayer.objects.count(),
        balance(company, "inventory"),
    )


def refused(company, code, call):
    before = snapshot(company)
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code, error.value.message
    assert snapshot(company) == before
    return error.value


def test_partial_done_leaves_the_rest_on_a_backorder(wh, make_product, receive, deliver):
    # given 10 on hand and a delivery of 8, reserved
    product = make_product("fifo")
    receive(product, "10", "5.00")
    delivery = services.transfer_assign(transfer=deliver(product, "8"))
    move = delivery.moves.get()
    assert (delivery.state, move.quantity_reserved) == ("assigned", D(8))
    # when 5 are processed
    done = services.transfer_done(transfer=delivery, quantities={move.pk: "5"})
    # then 5 left, the backorder holds 3 and keeps their reservation
    assert done.state == "done"
    backorder = done.backorder
    assert backorder.backorder_of_id == delivery.pk
    assert backorder.state == "assigned"
    rest = backorder.moves.get()
    assert (rest.quantity, rest.quantity_reserved, rest.state) == (D(3), D(3), "assigned")
    move.refresh_from_db()
    assert (move.quantity, move.quantity_done, move.state) == (D(5), D(5), "done")
    assert level(product, wh.stock_location) == (D(5), D(3))
    assert balance(wh.company, "cogs") == D("25.00")
    assert_integrity()
    # and the backorder finishes the job
    services.transfer_done(transfer=backorder)
    assert level(product, wh.stock_location) == (D(2), D(0))
    assert_integrity()


def test_an_untouched_move_moves_to_the_backorder_whole(wh, make_product, receive):
    a, b = make_product("fifo"), make_product("fifo")
    transfer = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        moves=[
            {"product": a, "quantity": "4", "unit_cost": "1.00"},
            {"product": b, "quantity": "6", "unit_cost": "2.00"},
        ],
        confirm=True,
    )
    move_a, move_b = transfer.moves.order_by("pk")
    done = services.transfer_done(
        transfer=transfer, quantities=[{"id": move_a.pk, "quantity": "4"}]
    )
    assert list(done.backorder.moves.values_list("pk", "quantity")) == [(move_b.pk, D(6))]
    assert balance(wh.company, "inventory") == D("4.00")
    assert_integrity()


def test_partial_availability_reserves_what_is_there(wh, make_product, receive, deliver):
    product = make_product("average")
    receive(product, "6", "3.00")
    delivery = services.transfer_assign(transfer=deliver(product, "10"))
    move = delivery.moves.get()
    assert (delivery.state, move.state, move.quantity_reserved) == ("confirmed", "confirmed", D(6))
    assert delivery.shortfalls[0]["missing"] == "4"
    assert level(product, wh.stock_location) == (D(6), D(6))
    assert_integrity()


def test_strict_reservation_refuses_and_changes_nothing(wh, make_product, receive, deliver):
    product = make_product("average")
    receive(product, "6", "3.00")
    delivery = deliver(product, "10")
    error = refused(
        wh.company,
        "stock.insufficient",
        lambda: services.transfer_assign(transfer=delivery, strict=True),
    )
    assert error.extra["shortfalls"][0]["missing"] == "4"


def test_a_second_delivery_cannot_take_reserved_stock(wh, make_product, receive, deliver):
    product = make_product("fifo")
    receive(product, "5", "1.00")
    services.transfer_assign(transfer=deliver(product, "5"))
    second = deliver(product, "1")
    refused(
        wh.company,
        "stock.insufficient",
        lambda: services.transfer_assign(transfer=second, strict=True),
    )
    refused(wh.company, "stock.insufficient", lambda: services.transfer_done(transfer=second))


def test_cancel_releases_the_reservation(wh, make_product, receive, deliver):
    product = make_product("fifo")
    receive(product, "5", "1.00")
    delivery = services.transfer_assign(transfer=deliver(product, "4"))
    assert level(product, wh.stock_location) == (D(5), D(4))
    cancelled = services.transfer_cancel(transfer=delivery)
    assert cancelled.state == "cancelled"
    assert delivery.moves.get().state == "cancelled"
    assert level(product, wh.stock_location) == (D(5), D(0))
    assert_integrity()


def test_delivering_more_than_available_is_refused(wh, make_product, receive, deliver):
    product = make_product("fifo")
    receive(product, "3", "1.00")
    delivery = deliver(product, "4")
    refused(wh.company, "stock.insufficient", lambda: services.transfer_done(transfer=delivery))


def test_cancelling_a_done_transfer_is_refused(wh, make_product, receive):
    product = make_product("fifo")
    receipt = receive(product, "3", "1.00")
    refused(wh.company, "transfer.done", lambda: services.transfer_cancel(transfer=receipt))


def test_receiving_on_a_cancelled_transfer_is_refused(wh, make_product):
    product = make_product("fifo")
    receipt = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        moves=[{"product": product, "quantity": "3"}],
        confirm=True,
    )
    services.transfer_cancel(transfer=receipt)
    refused(wh.company, "transfer.cancelled", lambda: services.transfer_done(transfer=receipt))


def test_a_serial_number_twice_is_refused(wh, make_product, receive):
    product = make_product("fifo", tracking="serial", cost="100.00")
    receive(product, "1", lot_name="SN-1")
    # twice in one transfer
    refused(
        wh.company,
        "stock.serial_duplicate",
        lambda: services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            moves=[
                {"product": product, "quantity": "1", "lot_name": "SN-2"},
                {"product": product, "quantity": "1", "lot_name": "SN-2"},
            ],
        ),
    )
    # a serial already in stock
    again = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        moves=[{"product": product, "quantity": "1", "lot_name": "SN-1"}],
        confirm=True,
    )
    refused(wh.company, "stock.serial_duplicate", lambda: services.transfer_done(transfer=again))


def test_a_lot_of_another_product_is_refused(wh, make_product, receive):
    lotted = make_product("fifo", tracking="lot")
    other = make_product("fifo", tracking="lot")
    receive(lotted, "5", "1.00", lot_name="L1")
    lot = Lot.objects.get(product=lotted, name="L1")
    refused(
        wh.company,
        "stock.lot_mismatch",
        lambda: services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            moves=[{"product": other, "quantity": "1", "lot": lot}],
        ),
    )


def test_a_unit_without_conversion_is_refused(wh, make_product):
    product = make_product("fifo")
    kg = Uom.objects.get(company=wh.company, name="kg")
    refused(
        wh.company,
        "uom.no_conversion",
        lambda: services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            moves=[{"product": product, "quantity": "1", "uom": kg}],
        ),
    )


def test_the_document_unit_converts_to_the_product_unit(wh, make_product):
    product = make_product("fifo")
    dozen = Uom.objects.get(company=wh.company, name="dozen")
    receipt = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        moves=[{"product": product, "quantity": "2", "uom": dozen, "unit_cost": "60.00"}],
        confirm=True,
    )
    services.transfer_done(transfer=receipt)
    move = receipt.moves.get()
    assert (move.quantity, move.uom_quantity, move.unit_cost, move.value) == (
        D(24),
        D(2),
        D("5.000000"),
        D("120.00"),
    )
    assert level(product, wh.stock_location) == (D(24), D(0))


def test_a_backorder_keeps_the_exact_rest_in_the_document_unit(wh, make_product):
    # a pack of 2,000,000 units: one unit is half a millionth of a pack, which rounds up, and
    # so would the 3,999,999 units left over if the backorder were rounded on its own
    product = make_product("fifo")
    pack = Uom.objects.create(
        company=wh.company,
        category=product.uom.category,
        name="pack of 2M",
        symbol="pk",
        ratio=2_000_000,
        decimal_places=6,
    )
    receipt = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        moves=[{"product": product, "quantity": "2", "uom": pack, "unit_cost": "2.00"}],
        confirm=True,
    )
    move = receipt.moves.get()
    done = services.transfer_done(transfer=receipt, quantities={move.pk: "1"})
    rest = done.backorder.moves.get()
    move.refresh_from_db()
    assert (move.quantity, move.uom_quantity) == (D(1), D("0.000001"))
    assert (rest.quantity, rest.uom_quantity) == (D(3_999_999), D("1.999999"))
    assert move.uom_quantity + rest.uom_quantity == D(2)
    assert_integrity()


def test_lots_leave_first_expiry_first(wh, make_product, receive, deliver):
    from datetime import date

    product = make_product("fifo", tracking="lot")
    receive(product, "5", "1.00", lot_name="LATE", expiry_date=date(2031, 1, 1))
    receive(product, "5", "1.00", lot_name="SOON", expiry_date=date(2030, 1, 1))
    delivery = services.transfer_assign(transfer=deliver(product, "7"))
    reserved = sorted(delivery.moves.values_list("lot__name", "quantity_reserved"))
    assert reserved == [("LATE", D(2)), ("SOON", D(5))]
    services.transfer_done(transfer=delivery)
    soon = Lot.objects.get(name="SOON")
    late = Lot.objects.get(name="LATE")
    assert level(product, wh.stock_location, soon) == (D(0), D(0))
    assert level(product, wh.stock_location, late) == (D(3), D(0))
    assert_integrity()


def test_a_count_posts_the_difference_to_inventory_loss(wh, make_product, receive):
    product = make_product("average")
    receive(product, "10", "4.00")
    count = services.inventory_count_create(
        company=wh.company,
        location=wh.stock_location,
        lines=[{"product": product, "counted": "7"}],
    )
    applied = services.inventory_count_apply(count=count)
    assert applied.state == "done"
    assert level(product, wh.stock_location) == (D(7), D(0))
    assert balance(wh.company, "inventory") == D("28.00")
    assert balance(wh.company, "expense") == D("12.00")
    # and a count above on hand brings stock back in at the average
    more = services.inventory_count_create(
        company=wh.company,
        location=wh.stock_location,
        lines=[{"product": product, "counted": "9"}],
    )
    services.inventory_count_apply(count=more)
    assert balance(wh.company, "inventory") == D("36.00")
    assert_integrity()


def test_an_internal_move_posts_nothing(wh, make_product, receive):
    product = make_product("fifo")
    receive(product, "10", "2.00")
    shelf = services.location_create(company=wh.company, name="A1", parent=wh.stock_location)
    internal = services.transfer_create(
        company=wh.company,
        kind="internal",
        warehouse=wh,
        location_dest=shelf,
        moves=[{"product": product, "quantity": "4"}],
        confirm=True,
    )
    done = services.transfer_done(transfer=services.transfer_assign(transfer=internal))
    assert done.entry_id is None
    assert level(product, shelf) == (D(4), D(0))
    assert level(product, wh.stock_location) == (D(6), D(0))
    assert balance(wh.company, "inventory") == D("20.00")
    assert_integrity()


def test_done_moves_never_change(wh, make_product, receive):
    from tandem.inventory.models import MoveDone

    product = make_product("fifo")
    receipt = receive(product, "1", "1.00")
    move = receipt.moves.get()
    with pytest.raises(MoveDone):
        StockMove.objects.filter(pk=move.pk).update(quantity_done=D(2))
    with pytest.raises(MoveDone):
        move.quantity_done = Decimal(2)
        move.save()
    with pytest.raises(MoveDone):
        StockMove.objects.filter(pk=move.pk).delete()
    assert StockMove.objects.get(pk=move.pk).quantity_done == D(1)
    assert StockMove.objects.get(pk=move.pk).state == MoveState.DONE


def test_check_integrity_reports_a_tampered_level(wh, make_product, receive):
    from tandem.core.integrity import run_all

    product = make_product("fifo")
    receive(product, "3", "1.00")
    StockLevel.objects.filter(product=product).update(on_hand=D(4))
    report = run_all()
    assert not report.ok
    text = report.render()
    assert "on hand 4.000000 != 3.000000 in - 0 out" in text or "on hand 4" in text


def test_the_set_based_move_write_refuses_a_done_move(wh, make_product, receive):
    """The executemany path of the services keeps the done-move guard of the QuerySet."""
    from tandem.inventory.services.transfers import _moves_save

    receipt = receive(make_product("fifo"), "5", "2.00")
    move = receipt.moves.get()
    move.quantity = D(9)
    with pytest.raises(DomainError) as refused:
        _moves_save([move], ["quantity"])
    assert refused.value.code == "move.done"
    move.refresh_from_db()
    assert move.quantity == D(5)
