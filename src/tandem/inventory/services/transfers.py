"""Transfers and their moves: create, confirm, assign (reserve), done (with backorders), cancel.

Lock order, everywhere: the transfer, then stock levels (through `lock_levels`), then the
products' valuation rows, then valuation layers — each in primary-key order.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.db import transaction

from tandem.accounting.services import company_today
from tandem.core.errors import InvalidTransition, ValidationFailed
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
    ensure_levels,
    lock_one,
    product_stocks,
    text,
)
from ._transfer_common import (
    MAX_MOVES,
    MOVE_FIELDS,
    PREFIX,
    TRANSFER_RELATED,
    UOM_PLACES,
    ZERO,
    _address_check,
    _build_moves,
    _locations,
    _move_lot,
    _moves_save,
    _transition,
)
from .completion import (
    announce_moves,
    apply_moves,
    complete_moves,
    transfer_backorder,
    transfer_done,
    transfer_scan,
)
from .reservations import (
    _release,
    _reserve,
    _split,
    transfer_assign,
    transfer_cancel,
    transfer_unreserve,
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
    locked = lock_one(Transfer, transfer.pk, label="transfer", related=TRANSFER_RELATED)
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
    locked.state = MoveState.CONFIRMED  # the locked row holds the rest (no read-back)
    return locked


# The old module's names, kept importable from here (callers import them from
# `inventory.services.transfers`): the services split into ._transfer_common, .reservations
# and .completion without changing any caller.
__all__ = [
    "InsufficientStock",
    "InvalidReference",
    "Location",
    "LocationUsage",
    "Lot",
    "LotMismatch",
    "LotRequired",
    "MoveDone",
    "MoveState",
    "SerialDuplicate",
    "StockLevel",
    "StockMove",
    "TRANSFER_TRANSITIONS",
    "Transfer",
    "TransferCancelled",
    "TransferDone",
    "TransferKind",
    "Warehouse",
    "MAX_MOVES",
    "MOVE_FIELDS",
    "PREFIX",
    "UOM_PLACES",
    "ZERO",
    "_address_check",
    "_build_moves",
    "_locations",
    "_move_lot",
    "_moves_save",
    "_release",
    "_reserve",
    "_split",
    "_transition",
    "announce_moves",
    "apply_moves",
    "complete_moves",
    "transfer_assign",
    "transfer_backorder",
    "transfer_cancel",
    "transfer_confirm",
    "transfer_create",
    "transfer_delete",
    "transfer_done",
    "transfer_scan",
    "transfer_unreserve",
    "transfer_update",
]
