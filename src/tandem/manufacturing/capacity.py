"""Work-centre load against capacity per week (the capacity chart) and the operations to do
at a work centre (the shop-floor page). Read side only.

Load of an order's operation: the work centre's set-up once plus the operation's minutes
scaled to what is left to make, at the centre's efficiency, less the time already logged on
it; placed in the week the order starts (an order that should have started already counts
in this week). Open orders (draft, confirmed, in progress) and the last MRP run's planned
manufacturing orders (at their release date) are loaded. Capacity: hours per day on the
working days (Monday to Friday).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from .models import (
    BomOperation,
    ManufacturingOrder,
    MoState,
    PlannedKind,
    PlannedOrder,
    PlannedState,
    WorkCenter,
    WorkLog,
)
from .services._common import convert

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
OPEN = (MoState.DRAFT, MoState.CONFIRMED, MoState.IN_PROGRESS)
WORKING_DAYS = 5


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _operations(bom_ids) -> dict[int, list[BomOperation]]:
    rows = defaultdict(list)
    for op in (
        BomOperation.objects.filter(bom_id__in=bom_ids)
        .select_related("work_center", "bom")
        .order_by("sequence", "id")
    ):
        rows[op.bom_id].append(op)
    return rows


def _hours(op: BomOperation, qty_in_bom_uom: Decimal, logged_minutes: Decimal) -> Decimal:
    center = op.work_center
    minutes = center.setup_minutes + op.minutes * qty_in_bom_uom / op.bom.quantity
    minutes = max(minutes - logged_minutes, ZERO)
    return minutes / 60 * HUNDRED / center.efficiency


def _logged(mo_ids) -> dict[tuple[int, int], Decimal]:
    return {
        (mo_id, op_id): minutes
        for mo_id, op_id, minutes in WorkLog.objects.filter(
            mo_id__in=mo_ids, operation__isnull=False
        )
        .order_by()
        .values("mo_id", "operation_id")
        .annotate(m=Sum("minutes"))
        .values_list("mo_id", "operation_id", "m")
    }


def work_orders(company, *, work_center: WorkCenter | None = None) -> list[dict]:
    """Each operation of each open order (planned minutes, logged minutes, hours left),
    oldest start first; only `work_center`'s with it."""
    orders = list(
        ManufacturingOrder.objects.filter(company=company, state__in=OPEN)
        .select_related("product", "uom", "bom__uom")
        .order_by("planned_start", "id")
    )
    operations = _operations({mo.bom_id for mo in orders})
    logged = _logged([mo.pk for mo in orders])
    rows = []
    for mo in orders:
        qty = mo.quantity_left * convert(from_uom=mo.uom, to_uom=mo.bom.uom, field="uom")
        for op in operations.get(mo.bom_id, ()):
            if work_center is not None and op.work_center_id != work_center.pk:
                continue
            done = logged.get((mo.pk, op.pk), ZERO)
            rows.append(
                {
                    "mo": mo,
                    "operation": op,
                    "work_center": op.work_center,
                    "logged_minutes": done,
                    "hours_left": _hours(op, qty, done).quantize(CENT, rounding=ROUND_HALF_UP),
                    "start": mo.planned_start,
                }
            )
    return rows


def capacity_load(company, *, start: date, weeks: int = 8) -> list[dict]:
    """Per active work centre: [{week, load, capacity, percent, overloaded}] for `weeks`
    weeks from the Monday of `start`; hours to 2 places."""
    first = monday(start)
    last = first + timedelta(weeks=weeks)
    load = defaultdict(lambda: ZERO)  # (centre id, week monday) -> hours

    def place(center_id: int, day: date, hours: Decimal) -> None:
        week = max(monday(day), first)
        if week < last:
            load[(center_id, week)] += hours

    for row in work_orders(company):
        place(row["work_center"].pk, row["start"], row["hours_left"])
    planned = list(
        PlannedOrder.objects.filter(
            company=company,
            kind=PlannedKind.MANUFACTURE,
            state=PlannedState.PLANNED,
            bom__isnull=False,
            release_date__lt=last,
        ).select_related("bom__uom", "product__uom")
    )
    operations = _operations({p.bom_id for p in planned})
    for order in planned:
        # planned quantities are in the product's unit, the BOM's unit is usually the same
        qty = order.quantity * convert(
            from_uom=order.product.uom, to_uom=order.bom.uom, field="uom"
        )
        for op in operations.get(order.bom_id, ()):
            place(op.work_center_id, order.release_date, _hours(op, qty, ZERO))
    result = []
    for center in WorkCenter.objects.filter(company=company, active=True).order_by("code"):
        capacity = center.capacity_hours_per_day * WORKING_DAYS
        rows = []
        for index in range(weeks):
            week = first + timedelta(weeks=index)
            hours = load[(center.pk, week)].quantize(CENT, rounding=ROUND_HALF_UP)
            percent = None
            if capacity:
                percent = (hours * HUNDRED / capacity).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            rows.append(
                {
                    "week": week,
                    "load": hours,
                    "capacity": capacity,
                    "percent": percent,
                    "overloaded": hours > capacity,
                }
            )
        result.append({"work_center": center, "weeks": rows})
    return result
