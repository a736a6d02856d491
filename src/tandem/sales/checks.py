"""Sales invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from collections import defaultdict

from django.db.models import Q, Sum

from tandem.core.integrity import register
from tandem.inventory.models import MoveState, StockMove

from .models import InvoicePolicy, OrderState, SalesOrder, SalesOrderLine
from .services.invoicing import invoiced_by_links
from .services.stock import (
    KIT_EXISTS,
    delivered_allocation,
    done_quantities,
    order_lines,
)


def _kits(order_ids):
    """For the orders among `order_ids` that sell a kit: their lines, the kit lines'
    components, and the delivered quantities recomputed from the done moves."""
    from tandem.core import providers

    exists = providers.ask(KIT_EXISTS, "product_id", default=None)
    if exists is None:
        return [], {}, {}, {}
    ids = set(
        SalesOrderLine.objects.filter(order_id__in=order_ids)
        .filter(exists)
        .values_list("order_id", flat=True)
        .distinct()
    )
    if not ids:
        return [], {}, {}, {}
    lines, parts = order_lines(ids)
    delivered, kit_taken = delivered_allocation(done_quantities(ids), lines, parts)
    return lines, parts, delivered, kit_taken


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
    # a kit line is delivered as its components: those count instead of the kit, and the
    # kit line's own figure must be what its components make
    kit_lines, parts, delivered, kit_taken = _kits(
        SalesOrder.objects.filter(state__in=[OrderState.CONFIRMED, OrderState.DONE]).values("pk")
    )
    for line in kit_lines:
        if line.pk not in parts:
            continue
        lines[(line.order_id, line.product_id, line.uom_id)] -= line.qty_delivered
        if line.qty_delivered != delivered[line.pk]:
            company, number = codes[line.order_id]
            yield (
                f"{company} {number} kit line {line.pk}: delivered {line.qty_delivered}, "
                f"its components make {delivered[line.pk]}"
            )
    for key, qty in kit_taken.items():
        lines[key] += qty
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
    # a kit line is delivered as its components
    kit_lines, parts, _delivered, _taken = _kits(list(ordered))
    for line in kit_lines:
        if line.pk in parts:
            ordered[line.order_id] += sum(q for _key, q in parts[line.pk]) - line.quantity
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
