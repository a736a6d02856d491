"""Purchase price differences: clearing GRNI when a bill prices received goods otherwise.

A receipt credits GRNI with what the order said the units cost (in the company currency at
the order's rate; the standard cost for standard-cost products); the bill debits GRNI with
what the supplier charged (at the bill's rate). For the quantity both have seen, the
difference is moved out of GRNI to inventory (units still held) and cost of goods sold
(units gone, or standard cost) by inventory's `received_cost_adjust`. The true-up is
cumulative and runs on every bill posted or cancelled and every receipt or supplier return
done, so the order they happen in does not matter and GRNI nets to zero for what is both
received and billed.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from tandem.accounting.models import AccountRole, InvoiceKind, InvoiceLine, InvoiceState
from tandem.accounting.services import account_for_role
from tandem.catalog.models import Uom
from tandem.catalog.services import uom_factor
from tandem.core.money import quantize_money
from tandem.inventory.models import LocationUsage, MoveState, StockMove

from ..models import ORIGIN_LINE_PREFIX, ZERO, PriceDifference, PurchaseOrder, PurchaseOrderLine
from .orders import _link_backorders, is_stocked

CENT = Decimal("0.01")
# a vendor credit note of an order's bill takes back what it credits, units and value
BILL_KINDS = (InvoiceKind.VENDOR_BILL, InvoiceKind.VENDOR_CREDIT_NOTE)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_differences_settle(*, order: PurchaseOrder, product_ids=None, user=None):
    """Post what the order's bills and receipts disagree on since the last true-up.

    Runs inside the caller's transaction (a bill being posted or cancelled, a receipt being
    done). Returns the posted stock entry, or None when bills and receipts agree.
    """
    from tandem.inventory.services import product_stocks_lock, received_cost_adjust

    company = order.company
    lines = [
        line
        for line in PurchaseOrderLine.objects.filter(order=order).select_related(
            "product__uom", "uom"
        )
        if is_stocked(line.product) and (product_ids is None or line.product_id in product_ids)
    ]
    if not lines:
        return None
    products = {line.product_id: line.product for line in lines}
    # queue behind receipts, deliveries and other true-ups of these products
    product_stocks_lock(company, products)
    received = _received(order, products)
    billed = _billed(company, lines)
    done = dict(
        PriceDifference.objects.filter(order=order, product_id__in=products)
        .values("product_id")
        .annotate(total=Sum("amount"))
        .values_list("product_id", "total")
    )
    adjustments = []
    for product_id, product in sorted(products.items()):
        received_qty, received_value, move_ids = received.get(product_id, (ZERO, ZERO, []))
        billed_qty, billed_value = billed.get(product_id, (ZERO, ZERO))
        target = ZERO
        matched = min(received_qty, billed_qty)
        if matched > 0:
            target = _money(billed_value * matched / billed_qty) - _money(
                received_value * matched / received_qty
            )
        amount = target - (done.get(product_id) or ZERO)
        if amount:
            adjustments.append(
                {
                    "product": product,
                    "move_ids": move_ids,
                    "quantity": received_qty,
                    "amount": amount,
                }
            )
    if not adjustments:
        return None
    reference = f"{order.number} price difference"
    entry = received_cost_adjust(
        company=company,
        adjustments=adjustments,
        counterpart=account_for_role(company, AccountRole.GRNI, field="lines"),
        reference=reference,
        user=user,
    )
    PriceDifference.objects.bulk_create(
        [
            PriceDifference(
                company=company,
                order=order,
                product=item["product"],
                amount=item["amount"],
                entry=entry,
                reason=reference,
            )
            for item in adjustments
        ]
    )
    return entry


def _received(order: PurchaseOrder, products: dict) -> dict:
    """Per product: (net units received, their value, the done moves) over the order's
    receipts and their backorders; units sent back to the supplier count negative."""
    transfers = _link_backorders(order)
    rows = StockMove.objects.filter(
        transfer_id__in=transfers, product_id__in=products, state=MoveState.DONE
    ).values_list(
        "pk", "product_id", "quantity_done", "value", "location_src__usage", "location_dest__usage"
    )
    totals: dict[int, list] = defaultdict(lambda: [ZERO, ZERO, []])
    for pk, product_id, qty, value, src_usage, dest_usage in rows:
        if src_usage == LocationUsage.SUPPLIER:
            sign = 1
        elif dest_usage == LocationUsage.SUPPLIER:
            sign = -1
        else:
            continue
        total = totals[product_id]
        total[0] += sign * qty
        total[1] += sign * (value or ZERO)
        total[2].append(pk)
    return {product_id: tuple(total) for product_id, total in totals.items()}


def _billed(company, lines: list[PurchaseOrderLine]) -> dict:
    """Per product: (units on posted vendor bills debiting GRNI, in the product's unit;
    what those bill lines debited, in the company currency, as the bill's entry did), net
    of the posted vendor credit notes of those lines (units given back or credited)."""
    by_origin = {line.origin_line: line for line in lines}
    grni = account_for_role(company, AccountRole.GRNI, field="lines")
    own = company.currency_id
    rows = InvoiceLine.objects.filter(
        company=company,
        origin_line__in=list(by_origin),
        account=grni,
        invoice__kind__in=BILL_KINDS,
        invoice__state=InvoiceState.POSTED,
    ).values_list(
        "invoice__kind",
        "origin_line",
        "quantity",
        "uom_id",
        "untaxed_amount",
        "invoice__currency_id",
        "invoice__rate",
    )
    rows = list(rows)
    uoms = {u.pk: u for u in Uom.objects.filter(pk__in={row[3] for row in rows if row[3]})}
    totals: dict[int, list] = defaultdict(lambda: [ZERO, ZERO])
    for kind, origin, qty, uom_id, untaxed, currency, rate in rows:
        sign = -1 if kind == InvoiceKind.VENDOR_CREDIT_NOTE else 1
        line = by_origin[origin]
        product_uom = line.product.uom
        factor = uom_factor(from_uom=uoms.get(uom_id, product_uom), to_uom=product_uom)
        value = untaxed if currency == own else quantize_money(untaxed * rate, own)
        totals[line.product_id][0] += sign * qty * factor
        totals[line.product_id][1] += sign * value
    return {product_id: (qty, value) for product_id, (qty, value) in totals.items()}


def _orders_of_origins(origins) -> list[PurchaseOrder]:
    suffixes = (o.removeprefix(ORIGIN_LINE_PREFIX) for o in origins)
    line_ids = {int(s) for s in suffixes if s.isdigit()}
    if not line_ids:
        return []
    return list(PurchaseOrder.objects.filter(lines__pk__in=line_ids).distinct().order_by("pk"))


def on_bill_changed(*, event, invoice, user=None, **payload) -> None:
    """`invoice.posted` / `invoice.cancelled` hook (in the invoice's transaction)."""
    if invoice.kind not in BILL_KINDS:
        return
    origins = InvoiceLine.objects.filter(
        invoice=invoice, origin_line__startswith=ORIGIN_LINE_PREFIX
    ).values_list("origin_line", flat=True)
    for order in _orders_of_origins(origins):
        price_differences_settle(order=order, user=user)


def on_supplier_moves_done(*, event, company, moves, user=None, **payload) -> None:
    """`stock.supplier_moves_done` hook (in the transfer's transaction): a receipt done
    after its bill trues up the difference the bill left in GRNI."""
    from .receiving import order_for_transfer

    for transfer_id in sorted({m.transfer_id for m in moves if m.transfer_id}):
        order = order_for_transfer(transfer_id)
        if order is None:
            continue
        has_bill = InvoiceLine.objects.filter(
            company=company,
            origin_line__in=[
                line.origin_line for line in PurchaseOrderLine.objects.filter(order=order)
            ],
            invoice__state=InvoiceState.POSTED,
        ).exists()
        if has_bill:
            price_differences_settle(
                order=order, product_ids={m.product_id for m in moves}, user=user
            )
