"""Prepaid orders wait for payment; payment_overdue and delivery_failed are raised for real."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tandem.accounting.services.payments import payment_create, payment_post
from tandem.core.errors import DomainError
from tandem.inventory.models import StockMove
from tandem.inventory.services.transfers import transfer_done
from tandem.parties.models import PaymentTerm
from tandem.sales import queries as sales_queries
from tandem.sales import services
from tandem.sales.models import OrderException, OrderStageEvent
from tandem.sales.tasks import sla_breach_scan

D = Decimal
pytestmark = pytest.mark.django_db


def stages(order):
    return list(OrderStageEvent.objects.filter(order=order).values_list("stage", flat=True))


def pay(invoice, amount=None):
    invoice.refresh_from_db()
    amount = D(amount) if amount else invoice.residual_amount
    payment = payment_create(
        company=invoice.company,
        direction="in",
        party=invoice.party,
        amount=amount,
        date=invoice.date,
        allocations=[(invoice, amount)],
    )
    return payment_post(payment=payment)


@pytest.fixture
def immediate(books):
    return PaymentTerm.objects.create(company=books, name="Immediate", due_days=0)


@pytest.fixture
def net30(books):
    return PaymentTerm.objects.create(company=books, name="Net 30", due_days=30)


def test_prepaid_order_ships_only_after_its_invoice_is_paid(
    make_product, order_of, stock_in, immediate, django_capture_on_commit_callbacks
):
    a = make_product("100")
    services.product_invoice_policy_set(product=a, invoice_policy="delivered")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 2), payment_term=immediate))
    # stock is allocated, but nothing leaves before the money is in
    assert stages(order) == ["received", "allocated"]
    with pytest.raises(DomainError) as refused:
        services.delivery_step(order=order, step="pick")
    assert refused.value.code == "sales.awaiting_payment"
    assert stages(order) == ["received", "allocated"]
    # prepaid lines are invoiced on the ordered quantity, before delivery
    assert order.lines.get().invoice_policy == "ordered"
    invoice = services.sales_order_invoice(orders=[order], post=True)
    assert invoice.total_amount == D("226.00")
    pay(invoice, "100.00")  # a part payment verifies nothing
    order.refresh_from_db()
    services.order_refresh(order=order)
    assert "payment_verified" not in stages(order)
    with django_capture_on_commit_callbacks(execute=True):
        pay(invoice)  # accounting publishes invoice.paid / payment.posted; sales listens
    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert stages(order) == ["received", "allocated", "payment_verified"]
    for step in ("pick", "pack", "ship"):
        order = services.delivery_step(order=order, step=step)
    assert order.delivery_status == "delivered" and order.state == "done"


def test_a_prepaid_delivery_validated_from_inventory_is_refused_until_paid(
    make_product, order_of, stock_in, immediate, django_capture_on_commit_callbacks
):
    # given a confirmed prepaid order whose stock is reserved on a delivery
    a = make_product("100")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 2), payment_term=immediate))
    assert order.prepaid is True
    delivery = order.transfers.get()
    # when a clerk validates the delivery from Inventory, it is refused like the ship step
    with pytest.raises(DomainError) as refused:
        transfer_done(transfer=delivery)
    assert refused.value.code == "sales.awaiting_payment"
    delivery.refresh_from_db()
    assert delivery.state != "done"
    assert StockMove.objects.filter(transfer=delivery, state="done").count() == 0
    assert sales_queries.orders_filtered(order.company).get(pk=order.pk).awaiting_payment
    # once the invoice is paid, the same validation goes through
    invoice = services.sales_order_invoice(orders=[order], post=True)
    with django_capture_on_commit_callbacks(execute=True):
        pay(invoice)
    assert not sales_queries.orders_filtered(order.company).get(pk=order.pk).awaiting_payment
    assert transfer_done(transfer=delivery).state == "done"


def test_the_prepaid_flag_is_explicit_and_overrides_the_term(
    make_product, order_of, stock_in, immediate, net30
):
    a = make_product("100")
    stock_in(a, 10)
    # an immediate term proposes prepaid; the user may say otherwise, and the reverse
    on_credit = order_of((a, 1), payment_term=immediate, prepaid=False)
    assert on_credit.prepaid is False
    order = services.delivery_step(order=services.sales_order_confirm(order=on_credit), step="ship")
    assert order.delivery_status == "delivered"
    prepaid = order_of((a, 1), payment_term=net30, prepaid=True)
    services.sales_order_confirm(order=prepaid)
    with pytest.raises(DomainError) as refused:
        services.delivery_step(order=prepaid, step="ship")
    assert refused.value.code == "sales.awaiting_payment"
    # changing the term of a quotation proposes its flag again, unless the flag is given
    draft = order_of((a, 1), payment_term=net30)
    assert draft.prepaid is False
    assert services.sales_order_update(order=draft, payment_term=immediate).prepaid is True
    changed = services.sales_order_update(order=draft, payment_term=net30, prepaid=True)
    assert changed.prepaid is True
    with pytest.raises(DomainError) as bad:
        services.sales_order_update(order=draft, prepaid="yes")
    assert bad.value.code == "validation.boolean"


def test_orders_on_credit_terms_never_wait_for_payment(make_product, order_of, stock_in, net30):
    a = make_product("100")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 1), payment_term=net30))
    order = services.delivery_step(order=order, step="ship")
    assert order.delivery_status == "delivered"
    invoice = services.sales_order_invoice(orders=[order], post=True)
    pay(invoice)
    services.order_refresh(order=order)
    assert "payment_verified" not in stages(order)


def test_payment_overdue_is_opened_once_and_closes_when_paid(
    make_product, order_of, stock_in, net30, books
):
    s = make_product("100", type="service")
    order = services.sales_order_confirm(order=order_of((s, 1), payment_term=net30))
    invoice = services.sales_order_invoice(orders=[order], post=True)
    due = invoice.due_date
    # not yet due: nothing
    assert services.payment_overdue_scan(today=due) == 0
    # a day late: one exception, and a second run adds none
    assert services.payment_overdue_scan(today=due + timedelta(days=1)) == 1
    assert services.payment_overdue_scan(today=due + timedelta(days=2)) == 0
    overdue = OrderException.objects.get(order=order)
    assert (overdue.kind, overdue.state) == ("payment_overdue", "open")
    assert invoice.number in overdue.detail
    # resolving it by waiting is not undone by the next scan
    services.order_exception_resolve(exception=overdue, note="promised Friday")
    order.refresh_from_db()
    assert order.payment_status == "not_paid"
    assert services.payment_overdue_scan(today=due + timedelta(days=3)) == 0
    # another overdue order, then the payment closes its exception by itself
    other = services.sales_order_confirm(order=order_of((s, 2), payment_term=net30))
    second = services.sales_order_invoice(orders=[other], post=True)
    assert services.payment_overdue_scan(today=due + timedelta(days=1)) == 1
    pay(second)
    services.order_refresh(order=other)
    closed = OrderException.objects.get(order=other)
    assert (closed.state, closed.resolution_note) == ("resolved", "paid")


def test_the_beat_task_runs_the_payment_scan_too(make_product, order_of, books):
    s = make_product("100", type="service")
    order = services.sales_order_confirm(order=order_of((s, 1)))  # no term: due on the day
    services.sales_order_invoice(orders=[order], post=True, date=three_days_ago(books))
    assert sla_breach_scan() == 1
    assert OrderException.objects.get(order=order).kind == "payment_overdue"


def three_days_ago(company):
    from tandem.catalog.services.pricing import company_today

    return company_today(company) - timedelta(days=3)


def test_delivery_failed_is_raised_and_resolving_it_records_the_delivery(
    make_product, order_of, stock_in, api
):
    a = make_product("100")
    stock_in(a, 5)
    order = services.sales_order_confirm(order=order_of((a, 1)))
    # before shipping there is nothing to fail
    early = api.post(f"/sales-orders/{order.pk}/delivery-failed", {"note": "no one home"})
    assert (early.status_code, early.json()["code"]) == (409, "sales.not_shipped")
    assert not OrderException.objects.exists()
    services.delivery_step(order=order, step="ship")
    bad = api.post(f"/sales-orders/{order.pk}/delivery-failed", {"note": ""})
    assert bad.status_code == 422
    failed = api.post(f"/sales-orders/{order.pk}/delivery-failed", {"note": "no one home"})
    assert failed.status_code == 200, failed.content
    api.post(f"/sales-orders/{order.pk}/delivery-failed", {"note": "again"})
    exception = OrderException.objects.get(order=order)
    assert (exception.kind, exception.state, exception.detail) == (
        "delivery_failed",
        "open",
        "no one home",
    )
    resolved = api.post(
        f"/order-exceptions/{exception.pk}/resolve", {"note": "redelivered Monday, signed"}
    )
    assert resolved.json()["state"] == "resolved"
    assert stages(order)[-1] == "delivered"


def test_the_deliver_step_settles_a_failed_delivery(make_product, order_of, stock_in):
    a = make_product("100")
    stock_in(a, 5)
    order = services.sales_order_confirm(order=order_of((a, 1)))
    services.delivery_step(order=order, step="ship")
    services.delivery_failed(order=order, note="address unknown")
    services.delivery_step(order=order, step="deliver")
    exception = OrderException.objects.get(order=order)
    assert (exception.state, exception.resolution_note) == ("resolved", "delivered")
