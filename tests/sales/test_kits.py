"""Kits (phantom BOMs) sold: the delivery moves their components, the order line counts as
delivered in whole kits only as far as every component is, cost of goods is the components'
cost, and a returned kit brings its components back at the cost they went out at."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.errors import DomainError
from tandem.core.integrity import run_all
from tandem.inventory.models import StockLevel, StockMove
from tandem.manufacturing import services as mfg
from tandem.sales import services
from tandem.sales.services.stock import sync_delivered_many

from .conftest import balance

D = Decimal
pytestmark = pytest.mark.django_db


def on_hand(product, wh):
    row = StockLevel.objects.filter(product=product, location=wh.stock_location).first()
    return row.on_hand if row else D(0)


def moves_of(transfer):
    return sorted(
        (m.product.sku, m.quantity) for m in transfer.moves.select_related("product").all()
    )


def assert_integrity():
    report = run_all()
    assert report.ok, report.render()


@pytest.fixture
def kit(books, wh, make_product, stock_in):
    """KIT = 2 A + 1 B (a phantom BOM), sold at 100.00; A costs 10.00 (20 in stock), B 25.00
    (10 in stock)."""
    a = make_product("30", sku="A", name="Lamp arm")
    b = make_product("50", sku="B", name="Lamp base")
    k = make_product("100", sku="KIT", name="Desk lamp kit")
    stock_in(a, 20, unit_cost="10")
    stock_in(b, 10, unit_cost="25")
    bom = mfg.bom_create(
        company=books,
        product=k,
        type="phantom",
        lines=[{"product": a, "quantity": "2"}, {"product": b, "quantity": "1"}],
    )
    return {"a": a, "b": b, "kit": k, "bom": bom, "wh": wh}


def test_a_kit_sold_is_reserved_and_delivered_as_its_components(kit, order_of, books):
    a, b, wh = kit["a"], kit["b"], kit["wh"]
    # given an order for 3 kits, confirmed
    order = services.sales_order_confirm(order=order_of((kit["kit"], 3)))
    [delivery] = order.transfers.all()
    # then the delivery asks for the components, scaled by the BOM, all reserved
    assert moves_of(delivery) == [("A", D(6)), ("B", D(3))]
    assert delivery.state == "assigned"
    assert balance(books, "cogs") == D("0.00")
    # when it ships
    order = services.delivery_step(order=order, step="ship")
    # then stock drops by exactly the components and the cost of goods is theirs
    assert (on_hand(a, wh), on_hand(b, wh)) == (D(14), D(7))
    assert not StockMove.objects.filter(product=kit["kit"]).exists()
    assert balance(books, "cogs") == D("135.00")  # 3 x (2 x 10 + 25)
    assert balance(books, "inventory") == D("315.00")  # 450 - 135
    line = order.lines.get()
    assert line.qty_delivered == D(3)
    assert order.delivery_status == "delivered"
    assert_integrity()


def test_a_kit_counts_as_delivered_only_as_far_as_all_its_components(kit, order_of):
    order = services.sales_order_confirm(order=order_of((kit["kit"], 3)))
    [delivery] = order.transfers.all()
    moves = {m.product.sku: m for m in delivery.moves.select_related("product")}
    # 4 A (two kits' worth) and all 3 B: two kits are complete
    order = services.delivery_step(
        order=order, step="ship", quantities={moves["A"].pk: D(4), moves["B"].pk: D(3)}
    )
    line = order.lines.get()
    assert line.qty_delivered == D(2)
    assert order.delivery_status == "partial"
    [backorder] = order.transfers.filter(state="assigned")
    assert moves_of(backorder) == [("A", D(2))]
    assert_integrity()
    # the rest ships: the third kit is complete
    order = services.delivery_step(order=order, step="ship")
    assert order.lines.get().qty_delivered == D(3)
    assert_integrity()


def test_components_short_of_a_whole_kit_count_for_nothing(kit, order_of):
    order = services.sales_order_confirm(order=order_of((kit["kit"], 3)))
    [delivery] = order.transfers.all()
    moves = {m.product.sku: m for m in delivery.moves.select_related("product")}
    order = services.delivery_step(
        order=order, step="ship", quantities={moves["A"].pk: D(1), moves["B"].pk: D(3)}
    )
    assert order.lines.get().qty_delivered == D(0)
    assert_integrity()


def test_a_kit_inside_a_kit_is_exploded_at_every_depth(
    kit, books, make_product, stock_in, wh, customer
):
    c = make_product("10", sku="C")
    stock_in(c, 10, unit_cost="5")
    gift = make_product("250", sku="GIFT")
    # GIFT = 1 KIT + 3 C, made per 2 boxes of 2 gifts: the BOM's quantity scales it
    mfg.bom_create(
        company=books,
        product=gift,
        type="phantom",
        quantity="2",
        lines=[{"product": kit["kit"], "quantity": "2"}, {"product": c, "quantity": "6"}],
    )
    order = services.sales_order_create(
        company=books, party=customer, lines=[{"product": gift, "quantity": D(2)}]
    )
    order = services.sales_order_confirm(order=order)
    [delivery] = order.transfers.all()
    assert moves_of(delivery) == [("A", D(4)), ("B", D(2)), ("C", D(6))]
    order = services.delivery_step(order=order, step="ship")
    assert order.lines.get().qty_delivered == D(2)
    # 2 x (2 x 10 + 25) + 6 x 5
    assert balance(books, "cogs") == D("120.00")
    assert (on_hand(kit["a"], wh), on_hand(kit["b"], wh), on_hand(c, wh)) == (D(16), D(8), D(4))
    assert_integrity()


def test_a_kit_and_its_component_on_one_order_take_the_delivery_in_line_order(kit, order_of, books):
    order = services.sales_order_confirm(order=order_of((kit["kit"], 2), (kit["a"], 5)))
    [delivery] = order.transfers.all()
    assert moves_of(delivery) == [("A", D(4)), ("A", D(5)), ("B", D(2))]
    order = services.delivery_step(order=order, step="ship")
    kit_line, a_line = order.lines.order_by("sequence", "pk")
    assert (kit_line.qty_delivered, a_line.qty_delivered) == (D(2), D(5))
    assert balance(books, "cogs") == D("140.00")  # 2 x 45 + 5 x 10
    assert_integrity()


def test_delivered_kits_are_synced_with_a_fixed_number_of_statements(
    kit, order_of, books, make_product, stock_in
):
    """Reading the kits costs one statement per level of kits, not one per line."""
    counts = {}
    for n in (1, 4):
        kits = []
        for i in range(n):
            k = make_product("100", sku=f"K{n}{i}")
            mfg.bom_create(
                company=books,
                product=k,
                type="phantom",
                lines=[
                    {"product": kit["a"], "quantity": "1"},
                    {"product": kit["b"], "quantity": "1"},
                ],
            )
            kits.append(k)
        stock_in(kit["a"], n, unit_cost="10")
        stock_in(kit["b"], n, unit_cost="25")
        order = order_of(*[(k, 1) for k in kits])
        with CaptureQueriesContext(connection) as confirming:
            order = services.sales_order_confirm(order=order)
        order = services.delivery_step(order=order, step="ship")
        assert all(li.qty_delivered == D(1) for li in order.lines.all())
        with CaptureQueriesContext(connection) as syncing:
            sync_delivered_many([order.pk])
        counts[n] = (len(confirming.captured_queries), len(syncing.captured_queries))
    assert counts[4][1] == counts[1][1]
    # done moves, lines (kits flagged in the same statement), order dates, the kits' lines,
    # their components' (none below), the kits' units; nothing changed, nothing written
    assert counts[1][1] == 6
    # confirming 4 kits takes only the statements of the longer delivery itself
    assert counts[4][0] - counts[1][0] <= 12, counts


def test_a_returned_kit_brings_its_components_back_at_their_cost(kit, order_of, books):
    a, b, wh = kit["a"], kit["b"], kit["wh"]
    order = services.sales_order_confirm(order=order_of((kit["kit"], 3)))
    order = services.delivery_step(order=order, step="ship")
    services.sales_order_invoice(orders=[order], post=True)
    line = order.lines.get()
    rma = services.sales_return_create(
        order=order, lines=[{"order_line": line, "quantity": D(1)}], reason="unwanted"
    )
    rma = services.sales_return_receive(sales_return=rma)
    assert (on_hand(a, wh), on_hand(b, wh)) == (D(16), D(8))
    assert moves_of(rma.transfer) == [("A", D(2)), ("B", D(1))]
    assert balance(books, "cogs") == D("90.00")  # 135 - 45
    assert rma.lines.get().unit_cost == D("45")
    assert_integrity()


def test_the_delivery_page_and_slip_list_the_components(kit, order_of, web):
    order = services.sales_order_confirm(order=order_of((kit["kit"], 3)))
    [delivery] = order.transfers.all()
    page = web.get(f"/inventory/transfers/{delivery.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lamp arm" in html and "Lamp base" in html
    assert "Desk lamp kit" not in html


def test_a_kit_is_not_manufactured(kit, books):
    with pytest.raises(DomainError) as refused:
        mfg.mo_create(company=books, bom=kit["bom"], quantity="1")
    assert refused.value.code == "bom.kit_not_manufactured"


def test_a_phantom_line_in_a_kit_explodes_a_manufactured_product(
    kit, books, make_product, customer
):
    """SUB is made (a normal BOM: 1 A + 1 B); PACK, a kit, takes 2 SUB as a phantom line and
    1 A: selling a pack delivers 3 A and 2 B, never SUB."""
    sub = make_product("60", sku="SUB")
    mfg.bom_create(
        company=books,
        product=sub,
        lines=[{"product": kit["a"], "quantity": "1"}, {"product": kit["b"], "quantity": "1"}],
    )
    pack = make_product("200", sku="PACK")
    mfg.bom_create(
        company=books,
        product=pack,
        type="phantom",
        lines=[
            {"product": sub, "quantity": "2", "kind": "phantom"},
            {"product": kit["a"], "quantity": "1"},
        ],
    )
    order = services.sales_order_create(
        company=books, party=customer, lines=[{"product": pack, "quantity": D(1)}]
    )
    order = services.sales_order_confirm(order=order)
    [delivery] = order.transfers.all()
    assert moves_of(delivery) == [("A", D(3)), ("B", D(2))]
    order = services.delivery_step(order=order, step="ship")
    assert order.lines.get().qty_delivered == D(1)
    assert_integrity()
