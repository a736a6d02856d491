"""Confirm (credit limit, number, reservation) and cancel."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import Invoice, InvoiceKind, InvoiceState
from tandem.core import events
from tandem.core.errors import Forbidden
from tandem.core.money import quantize_money
from tandem.core.services import exchange_rate_for, sequence_next
from tandem.parties.models import Party

from ...errors import (
    CreditLimitExceeded,
    NoLines,
    OrderShipped,
)
from ...models import (
    ZERO,
    ExceptionKind,
    ExceptionState,
    InvoicePolicy,
    OrderException,
    OrderState,
    SalesOrder,
    SalesOrderLine,
    SalesOrderLog,
    Stage,
)
from .. import stock
from .._common import (
    PERM_CREDIT,
    is_prepaid,
    lock_order,
    may,
    text,
    transition,
)
from ..stages import stage_record
from .status import order_refresh

# -- confirm -------------------------------------------------------------------------------


def open_receivables(company, party) -> Decimal:
    """Posted customer invoices' residual in the company currency, less open credit notes."""
    rows = Invoice.objects.filter(company=company, party=party, state=InvoiceState.POSTED)
    due = rows.filter(kind=InvoiceKind.CUSTOMER_INVOICE).aggregate(s=Sum("residual_company"))["s"]
    credit = rows.filter(kind=InvoiceKind.CUSTOMER_CREDIT_NOTE).aggregate(
        s=Sum("residual_company")
    )["s"]
    return (due or ZERO) - (credit or ZERO)


def _in_company_currency(order: SalesOrder) -> Decimal:
    company = order.company
    if order.currency_id == company.currency_id:
        return order.total_amount
    rate = exchange_rate_for(company=company, currency=order.currency_id, on_date=order.order_date)
    return quantize_money(order.total_amount * rate, company.currency_id)


def _log(order, action: str, detail: str, user) -> None:
    SalesOrderLog.objects.create(
        company_id=order.company_id,
        order=order,
        action=action,
        detail=detail[:500],
        user=user if getattr(user, "pk", None) else None,
    )


def exception_open(*, order, kind: str, detail: str = "", stage: str = "", owner=None):
    """Open an exception unless one of the kind (and stage) is already open for the order."""
    existing = OrderException.objects.filter(order=order, kind=kind, state=ExceptionState.OPEN)
    if kind == ExceptionKind.SLA_BREACH:
        existing = OrderException.objects.filter(order=order, kind=kind, stage=stage)
    found = existing.first()
    if found is not None:
        return found
    return OrderException.objects.create(
        company_id=order.company_id,
        order=order,
        kind=kind,
        stage=stage,
        detail=detail[:500],
        owner=owner or order.salesperson,
    )


def _confirm_locked(locked: SalesOrder, *, user, override_credit: bool):
    """Confirm under the order's lock; returns the credit-hold exception instead, if any."""
    company = locked.company
    transition(locked, OrderState.CONFIRMED)
    lines = list(locked.lines.select_related("product", "uom").order_by("sequence", "pk"))
    if not lines:
        raise NoLines("An order without lines cannot be confirmed", field="lines")
    party = Party.objects.select_for_update().get(pk=locked.party_id)  # one check at a time
    locked.party = party  # the delivery and the events read it from the order
    limit = party.credit_limit
    if limit and limit > 0:
        exposure = open_receivables(company, party) + _in_company_currency(locked)
        if exposure > limit:
            detail = f"open receivables + this order = {exposure} > limit {limit}"
            if override_credit:
                if not may(user, company, PERM_CREDIT):
                    raise Forbidden(
                        "Missing permission to override the credit limit",
                        code="permission.denied",
                    )
                _log(locked, "credit_override", detail, user)
            else:
                SalesOrder.objects.filter(pk=locked.pk).update(on_hold=True)
                return exception_open(order=locked, kind=ExceptionKind.CREDIT_HOLD, detail=detail)
    now = timezone.now()
    locked.number = sequence_next(
        company=company, code="SO", on_date=locked.order_date, prefix="SO/{year}/"
    )
    locked.state = OrderState.CONFIRMED
    locked.confirmed_at = now
    locked.on_hold = False
    locked.save()
    OrderException.objects.filter(
        order=locked, kind=ExceptionKind.CREDIT_HOLD, state=ExceptionState.OPEN
    ).update(
        state=ExceptionState.RESOLVED,
        resolved_at=now,
        resolved_by=user if getattr(user, "pk", None) else None,
        resolution_note="credit limit overridden" if override_credit else "confirmed",
        updated_at=now,
    )
    stage_record(order=locked, stage=Stage.RECEIVED, user=user, at=now)
    if is_prepaid(locked):
        # the customer pays first, so the invoice is for what was ordered, before delivery
        SalesOrderLine.objects.filter(order=locked).update(invoice_policy=InvoicePolicy.ORDERED)
    stock.reserve_for_order(order=locked, lines=lines, user=user)
    order_refresh(order=locked)
    return None


@transaction.atomic
def _confirm(order: SalesOrder, *, user, override_credit: bool):
    locked = lock_order(order)
    hold = _confirm_locked(locked, user=user, override_credit=override_credit)
    if hold is None:
        events.publish(
            "sales_order.confirmed",
            order_id=locked.pk,
            company_id=locked.company_id,
            number=locked.number,
            party_id=locked.party_id,
            total=str(locked.total_amount),
            currency=locked.currency_id,
        )
    return locked, hold


def sales_order_confirm(
    *, order: SalesOrder, user=None, override_credit: bool = False
) -> SalesOrder:
    """Check the credit limit, number the order SO/<year>/<n>, reserve stock.

    Over the limit, the order goes on hold with a credit_hold exception — kept — and the
    call answers `credit.limit_exceeded`; a user allowed to override passes
    `override_credit=True` (logged).
    """
    locked, hold = _confirm(order, user=user, override_credit=override_credit)
    if hold is not None:
        raise CreditLimitExceeded(
            f"{locked}: {hold.detail}",
            extra={"exception_id": hold.pk, "order_id": locked.pk},
        )
    return locked


# -- cancel --------------------------------------------------------------------------------


@transaction.atomic
def sales_order_cancel(*, order: SalesOrder, user=None, reason: str = "") -> SalesOrder:
    """Cancel and release the reservations; refused once anything shipped (`sales.shipped`)."""
    locked = lock_order(order)
    transition(locked, OrderState.CANCELLED)
    if stock.shipped_anything(locked) or locked.lines.filter(qty_delivered__gt=0).exists():
        raise OrderShipped(f"{locked} has shipped goods; return them instead")
    if locked.lines.filter(qty_invoiced__gt=0).exists():
        raise OrderShipped(f"{locked} is invoiced; credit the invoice first", code="sales.invoiced")
    stock.cancel_for_order(order=locked)
    now = timezone.now()
    locked.state = OrderState.CANCELLED
    locked.on_hold = False
    locked.save()
    OrderException.objects.filter(order=locked, state=ExceptionState.OPEN).update(
        state=ExceptionState.RESOLVED,
        resolved_at=now,
        resolution_note=text(reason, field="reason", max_length=500) or "order cancelled",
        resolved_by=user if getattr(user, "pk", None) else None,
        updated_at=now,
    )
    _log(locked, "cancelled", reason, user)
    # a cancelled order has nothing left to deliver, invoice or collect
    return order_refresh(order=locked)
