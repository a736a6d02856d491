"""The analytics part of the demo company (`tandem demo`), loaded by tandem.demo after the CRM
part, so it can use the demo's parties, products, orders and invoices.

The sales demo replays one year of orders, too little for seasonal models, so this part adds
an order history with real structure, marked as imported (`channel="history"`, numbers
`HIST-...`, state done, nothing delivered or invoiced through Tandem): monthly seasonality and
a trend, products bought in groups, customers with their own staples who buy at their own rate
and some of whom lapse; and closed opportunities whose outcome depends on their source and
size. Then it trains the models once. The same generator feeds the tests and bench/analytics.py.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from tandem.core.models import Company

CENT = Decimal("0.01")
SEASON = [0.85, 0.8, 0.95, 1.0, 1.0, 0.95, 0.9, 0.9, 1.05, 1.1, 1.25, 1.45]  # Jan..Dec


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def make_order_history(
    *,
    company,
    parties: list,
    products: list,
    rng: random.Random,
    months: int = 36,
    until: date | None = None,
    orders_per_month: float = 1.0,
    group_size: int = 4,
) -> int:
    """Bulk-write `months` of done sales orders up to `until` (default: yesterday) for
    `parties` buying `products`. Answers the number of orders written."""
    from tandem.sales.models import OrderState, SalesOrder, SalesOrderLine

    until = until or timezone.localdate() - timedelta(days=1)
    first = _add_months(until.replace(day=1), -months + 1)
    products = list(products)
    groups = [products[i : i + group_size] for i in range(0, len(products), group_size)]
    prices = {p.pk: (p.list_price or Decimal(rng.randint(5, 200))) for p in products}
    prices = {
        k: (v if v > 0 else Decimal(rng.randint(5, 200))).quantize(CENT) for k, v in prices.items()
    }
    orders, lines = [], []
    plan = []  # (party, date, [(product, qty)])
    for party in parties:
        rate = rng.gammavariate(2.0, orders_per_month / 2.0)
        lapse = rng.betavariate(1.0, 25.0)  # monthly probability of leaving for good
        start = rng.randint(0, max(0, months // 3))
        staples = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
        favourite = rng.sample(groups, k=min(len(groups), rng.randint(1, 2)))
        size = rng.lognormvariate(0, 0.6)
        for month in range(start, months):
            if month > start and rng.random() < lapse:
                break
            day0 = _add_months(first, month)
            trend = 1 + 0.15 * month / 12
            count = _poisson(rng, rate * SEASON[day0.month - 1] * trend)
            days_in = (_add_months(day0, 1) - day0).days
            for _ in range(count):
                when = day0 + timedelta(days=rng.randrange(days_in))
                if when > until:
                    continue
                items = {}
                for staple in staples:
                    if rng.random() < 0.6:
                        items[staple.pk] = rng.randint(1, 4)
                group = rng.choice(favourite) if rng.random() < 0.8 else rng.choice(groups)
                for product in rng.sample(group, k=min(len(group), rng.randint(2, 3))):
                    items[product.pk] = items.get(product.pk, 0) + max(
                        1, int(rng.randint(1, 5) * size)
                    )
                plan.append((party, when, items))
    plan.sort(key=lambda row: row[1])
    uoms = {p.pk: p.uom_id for p in products}
    stamp = datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    start_number = SalesOrder.objects.filter(company=company, channel="history").count()
    for index, (party, when, items) in enumerate(plan, start=start_number + 1):
        total = sum(prices[p] * q for p, q in items.items())
        orders.append(
            SalesOrder(
                company=company,
                party=party,
                currency_id=company.currency_id,
                state=OrderState.DONE,
                number=f"HIST-{index:06d}",
                quotation_number=f"HIST-{index:06d}",
                channel="history",
                order_date=when,
                confirmed_at=stamp,
                untaxed_amount=total,
                total_amount=total,
            )
        )
    SalesOrder.objects.bulk_create(orders, batch_size=2000)
    for order, (_party, _when, items) in zip(orders, plan, strict=True):
        for sequence, (product, quantity) in enumerate(items.items(), start=1):
            amount = prices[product] * quantity
            lines.append(
                SalesOrderLine(
                    company=company,
                    order=order,
                    sequence=sequence * 10,
                    product_id=product,
                    quantity=Decimal(quantity),
                    uom_id=uoms[product],
                    unit_price=prices[product],
                    untaxed_amount=amount,
                    total_amount=amount,
                )
            )
    SalesOrderLine.objects.bulk_create(lines, batch_size=5000)
    return len(orders)


SOURCE_EFFECT = {
    "referral": 1.4,
    "event": 0.6,
    "web_form": 0.0,
    "email": -0.2,
    "phone": -0.4,
    "campaign": -0.6,
    "import": -1.2,
}


def make_opportunity_history(
    *, company, parties: list, rng: random.Random, count: int = 160, until: date | None = None
) -> int:
    """Bulk-write `count` closed opportunities over the last two years whose outcome depends
    on their source and size (so a lead score has something to learn)."""
    from tandem.crm.models import LostReason, Opportunity, OpportunityState, PipelineStage

    stages = PipelineStage.objects.filter(company=company, team__isnull=True)
    won_stage = stages.filter(is_won=True).first()
    lost_stage = stages.filter(is_lost=True).first()
    reasons = list(LostReason.objects.filter(company=company).order_by("pk"))
    if won_stage is None or lost_stage is None or not reasons or not parties:
        return 0
    until = until or timezone.localdate()
    rows = []
    for index in range(count):
        source = rng.choice(list(SOURCE_EFFECT))
        revenue = Decimal(int(rng.lognormvariate(9, 0.8))).quantize(CENT)
        party = rng.choice(parties)
        logit = -0.6 + SOURCE_EFFECT[source] - 0.6 * (math.log(float(revenue)) - 9)
        won = rng.random() < 1 / (1 + math.exp(-logit))
        created = datetime.combine(
            until - timedelta(days=int(730 * (count - index) / count) + 30),
            datetime.min.time(),
            tzinfo=UTC,
        ) + timedelta(hours=rng.randint(8, 17))
        closed = created + timedelta(days=rng.randint(5, 60))
        rows.append(
            Opportunity(
                company=company,
                name=f"Deal {index + 1:04d}",
                party=party,
                stage=won_stage if won else lost_stage,
                expected_revenue=revenue,
                currency_id=company.currency_id,
                probability=100 if won else 0,
                state=OpportunityState.WON if won else OpportunityState.LOST,
                source=source,
                won_at=closed if won else None,
                lost_at=None if won else closed,
                lost_reason=None if won else rng.choice(reasons),
                close_date=closed.date(),
            )
        )
        rows[-1]._created = created
    Opportunity.objects.bulk_create(rows, batch_size=2000)
    for row in rows:
        row.created_at = row._created
    Opportunity.objects.bulk_update(rows, ["created_at"], batch_size=2000)
    return len(rows)


def load_analytics_demo(
    *,
    company: Company,
    parties: list,
    products: list,
    rng: random.Random,
    size: str,
    train: bool = True,
) -> None:
    """An order and opportunity history with structure, then (unless `train` is false) one
    training of every model."""
    from tandem.catalog.models import ProductType

    from .services import analytics_train

    customers = [
        p for p in parties if p.is_customer and p.currency_id in (None, company.currency_id)
    ]
    goods = [p for p in products if p.type != ProductType.SERVICE and p.can_be_sold]
    if size == "small":
        goods, customers, months, rate, deals = goods[:60], customers[:60], 36, 0.9, 160
    else:
        customers, months, rate, deals = customers, 36, 0.5, 1500
    make_order_history(
        company=company,
        parties=customers,
        products=goods,
        rng=rng,
        months=months,
        orders_per_month=rate,
    )
    make_opportunity_history(company=company, parties=customers, rng=rng, count=deals)
    if train:
        analytics_train(company=company)
