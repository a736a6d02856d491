"""Work-centre load against capacity per week (the capacity chart), the operations to do at a
work centre (the shop-floor page) and the routing's forward schedule. Read side only.

Every work centre works on a business calendar (``tandem.core.calendars``): its own, or the
company's country calendar Monday to Friday (``center_calendar``). A working day of that
calendar has the centre's ``capacity_hours_per_day``; a weekend, a public holiday of the
calendar's country or a holiday of the calendar (a CalendarDay) has none, and an adjusted
working day (China's 调休 Saturdays) has the full hours.

Load of an order's operation: the work centre's set-up once plus the operation's minutes
scaled to what is left to make, at the centre's efficiency, less the time already logged on
it; spread evenly over the centre's working days from the order's start to its end (an order
that should have started already counts from today; a window without a working day puts the
load on the next working day). Open orders (draft, confirmed, in progress) are loaded over
planned start .. planned end, the last MRP run's planned manufacturing orders over release ..
due date. A week's capacity is the sum of its working days' hours.

``routing_end`` schedules a routing forward from a start date: the operations one after the
other, each filling its centre's working days at up to its hours per day; an order made
without an end date ends on the day its last operation does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from tandem.catalog.services.pricing import company_today
from tandem.core.calendars import MAX_DAYS, is_working_day
from tandem.core.models.calendars import BusinessCalendar, default_week

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


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def center_calendar(center: WorkCenter) -> BusinessCalendar:
    """The centre's calendar, or (none set) the company's country calendar, Monday to Friday
    (unsaved: public holidays and adjusted working days of the country, no own days)."""
    if center.calendar_id:
        return center.calendar
    company = center.company
    return BusinessCalendar(
        company=company,
        name="default",
        country=company.country or "",
        time_zone=company.time_zone or "Asia/Shanghai",
        week=default_week(),
    )


class _Calendars:
    """Each centre's calendar, read once per report (a default one per company)."""

    def __init__(self):
        self.by_center: dict[int, BusinessCalendar] = {}
        self.default: dict[int, BusinessCalendar] = {}
        self.days: dict[tuple[int, date], bool] = {}

    def of(self, center: WorkCenter) -> BusinessCalendar:
        cal = self.by_center.get(center.pk)
        if cal is None:
            if center.calendar_id:
                cal = center.calendar
            else:
                cal = self.default.get(center.company_id)
                if cal is None:
                    cal = self.default[center.company_id] = center_calendar(center)
            self.by_center[center.pk] = cal
        return cal

    def hours(self, center: WorkCenter, day: date) -> Decimal:
        """The centre's capacity on `day`: its hours per day on a working day, else 0."""
        key = (center.pk, day)
        working = self.days.get(key)
        if working is None:
            working = self.days[key] = is_working_day(self.of(center), day)
        return center.capacity_hours_per_day if working else ZERO

    def working(self, center: WorkCenter, first: date, last: date) -> list[date]:
        """The centre's working days from `first` to `last` (both included); none in the
        window: the next working day after it (within ten years), else `first`."""
        days, day = [], first
        while day <= last:
            if self.hours(center, day) > 0:
                days.append(day)
            day += timedelta(days=1)
        if days:
            return days
        for _ in range(MAX_DAYS):
            if self.hours(center, day) > 0:
                return [day]
            day += timedelta(days=1)
        return [first]


def day_capacity(center: WorkCenter, day: date) -> Decimal:
    """Hours the centre can work on `day` (0 on a day off of its calendar)."""
    return _Calendars().hours(center, day)


def routing_end(operations, quantity: Decimal, start: date) -> date:
    """The day the routing (`operations` of one BOM, in order, for `quantity` in the BOM's
    unit) finishes when started on `start`: each operation fills its centre's working days
    at up to the centre's hours per day, the next begins where it stopped. A centre with no
    capacity at all takes no time (its load still shows on the capacity chart)."""
    calendars = _Calendars()
    day, used = start, ZERO
    for op in operations:
        center = op.work_center
        left = _hours(op, quantity, ZERO)
        if center.capacity_hours_per_day <= 0:
            continue
        for _ in range(MAX_DAYS):
            if left <= 0:
                break
            free = calendars.hours(center, day) - used
            if free <= 0:
                day, used = day + timedelta(days=1), ZERO
                continue
            take = min(free, left)
            left -= take
            used += take
        else:  # no working day within ten years: the calendar is wrong, keep the start
            return start
    return day


def _operations(bom_ids) -> dict[int, list[BomOperation]]:
    rows = defaultdict(list)
    for op in (
        BomOperation.objects.filter(bom_id__in=bom_ids)
        .select_related("work_center__company", "work_center__calendar", "bom")
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


def capacity_load(company, *, start: date, weeks: int = 8, today: date | None = None) -> list[dict]:
    """Per active work centre: [{week, load, capacity, working_days, percent, overloaded}]
    for `weeks` weeks from the Monday of `start`; hours to 2 places. `today` (default the
    company's) is where late orders' load goes."""
    today = today or company_today(company)
    first = monday(start)
    last = first + timedelta(weeks=weeks)
    calendars = _Calendars()
    centers = {
        c.pk: c
        for c in WorkCenter.objects.filter(company=company).select_related("company", "calendar")
    }
    load = defaultdict(lambda: ZERO)  # (centre id, week monday) -> hours

    def place(center_id: int, begin: date, end: date, hours: Decimal) -> None:
        center = centers[center_id]
        begin, end = max(begin, today), max(end, begin, today)
        if begin >= last or hours <= 0:
            return
        days = calendars.working(center, begin, end)
        per_week = defaultdict(int)
        for day in days:
            per_week[max(monday(day), first)] += 1
        for week, count in per_week.items():
            if week < last:
                load[(center_id, week)] += hours * count / len(days)

    for row in work_orders(company):
        place(row["work_center"].pk, row["start"], row["mo"].planned_end, row["hours_left"])
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
            place(op.work_center_id, order.release_date, order.due_date, _hours(op, qty, ZERO))
    result = []
    for center in sorted(centers.values(), key=lambda c: c.code):
        if not center.active:
            continue
        rows = []
        for index in range(weeks):
            week = first + timedelta(weeks=index)
            days = [calendars.hours(center, week + timedelta(days=d)) for d in range(7)]
            capacity = sum(days, ZERO)
            hours = load[(center.pk, week)].quantize(CENT, rounding=ROUND_HALF_UP)
            percent = None
            if capacity:
                percent = (hours * HUNDRED / capacity).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            rows.append(
                {
                    "week": week,
                    "load": hours,
                    "capacity": capacity,
                    "working_days": sum(1 for h in days if h > 0),
                    "percent": percent,
                    "overloaded": hours > capacity,
                }
            )
        result.append({"work_center": center, "weeks": rows})
    return result
