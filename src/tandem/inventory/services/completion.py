"""Completing transfers: done (levels, valuation, serial checks, the done event), backorders
of what was not done, and scanning.

Lock order as in .transfers: the transfer, then stock levels (through `lock_levels`), then the
products' valuation rows, then valuation layers — each in primary-key order.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.catalog.models import Tracking
from tandem.core import events, providers
from tandem.core.bulk import rows_update
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.money import quantize_quantity
from tandem.core.services import sequence_next

from ..errors import (
    InsufficientStock,
    InvalidReference,
    LotMismatch,
    LotRequired,
    SerialDuplicate,
)
from ..models import (
    LocationUsage,
    MoveState,
    StockLevel,
    StockMove,
    Transfer,
)
from ._common import (
    lock_levels,
    lock_one,
    quantity,
    text,
)
from ._transfer_common import (
    PREFIX,
    TRANSFER_RELATED,
    UOM_PLACES,
    ZERO,
    _move_lot,
    _moves_save,
    _transition,
)
from .reservations import _open_moves, _split, _transfer_state
from .valuation import post_moves, value_moves


def _done_quantities(moves, quantities) -> dict[int, Decimal]:
    if quantities is None:
        if any(m.quantity_done for m in moves):  # processed by scanning: what was scanned
            return {m.pk: m.quantity_done for m in moves}
        return {m.pk: m.quantity for m in moves}
    if isinstance(quantities, Mapping):
        quantities = [{"id": k, "quantity": v} for k, v in quantities.items()]
    by_id = {m.pk: m for m in moves}
    result = {m.pk: ZERO for m in moves}
    seen = set()
    for index, row in enumerate(quantities):
        where = f"moves.{index}"
        move_id = row.get("id")
        move = by_id.get(move_id)
        if move is None or move_id in seen:
            raise InvalidReference(
                f"{where}.id: no open move {move_id} in this transfer", field=f"{where}.id"
            )
        seen.add(move_id)
        qty = quantity(
            row.get("quantity"),
            field=f"{where}.quantity",
            places=move.product.uom.decimal_places,
        )
        if qty > move.quantity:
            raise ValidationFailed(
                f"{where}.quantity: {qty} is more than the {move.quantity} planned",
                code="move.quantity_exceeds",
                field=f"{where}.quantity",
            )
        result[move.pk] = qty
    return result


def complete_moves(company, moves: list[StockMove], *, reference: str, user=None):
    """Apply done moves: levels, valuation layers, the journal entry, the moves' state.

    Each move carries `quantity_done` (> 0) and `_release` (reservation to give back).
    Runs under the caller's document lock; returns the posted entry (or None).
    """
    settlements = apply_moves(company, moves)
    entry = post_moves(company, moves, reference=reference, user=user, settlements=settlements)
    announce_moves(company, moves, user=user)
    return entry


def apply_moves(company, moves: list[StockMove]) -> dict:
    """Levels, valuation layers and the moves' done state of `moves` (any number of
    transfers, set-based); the FIFO settlements for `post_moves`."""
    # a held lot does not leave the company's stock for a customer or production
    leaving = {
        m.lot_id
        for m in moves
        if m.lot_id is not None
        and m.location_src.usage == LocationUsage.INTERNAL
        and m.location_dest.usage in (LocationUsage.CUSTOMER, LocationUsage.PRODUCTION)
    }
    if leaving and providers.ask("inventory.held_lots", company.pk, leaving, default=set()):
        raise Conflict(
            "A lot of these moves is held by a failed quality check", code="quality.lot_held"
        )
    keys = set()
    for move in moves:
        if move.location_src.is_valued:
            keys.add((move.product_id, move.location_src_id, move.lot_id))
        if move.location_dest.is_valued:
            keys.add((move.product_id, move.location_dest_id, move.lot_id))
    levels = lock_levels(company, keys)
    _check_serials(moves, levels)
    for move in moves:
        qty = move.quantity_done
        if move.location_src.is_valued:
            level = levels[(move.product_id, move.location_src_id, move.lot_id)]
            level.reserved -= move._release
            if not level.allow_negative and level.on_hand - level.reserved < qty:
                missing = quantize_quantity(
                    qty - (level.on_hand - level.reserved), move.product.uom.decimal_places
                )
                raise InsufficientStock(
                    f"Not enough {move.product.sku} at {move.location_src}: {missing} missing",
                    extra={
                        "shortfalls": [
                            {
                                "move": move.pk,
                                "product": move.product.sku,
                                "location": str(move.location_src),
                                "missing": str(missing),
                            }
                        ]
                    },
                )
            level.on_hand -= qty
        if move.location_dest.is_valued:
            levels[(move.product_id, move.location_dest_id, move.lot_id)].on_hand += qty
    rows_update(StockLevel, list(levels.values()), ["on_hand", "reserved"])
    settlements = value_moves(company, moves)
    now = timezone.now()
    for move in moves:
        move.state = MoveState.DONE
        move.date_done = now
        move.quantity_reserved = ZERO
    _moves_save(
        moves,
        [
            "quantity",
            "uom_quantity",
            "quantity_done",
            "quantity_reserved",
            "state",
            "date_done",
            "unit_cost",
            "value",
            "transfer",
            "count",
        ],
    )
    return settlements


def announce_moves(company, moves: list[StockMove], *, user=None) -> None:
    """The events of done moves: per move, then once per transfer."""
    supplier_moves = [
        m for m in moves if LocationUsage.SUPPLIER in (m.location_src.usage, m.location_dest.usage)
    ]
    if supplier_moves:
        # what a bill already said these units cost is trued up in this same transaction
        events.emit("stock.supplier_moves_done", company=company, moves=supplier_moves, user=user)
    for move in moves:
        events.publish(
            "stock.move_done",
            move_id=move.pk,
            company_id=company.pk,
            product_id=move.product_id,
            quantity=str(move.quantity_done),
            location_src_id=move.location_src_id,
            location_dest_id=move.location_dest_id,
        )
    # documents built on transfers (orders, receipts) react once per transfer, not per move
    for transfer_id in sorted({move.transfer_id for move in moves if move.transfer_id}):
        events.publish(
            "stock.transfer_done",
            transfer_id=transfer_id,
            company_id=company.pk,
            move_ids=[move.pk for move in moves if move.transfer_id == transfer_id],
        )


def _check_serials(moves, levels) -> None:
    incoming = {}
    for move in moves:
        if move.product.tracking == Tracking.NONE:
            continue
        if move.lot_id is None:
            raise LotRequired(
                f"{move.product.sku} needs a lot or serial number"
                + ("" if not move.location_src.is_valued else "; reserve the transfer to pick one"),
                field="lot",
            )
        if move.product.tracking != Tracking.SERIAL:
            continue
        if move.quantity_done > 1:
            raise ValidationFailed(
                f"Serial {move.lot.name}: one unit", code="stock.serial_quantity", field="quantity"
            )
        if move.location_dest.is_valued and not move.location_src.is_valued:
            if move.lot_id in incoming:
                raise SerialDuplicate(f"Serial {move.lot.name} appears twice", field="lot")
            incoming[move.lot_id] = move
    if incoming:
        held = (
            StockLevel.objects.filter(lot_id__in=incoming, on_hand__gt=0)
            .values_list("lot__name", flat=True)
            .first()
        )
        if held:
            raise SerialDuplicate(f"Serial {held} is already in stock", field="lot")


@transaction.atomic
def transfer_done(*, transfer: Transfer, quantities=None, user=None) -> Transfer:
    """Process the transfer: without `quantities` every move in full, else as given.

    Moves processed short leave the rest on a backorder transfer (`transfer.backorder`),
    which keeps what was reserved for the rest. Levels, valuation layers and the journal
    entry change in this transaction.
    """
    locked = lock_one(Transfer, transfer.pk, label="transfer", related=TRANSFER_RELATED)
    _transition(locked, MoveState.DONE)
    # the documents the transfer serves may refuse it (a prepaid order not paid yet), the
    # same whether it is processed from the order or from Inventory
    events.emit("stock.transfer_before_done", transfer=locked, user=user)
    company = locked.company
    moves = _open_moves(locked)  # with each product's unit, for the places
    done = _done_quantities(moves, quantities)
    if not any(done.values()):
        raise ValidationFailed(
            "Enter the quantity done of at least one move",
            code="transfer.nothing_done",
            field="moves",
        )
    processed, rest = [], []
    for move in moves:
        qty = done[move.pk]
        if qty == 0:
            rest.append((move, move.quantity, move.quantity_reserved, None))
            continue
        left = move.quantity - qty
        release = min(move.quantity_reserved, qty)
        if left > 0:
            per_unit = move.uom_quantity / move.quantity
            # the done part is rounded to the field's places and the backorder keeps the
            # exact rest, so the two still add up to the document's quantity
            done_uom = quantize_quantity(qty * per_unit, UOM_PLACES)
            rest.append(
                (move, left, move.quantity_reserved - release, move.uom_quantity - done_uom)
            )
            move.uom_quantity = done_uom
            move.quantity = qty
        move.quantity_done = qty
        move._release = release
        processed.append(move)
    backorder = None
    if rest:
        backorder = Transfer.objects.create(
            company=company,
            number=sequence_next(
                company=company,
                code=f"transfer:{PREFIX[locked.kind]}",
                on_date=locked.scheduled_date,
                prefix=f"{PREFIX[locked.kind]}/{{year}}/",
            ),
            kind=locked.kind,
            state=MoveState.CONFIRMED,
            party=locked.party,
            address_id=locked.address_id,
            origin=locked.origin,
            scheduled_date=locked.scheduled_date,
            warehouse=locked.warehouse,
            location_src=locked.location_src,
            location_dest=locked.location_dest,
            backorder_of=locked,
            notes=locked.notes,
        )
        whole, split = [], []
        for move, left, carried, rest_uom in rest:
            if rest_uom is None:  # untouched: the move itself goes to the backorder
                move.transfer = backorder
                whole.append(move)
            else:
                split.append(_split(move, left, rest_uom, lot=move.lot, reserved=carried))
                split[-1].transfer = backorder
        if whole:
            StockMove.objects.bulk_update(whole, ["transfer"])
        for move in split:
            move.state = (
                MoveState.ASSIGNED
                if move.quantity_reserved >= move.quantity
                else MoveState.CONFIRMED
            )
        StockMove.objects.bulk_create(split)
        backorder.state = _transfer_state(backorder)
        Transfer.objects.filter(pk=backorder.pk).update(state=backorder.state)
        # the documents the transfer serves (a sales order's deliveries) take the backorder
        # in the same transaction, whichever way the transfer was processed
        events.emit("stock.backorder_made", transfer=locked, backorder=backorder)
    entry = complete_moves(company, processed, reference=locked.number, user=user)
    date_done, now = timezone.now(), timezone.now()
    Transfer.objects.filter(pk=locked.pk).update(
        state=MoveState.DONE, date_done=date_done, entry=entry, updated_at=now
    )
    # the locked row holds the rest (no read-back)
    locked.state, locked.date_done, locked.entry, locked.updated_at = (
        MoveState.DONE,
        date_done,
        entry,
        now,
    )
    locked.backorder = backorder
    return locked


def transfer_backorder(transfer: Transfer) -> Transfer | None:
    return Transfer.objects.filter(backorder_of=transfer).order_by("pk").first()


@transaction.atomic
def transfer_scan(*, transfer: Transfer, code: str, lot_name: str = "", quantity_step=1):
    """Count one scanned unit (SKU or barcode, and lot/serial) on the matching open move.

    Returns the move; `move.quantity_exceeds`/`stock.lot_mismatch`-style codes on refusal.
    """
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    if locked.state in (MoveState.DONE, MoveState.CANCELLED):
        _transition(locked, MoveState.DONE)
    code = text(code, field="code", max_length=100, required=True)
    lot_name = text(lot_name, field="lot", max_length=100)
    step = quantity(quantity_step, field="quantity", positive=True)
    moves = [
        m
        for m in _open_moves(locked)
        if code.lower() in (m.product.sku.lower(), (m.product.barcode or "").lower())
    ]
    if not moves:
        raise ValidationFailed(
            f"{code}: no such product on this transfer", code="scan.unknown", field="code"
        )
    if lot_name:
        matching = [m for m in moves if m.lot_id and m.lot.name == lot_name]
        if not matching:
            unlotted = [m for m in moves if m.lot_id is None]
            if not unlotted or locked.location_src.is_valued:
                raise LotMismatch(f"{lot_name}: not a lot of this transfer", field="lot")
            move = unlotted[0]
            lot = _move_lot(
                locked.company, move.product, {"lot_name": lot_name}, where="scan", receiving=True
            )
            if move.quantity > step:  # one lot per move: split the scanned units off
                scanned_uom = quantize_quantity(
                    step * move.uom_quantity / move.quantity, UOM_PLACES
                )
                rest = _split(
                    move,
                    move.quantity - step,
                    move.uom_quantity - scanned_uom,
                    lot=None,
                    reserved=ZERO,
                )
                move.quantity, move.uom_quantity = step, scanned_uom
                StockMove.objects.bulk_create([rest])
            move.lot = lot
            StockMove.objects.filter(pk=move.pk).update(
                lot=lot, quantity=move.quantity, uom_quantity=move.uom_quantity
            )
            matching = [move]
        moves = matching
    open_moves = [m for m in moves if m.quantity_done + step <= m.quantity]
    if not open_moves:
        raise ValidationFailed(
            f"{code}: all planned units are already scanned",
            code="move.quantity_exceeds",
            field="code",
        )
    move = open_moves[0]
    StockMove.objects.filter(pk=move.pk).update(quantity_done=F("quantity_done") + step)
    move.refresh_from_db()
    return move
