"""Batch paths after intake: ship many orders, invoice a period (issue 20).

The same books, stock, stages and derived statuses as `delivery_step(step="ship")` one
order at a time, with the work set-based: orders locked once in primary-key order, their
ready deliveries found in one query and processed by inventory's `transfers_done` in one
pass, delivered quantities and stage events written for all orders at once. Period
invoicing locks every invoiceable order of the period and its lines once, brings their
invoiced quantities up to date in one pass, and invoices each order as
`sales_order_invoice` does (one invoice per order, under its own savepoint).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date as date_type

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import DomainError, InvalidReference, InvalidTransition, ValidationFailed
from tandem.inventory.models import MoveState, TransferKind

from ..errors import AwaitingPayment
from ..models import (
    InvoicePolicy,
    InvoiceStatus,
    OrderStageEvent,
    OrderState,
    SalesOrder,
    SalesOrderLine,
    Stage,
)
from ._common import awaits_payment, lock
from .stock import OPEN_STATES, sync_delivered_many

MAX_SHIP = 1000
MAX_PERIOD_DAYS = 366


class ShipBatchTooLarge(ValidationFailed):
    code = "sales.batch_too_large"
    title = _("Batch too large")


def _ids(values, *, limit: int, too_large) -> list[int]:
    ids = list(values)
    if not ids:
        raise ValidationFailed("orders: at least one", field="orders")
    if len(ids) > limit:
        raise too_large(gettext("At most %(max)s orders in one batch.") % {"max": limit})
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            "orders: an order appears twice", code="sales.batch_duplicate", field="orders"
        )
    return ids


@transaction.atomic
def sales_orders_ship(*, company, orders: Sequence[int], user=None) -> list[tuple]:
    """Ship the ready deliveries of many orders: [(order or None, error or None)] as given.

    Each order ships what `delivery_step(step="ship")` would: its fully reserved open
    deliveries. Per order, not the batch: another company's or an unknown order
    (`reference.invalid`), one not confirmed (`sales.invalid_transition`), prepaid and not
    paid (`sales.awaiting_payment`), with nothing reserved (`sales.nothing_to_ship`) or only
    partly (`transfer.not_ready`: ship it on its own, the rest goes to a backorder) — nothing
    of it is written. At most `MAX_SHIP` orders (`sales.batch_too_large`, 422).
    """
    from tandem.inventory.services.batch import transfers_done

    from .orders import order_refresh

    ids = _ids(orders, limit=MAX_SHIP, too_large=ShipBatchTooLarge)
    locked = lock(SalesOrder, ids)
    answers: dict[int, tuple] = {}
    candidates = []
    for pk in sorted(locked):
        order = locked[pk]
        if order.company_id != company.pk:
            continue  # answered as unknown below: another company's order is not named
        order.company = company
        try:
            if order.state not in (OrderState.CONFIRMED, OrderState.DONE):
                raise InvalidTransition(
                    f"{order} is not confirmed", code="sales.invalid_transition"
                )
            if awaits_payment(order):
                raise AwaitingPayment(f"{order} is prepaid and its invoice is not paid yet")
        except DomainError as exc:
            answers[pk] = (order, exc)
            continue
        candidates.append(order)
    link = SalesOrder.transfers.through
    open_of = defaultdict(list)
    for order_id, transfer_id, state in (
        link.objects.filter(
            salesorder_id__in=[o.pk for o in candidates],
            transfer__kind=TransferKind.DELIVERY,
            transfer__state__in=OPEN_STATES,
        )
        .values_list("salesorder_id", "transfer_id", "transfer__state")
        .order_by("transfer_id")
    ):
        open_of[order_id].append((transfer_id, state))
    shipping = []
    for order in candidates:
        ready = [t for t, state in open_of[order.pk] if state == MoveState.ASSIGNED]
        if not ready:
            waiting = any(state == MoveState.CONFIRMED for _t, state in open_of[order.pk])
            answers[order.pk] = (
                order,
                InvalidTransition(
                    f"{order} is only partly reserved; ship it on its own"
                    if waiting
                    else f"{order} has nothing ready to ship",
                    code="transfer.not_ready" if waiting else "sales.nothing_to_ship",
                ),
            )
            continue
        shipping.append((order, ready))
    transfer_ids = sorted({t for _o, ready in shipping for t in ready})
    failed = {}
    if transfer_ids:
        for transfer_id, (_t, error) in zip(
            transfer_ids,
            transfers_done(company=company, transfers=transfer_ids, user=user),
            strict=True,
        ):
            if error is not None:
                failed[transfer_id] = error
    shipped = []
    for order, ready in shipping:
        error = next((failed[t] for t in ready if t in failed), None)
        if error is not None:
            answers[order.pk] = (order, error)
        else:
            shipped.append(order)
    if shipped:
        sync_delivered_many([o.pk for o in shipped])
        now = timezone.now()
        by = user if getattr(user, "pk", None) else None
        OrderStageEvent.objects.bulk_create(
            [
                OrderStageEvent(
                    company_id=o.company_id, order_id=o.pk, stage=Stage.SHIPPED, at=now, by=by
                )
                for o in shipped
            ],
            ignore_conflicts=True,
        )
        for order in shipped:
            answers[order.pk] = (order_refresh(order=order), None)
    for pk in ids:
        answers.setdefault(pk, (None, InvalidReference("order: no such order", field="orders")))
    return [answers[pk] for pk in ids]


def _invoiceable(line) -> bool:
    basis = line.quantity if line.invoice_policy == InvoicePolicy.ORDERED else line.qty_delivered
    return basis > line.qty_invoiced


@transaction.atomic
def sales_orders_invoice_period(
    *,
    company,
    date_from: date_type,
    date_to: date_type,
    date: date_type | None = None,
    post: bool = True,
    user=None,
    progress=None,
) -> list[tuple]:
    """Invoice every confirmed order of the period (by order date) with something to invoice.

    One customer invoice per order, dated `date` (today by default), posted unless
    `post=False`: [(order, invoice or None, error or None)] in order-number order. An order
    on credit hold is left out; a refusal of one order (a closed period, a missing account)
    comes back with its error and nothing of it is written, the others are invoiced.
    `progress(done, total)` is called as orders are invoiced (the job's progress).
    """
    from .orders.invoice import invoice_locked, sync_invoiced

    if not isinstance(date_from, date_type) or not isinstance(date_to, date_type):
        raise ValidationFailed("date_from, date_to: dates", field="date_from")
    if date_from > date_to:
        raise ValidationFailed(
            "date_from is after date_to", code="validation.period", field="date_from"
        )
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            f"At most {MAX_PERIOD_DAYS} days in one run",
            code="validation.period",
            field="date_to",
        )
    ids = SalesOrder.objects.filter(
        company=company,
        state=OrderState.CONFIRMED,
        on_hold=False,
        order_date__range=(date_from, date_to),
        invoice_status__in=[InvoiceStatus.TO_INVOICE, InvoiceStatus.PARTIAL],
    ).values_list("pk", flat=True)
    locked = lock(SalesOrder, ids)
    line_ids = list(
        SalesOrderLine.objects.filter(order_id__in=list(locked)).values_list("pk", flat=True)
    )
    lock(SalesOrderLine, line_ids)
    sync_invoiced(line_ids)  # a deleted draft invoice gives its quantities back
    lines_of = defaultdict(list)
    for line in SalesOrderLine.objects.filter(pk__in=line_ids):
        lines_of[line.order_id].append(line)
    due = [locked[pk] for pk in sorted(locked) if any(_invoiceable(li) for li in lines_of[pk])]
    due.sort(key=lambda o: (o.number, o.pk))
    if progress:
        progress(0, len(due))
    answers = []
    for done, order in enumerate(due, start=1):
        order.company = company
        try:
            with transaction.atomic():
                invoice = invoice_locked(
                    [order], lines_of[order.pk], user=user, date=date, quantities=None, post=post
                )
        except DomainError as exc:
            answers.append((order, None, exc))
        else:
            answers.append((order, invoice, None))
        if progress:
            progress(done, len(due))
    return answers
