"""Sales invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from collections import defaultdict

from django.db.models import Q, Sum

from tandem.core.integrity import register
from tandem.inventory.models import MoveState, StockMove

from .models import InvoicePolicy, OrderState, SalesOrder, SalesOrderLine
from .services.invoicing import invoiced_by_links


@register("sales: invoiced quantities stay within the invoicing policy")
def invoiced_within_policy():
    """Counted through the invoice lines' links to the order lines (draft and posted
    invoices, less posted credit notes), not the stored figure an edit could lose."""
    invoiced = invoiced_by_links()
    rows = (
        SalesOrderLine.objects.filter(Q(pk__in=list(invoiced)) | Q(qty_invoiced__gt=0))
        .values_list(
            "pk",
            "order__company__code",
            "order__number",
            "invoice_policy",
            "quantity",
            "qty_delivered",
            "qty_invoiced",
        )
        .order_by("pk")
    )
    for pk, company, number, policy, ordered, delivered, stored in rows:
        linked = invoiced.get(pk, 0)
        basis = ordered if policy == InvoicePolicy.ORDERED else delivered
        if linked > basis:
            yield (
                f"{company} {number} line {pk}: {linked} invoiced exceeds its policy "
                f"({policy}: {basis})"
            )
        if max(linked, 0) != stored:
            yield f"{company} {number} line {pk}: stored invoiced {stored}, invoices {linked}"


@register("sales: delivered quantities match the done deliveries")
def delivered_match_moves():
    lines = defaultdict(lambda: 0)
    codes = {}
    for order_id, company, number, product, uom, qty in (
        SalesOrderLine.objects.filter(order__state__in=[OrderState.CONFIRMED, OrderState.DONE])
        .values_list("order_id", "order__company__code", "order__number", "product_id", "uom_id")
        .annotate(q=Sum("qty_delivered"))
    ):
        lines[(order_id, product, uom)] += qty
        codes[order_id] = (company, number)
    moved = defaultdict(lambda: 0)
    for order_id, product, uom, qty in (
        StockMove.objects.filter(
            transfer__sales_orders__isnull=False,
            transfer__kind="delivery",
            state=MoveState.DONE,
        )
        .values_list("transfer__sales_orders", "product_id", "uom_id")
        .annotate(q=Sum("uom_quantity"))
    ):
        moved[(order_id, product, uom)] += qty
    for key in sorted(set(lines) | set(moved)):
        if key[0] in codes and lines.get(key, 0) != moved.get(key, 0):
            company, number = codes[key[0]]
            yield (
                f"{company} {number} product {key[1]}: delivered {lines.get(key, 0)} on the "
                f"lines, {moved.get(key, 0)} in done deliveries"
            )


@register("sales: confirmed orders' deliveries match their lines")
def deliveries_match_lines():
    ordered = dict(
        SalesOrderLine.objects.filter(
            order__state__in=[OrderState.CONFIRMED, OrderState.DONE],
            # a subquery, not a join: an order with a backorder has two transfers
            order__in=SalesOrder.objects.filter(transfers__isnull=False).values("pk"),
        )
        .exclude(product__type="service")
        .values_list("order_id")
        .annotate(q=Sum("quantity"))
    )
    if not ordered:
        return
    moved = dict(
        StockMove.objects.filter(
            transfer__sales_orders__in=list(ordered), transfer__kind="delivery"
        )
        .exclude(state=MoveState.CANCELLED)
        .values_list("transfer__sales_orders")
        .annotate(q=Sum("uom_quantity"))
    )
    for order_id, qty in sorted(ordered.items()):
        if moved.get(order_id, 0) != qty:
            yield f"order {order_id}: lines {qty}, deliveries {moved.get(order_id, 0)}"
