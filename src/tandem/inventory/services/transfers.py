"""Transfers and their moves: create, confirm, assign (reserve), done (with backorders), cancel.

Lock order, everywhere: the transfer, then stock levels (through `lock_levels`), then the
products' valuation rows, then valuation layers — each in primary-key order.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting.services import company_today
from tandem.catalog.models import Product, ProductType, Tracking, Uom
from tandem.core import events, providers
from tandem.core.bulk import rows_update
from tandem.core.errors import Conflict, InvalidTransition, ValidationFailed
from tandem.core.money import quantize_quantity
from tandem.core.services import sequence_next
from tandem.parties.models import Address, Party

from ..errors import (
    InsufficientStock,
    InvalidReference,
    LotMismatch,
    LotRequired,
    MoveDone,
    SerialDuplicate,
    TransferCancelled,
    TransferDone,
)
from ..models import (
    TRANSFER_TRANSITIONS,
    Location,
    LocationUsage,
    Lot,
    MoveState,
    StockLevel,
    StockMove,
    Transfer,
    TransferKind,
    Warehouse,
)
from ._common import (
    UNSET,
    check_company,
    conversion,
    ensure_levels,
    lock_levels,
    lock_one,
    product_stocks,
    quantity,
    text,
)
from .valuation import post_moves, value_moves
from .warehouses import virtual_location, warehouse_default

ZERO = Decimal(0)
UOM_PLACES = StockMove._meta.get_field("uom_quantity").decimal_places


def _moves_save(moves: list[StockMove], fields: list[str]) -> None:
    """Write the moves' fields; like the QuerySet guard, a move already done is refused."""
    if rows_update(StockMove, moves, fields, unless=("state", MoveState.DONE)) != len(moves):
        raise MoveDone("Done stock moves cannot be changed; move the stock back instead")


MOVE_FIELDS = ("product", "quantity", "uom", "lot", "lot_name", "expiry_date", "unit_cost")
PREFIX = {TransferKind.RECEIPT: "IN", TransferKind.DELIVERY: "OUT", TransferKind.INTERNAL: "INT"}
MAX_MOVES = 2000


def _transition(transfer: Transfer, to: str) -> None:
    """Check a move of the *locked* transfer against TRANSFER_TRANSITIONS."""
    if to in TRANSFER_TRANSITIONS[MoveState(transfer.state)]:
        return
    if transfer.state == MoveState.DONE:
        raise TransferDone(f"Transfer {transfer.number} is done")
    if transfer.state == MoveState.CANCELLED:
        raise TransferCancelled(f"Transfer {transfer.number} is cancelled")
    raise InvalidTransition(
        f"Not allowed from {transfer.state}", code="transfer.invalid_transition"
    )


def _locations(company, kind, warehouse, src, dest) -> tuple[Location, Location]:
    check_company(company, warehouse, field="warehouse")
    check_company(company, src, field="location_src")
    check_company(company, dest, field="location_dest")
    if (src is None or dest is None) and warehouse is None:
        warehouse = warehouse_default(company)
        if warehouse is None:
            raise ValidationFailed(
                "Create a warehouse first", code="warehouse.missing", field="warehouse"
            )
    if kind == TransferKind.RECEIPT:
        src = src or virtual_location(company, LocationUsage.SUPPLIER)
        dest = dest or warehouse.stock_location
    elif kind == TransferKind.DELIVERY:
        src = src or warehouse.stock_location
        dest = dest or virtual_location(company, LocationUsage.CUSTOMER)
    else:
        src = src or warehouse.stock_location
        if dest is None:
            raise ValidationFailed(
                "location_dest is required", code="validation.required", field="location_dest"
            )
    if src.pk == dest.pk:
        raise ValidationFailed(
            "Source and destination are the same location",
            code="transfer.locations_invalid",
            field="location_dest",
        )
    for loc, field in ((src, "location_src"), (dest, "location_dest")):
        if loc.usage == LocationUsage.VIEW:
            raise ValidationFailed(
                f"{field}: {loc} only groups locations; choose one under it",
                code="transfer.locations_invalid",
                field=field,
            )
    fits = {
        TransferKind.RECEIPT: dest.is_valued and not src.is_valued,
        TransferKind.DELIVERY: src.is_valued and not dest.is_valued,
        TransferKind.INTERNAL: src.is_valued and dest.is_valued,
    }[kind]
    if not fits:
        raise ValidationFailed(
            f"A {kind} does not go from {src} to {dest}",
            code="transfer.locations_invalid",
            field="location_dest",
        )
    return src, dest


def _build_moves(company, kind, src, dest, moves, on_date, origin) -> list[StockMove]:
    moves = list(moves)
    if not moves:
        raise ValidationFailed("A transfer needs at least one move", field="moves")
    if len(moves) > MAX_MOVES:
        raise ValidationFailed(f"At most {MAX_MOVES} moves", field="moves")
    product_ids = {getattr(m.get("product"), "pk", None) for m in moves} - {None}
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=product_ids, company=company).select_related("uom")
    }
    built, serials = [], set()
    for index, data in enumerate(moves):
        where = f"moves.{index}"
        unknown = set(data) - set(MOVE_FIELDS)
        if unknown:
            raise ValidationFailed(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        product = products.get(getattr(data.get("product"), "pk", None))
        if product is None:
            raise InvalidReference(
                f"{where}.product: no such product in this company", field=f"{where}.product"
            )
        if product.type == ProductType.SERVICE:
            raise ValidationFailed(
                f"{where}.product: {product.sku} is a service; services are not stocked",
                code="stock.not_stockable",
                field=f"{where}.product",
            )
        uom = data.get("uom") or product.uom
        if not isinstance(uom, Uom) or uom.company_id != company.pk:
            raise InvalidReference(f"{where}.uom: no such unit", field=f"{where}.uom")
        factor = conversion(from_uom=uom, to_uom=product.uom, field=f"{where}.uom")
        uom_qty = quantity(data.get("quantity"), field=f"{where}.quantity", positive=True)
        qty = quantity(
            uom_qty * factor,
            field=f"{where}.quantity",
            places=product.uom.decimal_places,
            positive=True,
        )
        lot = _move_lot(company, product, data, where=where, receiving=not src.is_valued)
        if product.tracking == Tracking.SERIAL and lot is not None:
            if qty != 1:
                raise ValidationFailed(
                    f"{where}.quantity: a serial number is one unit",
                    code="stock.serial_quantity",
                    field=f"{where}.quantity",
                )
            if lot.pk in serials:
                raise SerialDuplicate(
                    f"{where}.lot: serial {lot.name} appears twice", field=f"{where}.lot"
                )
            serials.add(lot.pk)
        if product.tracking == Tracking.SERIAL and lot is None and qty != qty.to_integral_value():
            raise ValidationFailed(
                f"{where}.quantity: serial-tracked products move in whole units",
                code="stock.serial_quantity",
                field=f"{where}.quantity",
            )
        unit_cost = data.get("unit_cost")
        if unit_cost is not None and unit_cost != "":
            unit_cost = quantity(unit_cost, field=f"{where}.unit_cost") / factor
        else:
            unit_cost = None
        built.append(
            StockMove(
                company=company,
                product=product,
                quantity=qty,
                uom=uom,
                uom_quantity=uom_qty,
                location_src=src,
                location_dest=dest,
                lot=lot,
                unit_cost=unit_cost,
                date=on_date,
                origin=origin,
            )
        )
    return built


def _move_lot(company, product, data, *, where: str, receiving: bool) -> Lot | None:
    lot = data.get("lot")
    name = text(data.get("lot_name"), field=f"{where}.lot_name", max_length=100)
    if lot is None and not name:
        return None
    if product.tracking == Tracking.NONE:
        raise ValidationFailed(
            f"{where}.lot: {product.sku} is not tracked by lot or serial",
            code="stock.lot_mismatch",
            field=f"{where}.lot",
        )
    if lot is not None:
        if not isinstance(lot, Lot) or lot.company_id != company.pk:
            raise InvalidReference(f"{where}.lot: no such lot", field=f"{where}.lot")
        if lot.product_id != product.pk:
            raise LotMismatch(
                f"{where}.lot: {lot.name} is a lot of another product", field=f"{where}.lot"
            )
        return lot
    existing = Lot.objects.filter(product=product, name=name).first()
    if existing is not None:
        return existing
    if not receiving:
        raise InvalidReference(f"{where}.lot_name: no lot {name} of {product.sku}")
    expiry = data.get("expiry_date")
    if expiry is not None and not isinstance(expiry, datetime.date):
        raise ValidationFailed(f"{where}.expiry_date: not a date", field=f"{where}.expiry_date")
    lot, _ = Lot.objects.get_or_create(
        company=company, product=product, name=name, defaults={"expiry_date": expiry}
    )
    return lot


@transaction.atomic
def _address_check(party: Party | None, address: Address | None) -> None:
    if address is not None and (party is None or address.party_id != party.pk):
        raise ValidationFailed(
            _("The address must be one of the party's."),
            code="transfer.address_not_of_party",
            field="address",
        )


def transfer_create(
    *,
    company,
    kind: str,
    moves: Iterable[Mapping],
    warehouse: Warehouse | None = None,
    party: Party | None = None,
    address: Address | None = None,
    origin: str = "",
    scheduled_date: datetime.date | None = None,
    location_src: Location | None = None,
    location_dest: Location | None = None,
    notes: str = "",
    confirm: bool = False,
) -> Transfer:
    """A draft transfer (confirmed with `confirm=True`); locations default from the kind.
    `address`, one of the party's, is where the goods go (printed on the delivery slip)."""
    if kind not in TransferKind.values:
        raise ValidationFailed(
            f"kind: choose one of {', '.join(TransferKind.values)}",
            code="validation.choice",
            field="kind",
        )
    check_company(company, party, field="party")
    _address_check(party, address)
    src, dest = _locations(company, kind, warehouse, location_src, location_dest)
    if scheduled_date is None:
        scheduled_date = company_today(company)
    origin = text(origin, field="origin", max_length=100)
    built = _build_moves(company, kind, src, dest, moves, scheduled_date, origin)
    number = sequence_next(
        company=company,
        code=f"transfer:{PREFIX[kind]}",
        on_date=scheduled_date,
        prefix=f"{PREFIX[kind]}/{{year}}/",
    )
    transfer = Transfer.objects.create(
        company=company,
        number=number,
        kind=kind,
        party=party,
        address=address,
        origin=origin,
        scheduled_date=scheduled_date,
        warehouse=warehouse or src.warehouse or dest.warehouse,
        location_src=src,
        location_dest=dest,
        notes=text(notes, field="notes", max_length=10_000),
    )
    for move in built:
        move.transfer = transfer
    StockMove.objects.bulk_create(built)
    product_stocks(company, {m.product_id for m in built})
    if confirm:
        return transfer_confirm(transfer=transfer)
    return transfer


@transaction.atomic
def transfer_update(
    *,
    transfer: Transfer,
    moves=None,
    party=None,
    address=UNSET,
    origin=None,
    scheduled_date=None,
    notes=None,
) -> Transfer:
    """Change a draft; `moves`, when given, replace all moves; `address=None` clears it."""
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    if locked.state != MoveState.DRAFT:
        _transition(locked, MoveState.DRAFT)
        raise InvalidTransition("Only drafts change", code="transfer.not_draft")
    company = locked.company
    if party is not None:
        check_company(company, party, field="party")
        if party.pk != locked.party_id and address is UNSET:
            address = None  # the old party's address cannot stay
        locked.party = party
    if address is not UNSET:
        _address_check(locked.party, address)
        locked.address = address
    if origin is not None:
        locked.origin = text(origin, field="origin", max_length=100)
    if scheduled_date is not None:
        locked.scheduled_date = scheduled_date
    if notes is not None:
        locked.notes = text(notes, field="notes", max_length=10_000)
    if moves is not None:
        built = _build_moves(
            company,
            locked.kind,
            locked.location_src,
            locked.location_dest,
            moves,
            locked.scheduled_date,
            locked.origin,
        )
        StockMove.objects.filter(transfer=locked).delete()
        for move in built:
            move.transfer = locked
        StockMove.objects.bulk_create(built)
        product_stocks(company, {m.product_id for m in built})
    locked.save()
    return locked


@transaction.atomic
def transfer_delete(*, transfer: Transfer) -> None:
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    if locked.state != MoveState.DRAFT:
        _transition(locked, MoveState.DRAFT)
        raise InvalidTransition("Only drafts are deleted", code="transfer.not_draft")
    StockMove.objects.filter(transfer=locked).delete()
    locked.delete()


@transaction.atomic
def transfer_confirm(*, transfer: Transfer) -> Transfer:
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    _transition(locked, MoveState.CONFIRMED)
    StockMove.objects.filter(transfer=locked, state=MoveState.DRAFT).update(
        state=MoveState.CONFIRMED
    )
    if locked.location_dest.is_valued:
        # incoming stock shows in the levels (as `incoming`) from confirmation on
        ensure_levels(
            locked.company,
            StockMove.objects.filter(transfer=locked).values_list(
                "product_id", "location_dest_id", "lot_id"
            ),
        )
    Transfer.objects.filter(pk=locked.pk).update(state=MoveState.CONFIRMED)
    locked.refresh_from_db()
    return locked


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
        .select_related("product", "lot", "location_src", "location_dest")
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
    locked = lock_one(Transfer, transfer.pk, label="transfer")
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
    Transfer.objects.filter(pk=locked.pk).update(state=state, updated_at=timezone.now())
    locked.refresh_from_db()
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
    locked = lock_one(Transfer, transfer.pk, label="transfer")
    _transition(locked, MoveState.DONE)
    # the documents the transfer serves may refuse it (a prepaid order not paid yet), the
    # same whether it is processed from the order or from Inventory
    events.emit("stock.transfer_before_done", transfer=locked, user=user)
    company = locked.company
    moves = _open_moves(locked)
    for move in moves:
        move.product.uom  # noqa: B018  (loaded once for the places)
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
    Transfer.objects.filter(pk=locked.pk).update(
        state=MoveState.DONE, date_done=timezone.now(), entry=entry, updated_at=timezone.now()
    )
    locked.refresh_from_db()
    locked.backorder = backorder
    return locked


def transfer_backorder(transfer: Transfer) -> Transfer | None:
    return Transfer.objects.filter(backorder_of=transfer).order_by("pk").first()


__all__ = [
    "complete_moves",
    "transfer_assign",
    "transfer_cancel",
    "transfer_confirm",
    "transfer_create",
    "transfer_delete",
    "transfer_done",
    "transfer_unreserve",
    "transfer_scan",
    "transfer_update",
]


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
