"""Winning with an order under real concurrency: one opportunity, one draft order."""

from decimal import Decimal

import pytest

from tandem.catalog.services import product_create
from tandem.crm import services
from tandem.crm.models import Opportunity
from tandem.parties import services as party_services
from tandem.sales.models import SalesOrder

from .test_concurrency_postgres import WORKERS, _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_wins_with_an_order_make_one_order(company):
    party = party_services.party_create(company=company, name="Lotus", is_customer=True)
    pump = product_create(company=company, sku="P", name="Pump", list_price=Decimal("10"))
    opp = services.opportunity_create(company=company, name="Race", party=party, products=[pump])

    done, refused, errors = _race(
        lambda n: services.opportunity_win(opportunity=opp, create_order=True)
    )

    assert errors == []
    assert len(done) == 1
    assert refused == ["opportunity.closed"] * (WORKERS - 1)
    order = SalesOrder.objects.get()
    assert Opportunity.objects.get(pk=opp.pk).sales_order_id == order.pk
    assert order.lines.get().product_id == pump.pk
