"""Random receipts, deliveries, internal moves, counts and returns keep the stock ledger sound.

After every step, for each valuation method: on hand equals the sum of done moves, reserved
stays within on hand, the product's valuation equals its layers, the stock valuation equals
the inventory account, and the warehouse holds and reserves what a plain Decimal model
predicts. The model reserves a delivery from WH/Stock there first, then on the shelf below
it (each portion a move of its own), and predicts every refusal exactly.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting import services as accounting
from tandem.catalog.services import product_create
from tandem.core.errors import DomainError
from tandem.core.services import company_create
from tandem.inventory import checks, queries, services
from tandem.inventory.models import LocationUsage, StockLevel, StockMove

_codes = itertools.count(1)
qty = st.integers(min_value=1, max_value=40)
cost = st.integers(min_value=1, max_value=5000)  # cents
op = st.one_of(
    st.tuples(st.just("receive"), qty, cost),
    st.tuples(st.just("deliver"), qty, st.booleans()),
    st.tuples(st.just("internal"), qty, st.booleans()),
    st.tuples(st.just("count"), st.integers(min_value=0, max_value=60), st.booleans()),
    st.tuples(st.just("return"), qty, st.booleans()),
)


def _breaches():
    return [
        line
        for func in (
            checks.on_hand_matches_moves,
            checks.reserved_within_on_hand,
            checks.valuation_matches_layers,
            checks.valuation_matches_books,
            checks.done_moves_settled,
        )
        for line in func()
    ]


def _level(product, location_pk):
    row = StockLevel.objects.filter(product=product, location_id=location_pk).first()
    return (row.on_hand, row.reserved) if row else (Decimal(0), Decimal(0))


def _refusal(service, **kwargs):
    """The code a refused service call answers with, or None when it went through."""
    try:
        service(**kwargs)
    except DomainError as error:
        return error.code
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["fifo", "average", "standard"])
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op, min_size=1, max_size=5))
def test_random_stock_operations_keep_the_invariants(method, ops):
    company = company_create(code=f"P{next(_codes)}", name="Property Co")
    accounting.fiscal_year_create(company=company, date_start=date(date.today().year, 1, 1))
    accounting.chart_install(company=company, template="prc")
    wh = services.warehouse_create(company=company, code="WH", name="Main")
    stock = wh.stock_location
    shelf = services.location_create(company=company, name="S1", parent=stock)
    customer = services.virtual_location(company, LocationUsage.CUSTOMER)
    product = product_create(
        company=company, sku="X", name="X", valuation=method, cost_price=Decimal("7.25")
    )
    on_hand = {stock.pk: Decimal(0), shelf.pk: Decimal(0)}
    # what deliveries refused at done still hold (they stay open)
    reserved = {stock.pk: Decimal(0), shelf.pk: Decimal(0)}

    def free(location_pk):
        return max(on_hand[location_pk] - reserved[location_pk], Decimal(0))

    for kind, amount, flag in ops:
        amount = Decimal(amount)
        where = shelf if flag else stock
        if kind == "receive":
            transfer = services.transfer_create(
                company=company,
                kind="receipt",
                warehouse=wh,
                moves=[{"product": product, "quantity": amount, "unit_cost": Decimal(flag) / 100}],
                confirm=True,
            )
            services.transfer_done(transfer=transfer)
            on_hand[stock.pk] += amount
        elif kind == "deliver":
            transfer = services.transfer_create(
                company=company,
                kind="delivery",
                warehouse=wh,
                moves=[{"product": product, "quantity": amount}],
                confirm=True,
            )
            assigned = services.transfer_assign(transfer=transfer)
            # WH/Stock's free units first, then the shelf's; the rest is short
            at_stock = min(amount, free(stock.pk))
            at_shelf = min(amount - at_stock, free(shelf.pk))
            short = amount - at_stock - at_shelf
            expected = ([(stock.pk, at_stock + short, at_stock)] if at_stock + short else []) + (
                [(shelf.pk, at_shelf, at_shelf)] if at_shelf else []
            )
            moves = StockMove.objects.filter(transfer=transfer)
            assert sorted(
                (m.location_src_id, m.quantity, m.quantity_reserved) for m in moves
            ) == sorted(expected)
            assert [Decimal(s["missing"]) for s in assigned.shortfalls] == (
                [short] if short else []
            )
            assert assigned.state == ("assigned" if not short else "confirmed")
            if flag:
                # the short part has nothing to leave from: refused, and the delivery stays
                # open holding what it reserved
                expected_refusal = "stock.insufficient" if short else None
                assert _refusal(services.transfer_done, transfer=assigned) == expected_refusal
                if short:
                    reserved[stock.pk] += at_stock
                    reserved[shelf.pk] += at_shelf
                else:
                    on_hand[stock.pk] -= at_stock
                    on_hand[shelf.pk] -= at_shelf
            else:
                services.transfer_cancel(transfer=assigned)
        elif kind == "internal":
            src, dest = (shelf, stock) if flag else (stock, shelf)
            transfer = services.transfer_create(
                company=company,
                kind="internal",
                location_src=src,
                location_dest=dest,
                moves=[{"product": product, "quantity": amount}],
                confirm=True,
            )
            # done without reserving: only what is free at the source itself may move
            expected_refusal = "stock.insufficient" if free(src.pk) < amount else None
            assert _refusal(services.transfer_done, transfer=transfer) == expected_refusal
            if expected_refusal is None:
                on_hand[src.pk] -= amount
                on_hand[dest.pk] += amount
        elif kind == "count":
            count = services.inventory_count_create(
                company=company,
                location=where,
                lines=[{"product": product, "counted": amount}],
            )
            # a count below what open deliveries hold there is refused
            expected_refusal = "count.below_reserved" if amount < reserved[where.pk] else None
            assert _refusal(services.inventory_count_apply, count=count) == expected_refusal
            if expected_refusal is None:
                on_hand[where.pk] = amount
        elif kind == "return":
            transfer = services.transfer_create(
                company=company,
                kind="receipt",
                warehouse=wh,
                location_src=customer,
                moves=[{"product": product, "quantity": amount}],
                confirm=True,
            )
            services.transfer_done(transfer=transfer)
            on_hand[stock.pk] += amount
        assert _breaches() == []
        for location_pk in on_hand:
            assert _level(product, location_pk) == (on_hand[location_pk], reserved[location_pk])
        report = queries.valuation(company)
        assert report["totals"]["value"] >= 0 or method == "standard"
