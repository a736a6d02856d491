"""Winning an opportunity into a draft sales order: service, API and page."""

from decimal import Decimal

import pytest

from tandem.catalog.services import product_create
from tandem.core.errors import DomainError
from tandem.crm import services
from tandem.crm.models import Opportunity, OpportunityState
from tandem.sales.models import OrderState, SalesOrder

D = Decimal


@pytest.fixture
def products(company):
    return [
        product_create(company=company, sku=sku, name=name, type="service", list_price=D(price))
        for sku, name, price in (("CONS", "Consulting day", "800"), ("LIC", "Licence", "1200.50"))
    ]


@pytest.fixture
def deal(make_opportunity, products, owner):
    return make_opportunity(
        "Harbour rollout", revenue="2000.50", products=[products[1], products[0]], owner=owner
    )


def test_win_with_order_makes_a_draft_order_of_the_products_of_interest(deal, owner, products):
    won = services.opportunity_win(opportunity=deal, user=owner, create_order=True)

    assert won.state == OpportunityState.WON
    order = SalesOrder.objects.get(pk=won.sales_order_id)
    assert Opportunity.objects.get(pk=deal.pk).sales_order_id == order.pk
    assert order.state == OrderState.DRAFT
    assert order.party_id == deal.party_id
    assert order.currency_id == "CNY"
    assert order.salesperson_id == owner.pk
    lines = list(
        order.lines.order_by("sequence").values_list("product__sku", "quantity", "unit_price")
    )
    assert lines == [("CONS", D("1"), D("800")), ("LIC", D("1"), D("1200.50"))]
    assert order.untaxed_amount == D("2000.50")


def test_win_without_order_makes_none(deal, owner):
    won = services.opportunity_win(opportunity=deal, user=owner)

    assert won.state == OpportunityState.WON
    assert won.sales_order_id is None
    assert not SalesOrder.objects.exists()


def test_win_with_order_and_no_products_is_refused_and_nothing_written(make_opportunity, owner):
    opp = make_opportunity("Empty deal")

    with pytest.raises(DomainError) as refused:
        services.opportunity_win(opportunity=opp, user=owner, create_order=True)

    assert refused.value.code == "opportunity.no_products"
    assert refused.value.status == 409
    opp.refresh_from_db()
    assert opp.state == OpportunityState.OPEN
    assert opp.sales_order_id is None
    assert opp.won_at is None
    assert not SalesOrder.objects.exists()


def test_a_refusal_of_the_sales_service_leaves_the_opportunity_open(deal, owner, products):
    products[0].can_be_sold = False
    products[0].save()

    with pytest.raises(DomainError) as refused:
        services.opportunity_win(opportunity=deal, user=owner, create_order=True)

    assert refused.value.code == "sales.product_not_sellable"
    deal.refresh_from_db()
    assert deal.state == OpportunityState.OPEN
    assert deal.stage.name != "Won"
    assert not SalesOrder.objects.exists()
    assert deal.stage_changes.count() == 1  # only its creation


def test_api_win_with_create_order(api, deal, products):
    response = api.post(f"/opportunities/{deal.pk}/win", {"create_order": True})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "won"
    order = SalesOrder.objects.get()
    assert body["sales_order"] == order.pk
    assert order.lines.count() == 2
    read = api.get(f"/sales-orders/{order.pk}").json()
    assert read["party"] == deal.party_id
    assert read["state"] == "draft"


def test_api_win_without_body_still_wins_without_order(api, deal):
    response = api.post(f"/opportunities/{deal.pk}/win")

    assert response.status_code == 200, response.content
    assert response.json()["sales_order"] is None
    assert not SalesOrder.objects.exists()


def test_api_win_with_order_and_no_products_answers_409(api, make_opportunity):
    opp = make_opportunity("Empty deal")

    response = api.post(f"/opportunities/{opp.pk}/win", {"create_order": True})

    assert response.status_code == 409
    assert response.json()["code"] == "opportunity.no_products"
    opp.refresh_from_db()
    assert opp.state == OpportunityState.OPEN
    assert not SalesOrder.objects.exists()


def test_api_win_with_a_bad_body_is_422(api, deal):
    response = api.post(f"/opportunities/{deal.pk}/win", {"create_order": "perhaps"})

    assert response.status_code == 422
    deal.refresh_from_db()
    assert deal.state == OpportunityState.OPEN


def test_page_offers_the_order_and_links_it_once_won(web, deal):
    page = web.get(f"/crm/opportunities/{deal.pk}/")
    assert b'data-testid="win-create-order"' in page.content

    response = web.post(f"/crm/opportunities/{deal.pk}/win/", {"create_order": "1"})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.state == OpportunityState.WON
    order = deal.sales_order
    page = web.get(f"/crm/opportunities/{deal.pk}/").content.decode()
    assert f'href="/sales/orders/{order.pk}/"' in page
    assert str(order) in page


def test_page_win_without_the_box_makes_no_order(web, deal):
    response = web.post(f"/crm/opportunities/{deal.pk}/win/")

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.state == OpportunityState.WON
    assert deal.sales_order_id is None


def test_the_order_is_in_the_opportunitys_currency(make_opportunity, owner, products, company):
    from datetime import date

    from tandem.core.services import exchange_rate_set

    exchange_rate_set(company=company, currency="USD", on_date=date(2020, 1, 1), rate=D("8"))
    opp = make_opportunity("Export deal", currency="USD", products=[products[0]], owner=owner)

    won = services.opportunity_win(opportunity=opp, user=owner, create_order=True)

    order = won.sales_order
    assert order.currency_id == "USD"
    assert order.lines.get().unit_price == D("100")  # 800 CNY at 8 CNY per USD


def test_a_currency_without_a_rate_refuses_the_win(make_opportunity, owner, products):
    opp = make_opportunity("Export deal", currency="EUR", products=[products[0]], owner=owner)

    with pytest.raises(DomainError) as refused:
        services.opportunity_win(opportunity=opp, user=owner, create_order=True)

    assert refused.value.code == "exchange_rate.missing"
    opp.refresh_from_db()
    assert (opp.state, opp.sales_order_id) == (OpportunityState.OPEN, None)
    assert not SalesOrder.objects.exists()


def test_check_integrity_verifies_the_link(deal, owner, make_party):
    from tandem.crm import checks

    won = services.opportunity_win(opportunity=deal, user=owner, create_order=True)
    assert list(checks.opportunity_orders()) == []
    assert list(checks.references_in_company()) == []

    Opportunity.objects.filter(pk=won.pk).update(party=make_party("Someone else"))

    assert list(checks.opportunity_orders()) == [
        f"opportunity {won.pk}: sales order {won.sales_order_id} is for another customer or not won"
    ]
