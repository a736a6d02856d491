"""The order's side of stock: delivery transfers made, reserved, shipped through inventory.

Inventory's services do the stock work; this module only decides what to ask for and
reads back what was delivered. A company without a warehouse sells without reservations.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.catalog.models import Product, ProductType, Uom
from tandem.catalog.services.uoms import uom_factor
from tandem.core import providers
from tandem.core.bulk import rows_update
from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.inventory.models import MoveState, StockMove, Transfer, TransferKind

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


# Kits: a product whose BOM in use on the order date is a kit (manufacturing's phantom BOM)
# is delivered as its components, exploded at every depth; manufacturing provides the
# explosion (sales may not import it). Without manufacturing nothing is a kit.
KIT_COMPONENTS = "sales.kit_components"
KIT_EXISTS = "sales.kit_exists"


def _stocked(lines) -> list:
    return [li for li in lines if li.product.type != ProductType.SERVICE]


def kit_parts(company_id: int, lines, dates: dict[int, object]) -> dict[int, list]:
    """{line id: [((product, unit), quantity), ...]}: the components (in their own unit,
    rounded up to it) that the kit `lines` are delivered as; `dates` {order id: order date}.
    Lines whose product is not a kit are left out. One query per level of kits, one for the
    units when a line is not in its product's unit."""
    lines = list(lines)
    if not lines:
        return {}
    found = providers.ask(
        KIT_COMPONENTS,
        company_id,
        {(li.product_id, dates[li.order_id]) for li in lines},
        default={},
    )
    kits = [li for li in lines if (li.product_id, dates[li.order_id]) in found]
    if not kits:
        return {}
    units = dict(
        Product.objects.filter(pk__in={li.product_id for li in kits}).values_list("pk", "uom_id")
    )
    odd = {(li.uom_id, units[li.product_id]) for li in kits if li.uom_id != units[li.product_id]}
    factors = {}
    if odd:
        uoms = Uom.objects.in_bulk({u for pair in odd for u in pair})
        factors = {(a, b): uom_factor(from_uom=uoms[a], to_uom=uoms[b]) for a, b in odd}
    parts = {}
    for li in kits:
        unit = units[li.product_id]
        kit_units = li.quantity * factors.get((li.uom_id, unit), Decimal(1))
        parts[li.pk] = [
            (
                (c.product_id, c.uom_id),
                (kit_units * c.per_unit).quantize(Decimal(1).scaleb(-c.places), ROUND_CEILING),
            )
            for c in found[(li.product_id, dates[li.order_id])]
        ]
    return parts


def reserve_for_order(*, order: SalesOrder, lines, user=None) -> Transfer | None:
    """Create, confirm and assign the delivery; a shortfall opens a stock_shortage exception.
    A kit line is delivered as its components."""
    from tandem.inventory.services.transfers import transfer_assign, transfer_create
    from tandem.inventory.services.warehouses import warehouse_default

    stocked = _stocked(lines)
    if not stocked:
        return None
    # the delivery's warehouse, read once here and passed on (not looked up again)
    warehouse = warehouse_default(order.company)
    if warehouse is None:
        return None
    parts = kit_parts(order.company_id, stocked, {order.pk: order.order_date})
    moves = []
    for li in stocked:
        if li.pk in parts:
            moves.extend(
                {"product": Product(pk=product_id), "quantity": qty, "uom": None}
                for (product_id, _unit), qty in parts[li.pk]
            )
        else:
            moves.append({"product": li.product, "quantity": li.quantity, "uom": li.uom})
    transfer = transfer_create(
        company=order.company,
        kind=TransferKind.DELIVERY,
        moves=moves,
        warehouse=warehouse,
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


def done_quantities(order_ids) -> dict[tuple, Decimal]:
    """(order, product, unit) -> quantity (in that unit) of the orders' done deliveries."""
    done = defaultdict(lambda: ZERO)
    for order_id, product_id, uom_id, qty in (
        StockMove.objects.filter(
            transfer__sales_orders__in=list(order_ids),
            transfer__kind=TransferKind.DELIVERY,
            state=MoveState.DONE,
        )
        .values_list("transfer__sales_orders", "product_id", "uom_id")
        .annotate(q=Sum("uom_quantity"))
    ):
        done[(order_id, product_id, uom_id)] += qty
    return done


def order_lines(order_ids) -> tuple[list[SalesOrderLine], dict[int, list]]:
    """The orders' lines in line order, and the components of their kit lines ({line id:
    [((product, unit), quantity)]}); without kits one query."""
    lines = SalesOrderLine.objects.filter(order_id__in=list(order_ids)).order_by(
        "order_id", "sequence", "pk"
    )
    # a kit flag in the same statement (an SQL EXISTS), so orders without kits pay nothing
    exists = providers.ask(KIT_EXISTS, "product_id", default=None)
    if exists is not None:
        lines = lines.annotate(kit_product=exists)
    lines = list(lines)
    kits = [li for li in lines if getattr(li, "kit_product", False)]
    if not kits:
        return lines, {}
    dates = dict(
        SalesOrder.objects.filter(pk__in={li.order_id for li in kits}).values_list(
            "pk", "order_date"
        )
    )
    parts = {}
    by_company = defaultdict(list)
    for li in kits:
        by_company[li.company_id].append(li)
    for company_id, group in by_company.items():
        parts.update(kit_parts(company_id, group, dates))
    return lines, parts


def delivered_allocation(done, lines, parts) -> tuple[dict[int, Decimal], dict[tuple, Decimal]]:
    """({line id: delivered quantity}, {(order, product, unit): what kit lines took}).

    The done quantity of an (order, product, unit) goes to the lines that ask for it in
    line order (a kit line asks for its components), each taking up to its need and the
    last one the rest. A kit line counts as delivered in whole kits, only as far as all its
    components are: the floor of its quantity times the smallest share delivered of a
    component (all of it when every component is complete)."""
    wanting = defaultdict(list)
    for line in lines:
        if line.pk in parts:
            for (product_id, uom_id), need in parts[line.pk]:
                wanting[(line.order_id, product_id, uom_id)].append((line.pk, need))
        else:
            wanting[(line.order_id, line.product_id, line.uom_id)].append((line.pk, None))
    taken, kit_taken = {}, defaultdict(lambda: ZERO)
    quantity = {line.pk: line.quantity for line in lines}
    for key, group in wanting.items():
        left = done.get(key, ZERO)
        for index, (pk, need) in enumerate(group):
            cap = quantity[pk] if need is None else need
            share = left if index == len(group) - 1 else min(left, cap)
            left -= share
            taken[(pk, key)] = share
            if need is not None:
                kit_taken[key] += share
    delivered = {}
    for line in lines:
        if line.pk not in parts:
            delivered[line.pk] = taken[(line.pk, (line.order_id, line.product_id, line.uom_id))]
            continue
        got = min(
            taken[(line.pk, (line.order_id, product_id, uom_id))] * line.quantity / need
            for (product_id, uom_id), need in parts[line.pk]
        )
        whole = got.to_integral_value(ROUND_FLOOR)
        delivered[line.pk] = max(whole, line.quantity) if got >= line.quantity else whole
    return delivered, dict(kit_taken)


def sync_delivered_many(order_ids) -> set[int]:
    """`sync_delivered` for many orders in three statements; the ids of those that changed.

    Moves carry product and the document's unit; several lines of one product take the
    delivered quantity in line order; a kit line is delivered as its components are
    (`delivered_allocation`).
    """
    ids = list(order_ids)
    done = done_quantities(ids)
    lines, parts = order_lines(ids)
    delivered, _kit_taken = delivered_allocation(done, lines, parts)
    changed = []
    now = timezone.now()
    for line in lines:
        share = delivered[line.pk]
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
