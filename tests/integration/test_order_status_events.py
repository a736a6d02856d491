"""An order's statuses follow what other apps do to its documents, through their events: a
delivery done in inventory, payments allocated to its invoice, and a payment cancelled."""

from decimal import Decimal as D

import pytest

from tandem.accounting.services.payments import payment_cancel, payment_create, payment_post
from tandem.inventory import services as inventory
from tandem.sales import services as sales
from tandem.sales.models import SalesOrder

pytestmark = pytest.mark.django_db


def _pay(committed, customer, invoice, value):
    payment = payment_create(
        company=invoice.company,
        direction="in",
        party=customer,
        amount=value,
        date=invoice.date,
        allocations=[(invoice, value)],
    )
    return committed(payment_post, payment=payment)


def test_order_follows_its_delivery_and_its_payments(shop, committed):
    customer, product = shop["customer"], shop["products"][0]
    order = sales.sales_order_create(
        company=customer.company, party=customer, lines=[{"product": product, "quantity": 2}]
    )
    order = committed(sales.sales_order_confirm, order=order)
    # the delivery is processed in inventory, not through the order's ship step
    delivery = order.transfers.get()
    committed(inventory.transfer_done, transfer=delivery)
    order = SalesOrder.objects.get(pk=order.pk)
    assert order.lines.get().qty_delivered == D(2)
    assert order.delivery_status == "delivered"
    assert order.stage_events.filter(stage="shipped").count() == 1

    invoice = committed(sales.sales_order_invoice, orders=[order], post=True)
    assert invoice.total_amount == D("226.00")
    first = _pay(committed, customer, invoice, D("100.00"))
    assert SalesOrder.objects.get(pk=order.pk).payment_status == "partial"
    _pay(committed, customer, invoice, D("126.00"))
    order = SalesOrder.objects.get(pk=order.pk)
    assert (order.payment_status, order.state) == ("paid", "done")
    # a cancelled payment gives its amount back to the invoice, and the order sees it
    committed(payment_cancel, payment=first)
    assert SalesOrder.objects.get(pk=order.pk).payment_status == "partial"
