"""Demo sales for the demo company: a year of order history, replayed through the services.

Deterministic by `rng`. Every order gets a story: quoted, perhaps sent, confirmed, picked,
packed, shipped, delivered, invoiced and paid, or cancelled, lost, held for credit, short of
stock (shipped in part, the rest on a backorder), failed at the door, paid late or returned.
The stories are dated over the last twelve months and their steps run in time order under a
demo clock (`django.utils.timezone.now` set to the moment of the step), so documents,
journal entries, stock moves, stage events and exceptions carry the dates they would have
had. A step that falls after now has not happened yet, which leaves the recent orders in
their open states. The SLA and overdue-payment scans run weekly, as the beat schedule would.

Needs the chart of accounts, customers and stocked products (run after
`load_inventory_demo`, whose receipts should lie before `history_start`). Every figure is
posted by the services, so the ledger, the stock and check-integrity agree.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Sum
from django.test.utils import override_settings
from django.utils import timezone as django_timezone

from tandem.accounting.models import FiscalYear
from tandem.accounting.services import fiscal_year_create, fiscal_year_start_for
from tandem.accounting.services.payments import payment_create, payment_post
from tandem.catalog.models import Product, ProductType, Tracking
from tandem.catalog.services.pricing import company_today
from tandem.core.errors import DomainError
from tandem.core.models import Membership
from tandem.inventory.models import StockLevel, Warehouse
from tandem.parties.models import Party
from tandem.parties.services import party_update

from . import services
from .errors import CreditLimitExceeded
from .models import (
    ExceptionKind,
    ExceptionState,
    OrderException,
    SalesOrder,
    SlaPolicy,
)

HISTORY_DAYS = 365
# orders over the last twelve months, per size (17 of them pinned to tell a story)
SIZES = {"small": 44, "large": 500}
CARRIERS = ["SF Express", "JD Logistics", "ZTO Express", "Deppon"]
# the random stories and their weights; `late` ships after the 24-hour SLA
KINDS = [
    ("paid", 62),
    ("late", 12),
    ("won_quote", 6),
    ("cancel", 4),
    ("lost", 4),
    ("overdue_paid", 5),
    ("return", 3),
    ("failed", 2),
    ("hold", 1),
]
# pinned stories: (kind, age in hours) so that every state and exception kind shows up
PINNED = [
    ("quote", 1),
    ("sent", 26),
    ("paid", 3),
    ("waiting", 34),
    ("hold_open", 6),
    ("short_open", 52),
    ("failed_open", 80),
    ("paid", 200),
    ("overdue", 24 * 75),
    ("overdue_paid", 24 * 110),
    ("short", 24 * 45),
    ("hold", 24 * 130),
    ("failed", 24 * 27),
    ("late", 24 * 33),
    ("return", 24 * 62),
    ("cancel", 24 * 12),
    ("lost", 24 * 150),
]


# -- the demo clock ------------------------------------------------------------------------


class DemoClock:
    """What `timezone.now()` answers while the demo replays its history."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


@contextmanager
def demo_clock(at: datetime) -> Iterator[DemoClock]:
    """Run the services as if it were `at` (movable through the clock's `set`).

    Only for the single-threaded demo loader: it replaces `django.utils.timezone.now`
    process-wide for the duration of the block, and restores it after.
    """
    clock = DemoClock(at)
    previous = django_timezone.now
    django_timezone.now = clock.now
    try:
        yield clock
    finally:
        django_timezone.now = previous


def history_start(company) -> date:
    """The first day of the demo's order history (a year before the company's today)."""
    return company_today(company) - timedelta(days=HISTORY_DAYS)


def fiscal_years_ensure(company, first: date, last: date) -> None:
    """Open fiscal years (through the accounting service) for every day from first to last."""
    day = fiscal_year_start_for(company, first)
    while day <= last:
        covered = FiscalYear.objects.filter(
            company=company, date_start__lte=day, date_end__gte=day
        ).exists()
        if not covered:
            fiscal_year_create(company=company, date_start=day)
        day = date(day.year + 1, day.month, 1)


def local_moment(company, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(company.time_zone or "UTC"))


# -- one order's story ---------------------------------------------------------------------


@dataclass
class Story:
    kind: str
    party: Party
    received: datetime
    products: list
    order: SalesOrder | None = None
    dead: bool = False
    scarce: Product | None = None


class Replay:
    """The stories' steps in time order under the clock; steps after `until` are dropped."""

    def __init__(self, company, rng, clock: DemoClock, until: datetime, sellers):
        self.company = company
        self.rng = rng
        self.clock = clock
        self.until = until
        self.sellers = sellers
        self.zone = ZoneInfo(company.time_zone or "UTC")
        self.queue: list = []
        self.seq = 0
        self.result = {"orders": 0, "skipped": 0, "returns": 0, "exceptions": 0, "restocks": 0}
        self.warehouse = (
            Warehouse.objects.filter(company=company, active=True).order_by("pk").first()
        )
        self.suppliers = list(
            Party.objects.filter(company=company, is_supplier=True, active=True).order_by("pk")[:10]
        )

    # scheduling -------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable, story: Story | None = None) -> None:
        if when > self.until:
            return  # has not happened yet
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, action, story))

    def run(self) -> None:
        while self.queue:
            when, _seq, action, story = heapq.heappop(self.queue)
            if story is not None and story.dead:
                continue
            self.clock.set(when)
            try:
                action(story) if story is not None else action()
            except DomainError:
                if story is None:
                    raise
                story.dead = True
                self.result["skipped"] += 1

    def today(self) -> date:
        return django_timezone.localtime(self.clock.now(), self.zone).date()

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.randint(int(low * 60), int(high * 60)))

    # the plan of a story ----------------------------------------------------------------

    def plan(self, story: Story) -> None:
        kind, t = story.kind, story.received
        if story.order is None:
            self.at(t, self.create, story)
        if kind == "quote":
            return
        if kind == "lost":
            self.at(t + timedelta(days=self.rng.randint(20, 40)), self.lose, story)
            return
        if kind == "sent":
            self.at(t + timedelta(minutes=40), self.send, story)
            return
        confirm = t + self.hours(0.3, 3)
        if kind == "won_quote":  # the customer took a few days to accept the quotation
            confirm = t + timedelta(days=self.rng.randint(2, 6), hours=self.rng.randint(0, 5))
        if kind in ("hold", "hold_open"):
            self.at(confirm, self.confirm_held, story)
            if kind == "hold_open":
                return
            confirm += self.hours(18, 30)
            self.at(confirm, self.release_hold, story)
        else:
            self.at(confirm, self.confirm, story)
        if kind == "cancel":
            self.at(confirm + self.hours(3, 40), self.cancel, story)
            return
        if kind == "waiting":
            return  # allocated, not picked yet: the warehouse is behind
        prepaid = _prepaid(story.party)
        start = confirm
        if prepaid:  # the customer pays first: invoice on the order, ship once paid
            invoiced = confirm + self.hours(0.5, 2)
            self.at(invoiced, self.invoice, story)
            start = invoiced + self.hours(2, 20)
            self.at(start, self.pay, story)
        late = kind == "late"
        picked = start + (self.hours(26, 60) if late else self.hours(1, 6))
        packed = picked + self.hours(0.5, 2)
        shipped = packed + self.hours(0.5, 3)
        self.at(picked, self.step("pick"), story)
        self.at(packed, self.step("pack"), story)
        self.at(shipped, self.step("ship"), story)
        if kind in ("short", "short_open"):
            restocked = shipped + timedelta(days=self.rng.randint(4, 8))
            self.at(restocked, self.restock_short, story)
            shipped = restocked + self.hours(3, 20)
            self.at(shipped, self.step("ship"), story)
        delivered = shipped + self.hours(20, 60)
        if kind in ("failed", "failed_open"):
            failed = shipped + self.hours(22, 40)
            self.at(failed, self.fail, story)
            if kind == "failed_open":
                return
            delivered = failed + self.hours(18, 30)
            self.at(delivered, self.redeliver, story)
        else:
            self.at(delivered, self.step("deliver"), story)
        if not prepaid:
            invoiced = delivered + self.hours(1, 24)
            self.at(invoiced, self.invoice, story)
            if kind == "overdue":
                return  # never paid: the overdue scan finds it
            due_days = story.party.payment_term.due_days if story.party.payment_term_id else 0
            if kind == "overdue_paid":
                pay_days = due_days + self.rng.randint(12, 30)  # after the scan flagged it
            else:
                pay_days = max(1, due_days + self.rng.randint(-8, 6))
            paid = invoiced + timedelta(days=pay_days, hours=self.rng.randint(0, 6))
            self.at(paid, self.pay, story)
        else:
            paid = delivered
        if kind == "return":
            returned = max(paid, delivered) + timedelta(days=self.rng.randint(3, 12))
            self.at(returned, self.back, story)

    # the steps --------------------------------------------------------------------------

    def create(self, story: Story) -> None:
        lines = [
            {"product": product, "quantity": Decimal(self.rng.randint(1, 3))}
            for product in story.products
        ]
        if story.scarce is not None:
            # a bulk order: more than the shelf holds, the rest waits on a backorder
            lines.append(
                {
                    "product": story.scarce,
                    "quantity": _available(self.company, story.scarce)
                    + Decimal(self.rng.randint(3, 8)),
                }
            )
        fields = {"channel": self.rng.choice(["", "", "web", "phone", "email"])}
        if self.sellers:
            fields["salesperson"] = self.rng.choice(self.sellers)
        story.order = services.sales_order_create(
            company=self.company,
            party=story.party,
            lines=lines,
            order_date=self.today(),
            **fields,
        )
        self.result["orders"] += 1

    def send(self, story: Story) -> None:
        # the demo sends nothing: mail goes to the dummy backend (see load_sales_demo)
        to = story.party.email or "purchasing@customer.example"
        story.order = services.sales_order_send(order=story.order, to=to)

    def lose(self, story: Story) -> None:
        story.order = services.sales_order_cancel(
            order=story.order, reason="The customer chose another supplier"
        )

    def confirm(self, story: Story) -> None:
        story.order = services.sales_order_confirm(order=story.order, override_credit=True)

    def confirm_held(self, story: Story) -> None:
        party = Party.objects.get(pk=story.party.pk)
        total = SalesOrder.objects.get(pk=story.order.pk).total_amount
        exposure = services.open_receivables(self.company, party) + total
        if not party.credit_limit or exposure <= party.credit_limit:
            # a new customer on a tight limit: finance approves bigger orders one by one
            limit = max(Decimal(100), (total / 2).quantize(Decimal(100)))
            party_update(party=party, credit_limit=limit, allow_duplicate=True)
        try:
            services.sales_order_confirm(order=story.order)
        except CreditLimitExceeded:
            return  # on hold, in the exception queue
        story.dead = True  # no hold after all: nothing more to tell

    def release_hold(self, story: Story) -> None:
        held = OrderException.objects.get(
            order=story.order, kind=ExceptionKind.CREDIT_HOLD, state=ExceptionState.OPEN
        )
        services.order_exception_resolve(
            exception=held,
            note="Finance approved the order: the customer has always paid on time.",
        )
        story.order.refresh_from_db()

    def cancel(self, story: Story) -> None:
        story.order = services.sales_order_cancel(
            order=story.order, reason="The customer cancelled: the project was postponed"
        )

    def step(self, name: str) -> Callable:
        def run(story: Story) -> None:
            extra = {}
            if name == "ship":
                extra = {
                    "carrier": self.rng.choice(CARRIERS),
                    "tracking_reference": f"{self.rng.randint(10**11, 10**12 - 1)}",
                }
            story.order = services.delivery_step(order=story.order, step=name, **extra)

        return run

    def restock_short(self, story: Story) -> None:
        """The supplier delivers the missing goods; the shortage is resolved with a note."""
        from tandem.inventory.services import transfer_create, transfer_done

        line = story.order.lines.get(product=story.scarce)
        missing = line.quantity - line.qty_delivered
        receipt = transfer_create(
            company=self.company,
            kind="receipt",
            warehouse=self.warehouse,
            party=self.rng.choice(self.suppliers) if self.suppliers else None,
            origin=f"Restock for {story.order}",
            moves=[
                {
                    "product": story.scarce,
                    "quantity": missing + Decimal(10),
                    "unit_cost": story.scarce.cost_price or Decimal(10),
                }
            ],
            confirm=True,
        )
        receipt = transfer_done(transfer=receipt)
        self.result["restocks"] += 1
        shortage = OrderException.objects.get(
            order=story.order, kind=ExceptionKind.STOCK_SHORTAGE, state=ExceptionState.OPEN
        )
        services.order_exception_resolve(
            exception=shortage,
            note=f"Restocked by {receipt.number}; the backorder is reserved and ships next.",
        )
        story.order.refresh_from_db()

    def invoice(self, story: Story) -> None:
        services.sales_order_invoice(orders=[story.order], post=True, date=self.today())
        story.order.refresh_from_db()

    def pay(self, story: Story) -> None:
        for invoice in story.order.invoices.filter(state="posted", residual_amount__gt=0):
            payment = payment_create(
                company=self.company,
                direction="in",
                party=invoice.party,
                amount=invoice.residual_amount,
                date=self.today(),
                allocations=[(invoice, invoice.residual_amount)],
            )
            payment_post(payment=payment)
        _refresh(story.order)

    def fail(self, story: Story) -> None:
        services.delivery_failed(
            order=story.order, note="Nobody at the delivery address; the carrier will try again."
        )

    def redeliver(self, story: Story) -> None:
        failed = OrderException.objects.get(
            order=story.order, kind=ExceptionKind.DELIVERY_FAILED, state=ExceptionState.OPEN
        )
        services.order_exception_resolve(
            exception=failed, note="Delivered on the second attempt, signed for at reception."
        )
        story.order.refresh_from_db()

    def back(self, story: Story) -> None:
        line = story.order.lines.order_by("pk").first()
        rma = services.sales_return_create(
            order=story.order,
            lines=[{"order_line": line, "quantity": Decimal(1)}],
            reason="Damaged in transit",
            date=self.today(),
        )
        rma = services.sales_return_receive(sales_return=rma, date=self.today())
        if rma.state == "received" and story.order.payment_status == "paid":
            services.sales_return_refund(sales_return=rma, date=self.today())
        self.result["returns"] += 1

    # the company's routines -------------------------------------------------------------

    def scans(self) -> None:
        """The beat job's scans, then the dispatcher's review: a breach whose stage has been
        reached since is closed with a note (one still late stays open)."""
        services.sla_breach_scan(company=self.company)
        services.payment_overdue_scan(company=self.company)
        open_breaches = OrderException.objects.filter(
            company=self.company, kind=ExceptionKind.SLA_BREACH, state=ExceptionState.OPEN
        )
        for breach in open_breaches.order_by("pk"):
            reached = breach.order.stage_events.filter(stage=breach.stage).first()
            if reached is not None:
                local = django_timezone.localtime(reached.at, self.zone)
                services.order_exception_resolve(
                    exception=breach,
                    note=f"Reached {local:%Y-%m-%d %H:%M}, late; the customer was told.",
                )

    def restock(self, products) -> None:
        """The monthly purchase: top up what runs low (received at cost)."""
        from tandem.inventory.services import transfer_create, transfer_done

        low = [p for p in products if _available(self.company, p) < 15]
        if not low or self.warehouse is None:
            return
        receipt = transfer_create(
            company=self.company,
            kind="receipt",
            warehouse=self.warehouse,
            party=self.rng.choice(self.suppliers) if self.suppliers else None,
            origin="Monthly replenishment",
            moves=[
                {"product": p, "quantity": Decimal(60), "unit_cost": p.cost_price or Decimal(10)}
                for p in low
            ],
            confirm=True,
        )
        transfer_done(transfer=receipt)
        self.result["restocks"] += 1


def _prepaid(party: Party) -> bool:
    return bool(party.payment_term_id) and party.payment_term.due_days == 0


def _available(company, product) -> Decimal:
    row = StockLevel.objects.filter(
        company=company, product=product, location__usage="internal"
    ).aggregate(free=Sum(F("on_hand") - F("reserved")))
    return max(row["free"] or Decimal(0), Decimal(0))


def _refresh(order: SalesOrder) -> None:
    """The payment's status on the order now (the `invoice.paid` subscriber does it again
    after commit; the replay needs it before the next step)."""
    with transaction.atomic():
        services.order_refresh(order=SalesOrder.objects.select_for_update().get(pk=order.pk))
    order.refresh_from_db()


# -- the loader ----------------------------------------------------------------------------


def _received_times(company, rng, count: int, first: date, last: date) -> list[datetime]:
    """`count` moments in working hours from first to last, one per equal slice of the
    (slightly growing) year, so every month has orders."""
    span = (last - first).days
    moments = []
    for index in range(count):
        share = ((index + rng.random()) / count) ** 0.85  # more orders lately
        day = first + timedelta(days=int(share * span))
        if day.weekday() >= 5 and rng.random() < 0.8:
            day += timedelta(days=7 - day.weekday())  # weekend orders wait for Monday
        moments.append(local_moment(company, day, rng.randint(9, 17), rng.randint(0, 59)))
    return moments


def load_sales_demo(
    company, rng: random.Random | None = None, size: str = "small", now: datetime | None = None
) -> dict:
    """Replay a year of orders for `company`; returns counts (orders, skipped, returns, ...)."""
    rng = rng or random.Random(5)
    total = SIZES.get(size, SIZES["small"])
    until = now or django_timezone.now()
    today = django_timezone.localtime(until, ZoneInfo(company.time_zone or "UTC")).date()
    first = today - timedelta(days=HISTORY_DAYS)
    fiscal_years_ensure(company, first, today)
    if not SlaPolicy.objects.filter(company=company).exists():
        services.sla_policy_create(company=company, stage="allocated", target_hours=Decimal(2))
        services.sla_policy_create(
            company=company, stage="shipped", target_hours=Decimal(24), business_hours=False
        )
        services.sla_policy_create(
            company=company, stage="delivered", target_hours=Decimal(96), business_hours=False
        )
    customers = list(
        Party.objects.filter(company=company, is_customer=True, active=True)
        .filter(currency_id=company.currency_id)
        .select_related("payment_term")
        .order_by("pk")[:60]
    )
    in_stock = set(
        StockLevel.objects.filter(
            company=company, location__usage="internal", on_hand__gt=F("reserved") + 20
        ).values_list("product_id", flat=True)
    )
    products = list(
        Product.objects.filter(
            company=company,
            pk__in=in_stock,
            active=True,
            can_be_sold=True,
            tracking=Tracking.NONE,
        )
        .exclude(type=ProductType.SERVICE)
        .order_by("pk")[:40]
    )
    result = {"orders": 0, "skipped": 0, "returns": 0, "exceptions": 0, "restocks": 0}
    if len(customers) < 2 or not products:
        return result
    # two goods kept for the bulk orders that run short, one customer on a tight credit limit
    scarce = products[-2:] if len(products) >= 5 else []
    regular = [p for p in products if p not in scarce]
    held = customers[-1]
    buyers = customers[:-1]
    on_terms = [c for c in buyers if not _prepaid(c)] or buyers
    sellers = [
        m.user
        for m in Membership.objects.filter(company=company, is_active=True, roles__code="sales")
        .select_related("user")
        .order_by("user_id")
        .distinct()
    ]

    stories = []
    pinned_scarce = {"short": 0, "short_open": 1}
    for kind, age in PINNED:
        party = held if kind.startswith("hold") else rng.choice(on_terms)
        story = Story(
            kind=kind,
            party=party,
            received=until - timedelta(hours=age),
            products=rng.sample(regular, k=min(len(regular), rng.randint(1, 3))),
        )
        if kind in pinned_scarce:
            if scarce:
                story.scarce = scarce[pinned_scarce[kind]]
            else:
                story.kind = "paid"
        stories.append(story)
    names, weights = zip(*KINDS, strict=True)
    spread = max(0, total - len(PINNED))
    span = (first + timedelta(days=3), today - timedelta(days=14))
    for received in _received_times(company, rng, spread, *span):
        kind = rng.choices(names, weights)[0]
        if kind == "hold":
            party = held
        elif kind == "overdue_paid":
            party = rng.choice(on_terms)
        else:
            party = rng.choice(buyers)
        stories.append(
            Story(
                kind=kind,
                party=party,
                received=received,
                products=rng.sample(regular, k=min(len(regular), rng.randint(1, 3))),
            )
        )

    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        demo_clock(local_moment(company, first, 8)) as clock,
        transaction.atomic(),
    ):
        replay = Replay(company, rng, clock, until, sellers)
        replay.result = result
        for story in stories:
            replay.plan(story)
        day = first + timedelta(days=(7 - first.weekday()) % 7)  # Mondays
        while day <= today:
            replay.at(local_moment(company, day, 8, 30), replay.scans)
            if day.day <= 7:
                replay.at(local_moment(company, day, 10), lambda: replay.restock(regular))
            day += timedelta(days=7)
        replay.run()
        clock.set(until)
        replay.scans()
    result["exceptions"] = OrderException.objects.filter(company=company).count()
    return result


def fulfil_orders(company, orders, *, rng: random.Random, now: datetime | None = None) -> dict:
    """Take quotations made elsewhere (a won opportunity's draft order) through the usual
    story from the moment given with each: confirmed, shipped, delivered, invoiced and paid
    when due. `orders` is [(order, moment)]; steps after now have not happened yet."""
    until = now or django_timezone.now()
    result = {"orders": 0, "skipped": 0, "returns": 0, "exceptions": 0, "restocks": 0}
    stories = [
        Story(kind="paid", party=order.party, received=at, products=[], order=order)
        for order, at in orders
    ]
    if not stories:
        return result
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        demo_clock(min(s.received for s in stories)) as clock,
        transaction.atomic(),
    ):
        replay = Replay(company, rng, clock, until, sellers=[])
        replay.result = result
        for story in stories:
            replay.plan(story)
        replay.run()
        clock.set(until)
        replay.scans()
    return result
