"""What an order line has been invoiced, read from the invoice lines that name it.

An invoice made from an order keeps, on each line, the order line it bills (`origin_line`,
"sales.line:<id>"); accounting keeps the link through edits. Draft and posted customer
invoices count, posted credit notes take back.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from tandem.accounting.models import InvoiceKind, InvoiceLine

from ..errors import Overinvoiced
from ..models import ZERO, InvoicePolicy, SalesOrderLine
from ._common import lock

ORIGIN_PREFIX = "sales.line:"


def line_ids_of(origins) -> list[int]:
    tail = len(ORIGIN_PREFIX)
    return sorted(
        {int(o[tail:]) for o in origins if o.startswith(ORIGIN_PREFIX) and o[tail:].isdigit()}
    )


def invoiced_by_links(line_ids=None) -> dict[int, Decimal]:
    """{order line id: invoiced quantity} through the links (every linked line when None).

    One query: the linked invoice lines grouped by link and kind.
    """
    rows = InvoiceLine.objects.filter(
        Q(invoice__kind=InvoiceKind.CUSTOMER_INVOICE, invoice__state__in=["draft", "posted"])
        | Q(invoice__kind=InvoiceKind.CUSTOMER_CREDIT_NOTE, invoice__state="posted")
    )
    if line_ids is None:
        rows = rows.filter(origin_line__startswith=ORIGIN_PREFIX)
    else:
        rows = rows.filter(origin_line__in=[f"{ORIGIN_PREFIX}{pk}" for pk in line_ids])
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for origin, kind, qty in (
        rows.order_by().values_list("origin_line", "invoice__kind").annotate(q=Sum("quantity"))
    ):
        ids = line_ids_of([origin])
        if not ids:
            continue
        sign = -1 if kind == InvoiceKind.CUSTOMER_CREDIT_NOTE else 1
        totals[ids[0]] += sign * qty
    return dict(totals)


def allowed(line: SalesOrderLine) -> Decimal:
    """What the line's policy lets be invoiced in all."""
    if line.invoice_policy == InvoicePolicy.ORDERED:
        return line.quantity
    return line.qty_delivered


def on_invoice_lines_replaced(*, event, invoice, **_payload) -> None:
    """`invoice.lines_replaced` hook (in the edit's transaction): the order lines the
    invoice bills take their invoiced quantities from the links; more than a line's policy
    allows is refused (`sales.overinvoiced`) and the edit rolls back."""
    from .orders import order_refresh, sync_invoiced

    if invoice.kind not in (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.CUSTOMER_CREDIT_NOTE):
        return
    ids = line_ids_of(
        InvoiceLine.objects.filter(
            invoice=invoice, origin_line__startswith=ORIGIN_PREFIX
        ).values_list("origin_line", flat=True)
    )
    if not ids:
        return
    lock(SalesOrderLine, ids)
    invoiced = invoiced_by_links(ids)
    lines = list(SalesOrderLine.objects.filter(pk__in=ids).select_related("order"))
    for line in sorted(lines, key=lambda li: li.pk):
        qty = invoiced.get(line.pk, ZERO)
        if qty > allowed(line):
            raise Overinvoiced(
                f"{line.order}: {line.description}: {qty} would be invoiced, "
                f"{allowed(line)} may be",
                field="lines",
                extra={"order_line": line.pk, "allowed": str(allowed(line))},
            )
    sync_invoiced(ids)
    for order in {line.order_id: line.order for line in lines}.values():
        order_refresh(order=order)
