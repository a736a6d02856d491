"""Read side: order lists and statuses, three-way match, the home page. Set-based.

The per-warehouse forecast replenishment needs is inventory's `warehouse_forecast`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from tandem.accounting.models import InvoiceKind, InvoiceLine, InvoiceState
from tandem.inventory.models import MoveState

from .models import (
    EDITABLE_STATES,
    ORDER_TRANSITIONS,
    ORIGIN_LINE_PREFIX,
    OrderState,
    PriceDifference,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptStatus,
    ReorderRule,
)
from .services.orders import billing_status, is_stocked, receipt_status

ZERO = Decimal(0)
OPEN_MOVES = (MoveState.CONFIRMED, MoveState.ASSIGNED)


def orders(company, *, search: str = "", state: str = "", supplier=None, warehouse=None):
    qs = PurchaseOrder.objects.filter(company=company).select_related("supplier", "warehouse")
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(supplier__name__icontains=search)
            | Q(reference__icontains=search)
            | Q(origin__icontains=search)
        )
    if state:
        qs = qs.filter(state=state)
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return qs.order_by("-order_date", "-id")


def order_detail(company, pk):
    """One order with everything its page and the API show, in a fixed number of queries."""
    return (
        PurchaseOrder.objects.filter(company=company)
        .select_related("supplier", "warehouse", "location_dest", "currency")
        .prefetch_related("lines__taxes", "lines__product", "lines__uom", "receipts__transfer")
        .get(pk=pk)
    )


def statuses(order: PurchaseOrder) -> dict:
    lines = list(order.lines.all())
    return {
        "receipt_status": receipt_status(lines),
        "billing_status": billing_status(lines, order.state),
    }


def statuses_for(order_ids) -> dict[int, dict]:
    """Receipt and billing status of many orders from one query over their lines."""
    rows = defaultdict(list)
    states = dict(PurchaseOrder.objects.filter(pk__in=order_ids).values_list("pk", "state"))
    for line in PurchaseOrderLine.objects.filter(order_id__in=order_ids).select_related("product"):
        rows[line.order_id].append(line)
    return {
        pk: {
            "receipt_status": receipt_status(rows.get(pk, [])),
            "billing_status": billing_status(rows.get(pk, []), states[pk]),
        }
        for pk in order_ids
    }


def match_warnings(order: PurchaseOrder) -> list[dict]:
    """Three-way match: bill lines against the order line and what was received.

    A warning when a bill's unit price or discount differs from the order's, when more is
    billed than received (goods), or more than ordered.
    """
    lines = {
        line.pk: line
        for line in PurchaseOrderLine.objects.filter(order=order).select_related("product")
    }
    if not lines:
        return []
    bill_lines = (
        InvoiceLine.objects.filter(
            company_id=order.company_id,
            origin_line__in=[f"{ORIGIN_LINE_PREFIX}{pk}" for pk in lines],
            invoice__kind=InvoiceKind.VENDOR_BILL,
        )
        .exclude(invoice__state=InvoiceState.CANCELLED)
        .select_related("invoice")
        .order_by("invoice_id", "sequence", "id")
    )
    warnings = []
    billed: dict[int, Decimal] = defaultdict(Decimal)
    for bill_line in bill_lines:
        line = lines[int(bill_line.origin_line.removeprefix(ORIGIN_LINE_PREFIX))]
        billed[line.pk] += bill_line.quantity
        if bill_line.unit_price != line.unit_price or bill_line.discount != line.discount:
            warnings.append(
                {
                    "kind": "price",
                    "line": line.pk,
                    "invoice": bill_line.invoice_id,
                    "product": line.product.sku,
                    "ordered_price": str(line.unit_price),
                    "billed_price": str(bill_line.unit_price),
                    "message": (
                        f"{line.product.sku}: billed at {bill_line.unit_price} "
                        f"(-{bill_line.discount}%), ordered at {line.unit_price} "
                        f"(-{line.discount}%)"
                    ),
                }
            )
    for pk, quantity in billed.items():
        line = lines[pk]
        if quantity > line.quantity:
            warnings.append(
                {
                    "kind": "over_ordered",
                    "line": pk,
                    "product": line.product.sku,
                    "ordered": str(line.quantity),
                    "received": str(line.received_quantity),
                    "billed": str(quantity),
                    "message": f"{line.product.sku}: billed {quantity}, ordered {line.quantity}",
                }
            )
        elif is_stocked(line.product) and quantity > line.received_quantity:
            warnings.append(
                {
                    "kind": "not_received",
                    "line": pk,
                    "product": line.product.sku,
                    "ordered": str(line.quantity),
                    "received": str(line.received_quantity),
                    "billed": str(quantity),
                    "message": (
                        f"{line.product.sku}: billed {quantity}, received {line.received_quantity}"
                    ),
                }
            )
    return warnings


def rules(company, *, warehouse=None, active: bool | None = None):
    qs = ReorderRule.objects.filter(company=company).select_related(
        "product", "product__uom", "warehouse", "supplier"
    )
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("warehouse__code", "product__sku", "id")


# -- home ----------------------------------------------------------------------------------


def overview(company) -> dict:
    """Counts for the purchasing home: RFQs to send, orders waiting for goods, to bill."""
    counts = dict(
        PurchaseOrder.objects.filter(company=company)
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    waiting = (
        PurchaseOrderLine.objects.filter(
            order__company=company,
            order__state=OrderState.CONFIRMED,
            received_quantity__lt=F("quantity"),
        )
        .exclude(product__type="service")
        .values("order_id")
        .distinct()
        .count()
    )
    to_bill = (
        PurchaseOrderLine.objects.filter(
            order__company=company,
            order__state=OrderState.CONFIRMED,
            billed_quantity__lt=F("received_quantity"),
        )
        .values("order_id")
        .distinct()
        .count()
    )
    return {
        "rfq": counts.get(OrderState.DRAFT, 0),
        "sent": counts.get(OrderState.SENT, 0),
        "confirmed": counts.get(OrderState.CONFIRMED, 0),
        "waiting": waiting,
        "to_bill": to_bill,
    }


def waiting_orders(company, limit: int = 10):
    ids = (
        PurchaseOrderLine.objects.filter(
            order__company=company,
            order__state=OrderState.CONFIRMED,
            received_quantity__lt=F("quantity"),
        )
        .exclude(product__type="service")
        .values("order_id")
    )
    return orders(company).filter(pk__in=ids)[:limit]


def to_bill_orders(company, limit: int = 10):
    ids = PurchaseOrderLine.objects.filter(
        order__company=company,
        order__state=OrderState.CONFIRMED,
        billed_quantity__lt=F("received_quantity"),
    ).values("order_id")
    return orders(company).filter(pk__in=ids)[:limit]


# -- API / page decoration -----------------------------------------------------------------


def orders_prefetched(qs):
    return qs.select_related("supplier", "warehouse").prefetch_related(
        "lines__taxes", "lines__product", "receipts"
    )


def available_actions(order: PurchaseOrder, lines: list) -> list[str]:
    """The workflow actions the order's state allows, named as the API's
    `POST /purchase-orders/{id}/<action>`: the page offers these buttons and no others (no
    "Cancel" once goods came in or a bill was made, no "Bill" when all is billed), and the
    services refuse the rest with 409. Needs `order.receipt_status` (see `decorate`)."""
    actions = []
    if order.state in EDITABLE_STATES:
        actions += ["send", "confirm"]
    if order.state == OrderState.CONFIRMED and order.receipt_status != ReceiptStatus.FULL:
        actions.append("receive")
    billable = any(line.quantity > line.billed_quantity for line in lines)
    if order.state in (OrderState.CONFIRMED, OrderState.DONE) and billable:
        actions.append("bill")
    touched = any(line.received_quantity or line.billed_quantity for line in lines)
    if OrderState.CANCELLED in ORDER_TRANSITIONS[OrderState(order.state)] and not touched:
        actions.append("cancel")
    return actions


def decorate(order_list, *, warnings: bool = False) -> list[PurchaseOrder]:
    """Set `receipt_status`, `billing_status`, `transfers`, `invoices`, `price_difference`
    (and `warnings`) on prefetched orders: one query each for the bills and the price
    differences of the whole page."""
    order_list = list(order_list)
    origin_to_order = {}
    for order in order_list:
        lines = list(order.lines.all())
        order.receipt_status = receipt_status(lines)
        order.billing_status = billing_status(lines, order.state)
        order.available_actions = available_actions(order, lines)
        order.transfers = sorted(r.transfer_id for r in order.receipts.all())
        order.invoices = []
        order.warnings = []
        for line in lines:
            origin_to_order[f"{ORIGIN_LINE_PREFIX}{line.pk}"] = order
    if origin_to_order:
        pairs = (
            InvoiceLine.objects.filter(origin_line__in=list(origin_to_order))
            .values_list("origin_line", "invoice_id")
            .distinct()
        )
        found = defaultdict(set)
        for origin, invoice_id in pairs:
            found[origin_to_order[origin].pk].add(invoice_id)
        for order in order_list:
            order.invoices = sorted(found.get(order.pk, ()))
    totals = dict(
        PriceDifference.objects.filter(order__in=order_list)
        .values("order_id")
        .annotate(total=Sum("amount"))
        .values_list("order_id", "total")
    )
    for order in order_list:
        order.price_difference = totals.get(order.pk) or ZERO
    if warnings:
        for order in order_list:
            order.warnings = match_warnings(order) if order.invoices else []
    return order_list
