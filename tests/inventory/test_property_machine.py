"""A hypothesis state machine over the stock ledger: several products (one per valuation
method) in several locations (WH/Stock, a shelf below it, WH/Output beside it), random
receipts, deliveries (reserved, then cancelled, done in full or partly done with a
backorder), internal moves between locations, and backorders left open.

The model reserves as the services do: a move takes its source's free units first, then the
shelf's when it leaves from WH/Stock (never when it goes to the shelf), each portion a move
of its own; it follows what every open transfer holds where. After every step: on hand and
reserved per product and location equal the model, on hand equals the sum of done moves,
reserved stays within on hand, the product's valuation equals its layers and the stock
valuation equals the inventory account's balance.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tandem.accounting import services as accounting
from tandem.accounting.models import EntryLine
from tandem.catalog.services import product_create
from tandem.core.errors import DomainError
from tandem.core.services import company_create
from tandem.inventory import checks, queries, services
from tandem.inventory.models import MoveState, StockLevel, StockMove, Transfer

D = Decimal
_codes = itertools.count(1)
METHODS = ("fifo", "average", "standard")
qty = st.integers(min_value=1, max_value=30)
product_index = st.integers(min_value=0, max_value=len(METHODS) - 1)
location_index = st.integers(min_value=0, max_value=2)
STOCK, SHELF = 0, 1  # the shelf is below WH/Stock; WH/Output (2) is beside it


class StockLedger(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.company = company_create(code=f"M{next(_codes)}", name="Machine Co")
        accounting.fiscal_year_create(
            company=self.company, date_start=date(date.today().year, 1, 1)
        )
        accounting.chart_install(company=self.company, template="prc")
        self.wh = services.warehouse_create(company=self.company, code="WH", name="Main")
        shelf = services.location_create(
            company=self.company, name="S1", parent=self.wh.stock_location
        )
        self.locations = [self.wh.stock_location, shelf, self.wh.output_location]
        self.products = [
            product_create(
                company=self.company,
                sku=f"X-{method}",
                name=method,
                valuation=method,
                cost_price=D("7.25"),
            )
            for method in METHODS
        ]
        # (product index, location index) -> what the plain model says is on hand
        self.model = {(p, loc): D(0) for p in range(len(METHODS)) for loc in range(3)}
        # open transfer id -> {(product index, location index): what it holds reserved}
        self.holds = {}

    # -- the model -------------------------------------------------------------------------

    def reserved(self, p, loc):
        return sum((held.get((p, loc), D(0)) for held in self.holds.values()), D(0))

    def plan(self, p, src, dest, amount):
        """What reserving `amount` of product `p` from `src` to `dest` gives: the moves as
        sorted (location index, quantity, reserved) and what is short."""
        places = [src] + ([SHELF] if src == STOCK and dest != SHELF else [])
        need, taken = D(amount), []
        for loc in places:
            take = min(need, max(self.model[(p, loc)] - self.reserved(p, loc), D(0)))
            taken.append((loc, take))
            need -= take
        (own, at_own), below = taken[0], taken[1:]
        moves = [(own, at_own + need, at_own)] if at_own + need else []
        moves += [(loc, take, take) for loc, take in below if take]
        return sorted(moves), need

    def moves_of(self, transfer):
        index = {location.pk: i for i, location in enumerate(self.locations)}
        moves = list(StockMove.objects.filter(transfer=transfer).order_by("pk"))
        return moves, sorted(
            (index[m.location_src_id], m.quantity, m.quantity_reserved) for m in moves
        )

    def hold(self, transfer, p, moves):
        index = {location.pk: i for i, location in enumerate(self.locations)}
        held = {}
        for move in moves:
            if move.quantity_reserved:
                key = (p, index[move.location_src_id])
                held[key] = held.get(key, D(0)) + move.quantity_reserved
        self.holds[transfer.pk] = held

    # -- rules ---------------------------------------------------------------------------

    @rule(p=product_index, loc=location_index, amount=qty, cents=st.integers(1, 5000))
    def receive(self, p, loc, amount, cents):
        transfer = services.transfer_create(
            company=self.company,
            kind="receipt",
            warehouse=self.wh,
            location_dest=self.locations[loc],
            moves=[
                {"product": self.products[p], "quantity": D(amount), "unit_cost": D(cents) / 100}
            ],
            confirm=True,
        )
        services.transfer_done(transfer=transfer)
        self.model[(p, loc)] += amount

    @rule(
        p=product_index,
        loc=location_index,
        amount=qty,
        outcome=st.sampled_from(["done", "partial", "cancel", "open"]),
        part=st.integers(min_value=1, max_value=30),
    )
    def deliver(self, p, loc, amount, outcome, part):
        transfer = services.transfer_create(
            company=self.company,
            kind="delivery",
            warehouse=self.wh,
            location_src=self.locations[loc],
            moves=[{"product": self.products[p], "quantity": D(amount)}],
            confirm=True,
        )
        expected, short = self.plan(p, loc, None, amount)
        assigned = services.transfer_assign(transfer=transfer)
        moves, found = self.moves_of(transfer)
        assert found == expected
        assert [D(s["missing"]) for s in assigned.shortfalls] == ([short] if short else [])
        assert assigned.state == (MoveState.CONFIRMED if short else MoveState.ASSIGNED)
        reserved = sum(m.quantity_reserved for m in moves)
        index = {location.pk: i for i, location in enumerate(self.locations)}
        if outcome == "cancel":
            services.transfer_cancel(transfer=assigned)
        elif outcome == "done" and not short:
            services.transfer_done(transfer=assigned)
            for move in moves:
                self.model[(p, index[move.location_src_id])] -= move.quantity
        elif outcome == "partial" and reserved > 0:
            # `part` units of what is reserved, taken from the moves in id order
            left, quantities = D(part), {}
            for move in moves:
                quantities[move.pk] = min(left, move.quantity_reserved)
                left -= quantities[move.pk]
            done = services.transfer_done(transfer=assigned, quantities=quantities)
            for move in moves:
                self.model[(p, index[move.location_src_id])] -= quantities[move.pk]
            if any(quantities[m.pk] < m.quantity for m in moves):
                backorder = done.backorder
                rest, found = self.moves_of(backorder)
                # each move's rest stays where it was, with what it still holds there
                assert found == sorted(
                    (index[m.location_src_id], m.quantity - q, m.quantity_reserved - q)
                    for m in moves
                    if (q := quantities[m.pk]) < m.quantity
                )
                self.hold(backorder, p, rest)
            else:
                assert done.backorder is None
        else:  # the delivery stays open, holding its reservation
            self.hold(assigned, p, moves)

    @rule(p=product_index, src=location_index, dest=location_index, amount=qty)
    def internal(self, p, src, dest, amount):
        if src == dest:
            return
        transfer = services.transfer_create(
            company=self.company,
            kind="internal",
            location_src=self.locations[src],
            location_dest=self.locations[dest],
            moves=[{"product": self.products[p], "quantity": D(amount)}],
            confirm=True,
        )
        expected, short = self.plan(p, src, dest, amount)
        try:
            services.transfer_assign(transfer=transfer, strict=True)
        except DomainError as error:
            assert error.code == "stock.insufficient" and short
            services.transfer_cancel(transfer=transfer)
            return
        assert not short
        moves, found = self.moves_of(transfer)
        assert found == expected
        services.transfer_done(transfer=transfer)
        for loc, quantity, _reserved in expected:
            self.model[(p, loc)] -= quantity
        self.model[(p, dest)] += amount

    @rule(which=st.integers(min_value=0, max_value=50))
    def cancel_an_open_transfer(self, which):
        open_ids = list(
            StockMove.objects.filter(
                company=self.company, state__in=[MoveState.CONFIRMED, MoveState.ASSIGNED]
            )
            .order_by("transfer_id")
            .values_list("transfer_id", flat=True)
            .distinct()
        )
        assert set(open_ids) == set(self.holds)
        if open_ids:
            transfer = Transfer.objects.get(pk=open_ids[which % len(open_ids)])
            assert services.transfer_cancel(transfer=transfer).state == MoveState.CANCELLED
            del self.holds[transfer.pk]

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def ledger_is_sound(self):
        if not hasattr(self, "company"):
            return
        done = StockMove.objects.filter(company=self.company, state=MoveState.DONE)
        moved = {}
        for side, sign in (("location_dest", 1), ("location_src", -1)):
            for row in done.values("product", side).annotate(t=Sum("quantity_done")):
                key = (row["product"], row[side])
                moved[key] = moved.get(key, D(0)) + sign * row["t"]
        levels = {
            (row["product"], row["location"]): (row["on_hand"], row["reserved"])
            for row in StockLevel.objects.filter(company=self.company)
            .values("product", "location")
            .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        }
        for (p, loc), expected in self.model.items():
            key = (self.products[p].pk, self.locations[loc].pk)
            on_hand, reserved = levels.get(key, (D(0), D(0)))
            assert on_hand == moved.get(key, D(0)) == expected
            assert reserved == self.reserved(p, loc)
            assert 0 <= reserved <= on_hand
        books = EntryLine.objects.filter(
            company=self.company, posted=True, account__role="inventory"
        ).aggregate(d=Sum("debit"), c=Sum("credit"))
        balance = (books["d"] or D(0)) - (books["c"] or D(0))
        assert queries.valuation(self.company)["totals"]["value"] == balance
        breaches = [
            line
            for func in (
                checks.on_hand_matches_moves,
                checks.reserved_within_on_hand,
                checks.valuation_matches_layers,
                checks.done_moves_settled,
            )
            for line in func()
        ]
        assert breaches == []


StockLedger.TestCase.settings = settings(
    max_examples=3,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TestStockLedger = pytest.mark.django_db(StockLedger.TestCase)
