"""Reserving a transfer's stock (assign), releasing it (unreserve, cancel) and the transfer's state
derived from its open moves.

Lock order as in .transfers: the transfer, then stock levels (`lock_levels`), in primary-key order.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.catalog.models import Tracking
from tandem.core import providers
from tandem.core.bulk import rows_update
from tandem.core.money import quantize_quantity

from ..errors import (
    InsufficientStock,
)
from ..models import (
    Location,
    LocationUsage,
    Lot,
    MoveState,
    StockLevel,
    StockMove,
    Transfer,
)
from ._common import (
    lock_levels,
    lock_one,
)
from ._transfer_common import TRANSFER_RELATED, UOM_PLACES, ZERO, _moves_save, _transition


def _reserve(company, moves: list[StockMove], *, strict: bool) -> list[dict]:
    """Reserve what is available for `moves` (not done, source valued); returns shortfalls.

    A move takes what its own source location has free, then what the active internal
    locations below it (shelves, bins) have, nearest first (by depth, then id), never from
    its destination or anything below that. Each portion taken elsewhere than at the move's
    own level is split off as a move of its own from there (with its lot); the move keeps
    its own reservation and what is short, and when that is nothing it becomes the first
    portion itself. Tracked moves without a lot take lots in removal order (first expiry,
    then oldest lot) across all those locations, the nearer first between equals. Where the
    source's level may go negative, it holds what no location has; only what is still
    missing is reported short.

    Runs under the caller's transfer lock; locks every level it may take from in one
    pk-ordered pass (`lock_levels`).
    """
    needs = [m for m in moves if m.quantity > m.quantity_reserved]
    if not needs:
        return []
    # the levels with something free for these products, read unlocked only to choose the
    # rows to lock: the sources' own lots and what may lie below the sources
    free = {}
    for row in StockLevel.objects.filter(
        company=company,
        product_id__in={m.product_id for m in needs},
        on_hand__gt=F("reserved"),
    ).values_list("pk", "product_id", "location_id", "lot_id"):
        free.setdefault(row[1], []).append(row)
    below = _locations_below(
        {m.location_src_id for m in needs},
        {row[2] for rows in free.values() for row in rows},
    )
    places, keys, extra = {}, set(), set()
    for move in needs:
        loose = move.product.tracking != Tracking.NONE and move.lot_id is None
        places[move.pk] = [
            move.location_src,
            *(
                location
                for _depth, location, path in below.get(move.location_src_id, ())
                if move.location_dest_id not in path
            ),
        ]
        where = {location.pk for location in places[move.pk]}
        if not loose:
            keys.add((move.product_id, move.location_src_id, move.lot_id))
        for pk, _product, location_id, lot_id in free.get(move.product_id, ()):
            if location_id in where and (lot_id is not None if loose else lot_id == move.lot_id):
                extra.add(pk)
    levels = lock_levels(company, keys, extra_pks=extra)
    lots = Lot.objects.in_bulk({lv.lot_id for lv in levels.values() if lv.lot_id is not None})
    # lots a failed quality check holds are not reserved (manufacturing answers; none without)
    held = providers.ask("inventory.held_lots", company.pk, set(lots), default=set())

    def removal(level) -> tuple:
        # first expiry, then the oldest lot
        expiry = lots[level.lot_id].expiry_date
        return (expiry is None, expiry or datetime.date.min, level.lot_id)

    lots_at = {}  # (product, location) -> its lot levels
    for level in levels.values():
        if level.lot_id is not None:
            lots_at.setdefault((level.product_id, level.location_id), []).append(level)
    shortfalls, new_moves, changed = [], [], {}
    for move in needs:
        source = move.location_src
        loose = move.product.tracking != Tracking.NONE and move.lot_id is None
        need = move.quantity - move.quantity_reserved
        portions = []  # (location, lot, quantity) reserved away from the move's own level
        if loose:
            # lots leave in removal order across the source and the shelves below it, as
            # an expiring lot must not wait behind a fresher one that happens to be nearer;
            # between equals the nearer location goes first
            nearness = {location.pk: index for index, location in enumerate(places[move.pk])}
            candidates = sorted(
                (
                    (location, level)
                    for location in places[move.pk]
                    for level in lots_at.get((move.product_id, location.pk), ())
                ),
                key=lambda pair: (*removal(pair[1]), nearness[pair[0].pk]),
            )
        else:
            candidates = [
                (location, levels.get((move.product_id, location.pk, move.lot_id)))
                for location in places[move.pk]
            ]
        for location, level in candidates:
            if need <= 0:
                break
            if level is None or level.lot_id in held:
                continue
            take = min(max(level.on_hand - level.reserved, ZERO), need)
            if take <= 0:
                continue
            level.reserved += take
            changed[level.pk] = level
            need -= take
            if not loose and location.pk == source.pk:
                move.quantity_reserved += take
            else:
                portions.append((location, lots.get(level.lot_id), take))
        if need > 0 and not loose:
            level = levels[(move.product_id, source.pk, move.lot_id)]
            if level.allow_negative:  # what no location has, the source may owe
                level.reserved += need
                changed[level.pk] = level
                move.quantity_reserved += need
                need = ZERO
        if portions:
            _place(move, portions, new_moves)
        if need > 0:
            shortfalls.append(
                {
                    "move": move.pk,
                    "product": move.product.sku,
                    "location": str(source),
                    "missing": str(quantize_quantity(need, move.product.uom.decimal_places)),
                }
            )
    if shortfalls and strict:
        first = shortfalls[0]
        raise InsufficientStock(
            f"Not enough {first['product']} at {first['location']}: {first['missing']} missing",
            extra={"shortfalls": shortfalls},
        )
    if changed:
        rows_update(StockLevel, sorted(changed.values(), key=lambda lv: lv.pk), ["reserved"])
    for move in needs:
        move.state = (
            MoveState.ASSIGNED if move.quantity_reserved >= move.quantity else (MoveState.CONFIRMED)
        )
    _moves_save(
        needs, ["quantity", "uom_quantity", "lot", "location_src", "quantity_reserved", "state"]
    )
    if new_moves:
        for move in new_moves:  # portions are reserved in full
            move.state = MoveState.ASSIGNED
        StockMove.objects.bulk_create(new_moves)
    return shortfalls


def _place(move: StockMove, portions: list, new_moves: list[StockMove]) -> None:
    """Split the `portions` (location, lot, quantity) reserved for `move` off as moves.

    The move keeps its reservation at its own level and what is still short; when that is
    nothing, it becomes the first portion (its source and lot change) instead of staying
    behind empty. In the document's unit the portions are rounded to the field's places and
    the move keeps the exact rest, so the moves still add up to what was ordered.
    """
    per_unit = move.uom_quantity / move.quantity
    keep = move.quantity - sum(take for _location, _lot, take in portions)
    if keep == 0:
        (location, lot, keep), portions = portions[0], portions[1:]
        move.location_src, move.lot, move.quantity_reserved = location, lot, keep
    for location, lot, take in portions:
        portion_uom = quantize_quantity(take * per_unit, UOM_PLACES)
        portion = _split(move, take, portion_uom, lot=lot, reserved=take, location=location)
        move.uom_quantity -= portion.uom_quantity
        new_moves.append(portion)
    move.quantity = keep


def _locations_below(sources: set[int], candidates: set[int]) -> dict[int, list[tuple]]:
    """Which of the `candidates` lie under each of the `sources`, through active internal
    locations only: {source id: [(depth, location, ids on the way up from the location,
    itself included and the source not)]}, nearest first (by depth, then id)."""
    if not candidates - sources:
        return {}
    known: dict[int, Location] = {}
    wanted = set(candidates)
    while wanted:
        found = list(Location.objects.filter(pk__in=wanted))
        known.update((location.pk, location) for location in found)
        wanted = (
            {
                location.parent_id
                for location in found
                if location.active and location.usage == LocationUsage.INTERNAL
            }
            - known.keys()
            - {None}
        )
    result = {}
    for pk in candidates:
        path, current = [], known.get(pk)
        while (
            current is not None
            and current.active
            and current.usage == LocationUsage.INTERNAL
            and current.pk not in path
        ):
            path.append(current.pk)
            if current.parent_id in sources:
                result.setdefault(current.parent_id, []).append(
                    (len(path), known[pk], frozenset(path))
                )
            current = known.get(current.parent_id)
    for found in result.values():
        found.sort(key=lambda item: (item[0], item[1].pk))
    return result


def _split(move: StockMove, qty, uom_qty, *, lot, reserved, location=None) -> StockMove:
    return StockMove(
        company_id=move.company_id,
        transfer_id=move.transfer_id,
        product=move.product,
        quantity=qty,
        uom_id=move.uom_id,
        uom_quantity=uom_qty,
        location_src=location or move.location_src,
        location_dest=move.location_dest,
        lot=lot,
        quantity_reserved=reserved,
        unit_cost=move.unit_cost,
        date=move.date,
        origin=move.origin,
        state=move.state,
    )


def _open_moves(transfer: Transfer) -> list[StockMove]:
    return list(
        StockMove.objects.filter(transfer=transfer)
        .exclude(state__in=[MoveState.DONE, MoveState.CANCELLED])
        .select_related("product__uom", "lot", "location_src", "location_dest")
        .order_by("pk")
    )


def _state_of(open_moves: list[StockMove]) -> str:
    if open_moves and all(m.state == MoveState.ASSIGNED for m in open_moves):
        return MoveState.ASSIGNED
    return MoveState.CONFIRMED


def _transfer_state(transfer: Transfer) -> str:
    return _state_of(_open_moves(transfer))


@transaction.atomic
def transfer_assign(*, transfer: Transfer, strict: bool = False) -> Transfer:
    """Reserve stock for the transfer's moves; partial availability reserves what is there.

    With `strict=True` a shortfall refuses the whole call (`stock.insufficient`) and
    nothing changes. `transfer.shortfalls` lists what is missing after a partial call.
    """
    locked = lock_one(Transfer, transfer.pk, label="transfer", related=TRANSFER_RELATED)
    if locked.state == MoveState.DRAFT:
        _transition(locked, MoveState.CONFIRMED)
        StockMove.objects.filter(transfer=locked, state=MoveState.DRAFT).update(
            state=MoveState.CONFIRMED
        )
        locked.state = MoveState.CONFIRMED
    _transition(locked, MoveState.ASSIGNED)
    moves = _open_moves(locked)
    shortfalls = []
    if locked.location_src.is_valued:
        shortfalls = _reserve(locked.company, moves, strict=strict)
    else:
        StockMove.objects.filter(pk__in=[m.pk for m in moves]).update(state=MoveState.ASSIGNED)
        for move in moves:
            move.state = MoveState.ASSIGNED
    # moves split off while reserving are reserved in full: the moves read here decide
    state = _state_of(moves)
    now = timezone.now()
    Transfer.objects.filter(pk=locked.pk).update(state=state, updated_at=now)
    locked.state, locked.updated_at = state, now  # the locked row holds the rest
    locked.shortfalls = shortfalls
    return locked


def _release(company, moves: list[StockMove]) -> None:
    """Give back the moves' reservations (under the caller's transfer lock)."""
    reserved = [m for m in moves if m.quantity_reserved > 0 and m.location_src.is_valued]
    if not reserved:
        return
    levels = lock_levels(company, {(m.product_id, m.location_src_id, m.lot_id) for m in reserved})
    for move in reserved:
        level = levels[(move.product_id, move.location_src_id, move.lot_id)]
        level.reserved -= move.quantity_reserved
        move.quantity_reserved = ZERO
    StockLevel.objects.bulk_update(list(levels.values()), ["reserved"])


@transaction.atomic
def transfer_cancel(*, transfer: Transfer) -> Transfer:
    """Cancel and release every reservation; a done transfer answers `transfer.done`."""
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    _transition(locked, MoveState.CANCELLED)
    moves = _open_moves(locked)
    _release(locked.company, moves)
    StockMove.objects.filter(pk__in=[m.pk for m in moves]).update(
        state=MoveState.CANCELLED, quantity_reserved=ZERO
    )
    Transfer.objects.filter(pk=locked.pk).update(
        state=MoveState.CANCELLED, updated_at=timezone.now()
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def transfer_unreserve(*, transfer: Transfer) -> Transfer:
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    if locked.state not in (MoveState.CONFIRMED, MoveState.ASSIGNED):
        _transition(locked, MoveState.CONFIRMED)
    moves = _open_moves(locked)
    _release(locked.company, moves)
    StockMove.objects.filter(pk__in=[m.pk for m in moves]).update(
        state=MoveState.CONFIRMED, quantity_reserved=ZERO
    )
    # a move reserved on a shelf below the transfer's source goes back to the source: the
    # next reservation picks from there and below it again, whatever the shelf holds then
    moved = [m.pk for m in moves if m.location_src_id != locked.location_src_id]
    if moved:
        StockMove.objects.filter(pk__in=moved).update(location_src=locked.location_src)
    Transfer.objects.filter(pk=locked.pk).update(state=MoveState.CONFIRMED)
    locked.refresh_from_db()
    return locked
