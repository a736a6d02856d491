"""The MRP netting engine on plain data (no database): low-level codes, lead-time offsets
along each branch, scheduled receipts netted, pegging that adds up, and a property test that
the plan always covers demand plus safety stock."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.manufacturing.mrp import (
    BomCycle,
    Item,
    Message,
    Requirement,
    Source,
    bucket_start,
    low_level_codes,
    plan,
)

D = Decimal
TODAY = date(2027, 3, 1)
BIKE, FRAME, WHEEL, TUBE, BOLT, STEEL = 1, 2, 3, 4, 5, 6


def bike_items() -> dict[int, Item]:
    """A bike (level 0) of a frame and two wheels; the frame of two tubes and 4 bolts; a wheel
    of 8 bolts; a tube of 3 kg steel. Bolts sit at level 2 (wheel) and level 2 (frame): their
    low-level code is 2; steel is at level 3."""
    return {
        BIKE: Item(BIKE, make=True, lead_days=2, bom_id=10, components={FRAME: D(1), WHEEL: D(2)}),
        FRAME: Item(FRAME, make=True, lead_days=5, bom_id=20, components={TUBE: D(2), BOLT: D(4)}),
        WHEEL: Item(WHEEL, make=True, lead_days=1, bom_id=30, components={BOLT: D(8)}),
        TUBE: Item(TUBE, make=True, lead_days=3, bom_id=40, components={STEEL: D(3)}),
        BOLT: Item(BOLT, make=False, lead_days=7, supplier_id=99),
        STEEL: Item(STEEL, make=False, lead_days=10, supplier_id=98),
    }


def order_for(quantity, day, ref=1):
    return Requirement(BIKE, day, D(quantity), Source("sales_order_line", ref))


def by_product(planned):
    found = {}
    for p in planned:
        found.setdefault(p.product_id, []).append(p)
    return found


def test_low_level_codes_take_the_deepest_use():
    codes = low_level_codes(bike_items())
    assert codes == {BIKE: 0, FRAME: 1, WHEEL: 1, TUBE: 2, BOLT: 2, STEEL: 3}


def test_a_bom_that_uses_itself_at_any_depth_is_a_cycle():
    items = bike_items()
    items[STEEL] = Item(STEEL, make=True, bom_id=60, components={BIKE: D(1)})
    with pytest.raises(BomCycle) as caught:
        low_level_codes(items)
    assert set(caught.value.path) >= {BIKE, STEEL}


def test_a_shared_component_is_planned_once_for_both_levels():
    # 10 bikes on day 30: 10 frames, 20 wheels, 20 tubes, 40 + 160 bolts, 60 kg steel
    planned = by_product(
        plan(
            items=bike_items(),
            demands=[order_for(10, TODAY + timedelta(30))],
            supplies=[],
            on_hand={},
            today=TODAY,
        )
    )
    # the frame's bolts are needed first (frame released 7 days before, wheels 3)
    assert [p.quantity for p in planned[BOLT]] == [D(40), D(160)]
    assert sum(p.quantity for p in planned[BOLT]) == D(200)  # not 400: no double counting
    assert [p.quantity for p in planned[STEEL]] == [D(60)]
    assert [p.quantity for p in planned[WHEEL]] == [D(20)]


def test_lead_times_offset_along_each_branch_not_their_sum():
    due = TODAY + timedelta(30)
    planned = by_product(
        plan(items=bike_items(), demands=[order_for(1, due)], supplies=[], on_hand={}, today=TODAY)
    )
    bike = planned[BIKE][0]
    assert (bike.due, bike.release) == (due, due - timedelta(2))
    frame = planned[FRAME][0]
    assert (frame.due, frame.release) == (due - timedelta(2), due - timedelta(7))
    tube = planned[TUBE][0]
    assert tube.release == due - timedelta(10)
    steel = planned[STEEL][0]
    # the longest branch: bike 2 + frame 5 + tube 3 + steel 10 = 20 days before the due date
    assert steel.release == due - timedelta(20)
    wheel_bolts = next(p for p in planned[BOLT] if p.due == due - timedelta(3))
    assert wheel_bolts.release == due - timedelta(10)  # bike 2 + wheel 1 + bolt 7


def test_on_hand_and_open_orders_are_netted_before_planning():
    due = TODAY + timedelta(30)
    supplies = [
        Requirement(WHEEL, TODAY + timedelta(5), D(6), Source("manufacturing_order", 7)),
        Requirement(BOLT, TODAY + timedelta(40), D(500), Source("purchase_order_line", 8)),
    ]
    planned = by_product(
        plan(
            items=bike_items(),
            demands=[order_for(10, due)],
            supplies=supplies,
            on_hand={FRAME: D(4), WHEEL: D(4)},
            today=TODAY,
        )
    )
    assert [p.quantity for p in planned[FRAME]] == [D(6)]
    assert [p.quantity for p in planned[WHEEL]] == [D(10)]  # 20 - 4 on hand - 6 open
    # the open PO of bolts arrives after the bolts are needed: it is pulled in, not bought again
    assert BOLT not in planned


def test_pegging_names_each_demand_and_adds_up_to_the_planned_quantity():
    items = bike_items()
    items[BOLT].multiple = D(100)  # bolts come in boxes of 100
    demands = [order_for(3, TODAY + timedelta(20), ref=1), order_for(2, TODAY + timedelta(25), 2)]
    planned = plan(items=items, demands=demands, supplies=[], on_hand={}, today=TODAY)
    for p in planned:
        pegged = sum(q for _s, _d, q in p.pegging)
        assert pegged <= p.quantity
        if p.product_id != BOLT:
            assert pegged == p.quantity
    bikes = [p for p in planned if p.product_id == BIKE]
    assert [(p.pegging[0][0], p.quantity) for p in bikes] == [
        (Source("sales_order_line", 1), D(3)),
        (Source("sales_order_line", 2), D(2)),
    ]
    bolts = [p for p in planned if p.product_id == BOLT]
    assert all(p.quantity % 100 == 0 for p in bolts)


def test_safety_stock_is_kept_on_top_of_demand():
    items = bike_items()
    items[STEEL].safety = D(50)
    planned = by_product(
        plan(
            items=items,
            demands=[order_for(1, TODAY + timedelta(30))],
            supplies=[],
            on_hand={STEEL: D(20)},
            today=TODAY,
        )
    )
    assert sum(p.quantity for p in planned[STEEL]) == D(30 + 6)  # 50 - 20, then 2 tubes x 3


def test_existing_receipts_get_reschedule_in_out_and_cancel_messages():
    due = TODAY + timedelta(30)
    supplies = [
        # 20 wheels needed on day 28: the MO due on day 5 can wait (out), the one on day 40 is
        # late (in); steel nobody needs (cancel); the frame PO is on time (no message)
        Requirement(WHEEL, TODAY + timedelta(5), D(12), Source("manufacturing_order", 1)),
        Requirement(WHEEL, TODAY + timedelta(40), D(8), Source("manufacturing_order", 2)),
        Requirement(FRAME, due - timedelta(2), D(10), Source("purchase_order_line", 3)),
        Requirement(BOLT, TODAY + timedelta(1), D(40), Source("purchase_order_line", 4)),
        Requirement(STEEL, TODAY + timedelta(3), D(5), Source("purchase_order_line", 5)),
    ]
    messages: list[Message] = []
    planned = by_product(
        plan(
            items=bike_items(),
            demands=[order_for(10, due)],
            supplies=supplies,
            on_hand={},
            today=TODAY,
            messages=messages,
        )
    )
    assert WHEEL not in planned and FRAME not in planned
    assert BOLT not in planned  # the open orders' own components are their demands
    found = {(m.source.ref, m.kind, m.suggested, m.quantity) for m in messages}
    assert found == {
        (1, "reschedule_out", due - timedelta(2), D(12)),
        (2, "reschedule_in", due - timedelta(2), D(8)),
        (4, "cancel", None, D(40)),  # no frames are made: their bolts are not needed
        (5, "cancel", None, D(5)),
    }


def test_weekly_buckets_date_everything_on_the_monday():
    monday = bucket_start(TODAY, "week")
    assert monday.weekday() == 0 and monday <= TODAY
    due = TODAY + timedelta(30)  # a Wednesday
    planned = by_product(
        plan(
            items=bike_items(),
            demands=[order_for(2, due), order_for(3, due + timedelta(2), ref=2)],
            supplies=[],
            on_hand={},
            today=TODAY,
            bucket="week",
        )
    )
    bikes = planned[BIKE]
    # both orders fall in one week: one order for the week's 5 bikes, due on its Monday
    assert [(p.quantity, p.due) for p in bikes] == [(D(5), bucket_start(due, "week"))]
    for p in (p for rows in planned.values() for p in rows):
        assert p.due.weekday() == 0


def _check_coverage(items, demands, supplies, on_hand, planned, messages, bucket):
    """Every item's demand (independent and from its parents' planned orders), bucket by
    bucket, never exceeds on hand plus receipts (where the messages move them) plus planned
    orders by then, less safety stock."""
    first = bucket_start(TODAY, bucket)

    def when(day):
        return bucket_start(day, bucket) if day > TODAY else first

    moved = {(m.source.kind, m.source.ref): m for m in messages}
    arriving = {}
    for s in supplies:
        m = moved.get((s.source.kind, s.source.ref))
        if m is not None and m.kind == "cancel":
            continue
        day = m.suggested if m is not None else when(s.day)
        arriving.setdefault(s.product_id, []).append((day, s.quantity))
    for p in planned:
        arriving.setdefault(p.product_id, []).append((p.due, p.quantity))
    need = {}
    for d in demands:
        need.setdefault(d.product_id, []).append((when(d.day), d.quantity))
    for p in planned:
        for component, per in items[p.product_id].components.items() if p.make else ():
            need.setdefault(component, []).append((when(p.release), p.quantity * per))
    for product, rows in need.items():
        keep = items[product].safety
        for day in sorted({day for day, _q in rows} | {first}):
            demanded = sum(q for d, q in rows if d <= day)
            came = sum(q for d, q in arriving.get(product, ()) if d <= day)
            assert on_hand.get(product, D(0)) + came - demanded >= keep, (product, day)


@given(
    orders=st.lists(st.tuples(st.integers(1, 20), st.integers(-5, 60)), min_size=1, max_size=8),
    forecast=st.lists(st.tuples(st.integers(1, 20), st.integers(0, 60)), max_size=4),
    stock=st.dictionaries(
        st.sampled_from([BIKE, FRAME, WHEEL, TUBE, BOLT, STEEL]), st.integers(0, 50), max_size=6
    ),
    receipts=st.lists(
        st.tuples(
            st.sampled_from([WHEEL, FRAME, BOLT, STEEL]), st.integers(1, 60), st.integers(-3, 60)
        ),
        max_size=5,
    ),
    safety=st.integers(0, 30),
    multiple=st.sampled_from([0, 1, 7, 25]),
    bucket=st.sampled_from(["day", "week"]),
)
def test_the_plan_covers_demand_plus_safety_stock_at_every_bucket(
    orders, forecast, stock, receipts, safety, multiple, bucket
):
    items = bike_items()
    items[BOLT].safety = D(safety)
    items[BOLT].multiple = D(multiple)
    demands = [order_for(q, TODAY + timedelta(d), ref=i) for i, (q, d) in enumerate(orders)]
    demands += [
        Requirement(BIKE, TODAY + timedelta(d), D(q), Source("forecast", i))
        for i, (q, d) in enumerate(forecast)
    ]
    supplies = [
        Requirement(p, TODAY + timedelta(d), D(q), Source("purchase_order_line", i))
        for i, (p, q, d) in enumerate(receipts)
    ]
    on_hand = {p: D(q) for p, q in stock.items()}
    messages = []
    planned = plan(
        items=items,
        demands=demands,
        supplies=supplies,
        on_hand=on_hand,
        today=TODAY,
        bucket=bucket,
        messages=messages,
    )
    _check_coverage(items, demands, supplies, on_hand, planned, messages, bucket)
    # a cancelled receipt was really not needed: planning without it plans nothing more
    kept = [
        s
        for s in supplies
        if not any(m.kind == "cancel" and m.source == s.source for m in messages)
    ]
    again = plan(
        items=items, demands=demands, supplies=kept, on_hand=on_hand, today=TODAY, bucket=bucket
    )
    assert sum(p.quantity for p in again) == sum(p.quantity for p in planned)
