"""The order's side of stock: delivery transfers made, reserved, shipped through inventory.

Inventory's services do the stock work; this module only decides what to ask for and
reads back what was delivered. A company without a warehouse sells without reservations.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.catalog.models import ProductType
from tandem.core.bulk import rows_update
from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.inventory.models import MoveState, StockMove, Transfer, TransferKind, Warehouse

from ..errors import AwaitingPayment
from ..models import (
    ZERO,
    ExceptionKind,
    ExceptionState,
    OrderException,
    OrderState,
    SalesOrder,
    SalesOrderLine,
    Stage,
)
from ._common import awaits_payment, lock_order, text
from .stages import stage_record

OPEN_STATES = (MoveState.DRAFT, MoveState.CONFIRMED, MoveState.ASSIGNED)
STEPS = {
    "pick": Stage.PICKED,
    "pack": Stage.PACKED,
    "ship": Stage.SHIPPED,
    "deliver": Stage.DELIVERED,
}


def _stocked(lines) -> list:
    return [li for li in lines if li.product.type != ProductType.SERVICE]


def reserve_for_order(*, order: SalesOrder, lines, user=None) -> Transfer | None:
    """Create, confirm and assign the delivery; a shortfall opens a stock_shortage exception."""
    from tandem.inventory.services.transfers import transfer_assign, transfer_create

    stocked = _stocked(lines)
    if not stocked:
        return None
    if not Warehouse.objects.filter(company_id=order.company_id, active=True).exists():
        return None
    transfer = transfer_create(
        company=order.company,
        kind=TransferKind.DELIVERY,
        moves=[{"product": li.product, "quantity": li.quantity, "uom": li.uom} for li in stocked],
        party=order.party,
        address=order.delivery_address,
        origin=str(order),
        scheduled_date=order.commitment_date or order.order_date,
        confirm=True,
    )
    order.transfers.add(transfer)
    _assign(order, transfer_assign(transfer=transfer), user=user)
    return transfer


def _assign(order: SalesOrder, transfer: Transfer, *, user) -> None:
    from .orders import exception_open

    shortfalls = getattr(transfer, "shortfalls", [])
    if transfer.state == MoveState.ASSIGNED and not shortfalls:
        stage_record(order=order, stage=Stage.ALLOCATED, user=user)
        OrderException.objects.filter(
            order=order, kind=ExceptionKind.STOCK_SHORTAGE, state=ExceptionState.OPEN
        ).update(
            state=ExceptionState.RESOLVED,
            resolved_at=timezone.now(),
            resolution_note="stock allocated",
            updated_at=timezone.now(),
        )
        return
    detail = (
        "; ".join(f"{s.get('product', '?')}: {s.get('missing', '')}" for s in shortfalls)
        or "waiting for stock"
    )
    exception_open(order=order, kind=ExceptionKind.STOCK_SHORTAGE, detail=f"{transfer}: {detail}")


def open_transfers(order: SalesOrder) -> list[Transfer]:
    return list(
        order.transfers.filter(kind=TransferKind.DELIVERY, state__in=OPEN_STATES).order_by("pk")
    )


@transaction.atomic
def sales_order_reserve(*, order: SalesOrder, user=None) -> SalesOrder:
    """Try again to reserve what the open deliveries still wait for."""
    from tandem.inventory.services.transfers import transfer_assign

    locked = lock_order(order)
    if locked.state != OrderState.CONFIRMED:
        raise InvalidTransition(f"{locked} is not confirmed", code="sales.invalid_transition")
    for transfer in open_transfers(locked):
        if transfer.state != MoveState.ASSIGNED:
            _assign(locked, transfer_assign(transfer=transfer), user=user)
    return locked


def shipped_anything(order: SalesOrder) -> bool:
    return StockMove.objects.filter(transfer__sales_orders=order.pk, state=MoveState.DONE).exists()


def cancel_for_order(*, order: SalesOrder) -> None:
    from tandem.inventory.services.transfers import transfer_cancel

    for transfer in open_transfers(order):
        transfer_cancel(transfer=transfer)


def sync_delivered(order: SalesOrder) -> bool:
    """Lines' delivered quantities from the done moves of the order's deliveries; True when
    one changed."""
    return bool(sync_delivered_many([order.pk]))


def sync_delivered_many(order_ids) -> set[int]:
    """`sync_delivered` for many orders in three statements; the ids of those that changed.

    Moves carry product and the document's unit; several lines of one product take the
    delivered quantity in line order.
    """
    ids = list(order_ids)
    done = defaultdict(lambda: ZERO)
    for order_id, product_id, uom_id, qty in (
        StockMove.objects.filter(
            transfer__sales_orders__in=ids,
            transfer__kind=TransferKind.DELIVERY,
            state=MoveState.DONE,
        )
        .values_list("transfer__sales_orders", "product_id", "uom_id")
        .annotate(q=Sum("uom_quantity"))
    ):
        done[(order_id, product_id, uom_id)] += qty
    lines = SalesOrderLine.objects.filter(order_id__in=ids).order_by("order_id", "sequence", "pk")
    changed = []
    by_key = defaultdict(list)
    for line in lines:
        by_key[(line.order_id, line.product_id, line.uom_id)].append(line)
    now = timezone.now()
    for key, group in by_key.items():
        left = done.get(key, ZERO)
        for index, line in enumerate(group):
            share = left if index == len(group) - 1 else min(left, line.quantity)
            left -= share
            if line.qty_delivered != share:
                line.qty_delivered = share
                line.updated_at = now
                changed.append(line)
    if changed:
        rows_update(SalesOrderLine, changed, ["qty_delivered", "updated_at"])
    return {line.order_id for line in changed}


@transaction.atomic
def delivery_step(
    *,
    order: SalesOrder,
    step: str,
    user=None,
    carrier: str = "",
    tracking_reference: str = "",
    quantities=None,
) -> SalesOrder:
    """Pick, pack, ship (processes the open deliveries) or deliver (customer received).

    `quantities` for ship: {move id: quantity} as inventory's `transfer_done` takes; what is
    not shipped stays on a backorder linked to the order.
    """
    from tandem.inventory.services.transfers import transfer_done

    from .orders import order_refresh

    if step not in STEPS:
        raise ValidationFailed(
            f"step: one of {', '.join(STEPS)}", code="validation.choice", field="step"
        )
    locked = lock_order(order)
    if locked.state not in (OrderState.CONFIRMED, OrderState.DONE):
        raise InvalidTransition(f"{locked} is not confirmed", code="sales.invalid_transition")
    if step != "deliver" and awaits_payment(locked):
        # prepaid: nothing leaves the warehouse before the invoice is paid
        raise AwaitingPayment(f"{locked} is prepaid and its invoice is not paid yet")
    if step == "ship":
        transfers = [t for t in open_transfers(locked) if t.state == MoveState.ASSIGNED] or [
            t for t in open_transfers(locked) if t.state == MoveState.CONFIRMED
        ]
        if not transfers:
            raise InvalidTransition(
                f"{locked} has nothing ready to ship", code="sales.nothing_to_ship"
            )
        for transfer in transfers:
            asked = quantities
            if asked is None:
                # by default ship what is reserved; the rest waits on a backorder
                asked = {
                    pk: qty
                    for pk, qty in transfer.moves.exclude(
                        state__in=[MoveState.DONE, MoveState.CANCELLED]
                    ).values_list("pk", "quantity_reserved")
                }
                if not any(asked.values()):
                    continue
            # a backorder joins the order's deliveries through on_backorder_made
            transfer_done(transfer=transfer, quantities=asked, user=user)
        carrier = text(carrier, field="carrier", max_length=100)
        tracking = text(tracking_reference, field="tracking_reference", max_length=100)
        if carrier or tracking:
            SalesOrder.objects.filter(pk=locked.pk).update(
                carrier=carrier or locked.carrier,
                tracking_reference=tracking or locked.tracking_reference,
            )
        sync_delivered(locked)
    elif step == "deliver" and not locked.stage_events.filter(stage=Stage.SHIPPED).exists():
        raise InvalidTransition(f"{locked} has not shipped", code="sales.not_shipped")
    stage_record(order=locked, stage=STEPS[step], user=user)
    if step == "deliver":
        # the customer has the goods: an earlier failed attempt is settled
        now = timezone.now()
        OrderException.objects.filter(
            order=locked, kind=ExceptionKind.DELIVERY_FAILED, state=ExceptionState.OPEN
        ).update(
            state=ExceptionState.RESOLVED,
            resolution_note="delivered",
            resolved_at=now,
            resolved_by=user if getattr(user, "pk", None) else None,
            updated_at=now,
        )
    order_refresh(order=locked)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def delivery_failed(*, order: SalesOrder, note: str, user=None):
    """The carrier could not hand the goods over: a `delivery_failed` exception with the note.

    Refused (`sales.not_shipped`) before anything shipped; a second report while one is
    open adds nothing. Resolving it, or the `deliver` step, records the delivery.
    """
    from .orders import exception_open

    locked = lock_order(order)
    note = text(note, field="note", max_length=500, required=True)
    if locked.state not in (OrderState.CONFIRMED, OrderState.DONE) or not (
        locked.stage_events.filter(stage=Stage.SHIPPED).exists()
    ):
        raise InvalidTransition(f"{locked} has not shipped", code="sales.not_shipped")
    return exception_open(
        order=locked, kind=ExceptionKind.DELIVERY_FAILED, detail=note, stage=Stage.DELIVERED
    )


def on_backorder_made(*, event, transfer, backorder, **_payload) -> None:
    """`stock.backorder_made` hook: the rest of a delivery stays one of the order's
    deliveries, also when the delivery was processed through the transfers API."""
    link = SalesOrder.transfers.through
    link.objects.bulk_create(
        [
            link(salesorder_id=order_id, transfer_id=backorder.pk)
            for order_id in link.objects.filter(transfer_id=transfer.pk).values_list(
                "salesorder_id", flat=True
            )
        ],
        ignore_conflicts=True,
    )


def on_transfer_before_done(*, event, transfer, **_payload) -> None:
    """`stock.transfer_before_done` hook: a delivery of a prepaid order whose invoice is not
    paid is refused, also when a clerk validates it from Inventory."""
    for order in SalesOrder.objects.filter(transfers=transfer.pk):
        if awaits_payment(order):
            raise AwaitingPayment(f"{order} is prepaid and its invoice is not paid yet")


def on_transfer_done(*, event, transfer_id=None, **_payload) -> None:
    """A delivery done through the transfers API still moves the order's quantities."""
    from .orders import order_refresh

    orders = list(SalesOrder.objects.filter(transfers__pk=transfer_id).distinct())
    for order in orders:
        with transaction.atomic():
            locked = lock_order(order)
            # shipped through `delivery_step`, the order is already up to date
            if sync_delivered(locked):
                stage_record(order=locked, stage=Stage.SHIPPED)
                order_refresh(order=locked)
