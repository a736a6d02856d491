"""Demo sales for the demo company: orders in every state, through the services.

Deterministic by `rng`. Needs the chart of accounts, an open period for today, customers
and stocked products (run after `load_inventory_demo`). Quotations, cancelled orders,
confirmed orders waiting to ship, shipped, invoiced, paid (some by prepaid terms), an
overdue invoice and a failed delivery left open in the exception queue, and a return that
was received, credited and refunded. Every figure is posted by the services, so the
ledger, the stock and check-integrity agree.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db.models import F

from tandem.accounting.services.payments import payment_create, payment_post
from tandem.catalog.models import Product, ProductType, Tracking
from tandem.catalog.services.pricing import company_today
from tandem.core.errors import DomainError
from tandem.inventory.models import StockLevel
from tandem.parties.models import Party

from . import services
from .models import SlaPolicy

# (quotations, cancelled, confirmed, shipped, invoiced, paid) per size; ~30 orders small
SIZES = {"small": (4, 2, 4, 4, 6, 10), "large": (40, 20, 40, 40, 60, 100)}


def _pay(invoice):
    invoice.refresh_from_db()
    payment = payment_create(
        company=invoice.company,
        direction="in",
        party=invoice.party,
        amount=invoice.residual_amount,
        date=invoice.date,
        allocations=[(invoice, invoice.residual_amount)],
    )
    return payment_post(payment=payment)


def load_sales_demo(company, rng: random.Random | None = None, size: str = "small") -> dict:
    rng = rng or random.Random(5)
    quotes, cancelled, confirmed, shipped, invoiced, paid = SIZES.get(size, SIZES["small"])
    if not SlaPolicy.objects.filter(company=company).exists():
        services.sla_policy_create(company=company, stage="allocated", target_hours=Decimal(2))
        services.sla_policy_create(
            company=company, stage="shipped", target_hours=Decimal(24), business_hours=False
        )
    customers = list(
        Party.objects.filter(company=company, is_customer=True, active=True)
        .filter(currency_id=company.currency_id)
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
    result = {"orders": 0, "skipped": 0, "returns": 0, "exceptions": 0}
    if not customers or not products:
        return result
    today = company_today(company)
    year_start = today.replace(month=1, day=1)

    def order(days_ago: int):
        lines = [
            {"product": p, "quantity": Decimal(rng.randint(1, 3))}
            for p in rng.sample(products, min(3, len(products)))
        ]
        row = services.sales_order_create(
            company=company,
            party=rng.choice(customers),
            lines=lines,
            order_date=max(today - timedelta(days=days_ago), year_start),
            channel=rng.choice(["", "", "web", "phone"]),
        )
        result["orders"] += 1
        return row

    plan = (
        ["quote"] * quotes
        + ["cancel"] * cancelled
        + ["confirm"] * confirmed
        + ["ship"] * shipped
        + ["invoice"] * invoiced
        + ["pay"] * paid
    )
    rng.shuffle(plan)
    done_orders, open_invoices = [], []
    for index, step in enumerate(plan):
        try:
            row = order(days_ago=rng.randint(0, 300) if step in ("pay", "invoice") else index)
            if step == "quote":
                continue
            row = services.sales_order_confirm(order=row, override_credit=True)
            if step == "cancel":
                services.sales_order_cancel(order=row, reason="customer changed their mind")
                continue
            if step == "confirm":
                continue
            for name in ("pick", "pack", "ship"):
                row = services.delivery_step(order=row, step=name, carrier="SF Express")
            if step == "ship":
                continue
            # unpaid ones were invoiced weeks ago, so some of them are overdue by now
            billed = max(today - timedelta(days=60), year_start) if step == "invoice" else None
            invoice = services.sales_order_invoice(orders=[row], post=True, date=billed)
            if step == "invoice":
                open_invoices.append((row, invoice))
                continue
            _pay(invoice)
            services.delivery_step(order=row, step="deliver")
            done_orders.append(row)
        except DomainError:
            result["skipped"] += 1
    # a failed delivery waiting in the queue
    for row, _invoice in open_invoices[:1]:
        services.delivery_failed(order=row, note="Nobody at the delivery address")
    # an overdue invoice: opened by the same scan the beat schedule runs
    result["exceptions"] += services.payment_overdue_scan(company=company)
    # a damaged item came back, was credited and refunded
    for row in done_orders[:1]:
        line = row.lines.order_by("pk").first()
        rma = services.sales_return_create(
            order=row,
            lines=[{"order_line": line, "quantity": Decimal(1)}],
            reason="Damaged in transit",
        )
        rma = services.sales_return_receive(sales_return=rma)
        if rma.state == "received":
            services.sales_return_refund(sales_return=rma)
        result["returns"] += 1
    return result
