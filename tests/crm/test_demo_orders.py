"""The CRM demo wins deals into sales orders that go on to ship, invoice and get paid, so the
customer 360 shows a deal turning into an order."""

import random
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from tandem.accounting.services import chart_install
from tandem.catalog.services import product_create
from tandem.catalog.services.pricing import company_today
from tandem.core import integrity
from tandem.core.services import membership_grant
from tandem.crm.demo import load_crm_demo
from tandem.crm.models import Opportunity
from tandem.crm.queries.overview import timeline
from tandem.inventory.services import transfer_create, transfer_done, warehouse_create
from tandem.parties.services import party_create
from tandem.sales.demo import demo_clock, fiscal_years_ensure, history_start, local_moment
from tests.factories import UserFactory


def _company_with_stock(company):
    chart_install(company=company, template="prc")
    first = history_start(company)
    fiscal_years_ensure(company, first - timedelta(days=31), company_today(company))
    warehouse = warehouse_create(company=company, code="WH", name="Main warehouse")
    supplier = party_create(company=company, name="Supplier", is_supplier=True)
    products = [
        product_create(
            company=company,
            sku=f"G{n:02d}",
            name=f"Goods {n}",
            type="goods",
            list_price=f"{80 + n}",
            cost_price=f"{40 + n}",
            valuation="fifo",
        )
        for n in range(6)
    ]
    with demo_clock(local_moment(company, first, 9)):
        receipt = transfer_create(
            company=company,
            kind="receipt",
            warehouse=warehouse,
            party=supplier,
            moves=[
                {"product": p, "quantity": Decimal(100), "unit_cost": p.cost_price}
                for p in products
            ],
            confirm=True,
        )
        transfer_done(transfer=receipt)
    return products


def test_won_deals_become_orders_on_the_customer_timeline(company, owner):
    membership_grant(user=UserFactory(username="seller"), company=company, roles=["sales"])
    products = _company_with_stock(company)
    parties = [
        party_create(company=company, name=f"Customer {n:02d}", is_customer=True) for n in range(30)
    ]

    load_crm_demo(company=company, parties=parties, products=products, rng=random.Random(7))

    won = Opportunity.objects.filter(company=company, state="won").select_related("sales_order")
    with_orders = [o for o in won if o.sales_order_id]
    assert len(with_orders) >= 3 and len(with_orders) == won.count()
    for opp in with_orders:
        order = opp.sales_order
        assert order.party_id == opp.party_id and order.salesperson_id == opp.owner_id
        # the order is dated at the win, not at the moment the demo ran, and confirmed after
        zone = ZoneInfo(company.time_zone)
        assert order.order_date == timezone.localtime(opp.won_at, zone).date()
        if opp.won_at < timezone.now() - timedelta(hours=3):  # a fresh win is still a quote
            assert order.state in ("confirmed", "done") and order.confirmed_at >= opp.won_at
    assert any(o.sales_order.payment_status == "paid" for o in with_orders)

    opp = with_orders[0]
    rows, _count = timeline(company, opp.party)
    kinds = [row["kind"] for row in rows]
    assert {"opportunity", "order", "delivery", "invoice"} <= set(kinds)
    when = {kind: min(r["at"] for r in rows if r["kind"] == kind) for kind in set(kinds)}
    assert when["order"] <= when["delivery"]
    assert integrity.run_all().ok, integrity.run_all().render()
