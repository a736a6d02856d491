"""Demo stock for the demo company: a main warehouse, receipts at cost, deliveries, reservations.

Deterministic by `rng`; written through the services, so the stock ledger, the valuation
layers and the stock journal agree (check-integrity passes on the demo).
"""

from __future__ import annotations

import random
from decimal import Decimal

from tandem.catalog.models import Product, ProductType, Tracking
from tandem.parties.models import Party

from . import services
from .models import Warehouse

SIZES = {"small": (40, 8, 6), "large": (400, 60, 40)}  # stocked products, deliveries, reservations


def load_inventory_demo(company, *, rng: random.Random, size: str = "small") -> dict:
    """Needs the company's chart of accounts and an open period for today (the stock journal)."""
    stocked, delivery_count, reservation_count = SIZES.get(size, SIZES["small"])
    warehouse = Warehouse.objects.filter(company=company, code="WH").first()
    if warehouse is None:
        warehouse = services.warehouse_create(company=company, code="WH", name="Main warehouse")
        for shelf in ("A1", "A2", "B1"):
            services.location_create(
                company=company, name=shelf, parent=warehouse.stock_location, barcode=f"LOC-{shelf}"
            )
    products = list(
        Product.objects.filter(company=company, active=True, tracking=Tracking.NONE)
        .exclude(type=ProductType.SERVICE)
        .order_by("pk")[:stocked]
    )
    if not products:
        return {"receipts": 0, "deliveries": 0, "reservations": 0}
    suppliers = list(Party.objects.filter(company=company, is_supplier=True).order_by("pk")[:20])
    customers = list(Party.objects.filter(company=company, is_customer=True).order_by("pk")[:40])
    receipts = 0
    for start in range(0, len(products), 10):
        batch = products[start : start + 10]
        moves = []
        for product in batch:
            cost = product.cost_price or Decimal(rng.randint(5, 500))
            # a purchase price around the cost price, to the cent
            price = (cost * Decimal(rng.randint(90, 110)) / 100).quantize(Decimal("0.01"))
            moves.append(
                {"product": product, "quantity": Decimal(rng.randint(20, 200)), "unit_cost": price}
            )
        receipt = services.transfer_create(
            company=company,
            kind="receipt",
            warehouse=warehouse,
            party=rng.choice(suppliers) if suppliers else None,
            origin=f"PO-DEMO-{start // 10 + 1:03d}",
            moves=moves,
            confirm=True,
        )
        services.transfer_done(transfer=receipt)
        receipts += 1

    def delivery(n):
        lines = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
        return services.transfer_create(
            company=company,
            kind="delivery",
            warehouse=warehouse,
            party=rng.choice(customers) if customers else None,
            origin=f"SO-DEMO-{n:03d}",
            moves=[{"product": p, "quantity": Decimal(rng.randint(1, 10))} for p in lines],
            confirm=True,
        )

    for n in range(1, delivery_count + 1):
        services.transfer_done(transfer=services.transfer_assign(transfer=delivery(n)))
    for n in range(delivery_count + 1, delivery_count + reservation_count + 1):
        services.transfer_assign(transfer=delivery(n))
    return {
        "receipts": receipts,
        "deliveries": delivery_count,
        "reservations": reservation_count,
    }
