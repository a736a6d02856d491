"""The customer page lists the customer's orders (a panel registered by sales)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.parties.models import Party
from tandem.sales import services
from tandem.sales.queries import party_orders

D = Decimal
pytestmark = pytest.mark.django_db


def test_party_page_lists_the_orders_with_their_statuses(web, make_product, order_of, customer):
    s = make_product("50", type="service")
    confirmed = services.sales_order_confirm(order=order_of((s, 2)))
    services.sales_order_invoice(orders=[confirmed], post=True)
    quotation = order_of((s, 1))
    other = Party.objects.create(
        company=customer.company, name="Someone else", is_customer=True, currency_id="CNY"
    )
    foreign = order_of((s, 7), party=other)
    page = web.get(reverse("parties:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="party-orders"' in page
    assert reverse("sales:order_detail", args=[confirmed.pk]) in page
    assert reverse("sales:order_detail", args=[quotation.pk]) in page
    assert reverse("sales:order_detail", args=[foreign.pk]) not in page
    assert confirmed.number in page and "113.00" in page
    assert "Fully invoiced" in page and "Not paid" in page


def test_the_list_is_one_query_however_many_orders(
    make_product, order_of, customer, django_assert_num_queries
):
    s = make_product("50", type="service")
    for qty in range(1, 26):
        order_of((s, qty))
    with django_assert_num_queries(1):
        rows, count = party_orders(customer.company, customer, limit=20)
        [(row.number, row.total_amount, row.get_payment_status_display()) for row in rows]
    assert (len(rows), count) == (20, 25)


def test_no_panel_without_orders(web, customer):
    page = web.get(reverse("parties:detail", args=[customer.pk])).content.decode()
    assert 'data-testid="party-orders"' not in page
