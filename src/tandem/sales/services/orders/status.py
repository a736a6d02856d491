"""Derived statuses: delivery, invoicing, payment and done, from lines and invoices."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import Invoice, InvoiceKind, InvoiceState

from ...models import (
    ZERO,
    DeliveryStatus,
    ExceptionKind,
    ExceptionState,
    InvoicePolicy,
    InvoiceStatus,
    OrderException,
    OrderState,
    PaymentStatus,
    SalesOrder,
    SalesOrderLine,
    Stage,
)
from .._common import (
    is_prepaid,
    lock_order,
)
from ..stages import stage_record

# -- derived statuses ----------------------------------------------------------------------


def order_refresh(*, order: SalesOrder) -> SalesOrder:
    """Recompute delivery, invoice and payment status (and done) from lines and invoices."""
    lines = list(
        SalesOrderLine.objects.filter(order_id=order.pk).values(
            "quantity", "qty_delivered", "qty_invoiced", "invoice_policy", "product__type"
        )
    )
    stocked = [li for li in lines if li["product__type"] != "service"]
    if order.state in (OrderState.DRAFT, OrderState.SENT, OrderState.CANCELLED) or not stocked:
        delivery = DeliveryStatus.NOTHING
    elif all(li["qty_delivered"] >= li["quantity"] for li in stocked):
        delivery = DeliveryStatus.DELIVERED
    elif any(li["qty_delivered"] > 0 for li in stocked):
        delivery = DeliveryStatus.PARTIAL
    else:
        delivery = DeliveryStatus.PENDING

    def basis(li):
        if li["invoice_policy"] == InvoicePolicy.ORDERED:
            return li["quantity"]
        return li["qty_delivered"]

    if order.state in (OrderState.DRAFT, OrderState.SENT, OrderState.CANCELLED):
        invoicing = InvoiceStatus.NOTHING
    elif all(li["qty_invoiced"] >= li["quantity"] for li in lines):
        invoicing = InvoiceStatus.INVOICED
    elif any(basis(li) > li["qty_invoiced"] for li in lines):
        invoicing = (
            InvoiceStatus.PARTIAL
            if any(li["qty_invoiced"] > 0 for li in lines)
            else InvoiceStatus.TO_INVOICE
        )
    else:
        invoicing = (
            InvoiceStatus.PARTIAL
            if any(li["qty_invoiced"] for li in lines)
            else (InvoiceStatus.NOTHING)
        )
    totals = Invoice.objects.filter(
        sales_orders=order.pk,
        kind=InvoiceKind.CUSTOMER_INVOICE,
        state=InvoiceState.POSTED,
    ).aggregate(total=Sum("total_amount"), residual=Sum("residual_amount"))
    total, residual = totals["total"] or ZERO, totals["residual"] or ZERO
    if total <= 0 or residual >= total:
        payment = PaymentStatus.NOT_PAID
    elif residual > 0:
        payment = PaymentStatus.PARTIAL
    else:
        payment = PaymentStatus.PAID
    if (
        payment == PaymentStatus.PAID
        and invoicing == InvoiceStatus.INVOICED
        and order.state in (OrderState.CONFIRMED, OrderState.DONE)
    ):
        if is_prepaid(order):
            stage_record(order=order, stage=Stage.PAYMENT_VERIFIED)
        # the money came in: an overdue-payment exception has nothing left to chase
        now = timezone.now()
        OrderException.objects.filter(
            order_id=order.pk, kind=ExceptionKind.PAYMENT_OVERDUE, state=ExceptionState.OPEN
        ).update(
            state=ExceptionState.RESOLVED,
            resolution_note="paid",
            resolved_at=now,
            updated_at=now,
        )
    state = order.state
    if (
        state == OrderState.CONFIRMED
        and delivery in (DeliveryStatus.DELIVERED, DeliveryStatus.NOTHING)
        and invoicing == InvoiceStatus.INVOICED
    ):
        state = OrderState.DONE
    SalesOrder.objects.filter(pk=order.pk).update(
        delivery_status=delivery,
        invoice_status=invoicing,
        payment_status=payment,
        state=state,
        updated_at=timezone.now(),
    )
    order.delivery_status, order.invoice_status, order.payment_status = delivery, invoicing, payment
    order.state = state
    return order


def orders_refresh_for_invoices(invoice_ids: Iterable[int]) -> int:
    orders = list(SalesOrder.objects.filter(invoices__in=list(invoice_ids)).distinct())
    for order in orders:
        with transaction.atomic():
            order_refresh(order=lock_order(order))
    return len(orders)
