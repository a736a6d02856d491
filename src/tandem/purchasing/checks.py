"""Purchasing invariants for `tandem check-integrity`."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from tandem.accounting.expressions import MoneySum
from tandem.accounting.models import EntryLine, InvoiceKind, InvoiceLine, InvoiceState
from tandem.catalog.models import ProductType
from tandem.core.integrity import register
from tandem.inventory.models import MoveState, StockMove, Transfer

from .models import (
    ORIGIN_LINE_PREFIX,
    ZERO,
    PriceDifference,
    PurchaseOrderLine,
    PurchaseReceipt,
)

CENT = Decimal("0.01")


@register("purchasing: recorded price differences equal what their entries took out of GRNI")
def price_differences_match_entries():
    recorded = dict(
        PriceDifference.objects.order_by()
        .values("entry")
        .annotate(t=MoneySum("amount"))
        .values_list("entry", "t")
    )
    if not recorded:
        return
    booked = dict(
        EntryLine.objects.filter(entry__in=list(recorded), posted=True, account__role="grni")
        .order_by()
        .values("entry")
        .annotate(t=MoneySum("credit") - MoneySum("debit"))
        .values_list("entry", "t")
    )
    for entry_id in sorted(recorded):
        want = Decimal(recorded[entry_id] or 0).quantize(CENT)
        got = Decimal(booked.get(entry_id) or 0).quantize(CENT)
        if want != got:
            yield f"entry {entry_id}: price differences {want} but GRNI moved {got}"


# Derived quantities: the order lines' received and billed quantities are written by the
# `stock.transfer_done` and `invoice.*` subscribers; a subscriber that failed for good (a dead
# outbox event) or a direct write leaves them wrong, and this check says which order.
TOLERANCE = Decimal("0.0001")  # received quantities are stored to 6 places in the line's unit


def _q(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _order_of_transfers() -> dict[int, int]:
    """{receipt transfer id: order id}, following backorders not linked to their order yet."""
    order_of = dict(PurchaseReceipt.objects.values_list("transfer_id", "order_id"))
    parent = dict(
        Transfer.objects.filter(backorder_of__isnull=False).values_list("pk", "backorder_of_id")
    )
    for transfer_id in parent:
        chain, current = [], transfer_id
        while current not in order_of and current in parent and current not in chain:
            chain.append(current)
            current = parent[current]
        if current in order_of:
            for link in chain:
                order_of[link] = order_of[current]
    return order_of


def _done_per_order_product() -> dict[tuple[int, int], Decimal]:
    order_of = _order_of_transfers()
    done: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    rows = (
        StockMove.objects.filter(state=MoveState.DONE)
        .filter(
            Q(transfer__purchase_receipt__isnull=False) | Q(transfer__backorder_of__isnull=False)
        )
        .order_by()
        .values("transfer_id", "product_id")
        .annotate(total=Sum("quantity_done"))
        .values_list("transfer_id", "product_id", "total")
    )
    for transfer_id, product_id, total in rows:
        if transfer_id in order_of:
            done[(order_of[transfer_id], product_id)] += total or 0
    return done


def _billed_per_line() -> dict[int, Decimal]:
    """What the bills say per order line: live (draft or posted) bills less posted credit
    notes, as `purchase_order_refresh` counts them."""
    billed: dict[int, Decimal] = defaultdict(Decimal)
    rows = (
        InvoiceLine.objects.filter(
            origin_line__startswith=ORIGIN_LINE_PREFIX,
            invoice__kind__in=(InvoiceKind.VENDOR_BILL, InvoiceKind.VENDOR_CREDIT_NOTE),
        )
        .exclude(invoice__state=InvoiceState.CANCELLED)
        .order_by()
        .values("origin_line", "invoice__kind", "invoice__state")
        .annotate(total=Sum("quantity"))
        .values_list("origin_line", "invoice__kind", "invoice__state", "total")
    )
    for origin, kind, state, total in rows:
        suffix = origin.removeprefix(ORIGIN_LINE_PREFIX)
        if not suffix.isdigit():
            continue
        if kind == InvoiceKind.VENDOR_CREDIT_NOTE:
            if state == InvoiceState.POSTED:
                billed[int(suffix)] -= total or 0
        else:
            billed[int(suffix)] += total or 0
    return billed


@register("purchasing: order lines' received and billed quantities match receipts and bills")
def order_quantities_match_sources():
    done = _done_per_order_product()
    billed = _billed_per_line()
    lines = (
        PurchaseOrderLine.objects.order_by("order_id", "sequence", "pk")
        .values_list(
            "pk",
            "order_id",
            "order__number",
            "product_id",
            "product__sku",
            "product__type",
            "uom__ratio",
            "product__uom__ratio",
            "received_quantity",
            "billed_quantity",
        )
        .iterator(chunk_size=2000)
    )
    recorded: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    names: dict[tuple[int, int], str] = {}
    for pk, order_id, number, product_id, sku, ptype, ratio, base_ratio, received, bill in lines:
        name = number or f"purchase order {order_id}"
        want = billed.get(pk, ZERO)
        if abs(bill - want) > TOLERANCE:
            yield f"{name} line {pk} ({sku}): billed {_q(bill)} but the bills say {_q(want)}"
        if ptype == ProductType.SERVICE:
            if received:
                yield f"{name} line {pk} ({sku}): a service line shows {_q(received)} received"
            continue
        recorded[(order_id, product_id)] += received * ratio / base_ratio
        names[(order_id, product_id)] = f"{name} ({sku})"
    for key in sorted(set(recorded) | set(done)):
        got, want = recorded.get(key, ZERO), done.get(key, ZERO)
        if key in names and abs(got - want) > TOLERANCE * max(1, abs(want)):
            yield (f"{names[key]}: received {_q(got)} but the receipts' done moves say {_q(want)}")
