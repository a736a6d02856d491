"""A document lists the workflow actions its state allows, the same list in the API and as the
page's buttons, and an action left off the list is refused with 409."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.models import Invoice
from tandem.accounting.services.invoices import invoice_post
from tandem.sales import services

D = Decimal
pytestmark = pytest.mark.django_db


def _page(web, name, pk) -> str:
    return web.get(reverse(name, args=[pk])).content.decode()


def test_sales_order_actions_follow_its_state(api, web, make_product, order_of, stock_in, owner):
    product = make_product("100")
    stock_in(product, 10)
    order = order_of((product, 4))
    read = api.get(f"/sales-orders/{order.pk}").json()
    assert read["available_actions"] == ["send", "confirm", "cancel"]
    assert "Create invoice" not in _page(web, "sales:order_detail", order.pk)

    services.sales_order_confirm(order=order, user=owner)
    read = api.get(f"/sales-orders/{order.pk}").json()
    # the demo product invoices what was ordered, so the order can be invoiced at once
    assert read["available_actions"] == [
        "reserve",
        "pick",
        "pack",
        "ship",
        "deliver",
        "invoice",
        "cancel",
    ]
    page = _page(web, "sales:order_detail", order.pk)
    assert "Create invoice" in page and "Pick" in page and "Confirm" not in page

    services.delivery_step(order=order, step="ship", user=owner)
    actions = api.get(f"/sales-orders/{order.pk}").json()["available_actions"]
    assert "invoice" in actions and "delivery-failed" in actions and "return" in actions

    invoice = services.sales_order_invoice(orders=[order], user=owner)
    # a draft invoice counts: nothing is left to invoice, so no button and no action
    read = api.get(f"/sales-orders/{order.pk}").json()
    assert "invoice" not in read["available_actions"]
    assert "Create invoice" not in _page(web, "sales:order_detail", order.pk)
    answer = api.post(f"/sales-orders/{order.pk}/invoice", {})
    assert (answer.status_code, answer.json()["code"]) == (409, "sales.nothing_to_invoice")
    assert Invoice.objects.filter(kind="customer_invoice").count() == 1
    assert api.get(f"/invoices/{invoice.pk}").json()["available_actions"] == ["post"]


def test_invoice_actions_follow_credits_and_allocations(
    api, web, make_product, order_of, stock_in, owner
):
    product = make_product("100")
    stock_in(product, 10)
    order = services.sales_order_confirm(order=order_of((product, 2)), user=owner)
    services.delivery_step(order=order, step="ship", user=owner)
    invoice = invoice_post(invoice=services.sales_order_invoice(orders=[order], user=owner))
    assert api.get(f"/invoices/{invoice.pk}").json()["available_actions"] == ["credit", "cancel"]
    page = _page(web, "accounting:invoice_detail", invoice.pk)
    assert "Credit note" in page and "Cancel document" in page

    note = api.post(f"/invoices/{invoice.pk}/credit", {})
    assert note.status_code == 201, note.json()
    api.post(f"/invoices/{note.json()['id']}/post", {})
    # fully credited: no second credit note; the allocation of the note blocks cancelling
    read = api.get(f"/invoices/{invoice.pk}").json()
    assert "credit" not in read["available_actions"]
    page = _page(web, "accounting:invoice_detail", invoice.pk)
    assert ">Credit note<" not in page
    answer = api.post(f"/invoices/{invoice.pk}/credit", {})
    assert answer.status_code == 409, answer.json()
    if "cancel" not in read["available_actions"]:
        answer = api.post(f"/invoices/{invoice.pk}/cancel", {})
        assert answer.status_code == 409, answer.json()
