"""Issue 13's done-when for webhooks: a subscriber receives `sales_order.confirmed`,
`invoice.posted`, `payment.posted` and `stock.transfer_done` with verified signatures from
business operations run through the services, survives its own downtime, and replays."""

import pytest
from standardwebhooks.webhooks import Webhook

import tests.webhook_receiver as wr
from tandem.accounting.services.payments import payment_create, payment_post
from tandem.core import webhooks
from tandem.core.models import OutboxEvent, WebhookDelivery
from tandem.inventory import services as inventory
from tandem.sales import services as sales

pytestmark = pytest.mark.django_db
receiver = wr.receiver
WANTED = ["sales_order.confirmed", "stock.transfer_done", "invoice.posted", "payment.posted"]


def test_a_subscriber_gets_the_order_to_cash_events_signed(
    shop, committed, receiver, owner, django_capture_on_commit_callbacks
):
    company = shop["customer"].company
    endpoint, secret = webhooks.webhook_create(
        company=company, url=receiver.url(), events=WANTED, user=owner
    )
    # the receiver is down for the first event
    receiver.answers = [503]

    customer, product = shop["customer"], shop["products"][0]
    order = sales.sales_order_create(
        company=company, party=customer, lines=[{"product": product, "quantity": 2}]
    )
    order = committed(sales.sales_order_confirm, order=order)
    committed(inventory.transfer_done, transfer=order.transfers.get())
    invoice = committed(sales.sales_order_invoice, orders=[order], post=True)
    payment = payment_create(
        company=company,
        direction="in",
        party=customer,
        amount=invoice.total_amount,
        date=invoice.date,
        allocations=[(invoice, invoice.total_amount)],
    )
    committed(payment_post, payment=payment)

    # the confirmation failed once; its retry comes on the schedule
    first = WebhookDelivery.objects.get(event__name="sales_order.confirmed")
    assert (first.state, first.status_code) == ("failed", 503)
    first.refresh_from_db()
    assert webhooks.delivery_attempt(first.pk, now=first.next_retry_at) == "delivered"

    # every request checked by the independent oracle (the retry was sent 5 s "later",
    # within its tolerance)
    oracle = Webhook(secret)
    received = {}
    for request in receiver.requests:
        message = oracle.verify(request["body"], request["headers"])
        received[message["type"]] = (request["headers"]["webhook-id"], message["data"])

    assert sorted(received) == sorted(WANTED)
    for name, (msg_id, _data) in received.items():
        event = OutboxEvent.objects.get(uid=msg_id)
        assert (event.name, event.payload) == (name, received[name][1])
    assert received["sales_order.confirmed"][1]["number"] == order.number
    assert received["invoice.posted"][1]["total"] == "226.00"
    assert received["payment.posted"][1]["amount"] == "226.00"
    assert received["stock.transfer_done"][1]["transfer_id"] == order.transfers.get().pk
    # the one that failed arrived twice under the same id: once refused, once taken
    confirmed_id = received["sales_order.confirmed"][0]
    assert receiver.ids().count(confirmed_id) == 2
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    # events the endpoint did not pick (stock.move_done, invoice.paid, ...) were not sent
    assert len(receiver.requests) == 5
    assert endpoint.deliveries.count() == 4

    # and the log replays it, under the same id
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.delivery_replay(delivery=first)
    assert receiver.ids().count(confirmed_id) == 3
    assert (
        oracle.verify(receiver.requests[-1]["body"], receiver.requests[-1]["headers"])["data"][
            "order_id"
        ]
        == order.pk
    )
