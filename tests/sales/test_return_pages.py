"""Return pages: create from the order page, receive, refund; list and links."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.services.payments import payment_create, payment_post
from tandem.sales import services
from tandem.sales.models import SalesReturn

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(make_product, order_of, stock_in):
    a = make_product("100", sku="RET-1")
    stock_in(a, 5)
    order = services.sales_order_confirm(order=order_of((a, 2)))
    services.delivery_step(order=order, step="ship")
    invoice = services.sales_order_invoice(orders=[order], post=True)
    payment_post(
        payment=payment_create(
            company=invoice.company,
            direction="in",
            party=invoice.party,
            amount=invoice.total_amount,
            date=invoice.date,
            allocations=[(invoice, invoice.total_amount)],
        )
    )
    return order


def test_return_from_the_order_page_to_refund(web, paid_order):
    order_page = web.get(reverse("sales:order_detail", args=[paid_order.pk])).content.decode()
    assert reverse("sales:return_create", args=[paid_order.pk]) in order_page
    form = web.get(reverse("sales:return_create", args=[paid_order.pk]))
    assert form.status_code == 200 and "RET-1" in form.content.decode()
    line = paid_order.lines.get()
    # more than shipped is refused on the form, nothing written
    refused = web.post(
        reverse("sales:return_create", args=[paid_order.pk]), {f"qty_{line.pk}": "3"}
    )
    assert refused.status_code == 422
    assert SalesReturn.objects.count() == 0
    created = web.post(
        reverse("sales:return_create", args=[paid_order.pk]),
        {f"qty_{line.pk}": "1", "reason": "scratched"},
    )
    rma = SalesReturn.objects.get()
    assert created.url == reverse("sales:return_detail", args=[rma.pk])
    web.post(reverse("sales:return_receive", args=[rma.pk]))
    web.post(reverse("sales:return_refund", args=[rma.pk]))
    rma.refresh_from_db()
    assert rma.state == "refunded"
    detail = web.get(reverse("sales:return_detail", args=[rma.pk])).content.decode()
    assert rma.credit_note.number in detail and rma.refund.number in detail
    listing = web.get(reverse("sales:return_list")).content.decode()
    assert rma.number in listing and "scratched" in listing
    order_page = web.get(reverse("sales:order_detail", args=[paid_order.pk])).content.decode()
    assert reverse("sales:return_detail", args=[rma.pk]) in order_page
