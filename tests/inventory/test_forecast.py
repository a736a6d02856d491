"""Levels and the per-warehouse forecast count open moves of products with no stock yet."""

from decimal import Decimal

import pytest

from tandem.inventory import queries, services
from tandem.inventory.models import StockLevel

D = Decimal
pytestmark = pytest.mark.django_db


def _incoming(wh, supplier, product, qty):
    transfer = services.transfer_create(
        company=wh.company,
        kind="receipt",
        warehouse=wh,
        party=supplier,
        moves=[{"product": product, "quantity": D(qty)}],
    )
    return services.transfer_confirm(transfer=transfer)


def test_product_with_only_an_incoming_move_and_no_level_row_shows_in_levels(
    wh, supplier, make_product
):
    product = make_product("fifo")
    receipt = _incoming(wh, supplier, product, 7)
    # no level row at all: the move alone must make the row
    StockLevel.objects.filter(product=product).delete()

    rows = list(queries.levels(wh.company, product=product))

    assert [
        (r["location"], r["on_hand"], r["available"], r["incoming"], r["outgoing"], r["forecast"])
        for r in rows
    ] == [(receipt.location_dest_id, D(0), D(0), D(7), D(0), D(7))]
    # the same row in a warehouse's levels, with nonzero (the page's filter), and counted
    by_warehouse = queries.levels(wh.company, warehouse=wh, nonzero=True)
    assert by_warehouse.count() == 1
    assert [r["product"] for r in by_warehouse[0:10]] == [product.pk]


def test_outgoing_from_a_location_with_no_level_row_forecasts_negative(wh, customer, make_product):
    product = make_product("fifo")
    delivery = services.transfer_create(
        company=wh.company,
        kind="delivery",
        warehouse=wh,
        party=customer,
        moves=[{"product": product, "quantity": D(3)}],
    )
    services.transfer_confirm(transfer=delivery)
    StockLevel.objects.filter(product=product).delete()

    (row,) = queries.levels(wh.company, product=product)

    assert (row["location"], row["outgoing"], row["forecast"]) == (
        delivery.location_src_id,
        D(3),
        D(-3),
    )


def test_levels_at_a_date_count_only_moves_scheduled_by_then(wh, supplier, make_product, receive):
    product = make_product("fifo")
    receive(product, 5, unit_cost=D(1))
    receipt = _incoming(wh, supplier, product, 4)
    day = receipt.moves.get().date

    (today,) = queries.levels(wh.company, product=product, at=day)
    (before,) = queries.levels(wh.company, product=product, at=day.replace(year=day.year - 1))

    assert (today["on_hand"], today["incoming"], today["forecast"]) == (D(5), D(4), D(9))
    assert (before["on_hand"], before["incoming"], before["forecast"]) == (D(5), D(0), D(5))


def test_levels_search_and_location_subtree(wh, supplier, make_product, receive):
    shelf = services.location_create(company=wh.company, name="A1", parent=wh.stock_location)
    widget = make_product("fifo", sku="WID-1")
    other = make_product("fifo", sku="OTH_1")
    services.transfer_done(
        transfer=services.transfer_create(
            company=wh.company,
            kind="receipt",
            warehouse=wh,
            party=supplier,
            location_dest=shelf,
            moves=[{"product": widget, "quantity": D(2), "unit_cost": D(1)}],
            confirm=True,
        )
    )
    receive(other, 3, unit_cost=D(1))

    found = list(queries.levels(wh.company, search="wid-1"))
    under_stock = list(queries.levels(wh.company, location=wh.stock_location))
    # "_" is a literal in the search, not a LIKE wildcard
    literal = list(queries.levels(wh.company, search="d_1"))

    assert [(r["product__sku"], r["on_hand"]) for r in found] == [("WID-1", D(2))]
    assert sorted((r["product__sku"], r["location"]) for r in under_stock) == [
        ("OTH_1", wh.stock_location.pk),
        ("WID-1", shelf.pk),
    ]
    assert literal == []


def test_warehouse_forecast_counts_incoming_before_any_level_row(wh, supplier, make_product):
    product = make_product("fifo")
    _incoming(wh, supplier, product, 7)
    StockLevel.objects.filter(product=product).delete()

    figures = queries.warehouse_forecast(
        wh.company, warehouse_ids={wh.pk}, product_ids={product.pk}
    )

    assert figures[(wh.pk, product.pk)] == {
        "available": D(0),
        "incoming": D(7),
        "outgoing": D(0),
        "forecast": D(7),
    }
