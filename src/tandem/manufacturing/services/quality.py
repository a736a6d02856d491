"""Quality: control points, the checks made when an order produces (or a receipt brings in)
what a point covers, recording and releasing them, alerts, and the lots a failure holds.

A check is made on the `every`-th time a point is reached (the first time included); the
point row is locked to count. A failed check raises an alert and holds its lot until it is
released (or the lot scrapped); an order with a failed, unreleased mandatory check cannot be
completed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.money import to_decimal
from tandem.inventory.models import Lot, MoveState, StockMove, TransferKind

from ..errors import (
    AlertClosed,
    LotHeld,
    QualityCheckFailed,
    QualityCheckNotFailed,
    QualityCheckRecorded,
    QualityResult,
    QualityTolerance,
)
from ..models import (
    AlertState,
    BomOperation,
    CheckState,
    ManufacturingOrder,
    QualityAlert,
    QualityCheck,
    QualityPoint,
    QualityTest,
    QualityTrigger,
)
from ._common import lock, lock_one, ref, text

UNSET = object()


def _measure(value, *, field: str, required: bool = False) -> Decimal | None:
    """A measurement: any finite number (a temperature may be below zero), 6 places."""
    if value is None or value == "":
        if required:
            raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
        return None
    try:
        number = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
        raise ValidationFailed(f"{field}: not a number in range", field=field)
    return number.quantize(Decimal("0.000001"))


def _choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            f"{field}: one of {', '.join(choices.values)}", code="validation.choice", field=field
        )
    return value


def _clean_point(company, data: dict) -> dict:
    trigger = _choice(data.get("trigger"), QualityTrigger, field="trigger")
    test = _choice(data.get("test") or QualityTest.PASS_FAIL, QualityTest, field="test")
    product = ref(company, data.get("product"), Product, field="product", required=False)
    operation = ref(company, data.get("operation"), BomOperation, field="operation", required=False)
    if operation is not None and trigger != QualityTrigger.PRODUCTION:
        raise ValidationFailed(
            "operation: only a production point belongs to an operation",
            code="quality.point_trigger",
            field="operation",
        )
    if product is None and operation is None and trigger == QualityTrigger.PRODUCTION:
        # every order of every product would be checked: say what is meant instead
        raise ValidationFailed(
            "a production point needs a product or an operation",
            code="validation.required",
            field="product",
        )
    low = _measure(data.get("tolerance_min"), field="tolerance_min")
    high = _measure(data.get("tolerance_max"), field="tolerance_max")
    if test == QualityTest.MEASURE and (low is None or high is None or high < low):
        raise QualityTolerance(
            "a measurement needs tolerance_min and tolerance_max, the minimum not above",
            field="tolerance_max",
        )
    every = data.get("every", 1)
    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 10_000:
        raise ValidationFailed(
            "every: a whole number from 1 to 10000", code="validation.min_value", field="every"
        )
    return {
        "name": text(data.get("name"), field="name", max_length=100, required=True),
        "trigger": trigger,
        "test": test,
        "product": product,
        "operation": operation,
        "norm": _measure(data.get("norm"), field="norm"),
        "tolerance_min": low if test == QualityTest.MEASURE else None,
        "tolerance_max": high if test == QualityTest.MEASURE else None,
        "unit": text(data.get("unit"), field="unit", max_length=20),
        "instructions": text(data.get("instructions"), field="instructions", max_length=10_000),
        "mandatory": bool(data.get("mandatory", True)),
        "every": every,
        "active": bool(data.get("active", True)),
    }


@transaction.atomic
def quality_point_create(*, company, **data) -> QualityPoint:
    return QualityPoint.objects.create(company=company, **_clean_point(company, data))


@transaction.atomic
def quality_point_update(*, point: QualityPoint, **changes) -> QualityPoint:
    """Change any of the point's fields (the others stay); the count of reaches stays."""
    locked = lock_one(QualityPoint, point.pk, label="quality_point")
    current = {
        field: getattr(locked, field)
        for field in (
            "name",
            "trigger",
            "test",
            "product",
            "operation",
            "norm",
            "tolerance_min",
            "tolerance_max",
            "unit",
            "instructions",
            "mandatory",
            "every",
            "active",
        )
    }
    current.update({key: value for key, value in changes.items() if value is not UNSET})
    for field, value in _clean_point(locked.company, current).items():
        setattr(locked, field, value)
    locked.save()
    return locked


# -- reaching a point ----------------------------------------------------------------------


def _reach(points: Iterable[QualityPoint]) -> list[QualityPoint]:
    """Count one reach of each point (locked, in pk order); the points due a check now."""
    locked = lock(QualityPoint, [p.pk for p in points])
    due = []
    for point in locked.values():
        if point.reached % point.every == 0:
            due.append(point)
        point.reached += 1
        point.save(update_fields=["reached", "updated_at"])
    return due


def checks_for_production(mo: ManufacturingOrder, lot: Lot | None) -> list[QualityCheck]:
    """The checks an order makes as it produces (`lot`: the lot made, if tracked); runs
    inside the caller's transaction, after the order is locked."""
    points = QualityPoint.objects.filter(
        company_id=mo.company_id, active=True, trigger=QualityTrigger.PRODUCTION
    ).filter(
        Q(operation__isnull=True, product_id=mo.product_id)
        | Q(operation__bom_id=mo.bom_id, product__isnull=True)
        | Q(operation__bom_id=mo.bom_id, product_id=mo.product_id)
    )
    return QualityCheck.objects.bulk_create(
        [
            QualityCheck(
                company_id=mo.company_id,
                point=point,
                mo=mo,
                product_id=mo.product_id,
                lot=lot,
                mandatory=point.mandatory,
            )
            for point in _reach(points)
        ]
    )


def on_transfer_done(*, event, transfer_id=None, company_id=None, move_ids=(), **_payload):
    """Subscriber of `stock.transfer_done`: the receipt points of the received products
    make their checks (once per point and move: the delivery may run twice)."""
    moves = list(
        StockMove.objects.filter(
            pk__in=list(move_ids) or [0],
            transfer__kind=TransferKind.RECEIPT,
            state=MoveState.DONE,
        ).order_by("pk")
    )
    if not moves:
        return
    with transaction.atomic():
        points = list(
            QualityPoint.objects.filter(
                company_id=company_id,
                active=True,
                trigger=QualityTrigger.RECEIPT,
                product_id__in={m.product_id for m in moves},
            )
        )
        done = set(
            QualityCheck.objects.filter(point__in=points, move__in=moves).values_list(
                "point_id", "move_id"
            )
        )
        rows = []
        for move in moves:
            todo = [p for p in points if p.product_id == move.product_id]
            todo = [p for p in todo if (p.pk, move.pk) not in done]
            for point in _reach(todo):
                rows.append(
                    QualityCheck(
                        company_id=company_id,
                        point=point,
                        move=move,
                        product_id=move.product_id,
                        lot_id=move.lot_id,
                        mandatory=point.mandatory,
                    )
                )
        QualityCheck.objects.bulk_create(rows)


# -- recording and releasing ---------------------------------------------------------------


def _user(user):
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def quality_check_record(
    *, check: QualityCheck, result: str = "", measure=None, note: str = "", user=None
) -> QualityCheck:
    """Record a check: `result` pass/fail, or `measure` (passes within the point's
    tolerances, bounds included). A failure raises an alert and holds the lot."""
    locked = lock_one(QualityCheck, check.pk, label="quality_check")
    if locked.state != CheckState.TODO:
        raise QualityCheckRecorded(f"check {locked.pk} is already {locked.state}")
    point = locked.point
    note = text(note, field="note", max_length=500)
    if point.test == QualityTest.MEASURE:
        value = _measure(measure, field="measure")
        if value is None:
            raise QualityResult("measure: the measured value is required", field="measure")
        passed = point.tolerance_min <= value <= point.tolerance_max
        locked.measure = value
    else:
        if result not in (CheckState.PASS, CheckState.FAIL):
            raise QualityResult("result: pass or fail", field="result")
        passed = result == CheckState.PASS
    locked.state = CheckState.PASS if passed else CheckState.FAIL
    locked.note = note
    locked.checked_at = timezone.now()
    locked.checked_by = _user(user)
    locked.save()
    if not passed:
        where = f" {locked.lot.name}" if locked.lot_id else ""
        QualityAlert.objects.create(
            company_id=locked.company_id,
            title=f"{point.name}: {locked.product.sku}{where} failed"[:200],
            description=note,
            product_id=locked.product_id,
            lot_id=locked.lot_id,
            check_row=locked,
        )
        events.publish(
            "quality_check.failed",
            company_id=locked.company_id,
            quality_check_id=locked.pk,
            lot_id=locked.lot_id,
        )
    return locked


@transaction.atomic
def quality_check_release(*, check: QualityCheck, note: str = "", user=None) -> QualityCheck:
    """Release a failed check's lot (a decision to use it anyway, e.g. after rework)."""
    locked = lock_one(QualityCheck, check.pk, label="quality_check")
    if not locked.holds:
        raise QualityCheckNotFailed(f"check {locked.pk} is {locked.state}, nothing to release")
    locked.released_at = timezone.now()
    locked.released_by = _user(user)
    extra = text(note, field="note", max_length=500)
    if extra:
        locked.note = f"{locked.note}\n{extra}".strip()[:500]
    locked.save()
    return locked


@transaction.atomic
def quality_alert_create(
    *, company, title: str, description: str = "", product=None, lot=None
) -> QualityAlert:
    product = ref(company, product, Product, field="product", required=False)
    lot = ref(company, lot, Lot, field="lot", required=False)
    if lot is not None and product is not None and lot.product_id != product.pk:
        raise ValidationFailed(
            "lot: a lot of another product", code="stock.lot_mismatch", field="lot"
        )
    return QualityAlert.objects.create(
        company=company,
        title=text(title, field="title", max_length=200, required=True),
        description=text(description, field="description", max_length=10_000),
        product=product or (lot.product if lot else None),
        lot=lot,
    )


@transaction.atomic
def quality_alert_close(*, alert: QualityAlert) -> QualityAlert:
    locked = lock_one(QualityAlert, alert.pk, label="quality_alert")
    if locked.state == AlertState.CLOSED:
        raise AlertClosed(f"alert {locked.pk} is already closed")
    locked.state = AlertState.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["state", "closed_at", "updated_at"])
    return locked


# -- what a failure holds ------------------------------------------------------------------


def held_lots(company_id: int, lot_ids: Iterable[int]) -> set[int]:
    """Of `lot_ids`, those a failed, unreleased check holds (the `inventory.held_lots`
    provider: inventory asks it before reserving or shipping a lot)."""
    ids = {pk for pk in lot_ids if pk is not None}
    if not ids:
        return set()
    return set(
        QualityCheck.objects.filter(
            company_id=company_id,
            lot_id__in=ids,
            state=CheckState.FAIL,
            released_at__isnull=True,
        ).values_list("lot_id", flat=True)
    )


def refuse_held(company_id: int, moves, *, where: str) -> None:
    """LotHeld when one of `moves` takes a held lot."""
    held = held_lots(company_id, {m.lot_id for m in moves})
    if held:
        names = sorted(Lot.objects.filter(pk__in=held).values_list("name", flat=True))
        raise LotHeld(
            f"{where}: lot {', '.join(names)} is held by a failed quality check",
            field=f"{where}.lot",
        )


def refuse_failed(mo: ManufacturingOrder) -> None:
    """QualityCheckFailed when a mandatory check of the order failed and is not released."""
    failed = list(
        mo.quality_checks.filter(
            mandatory=True, state=CheckState.FAIL, released_at__isnull=True
        ).values_list("point__name", flat=True)
    )
    if failed:
        raise QualityCheckFailed(
            f"{mo.number}: the check {', '.join(failed)} failed; release or scrap first"
        )
