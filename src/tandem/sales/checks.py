"""Sales invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from django.db.models import F, Q, Sum

from tandem.core.integrity import register
from tandem.inventory.models import MoveState, StockMove

from .models import InvoicePolicy, OrderState, SalesOrder, SalesOrderLine


@register("sales: invoiced quantities stay within the invoicing policy")
def invoiced_within_policy():
    rows = (
        SalesOrderLine.objects.filter(
            Q(invoice_policy=InvoicePolicy.ORDERED, qty_invoiced__gt=F("quantity"))
            | Q(invoice_policy=InvoicePolicy.DELIVERED, qty_invoiced__gt=F("qty_delivered"))
        )
        .values_list("order__company__code", "order__number", "pk", "qty_invoiced")
        .order_by("pk")
    )
    for company, number, pk, qty in rows:
        yield f"{company} {number} line {pk}: {qty} invoiced exceeds its policy"


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
