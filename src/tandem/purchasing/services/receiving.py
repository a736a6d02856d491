"""Receiving: processing an order's receipt, and following receipts and bills done elsewhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from tandem.accounting.models import InvoiceLine
from tandem.catalog.services import uom_factor
from tandem.core.errors import ValidationFailed
from tandem.inventory.models import MoveState, StockMove, Transfer

from ..errors import InvalidReference, NothingToReceive, OrderCancelled, OrderInvalidTransition
from ..models import (
    ORIGIN_LINE_PREFIX,
    ZERO,
    OrderState,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
)
from ._common import number
from .orders import OPEN_TRANSFER_STATES, _link_backorders, _lock, _refresh, purchase_order_refresh


def order_for_transfer(transfer_id: int) -> PurchaseOrder | None:
    """The order a receipt (or a backorder of one) belongs to."""
    seen = set()
    current = transfer_id
    while current is not None and current not in seen:
        seen.add(current)
        link = PurchaseReceipt.objects.filter(transfer_id=current).select_related("order").first()
        if link is not None:
            return link.order
        current = (
            Transfer.objects.filter(pk=current).values_list("backorder_of_id", flat=True).first()
        )
    return None


def on_transfer_done(event, transfer_id, **payload) -> None:
    """`stock.transfer_done` subscriber: a receipt done in inventory updates its order."""
    order = order_for_transfer(transfer_id)
    if order is not None:
        purchase_order_refresh(order=order)


def on_invoice_changed(event, invoice_id, **payload) -> None:
    """`invoice.posted` / `invoice.cancelled` subscriber: refresh the orders a bill bills."""
    origins = InvoiceLine.objects.filter(
        invoice_id=invoice_id, origin_line__startswith=ORIGIN_LINE_PREFIX
    ).values_list("origin_line", flat=True)
    suffixes = (o.removeprefix(ORIGIN_LINE_PREFIX) for o in origins)
    line_ids = {int(s) for s in suffixes if s.isdigit()}
    order_ids = set(
        PurchaseOrderLine.objects.filter(pk__in=line_ids).values_list("order_id", flat=True)
    )
    for order in PurchaseOrder.objects.filter(pk__in=order_ids).order_by("pk"):
        purchase_order_refresh(order=order)


@transaction.atomic
def purchase_order_receive(
    *, order: PurchaseOrder, quantities: Mapping | None = None, user=None
) -> PurchaseOrder:
    """Process the order's open receipt: everything, or {line id: quantity} per line.

    What is not received stays on a backorder linked to the order.
    """
    from tandem.inventory.services import transfer_done

    locked = _lock(order)
    if locked.state == OrderState.CANCELLED:
        raise OrderCancelled(f"{locked} is cancelled; nothing can be received on it")
    if locked.state != OrderState.CONFIRMED:
        raise OrderInvalidTransition(f"{locked} is {locked.state}; confirm it first")
    _link_backorders(locked)
    receipt = (
        Transfer.objects.filter(purchase_receipt__order=locked, state__in=OPEN_TRANSFER_STATES)
        .order_by("pk")
        .first()
    )
    if receipt is None:
        raise NothingToReceive(f"{locked} has no open receipt")
    moves_quantities = None
    if quantities is not None:
        moves_quantities = _move_quantities(locked, receipt, quantities)
    transfer_done(transfer=receipt, quantities=moves_quantities, user=user)
    _refresh(locked)
    return locked


def _move_quantities(order: PurchaseOrder, receipt: Transfer, quantities: Mapping) -> list[dict]:
    """Turn {line id: quantity in the line's unit} into the receipt's {move id: quantity}."""
    lines = {
        line.pk: line
        for line in PurchaseOrderLine.objects.filter(order=order).select_related(
            "product__uom", "uom"
        )
    }
    open_moves = defaultdict(list)
    for move in StockMove.objects.filter(transfer=receipt).exclude(
        state__in=(MoveState.DONE, MoveState.CANCELLED)
    ):
        open_moves[move.product_id].append(move)
    per_move: dict[int, Decimal] = {}
    for index, (line_id, value) in enumerate(quantities.items()):
        where = f"lines.{index}"
        try:
            line = lines.get(int(line_id))
        except (TypeError, ValueError):
            line = None
        if line is None:
            raise InvalidReference(f"{where}: no line {line_id} on this order", field=where)
        qty = number(value, field=f"{where}.quantity")
        if not qty:
            continue
        qty = qty * uom_factor(from_uom=line.uom, to_uom=line.product.uom)
        for move in open_moves.get(line.product_id, []):
            room = move.quantity - per_move.get(move.pk, ZERO)
            take = min(room, qty)
            if take > 0:
                per_move[move.pk] = per_move.get(move.pk, ZERO) + take
                qty -= take
        if qty > 0:
            raise ValidationFailed(
                f"{where}.quantity: more than is still to receive",
                code="move.quantity_exceeds",
                field=f"{where}.quantity",
            )
    return [{"id": pk, "quantity": qty} for pk, qty in per_move.items()]
