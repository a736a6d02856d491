"""Purchasing demo rows: supplier prices, reorder rules and orders in every state.

Deterministic for a given `rng`; builds on the demo's suppliers, goods and (first)
warehouse, creating a warehouse when inventory's demo made none.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from tandem.accounting.services import company_today
from tandem.catalog.models import Product, ProductType
from tandem.core.errors import DomainError
from tandem.inventory.models import Warehouse
from tandem.inventory.services.warehouses import warehouse_default
from tandem.parties.models import Party

from . import services
from .models import PurchaseOrderLine

SIZES = {"small": (30, 8), "large": (300, 40)}  # products with prices, reorder rules
CENT = Decimal("0.01")


def _warehouse(company) -> Warehouse:
    warehouse = warehouse_default(company)
    if warehouse is None:
        from tandem.inventory.services import warehouse_create

        warehouse = warehouse_create(company=company, code="WH", name="Main warehouse")
    return warehouse


@transaction.atomic
def load_purchasing_demo(company, *, rng: random.Random, size: str = "small") -> dict:
    """Add the purchasing demo rows to `company`; returns their counts."""
    priced_count, rule_count = SIZES.get(size, SIZES["small"])
    suppliers = list(
        Party.objects.filter(company=company, is_supplier=True).order_by("pk")[:20]
    ) or list(Party.objects.filter(company=company).order_by("pk")[:5])
    products = list(
        Product.objects.filter(
            # untracked: the demo receives without lot or serial numbers
            company=company,
            active=True,
            can_be_purchased=True,
            type=ProductType.GOODS,
            tracking="none",
        ).order_by("pk")[:priced_count]
    )
    if not suppliers or not products:
        return {"supplier_prices": 0, "reorder_rules": 0, "purchase_orders": 0}
    local = [s for s in suppliers if s.currency_id == company.currency_id] or suppliers[:1]
    warehouse = _warehouse(company)
    today = company_today(company)

    prices = 0
    for product in products:
        base = product.cost_price or Decimal(rng.randint(5, 500))
        for supplier in rng.sample(local, k=min(len(local), rng.choice((1, 2)))):
            factor = Decimal(rng.randint(90, 110)) / 100
            services.supplier_price_create(
                company=company,
                supplier=supplier,
                product=product,
                price=(base * factor).quantize(CENT),
                currency=company.currency_id,
                min_quantity=rng.choice((0, 0, 10, 50)),
                lead_time_days=rng.randint(1, 14),
                product_code=f"{supplier.pk}-{product.sku}"[:64],
            )
            prices += 1

    rules = 0
    for product in products[:rule_count]:
        minimum = rng.choice((10, 20, 30, 50))
        services.reorder_rule_create(
            company=company,
            product=product,
            warehouse=warehouse,
            min_quantity=minimum,
            max_quantity=minimum * 3,
            multiple=rng.choice((1, 5, 10)),
        )
        rules += 1

    def new_order(days_ago: int, count: int = 2):
        supplier = rng.choice(local)
        chosen = rng.sample(products, k=min(count, len(products)))
        return services.purchase_order_create(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            order_date=today - timedelta(days=days_ago),
            expected_date=today + timedelta(days=rng.randint(1, 10)),
            lines=[{"product": p, "quantity": rng.choice((10, 20, 50, 100))} for p in chosen],
        )

    orders = [new_order(rng.randint(0, 3)) for _ in range(3)]  # RFQs
    skipped = 0
    try:
        for _ in range(2):
            orders.append(services.purchase_order_send(order=new_order(rng.randint(1, 5))))
        for _ in range(2):  # confirmed, waiting for the goods
            orders.append(services.purchase_order_confirm(order=new_order(rng.randint(2, 10))))
        partial = services.purchase_order_confirm(order=new_order(12))
        first = PurchaseOrderLine.objects.filter(order=partial).order_by("sequence", "pk").first()
        services.purchase_order_receive(order=partial, quantities={first.pk: first.quantity / 2})
        services.purchase_order_bill(order=partial, policy="received")
        orders.append(partial)
        done = services.purchase_order_confirm(order=new_order(20))
        services.purchase_order_receive(order=done)
        bill, _warnings = services.purchase_order_bill(order=done, policy="received")
        from tandem.accounting.services.invoices import invoice_post, invoice_update

        # the supplier billed the first line 5% above the order: the three-way match warns
        # and the price difference goes on to stock when the bill is posted
        lines = list(bill.lines.order_by("sequence", "pk").prefetch_related("taxes"))
        invoice_update(
            invoice=bill,
            lines=[
                {
                    "product": line.product,
                    "description": line.description,
                    "quantity": line.quantity,
                    "uom": line.uom,
                    "unit_price": (line.unit_price * Decimal("1.05")).quantize(Decimal("0.01"))
                    if index == 0
                    else line.unit_price,
                    "discount": line.discount,
                    "account": line.account,
                    "taxes": list(line.taxes.all()),
                    "origin_line": line.origin_line,
                }
                for index, line in enumerate(lines)
            ],
        )
        invoice_post(invoice=bill)
        services.purchase_order_refresh(order=done)
        orders.append(done)
        orders.append(services.purchase_order_cancel(order=new_order(15)))
    except DomainError:
        # the chart, fiscal year or stock journal of this company is incomplete: the
        # documents that would post stay at the states already reached
        skipped += 1
    services.replenishment_run(company=company)
    return {
        "supplier_prices": prices,
        "reorder_rules": rules,
        "purchase_orders": len(orders),
        "skipped": skipped,
    }
