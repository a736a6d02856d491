import random
from datetime import date
from decimal import Decimal

import pytest

from tandem.analytics.demo import make_opportunity_history, make_order_history
from tandem.catalog.services import product_create
from tandem.crm.services import pipeline_seed
from tandem.parties.services import party_create

AS_OF = date(2026, 6, 30)


@pytest.fixture
def shop(company):
    """40 customers and 16 products of ACME, no orders yet."""
    parties = [
        party_create(company=company, name=f"Customer {i:02d}", is_customer=True) for i in range(40)
    ]
    products = [
        product_create(
            company=company, sku=f"P{i:02d}", name=f"Product {i:02d}", list_price=Decimal(10 + i)
        )
        for i in range(16)
    ]
    return parties, products


@pytest.fixture
def history(company, shop):
    """Three years of structured orders up to AS_OF and 120 closed opportunities."""
    parties, products = shop
    rng = random.Random(3)
    orders = make_order_history(
        company=company,
        parties=parties,
        products=products,
        rng=rng,
        months=36,
        until=AS_OF,
        orders_per_month=1.2,
    )
    pipeline_seed(company=company)
    deals = make_opportunity_history(
        company=company, parties=parties, rng=rng, count=120, until=AS_OF
    )
    return {"parties": parties, "products": products, "orders": orders, "deals": deals}
