"""Start and finish an order's operation from the shop floor: finishing logs the time."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core.errors import ValidationFailed

from ..errors import WorkNotRunning, WorkRunning
from ..models import BomOperation, ManufacturingOrder, MoState, WorkLog, WorkTimer
from ._common import lock_one
from .orders import _transition, mo_log_work

MINUTE = Decimal("0.01")


def _check(mo: ManufacturingOrder, operation: BomOperation) -> None:
    if operation.bom_id != mo.bom_id or operation.company_id != mo.company_id:
        raise ValidationFailed(
            "operation: not an operation of this order's BOM",
            code="reference.invalid",
            field="operation",
        )


@transaction.atomic
def work_start(*, mo: ManufacturingOrder, operation: BomOperation, user=None, now=None):
    """Start the operation's timer (409 `work_order.running` when it runs already); the
    order must be confirmed or in progress."""
    locked = lock_one(ManufacturingOrder, mo.pk, label="manufacturing_order")
    _check(locked, operation)
    _transition(locked, MoState.IN_PROGRESS)
    try:
        with transaction.atomic():
            return WorkTimer.objects.create(
                company_id=locked.company_id,
                mo=locked,
                operation=operation,
                started_at=now or timezone.now(),
                user=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError:
        raise WorkRunning(
            f"{locked.number}: {operation.name or operation.sequence} is running already"
        ) from None


@transaction.atomic
def work_finish(*, mo: ManufacturingOrder, operation: BomOperation, user=None, now=None) -> WorkLog:
    """Stop the operation's timer and log the minutes since it started (at least 0.01)."""
    locked = lock_one(ManufacturingOrder, mo.pk, label="manufacturing_order")
    _check(locked, operation)
    timer = WorkTimer.objects.select_for_update().filter(mo=locked, operation=operation).first()
    if timer is None:
        raise WorkNotRunning(
            f"{locked.number}: {operation.name or operation.sequence} is not running"
        )
    elapsed = ((now or timezone.now()) - timer.started_at).total_seconds()
    minutes = max(Decimal(str(elapsed)) / 60, MINUTE).quantize(MINUTE)
    timer.delete()
    return mo_log_work(
        mo=locked, minutes=minutes, operation=operation, note="shop floor", user=user
    )
