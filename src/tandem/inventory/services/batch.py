"""Many ready transfers done in one pass (a warehouse's shipments before the cut-off).

The same books and stock as `transfer_done` one transfer at a time: the transfers are
locked once in primary-key order, their moves read in one query, stock levels, valuation
layers and the moves' state written set-based across the batch (FIFO layers consumed in
transfer then move order, as one at a time in that order), and each transfer keeps its own
posted entry in the stock journal, as the books show one entry per delivery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from tandem.core import events
from tandem.core.bulk import rows_update
from tandem.core.errors import DomainError, InvalidTransition

from ..errors import InvalidReference
from ..models import MoveState, StockMove, Transfer
from ._common import lock
from .transfers import _transition, announce_moves, apply_moves
from .valuation import post_moves

MAX_TRANSFERS = 1000


class TransferNotReady(InvalidTransition):
    code = "transfer.not_ready"


@transaction.atomic
def transfers_done(*, company, transfers: Sequence[int], user=None) -> list[tuple]:
    """Process ready transfers in full: [(transfer or None, error or None)] in the order given.

    A transfer of another company or unknown answers `reference.invalid`; one done,
    cancelled, not fully reserved (`transfer.not_ready`: process it on its own, what is
    missing goes to a backorder), or refused by the documents it serves (a prepaid order
    not paid) comes back with its error and nothing of it is written.
    """
    ids = [int(pk) for pk in transfers]
    locked = lock(Transfer, ids)
    answers: dict[int, tuple] = {}
    ready = []
    for pk in sorted(locked):
        transfer = locked[pk]
        if transfer.company_id != company.pk:
            answers[pk] = (None, InvalidReference("transfer: no such transfer", field="transfers"))
            continue
        transfer.company = company
        try:
            _transition(transfer, MoveState.DONE)
            if transfer.state != MoveState.ASSIGNED:
                raise TransferNotReady(
                    f"{transfer.number} is not fully reserved; process it on its own"
                )
            events.emit("stock.transfer_before_done", transfer=transfer, user=user)
        except DomainError as exc:
            answers[pk] = (transfer, exc)
            continue
        ready.append(transfer)
    moves_of = defaultdict(list)
    for move in (
        StockMove.objects.filter(transfer__in=[t.pk for t in ready])
        .exclude(state__in=[MoveState.DONE, MoveState.CANCELLED])
        .select_related("product__uom", "lot", "location_src", "location_dest")
        .order_by("transfer_id", "pk")
    ):
        moves_of[move.transfer_id].append(move)
    processed = []
    for transfer in ready:
        moves = moves_of[transfer.pk]
        if not moves or any(m.quantity_done and m.quantity_done != m.quantity for m in moves):
            # scanned short: the rest needs a backorder, made one transfer at a time
            answers[transfer.pk] = (
                transfer,
                TransferNotReady(f"{transfer.number} is not complete; process it on its own"),
            )
            continue
        for move in moves:
            move.quantity_done = move.quantity
            move._release = min(move.quantity_reserved, move.quantity)
        processed.append(transfer)
    all_moves = [m for t in processed for m in moves_of[t.pk]]
    if all_moves:
        settlements = apply_moves(company, all_moves)
        now = timezone.now()
        for index, transfer in enumerate(processed):
            transfer.entry = post_moves(
                company,
                moves_of[transfer.pk],
                reference=transfer.number,
                user=user,
                # units sold from negative FIFO stock are trued up once, with the first
                settlements=settlements if index == 0 else None,
            )
            transfer.state, transfer.date_done, transfer.updated_at = MoveState.DONE, now, now
            answers[transfer.pk] = (transfer, None)
        rows_update(Transfer, processed, ["state", "date_done", "entry", "updated_at"])
        announce_moves(company, all_moves, user=user)
    for pk in ids:
        answers.setdefault(
            pk, (None, InvalidReference("transfer: no such transfer", field="transfers"))
        )
    return [answers[pk] for pk in ids]
