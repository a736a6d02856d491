"""Quality points, checks, holds and alerts; lot genealogy over a two-level build."""

import pytest

from tandem.core.errors import DomainError
from tandem.inventory.models import StockMove
from tandem.manufacturing import services
from tandem.manufacturing.models import (
    LotGenealogy,
    MoState,
    QualityAlert,
    QualityCheck,
    QualityPoint,
)
from tandem.manufacturing.services.quality import on_transfer_done

from .conftest import D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


@pytest.fixture
def build(books, wh, make_product, receive):
    """GLASS (lot-tracked, FIFO) in lots G-1 (4 at 2.00) and G-2 (4 at 3.00); a PANE is
    made of 2 GLASS, a WINDOW of 1 PANE + 1 FRAME (untracked, 10 at 5.00)."""
    glass = make_product("fifo", sku="GLASS", tracking="lot")
    pane = make_product("fifo", sku="PANE", tracking="lot")
    window = make_product("fifo", sku="WINDOW", tracking="lot")
    frame = make_product("average", sku="FRAME")
    receive(glass, "4", "2.00", lot_name="G-1")
    receive(glass, "4", "3.00", lot_name="G-2")
    receive(frame, "10", "5.00")
    pane_bom = services.bom_create(
        company=books, product=pane, lines=[{"product": glass, "quantity": "2"}]
    )
    window_bom = services.bom_create(
        company=books,
        product=window,
        lines=[{"product": pane, "quantity": "1"}, {"product": frame, "quantity": "1"}],
    )
    return {
        "company": books,
        "wh": wh,
        "glass": glass,
        "pane": pane,
        "window": window,
        "frame": frame,
        "pane_bom": pane_bom,
        "window_bom": window_bom,
    }


def lot(product, name):
    return product.lots.get(name=name)


def make(bom, qty, lot_name):
    mo = services.mo_confirm(mo=services.mo_create(company=bom.company, bom=bom, quantity=qty))
    services.mo_assign(mo=mo)
    return services.mo_produce(mo=mo, quantity=qty, lot_name=lot_name)


def tree(nodes):
    return [(n["name"], n["quantity"], tree(n["children"])) for n in nodes]


def test_two_level_build_traces_lots_down_and_up(build):
    b = build
    g1, g2 = lot(b["glass"], "G-1"), lot(b["glass"], "G-2")
    # one order makes two pane lots in two steps, each from its own glass lot: the oldest
    # lot is reserved first (4 of G-1, 2 of G-2)
    mo = services.mo_confirm(
        mo=services.mo_create(company=b["company"], bom=b["pane_bom"], quantity="3")
    )
    services.mo_assign(mo=mo)
    for qty, name, glass_qty, glass_lot in (("2", "P-1", "4", g1), ("1", "P-2", "2", g2)):
        services.mo_produce(
            mo=mo,
            quantity=qty,
            lot_name=name,
            consumed=[{"product": b["glass"], "quantity": glass_qty, "lot": glass_lot}],
        )
    services.mo_done(mo=mo)
    # three windows under W-1 take both pane lots (2 of P-1, 1 of P-2)
    make(b["window_bom"], "3", "W-1")
    w1 = lot(b["window"], "W-1")
    # down: W-1 <- P-1 <- 4 of G-1, and P-2 <- 2 of G-2 (not the order's other lot)
    assert tree(services.lot_components(w1)) == [
        ("P-1", D("2"), [("G-1", D("4"), [])]),
        ("P-2", D("1"), [("G-2", D("2"), [])]),
    ]
    # up: G-1 went into P-1 only, and P-1 into W-1; G-2 into P-2 and W-1
    assert tree(services.lot_where_used(g1)) == [("P-1", D("4"), [("W-1", D("2"), [])])]
    assert tree(services.lot_where_used(g2)) == [("P-2", D("2"), [("W-1", D("1"), [])])]
    assert LotGenealogy.objects.count() == 4
    assert_integrity()


def test_genealogy_adds_up_the_steps_into_one_lot(build):
    b = build
    mo = services.mo_confirm(
        mo=services.mo_create(company=b["company"], bom=b["pane_bom"], quantity="2")
    )
    services.mo_assign(mo=mo)
    for _step in range(2):
        services.mo_produce(mo=mo, quantity="1", lot_name="P-9")
    assert tree(services.lot_components(lot(b["pane"], "P-9"))) == [("G-1", D("4"), [])]


def measure_point(b, **extra):
    return services.quality_point_create(
        company=b["company"],
        name="Pane thickness",
        trigger="production",
        product=b["pane"],
        test="measure",
        norm="4",
        tolerance_min="3.9",
        tolerance_max="4.1",
        unit="mm",
        **extra,
    )


def test_a_failed_check_holds_the_lot_blocks_completion_and_raises_an_alert(build):
    b = build
    measure_point(b)
    mo = make(b["pane_bom"], "2", "P-1")
    check = QualityCheck.objects.get(mo=mo)
    assert (check.state, check.lot.name, check.mandatory) == ("todo", "P-1", True)
    # a window order reserves a pane of P-1 while its check is still to do
    window = services.mo_confirm(
        mo=services.mo_create(company=b["company"], bom=b["window_bom"], quantity="1")
    )
    services.mo_assign(mo=window)
    # 4.1 is within (bounds included), 4.2 is not
    check = services.quality_check_record(check=check, measure="4.2", note="too thick")
    assert (check.state, check.measure) == ("fail", D("4.200000"))
    alert = QualityAlert.objects.get()
    assert (alert.state, alert.lot_id, alert.title) == (
        "open",
        check.lot_id,
        "Pane thickness: PANE P-1 failed",
    )
    assert services.held_lots(b["company"].pk, [check.lot_id]) == {check.lot_id}
    # completing the order is refused, and nothing changes
    wip_before = balance(b["company"], "wip")
    with pytest.raises(DomainError) as refused:
        services.mo_done(mo=mo)
    assert (refused.value.code, refused.value.status) == ("quality.check_failed", 409)
    mo.refresh_from_db()
    assert mo.state == MoState.IN_PROGRESS
    assert balance(b["company"], "wip") == wip_before
    # the held lot cannot be consumed by the window order that reserved it
    moves_before = StockMove.objects.count()
    with pytest.raises(DomainError) as refused:
        services.mo_produce(mo=window, quantity="1", lot_name="W-1")
    assert (refused.value.code, refused.value.status) == ("quality.lot_held", 409)
    assert StockMove.objects.count() == moves_before
    assert level(b["pane"], b["wh"].stock_location, check.lot) == (D("2"), D("1"))
    # released: the order completes and the lot is used
    services.quality_check_release(check=check, note="re-measured after polishing")
    assert services.held_lots(b["company"].pk, [check.lot_id]) == set()
    assert services.mo_done(mo=mo).state == MoState.DONE
    services.mo_produce(mo=window, quantity="1", lot_name="W-1")
    assert level(b["pane"], b["wh"].stock_location, check.lot) == (D("1"), D("0"))
    assert_integrity()


def test_a_held_lot_may_be_scrapped(build):
    b = build
    services.quality_point_create(
        company=b["company"], name="Visual", trigger="production", product=b["pane"]
    )
    mo = make(b["pane_bom"], "2", "P-1")
    check = services.quality_check_record(check=mo.quality_checks.get(), result="fail")
    services.mo_scrap(mo=mo, product=b["pane"], quantity="2", reason="cracked", lot=check.lot)
    assert level(b["pane"], b["wh"].stock_location, check.lot) == (D("0"), D("0"))
    assert_integrity()


def test_an_optional_failed_check_does_not_block_and_every_second_order_is_checked(build):
    b = build
    point = measure_point(b, mandatory=False, every=2)
    orders = [make(b["pane_bom"], "1", f"P-{n}") for n in range(1, 4)]
    # reached three times: checks on the first and the third
    assert [o.quality_checks.count() for o in orders] == [1, 0, 1]
    point.refresh_from_db()
    assert point.reached == 3
    check = orders[0].quality_checks.get()
    services.quality_check_record(check=check, measure="3.5")
    assert services.mo_done(mo=orders[0]).state == MoState.DONE


def test_a_point_on_an_operation_checks_the_orders_of_its_bom(build, books):
    b = build
    center = services.work_center_create(company=books, code="CUT", name="Cutting")
    bom = services.bom_update(
        bom=b["pane_bom"], operations=[{"work_center": center, "minutes": "5"}]
    )
    operation = bom.operations.get()
    services.quality_point_create(
        company=books, name="Edges", trigger="production", operation=operation
    )
    mo = make(bom, "1", "P-1")
    assert mo.quality_checks.get().point.operation_id == operation.pk


def test_receipts_reach_receipt_points_once(build, receive, django_capture_on_commit_callbacks):
    b = build
    services.quality_point_create(
        company=b["company"], name="Incoming glass", trigger="receipt", product=b["glass"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        receipt = receive(b["glass"], "3", "2.50", lot_name="G-3")
    check = QualityCheck.objects.get()
    assert (check.lot.name, check.move.transfer_id, check.state) == ("G-3", receipt.pk, "todo")
    # the event delivered again makes no second check
    moves = list(receipt.moves.values_list("pk", flat=True))
    on_transfer_done(
        event="stock.transfer_done",
        transfer_id=receipt.pk,
        company_id=b["company"].pk,
        move_ids=moves,
    )
    assert QualityCheck.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"test": "measure", "tolerance_min": "2"}, "quality.tolerance"),
        ({"test": "measure", "tolerance_min": "2", "tolerance_max": "1"}, "quality.tolerance"),
        ({"trigger": "receipt", "operation": "op"}, "quality.point_trigger"),
        ({"product": None}, "validation.required"),
        ({"every": 0}, "validation.min_value"),
        ({"trigger": "sometimes"}, "validation.choice"),
    ],
)
def test_bad_points_are_refused(build, books, data, code):
    center = services.work_center_create(company=books, code="CUT", name="Cutting")
    bom = services.bom_update(
        bom=build["pane_bom"], operations=[{"work_center": center, "minutes": "5"}]
    )
    fields = {"name": "P", "trigger": "production", "product": build["pane"], **data}
    if fields.get("operation") == "op":
        fields["operation"] = bom.operations.get()
    with pytest.raises(DomainError) as refused:
        services.quality_point_create(company=books, **fields)
    assert refused.value.code == code
    assert not QualityPoint.objects.exists()


def test_recording_twice_and_releasing_a_pass_are_refused(build):
    b = build
    measure_point(b)
    check = make(b["pane_bom"], "1", "P-1").quality_checks.get()
    with pytest.raises(DomainError) as refused:
        services.quality_check_record(check=check)
    assert refused.value.code == "quality.result"
    services.quality_check_record(check=check, measure="4.0")
    with pytest.raises(DomainError) as refused:
        services.quality_check_record(check=check, measure="5")
    assert (refused.value.code, refused.value.status) == ("quality_check.recorded", 409)
    with pytest.raises(DomainError) as refused:
        services.quality_check_release(check=check)
    assert (refused.value.code, refused.value.status) == ("quality_check.not_held", 409)
    check.refresh_from_db()
    assert (check.state, check.measure, check.released_at) == ("pass", D("4.000000"), None)


def test_inventory_neither_reserves_nor_ships_a_held_lot(build):
    from tandem.inventory import services as inventory

    b = build
    measure_point(b)
    mo = make(b["pane_bom"], "2", "P-1")
    check = services.quality_check_record(
        check=QualityCheck.objects.get(mo=mo), measure="4.2", note="too thick"
    )
    held, stock = check.lot, b["wh"].stock_location

    def delivery(**move):
        made = inventory.transfer_create(
            company=b["company"],
            kind="delivery",
            warehouse=b["wh"],
            moves=[{"product": b["pane"], "quantity": D("1"), **move}],
        )
        return inventory.transfer_confirm(transfer=made)

    # a delivery of panes does not reserve the held lot
    inventory.transfer_assign(transfer=delivery())
    assert level(b["pane"], stock, held) == (D("2"), D("0"))
    # naming the lot and shipping it anyway is refused, and nothing moves
    named = delivery(lot=held)
    moves_before = StockMove.objects.filter(state="done").count()
    with pytest.raises(DomainError) as refused:
        inventory.transfer_done(transfer=named)
    assert (refused.value.code, refused.value.status) == ("quality.lot_held", 409)
    assert StockMove.objects.filter(state="done").count() == moves_before
    assert level(b["pane"], stock, held)[0] == D("2")
    # released, the lot ships
    services.quality_check_release(check=check, note="re-measured")
    inventory.transfer_done(transfer=named)
    assert level(b["pane"], stock, held)[0] == D("1")
    assert_integrity()
