"""Sales orders and deliveries on the customer 360: a won opportunity's order, its delivery
and its invoice appear on one timeline, in order, through the query, the API and the page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.accounting import services as accounting
from tandem.catalog.services import product_create
from tandem.crm import services
from tandem.crm.queries.overview import party_overview
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer
from tandem.parties.models import Party
from tandem.sales import services as sales
from tandem.sales.models import SalesOrder

D = Decimal
YEAR = date.today().year


@pytest.fixture
def shop(company, owner):
    """ACME with its books, a warehouse and 10 pumps in stock at 60.00."""
    accounting.fiscal_year_create(company=company, date_start=date(YEAR, 1, 1))
    accounting.chart_install(company=company, template="prc")
    wh = inventory.warehouse_create(company=company, code="WH", name="Main warehouse")
    pump = product_create(
        company=company,
        sku="PUMP",
        name="Pump",
        type="goods",
        list_price=D("100"),
        cost_price=D("60"),
        valuation="fifo",
    )
    supplier = Party.objects.create(
        company=company, name="Supplier", is_supplier=True, currency_id="CNY"
    )
    receipt = inventory.transfer_create(
        company=company,
        kind="receipt",
        warehouse=wh,
        party=supplier,
        moves=[{"product": pump, "quantity": D(10), "unit_cost": D("60")}],
    )
    inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=receipt))
    return pump


@pytest.fixture
def shipped(shop, owner, make_opportunity):
    """A won opportunity's order, confirmed, shipped and invoiced."""
    opp = make_opportunity("Pumps for the harbour", products=[shop], owner=owner)
    opp = services.opportunity_win(opportunity=opp, user=owner, create_order=True)
    order = sales.sales_order_confirm(order=opp.sales_order, user=owner)
    order = sales.delivery_step(order=order, step="ship", user=owner)
    invoice = sales.sales_order_invoice(orders=[order], user=owner, post=True)
    return opp, SalesOrder.objects.get(pk=order.pk), invoice


def _more_orders(party, pump, owner, n):
    """`n` more confirmed orders of the party (quicker than confirming each)."""
    made = [
        sales.sales_order_create(
            company=party.company, party=party, lines=[{"product": pump}], user=owner
        )
        for _ in range(n)
    ]
    SalesOrder.objects.filter(pk__in=[o.pk for o in made]).update(
        state="confirmed", confirmed_at=timezone.now() - timedelta(days=30)
    )


def test_order_delivery_and_invoice_appear_on_the_timeline_in_order(company, shipped):
    opp, order, invoice = shipped
    delivery = Transfer.objects.get(kind="delivery")

    view = party_overview(company, opp.party, limit=50)

    kinds = [(e["kind"], e["id"]) for e in view["timeline"]]
    assert ("order", order.pk) in kinds
    assert ("delivery", delivery.pk) in kinds
    assert ("invoice", invoice.pk) in kinds
    by_kind = {e["kind"]: e for e in view["timeline"]}
    assert by_kind["order"]["title"] == order.number
    assert by_kind["order"]["amount"] == D("100.00")  # the pump carries no tax here
    assert by_kind["order"]["url"] == f"/sales/orders/{order.pk}/"
    assert by_kind["delivery"]["url"] == f"/inventory/transfers/{delivery.pk}/"
    # newest first: the delivery after the order was confirmed
    assert kinds.index(("delivery", delivery.pk)) < kinds.index(("order", order.pk))
    assert view["orders"] == {"count": 1, "open": 0, "quotations": 0}


def test_overview_api_and_party_page_show_orders_and_deliveries(api, web, shipped):
    opp, order, _invoice = shipped
    delivery = Transfer.objects.get(kind="delivery")

    body = api.get(f"/parties/{opp.party_id}/overview", {"limit": 50}).json()
    page = web.get(f"/parties/{opp.party_id}/").content.decode()

    items = {(e["kind"], e["id"]): e for e in body["timeline"]}
    assert items[("order", order.pk)]["title"] == order.number
    assert ("delivery", delivery.pk) in items
    assert body["orders"] == {"count": 1, "open": 0, "quotations": 0}
    assert 'data-testid="timeline-order"' in page
    assert 'data-testid="timeline-delivery"' in page
    assert f'href="/sales/orders/{order.pk}/"' in page
    assert f'href="/inventory/transfers/{delivery.pk}/"' in page


def test_quotations_are_counted_but_not_on_the_timeline(company, shop, owner, make_party):
    party = make_party("Quoting Ltd")
    sales.sales_order_create(company=company, party=party, lines=[{"product": shop}], user=owner)

    view = party_overview(company, party)

    assert [e for e in view["timeline"] if e["kind"] == "order"] == []
    assert view["orders"] == {"count": 0, "open": 0, "quotations": 1}


def test_the_overview_costs_the_same_queries_for_1_or_20_orders(company, shipped, shop, owner):
    opp, _order, _invoice = shipped

    with CaptureQueriesContext(connection) as one:
        first = party_overview(company, opp.party, limit=10)
    _more_orders(opp.party, shop, owner, 19)
    with CaptureQueriesContext(connection) as twenty:
        more = party_overview(company, opp.party, limit=10)

    assert len(one.captured_queries) == len(twenty.captured_queries)
    assert more["orders"] == {"count": 20, "open": 19, "quotations": 0}
    assert more["timeline_count"] == first["timeline_count"] + 19
    assert len(more["timeline"]) == 10
