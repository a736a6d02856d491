"""Invoicing orders and keeping the lines' invoiced quantities in step with invoices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date as date_type
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from tandem.accounting.models import Invoice, InvoiceKind
from tandem.catalog.models import Product, Uom
from tandem.catalog.services.pricing import company_today
from tandem.core.bulk import rows_update
from tandem.core.errors import InvalidReference, ValidationFailed

from ...errors import (
    NothingToInvoice,
    OnHold,
    Overinvoiced,
)
from ...models import (
    ZERO,
    OrderState,
    SalesOrder,
    SalesOrderLine,
)
from .._common import (
    lock,
    number,
    transition,
)
from .status import order_refresh

# -- invoice -------------------------------------------------------------------------------


@transaction.atomic
def sales_order_invoice(
    *,
    orders: Iterable[SalesOrder],
    user=None,
    date: date_type | None = None,
    quantities: Mapping[int, Decimal] | None = None,
    post: bool = False,
) -> Invoice:
    """One customer invoice for what the orders' lines allow by their policy.

    `quantities` (line id -> quantity) invoices less; more than allowed is refused
    (`sales.overinvoiced`) and nothing changes.
    """
    orders = list(orders)
    if not orders:
        raise ValidationFailed("Choose at least one order", field="orders")
    locked = list(lock(SalesOrder, [o.pk for o in orders]).values())
    first = locked[0]
    for order in locked:
        if order.state not in (OrderState.CONFIRMED, OrderState.DONE):
            transition(order, OrderState.DONE)  # answers the invalid transition
        if order.on_hold:
            raise OnHold(f"{order} is on credit hold")
        if (order.company_id, order.party_id, order.currency_id) != (
            first.company_id,
            first.party_id,
            first.currency_id,
        ):
            raise ValidationFailed(
                "Orders invoiced together need the same customer and currency",
                code="sales.invoice_mixed",
                field="orders",
            )
    line_ids = list(SalesOrderLine.objects.filter(order__in=locked).values_list("pk", flat=True))
    lock(SalesOrderLine, line_ids)
    sync_invoiced(line_ids)  # a deleted draft invoice gives its quantities back
    lines = list(SalesOrderLine.objects.filter(pk__in=line_ids))
    return invoice_locked(locked, lines, user=user, date=date, quantities=quantities, post=post)


def invoice_locked(locked: list, lines: list, *, user, date, quantities, post) -> Invoice:
    """The invoice of `locked` orders (checked) from their `lines`, locked and synced."""
    from tandem.accounting.services.invoices import invoice_create

    first = locked[0]
    company = first.company
    lines.sort(key=lambda li: (li.order_id, li.sequence, li.pk))
    quantities = {int(k): v for k, v in (quantities or {}).items()}
    unknown = set(quantities) - {li.pk for li in lines}
    if unknown:
        raise InvalidReference(
            f"quantities: no line {min(unknown)} on these orders", field="quantities"
        )
    chosen = []
    for line in lines:
        allowed = line.qty_to_invoice
        if line.pk in quantities:
            qty = number(quantities[line.pk], field=f"quantities.{line.pk}", places=4, minimum=ZERO)
            if qty > allowed:
                raise Overinvoiced(
                    f"{line.description}: {qty} asked, {allowed} may be invoiced",
                    field=f"quantities.{line.pk}",
                    extra={"line": line.pk, "allowed": str(allowed)},
                )
        else:
            qty = allowed
        if qty > 0:
            chosen.append((line, qty))
    if not chosen:
        raise NothingToInvoice("Nothing left to invoice on these orders")
    taxes = {}
    for row in SalesOrderLine.taxes.through.objects.filter(
        salesorderline_id__in=[li.pk for li, _ in chosen]
    ).select_related("tax"):
        taxes.setdefault(row.salesorderline_id, []).append(row.tax)
    products = {p.pk: p for p in Product.objects.filter(pk__in={li.product_id for li, _ in chosen})}
    uoms = {u.pk: u for u in Uom.objects.filter(pk__in={li.uom_id for li, _ in chosen})}
    invoice = invoice_create(
        company=company,
        kind=InvoiceKind.CUSTOMER_INVOICE,
        party=first.party,
        date=date or company_today(company),
        currency=first.currency_id,
        payment_term=first.payment_term,
        origin=", ".join(str(o) for o in locked)[:100],
        language=first.language,
        user=user,
        post=post,
        lines=[
            {
                "product": products[line.product_id],
                "description": line.description,
                "quantity": qty,
                "uom": uoms[line.uom_id],
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": taxes.get(line.pk, []),
                "origin_line": f"{ORIGIN_PREFIX}{line.pk}",
            }
            for line, qty in chosen
        ],
    )
    now = timezone.now()
    for line, qty in chosen:
        line.qty_invoiced = line.qty_invoiced + qty
        line.updated_at = now
    rows_update(SalesOrderLine, [li for li, _ in chosen], ["qty_invoiced", "updated_at"])
    for order in locked:
        order.invoices.add(invoice)
    for order in locked:
        order_refresh(order=order)
    return invoice


ORIGIN_PREFIX = "sales.line:"


def sync_invoiced(line_ids: Iterable[int]) -> None:
    """Lines' invoiced quantities from the invoice lines that name them (set-based).

    Draft and posted invoices count; cancelled or deleted ones give their quantity back,
    posted credit notes of the line take it back.
    """
    from tandem.accounting.models import InvoiceLine

    ids = list(line_ids)
    if not ids:
        return
    keys = {f"{ORIGIN_PREFIX}{pk}": pk for pk in ids}
    totals = {pk: ZERO for pk in ids}
    rows = (
        InvoiceLine.objects.filter(origin_line__in=list(keys))
        .filter(
            Q(invoice__kind=InvoiceKind.CUSTOMER_INVOICE, invoice__state__in=["draft", "posted"])
            | Q(invoice__kind=InvoiceKind.CUSTOMER_CREDIT_NOTE, invoice__state="posted")
        )
        .values_list("origin_line", "invoice__kind")
        .annotate(q=Sum("quantity"))
    )
    for origin, kind, qty in rows:
        sign = -1 if kind == InvoiceKind.CUSTOMER_CREDIT_NOTE else 1
        totals[keys[origin]] += sign * qty
    lines = list(SalesOrderLine.objects.filter(pk__in=ids))
    changed = []
    for line in lines:
        value = max(totals[line.pk], ZERO)
        if line.qty_invoiced != value:
            line.qty_invoiced = value
            line.updated_at = timezone.now()
            changed.append(line)
    if changed:
        rows_update(SalesOrderLine, changed, ["qty_invoiced", "updated_at"])


def qty_invoiced_release(*, invoice_id: int) -> None:
    from tandem.accounting.models import InvoiceLine

    origins = InvoiceLine.objects.filter(
        invoice_id=invoice_id, origin_line__startswith=ORIGIN_PREFIX
    ).values_list("origin_line", flat=True)
    ids = [int(o[len(ORIGIN_PREFIX) :]) for o in origins if o[len(ORIGIN_PREFIX) :].isdigit()]
    sync_invoiced(ids)
