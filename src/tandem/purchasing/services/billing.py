"""Vendor bills made from an order, by received or ordered quantities."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from tandem.accounting.models import AccountRole, Invoice, InvoiceKind
from tandem.accounting.services import account_for_role, company_today
from tandem.accounting.services.invoices import invoice_create
from tandem.core.errors import ValidationFailed

from ..errors import (
    InvalidReference,
    NothingToBill,
    OrderCancelled,
    OrderInvalidTransition,
    OrderOverbilled,
)
from ..models import OrderState, PurchaseOrder, PurchaseOrderLine, origin_line_of
from ._common import number
from .orders import BILL_POLICIES, _lock, _refresh, billable_quantity, is_stocked


@transaction.atomic
def purchase_order_bill(
    *,
    order: PurchaseOrder,
    policy: str = "received",
    quantities: Mapping | None = None,
    date: datetime.date | None = None,
    user=None,
) -> tuple[Invoice, list[dict]]:
    """A draft vendor bill of what may be billed and is not yet; the match warnings.

    `policy` "received" bills received goods (services as ordered), "ordered" the ordered
    quantities. `quantities` ({line id: quantity}) bills other amounts, refused with
    `purchase.overbilled` beyond what the order allows. Goods lines debit GRNI, which the
    receipt credited.
    """
    if policy not in BILL_POLICIES:
        raise ValidationFailed(
            "policy: received or ordered", code="validation.choice", field="policy"
        )
    locked = _lock(order)
    if locked.state == OrderState.CANCELLED:
        raise OrderCancelled(f"{locked} is cancelled")
    if locked.state not in (OrderState.CONFIRMED, OrderState.DONE):
        raise OrderInvalidTransition(f"{locked} is {locked.state}; confirm it first")
    _refresh(locked)
    lines = list(
        PurchaseOrderLine.objects.filter(order=locked)
        .select_related("product", "uom")
        .prefetch_related("taxes")
        .order_by("sequence", "id")
    )
    wanted: dict[int, Decimal] = {}
    if quantities is not None:
        by_id = {line.pk: line for line in lines}
        for index, (line_id, value) in enumerate(quantities.items()):
            where = f"lines.{index}"
            try:
                line = by_id.get(int(line_id))
            except (TypeError, ValueError):
                line = None
            if line is None:
                raise InvalidReference(f"{where}: no line {line_id} on this order", field=where)
            qty = number(value, field=f"{where}.quantity")
            allowed = billable_quantity(line, policy)
            if qty > allowed:
                raise OrderOverbilled(
                    f"{where}.quantity: {qty} is more than the {allowed} left to bill",
                    field=f"{where}.quantity",
                    extra={"line": line.pk, "allowed": str(allowed)},
                )
            if qty:
                wanted[line.pk] = qty
    else:
        for line in lines:
            qty = billable_quantity(line, policy)
            if qty > 0:
                wanted[line.pk] = qty
    if not wanted:
        raise NothingToBill(f"{locked}: nothing left to bill ({policy})")
    company = locked.company
    grni = None
    bill_lines = []
    for line in lines:
        if line.pk not in wanted:
            continue
        data = {
            "product": line.product,
            "description": line.description,
            "quantity": wanted[line.pk],
            "uom": line.uom,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "taxes": list(line.taxes.all()),
            "origin_line": origin_line_of(line.pk),
        }
        if is_stocked(line.product):
            grni = grni or account_for_role(company, AccountRole.GRNI, field="lines")
            data["account"] = grni
        bill_lines.append(data)
    bill = invoice_create(
        company=company,
        kind=InvoiceKind.VENDOR_BILL,
        party=locked.supplier,
        date=date or company_today(company),
        lines=bill_lines,
        currency=locked.currency_id,
        reference=locked.reference,
        origin=locked.number,
        user=user,
    )
    _refresh(locked)
    from ..queries import match_warnings

    return bill, match_warnings(locked)


def bills_of(order: PurchaseOrder):
    """The vendor bills with a line of the order."""
    ids = PurchaseOrderLine.objects.filter(order=order).values_list("pk", flat=True)
    return Invoice.objects.filter(
        company=order.company,
        lines__origin_line__in=[origin_line_of(pk) for pk in ids],
    ).distinct()
