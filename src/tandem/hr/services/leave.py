"""Leave: types, allocations, requests (draft -> submitted -> approved | refused, cancel),
the append-only leave ledger and the accrual job.

A balance at any date is SUM(LeaveEntry.amount) up to that date. Requests are counted on the
employee's working calendar (the version's calendar, else the company's country calendar with
its public holidays and adjusted working days, Monday to Friday): a public holiday inside a
request costs nothing, a swapped working Saturday costs a day. Taking leave writes one
`taken` entry (negative) on approval; cancelling an approved request writes its reversal.

The accrual job walks each employee's periods in date order from max(hire date, the type's
`accrual_start`) up to `as_of`: on each 1 January it first trims the balance to the
carry-over limit (a `carry_over` entry), then accrues; an accrual never lifts the balance
above the cap; a new hire's first period is pro rata by calendar days, rounded down to half
a unit; carried-over leave not taken by its expiry date leaves through an `expiry` entry.
Every generated entry has a key (accrual:2025-03, carry:2025, expiry:2025), so running the
job twice writes nothing the second time.
"""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from tandem.accounting.services._common import check_company, choice, lock, text
from tandem.core.errors import Duplicate, Forbidden, InvalidTransition, ValidationFailed

from ..errors import LeaveInsufficient, LeaveOverlap
from ..models import (
    LEAVE_TRANSITIONS,
    Accrual,
    AccrualTiming,
    Employee,
    HalfDay,
    LeaveAllocation,
    LeaveEntry,
    LeaveEntryKind,
    LeaveRequest,
    LeaveState,
    LeaveType,
    LeaveUnit,
)
from .org import _date

ZERO = Decimal(0)
HALF = Decimal("0.5")
QTY_STEP = Decimal("0.01")
BLOCKING = (LeaveState.SUBMITTED, LeaveState.APPROVED)


def _qty(value, *, field: str, required: bool = False, signed: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite() or number != number.quantize(QTY_STEP) or abs(number) >= 10**6:
        raise ValidationFailed(
            f"{field}: a number with at most 2 decimals", code="validation.number", field=field
        )
    if number < 0 and not signed:
        raise ValidationFailed(f"{field}: not negative", code="validation.negative", field=field)
    return number


# -- types ---------------------------------------------------------------------------------

TYPE_FIELDS = {
    "name",
    "unit",
    "accrual",
    "accrual_amount",
    "accrual_timing",
    "accrual_start",
    "pro_rata",
    "cap",
    "carry_over_limit",
    "carry_over_expiry_months",
    "allow_negative",
    "active",
}


def _apply_type(row: LeaveType, changes: dict) -> None:
    unknown = set(changes) - TYPE_FIELDS
    if unknown:
        raise ValidationFailed(
            f"unknown fields: {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    for key, value in changes.items():
        if key == "name":
            value = text(value, field="name", max_length=200, required=True)
        elif key == "unit":
            value = choice(value or LeaveUnit.DAY, LeaveUnit, field="unit")
        elif key == "accrual":
            value = choice(value or Accrual.NONE, Accrual, field="accrual")
        elif key == "accrual_timing":
            value = choice(value or AccrualTiming.START, AccrualTiming, field="accrual_timing")
        elif key == "accrual_amount":
            value = _qty(value, field=key) or ZERO
        elif key in ("cap", "carry_over_limit"):
            value = _qty(value, field=key)
        elif key == "accrual_start":
            value = _date(value, field=key, required=False)
        elif key == "carry_over_expiry_months":
            if value in (None, ""):
                value = None
            elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60:
                raise ValidationFailed(
                    f"{key}: whole months from 1 to 60", code="validation.range", field=key
                )
        else:
            value = bool(value)
        setattr(row, key, value)
    if row.accrual != Accrual.NONE and not row.accrual_amount:
        raise ValidationFailed(
            "accrual_amount: an accruing type accrues more than 0 a period",
            code="leave_type.accrual_amount_required",
            field="accrual_amount",
        )


@transaction.atomic
def leave_type_create(*, company, code, name, **fields) -> LeaveType:
    row = LeaveType(company=company, code=text(code, field="code", max_length=30, required=True))
    _apply_type(row, {"name": name, **fields})
    if LeaveType.objects.filter(company=company, code=row.code).exists():
        raise Duplicate(
            "A leave type with this code exists", code="leave_type.duplicate", field="code"
        )
    row.save()
    return row


@transaction.atomic
def leave_type_update(*, leave_type, **changes) -> LeaveType:
    row = lock(LeaveType, [leave_type.pk])[leave_type.pk]
    _apply_type(row, changes)
    row.save()
    return row


# -- the ledger ----------------------------------------------------------------------------


def leave_balance(*, employee, leave_type, as_of: date) -> Decimal:
    """The balance on `as_of` (entries dated up to and including it): one SUM."""
    total = LeaveEntry.objects.filter(
        employee=employee, leave_type=leave_type, date__lte=as_of
    ).aggregate(total=Sum("amount"))["total"]
    return (total if total is not None else ZERO).quantize(QTY_STEP)


def leave_balances(*, company, employee, as_of: date) -> list[dict]:
    """Every type's balance on `as_of` for one employee (one grouped query)."""
    rows = (
        LeaveEntry.objects.filter(company=company, employee=employee, date__lte=as_of)
        .values("leave_type_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_type = {row["leave_type_id"]: row["total"].quantize(QTY_STEP) for row in rows}
    return [
        {"type": t, "balance": by_type.get(t.pk, ZERO.quantize(QTY_STEP))}
        for t in LeaveType.objects.filter(company=company, active=True).order_by("code")
    ]


def _available(employee, leave_type, on: date, *, exclude_request=None) -> Decimal:
    """What may be taken from `on`: the balance on that date, less leave already taken
    after it (future accruals do not count), less requests waiting for approval."""
    entries = LeaveEntry.objects.filter(employee=employee, leave_type=leave_type).aggregate(
        upto=Sum("amount", filter=Q(date__lte=on)),
        later=Sum("amount", filter=Q(date__gt=on, amount__lt=0)),
    )
    pending = LeaveRequest.objects.filter(
        employee=employee, leave_type=leave_type, state=LeaveState.SUBMITTED
    )
    if exclude_request is not None:
        pending = pending.exclude(pk=exclude_request.pk)
    waiting = pending.aggregate(total=Sum("days"))["total"] or ZERO
    return (entries["upto"] or ZERO) + (entries["later"] or ZERO) - waiting


@transaction.atomic
def leave_allocation_create(
    *, company, employee, leave_type, amount, date=None, note=""
) -> LeaveAllocation:
    """Leave granted by hand (negative takes some back): one `allocation` ledger entry."""
    check_company(company, employee, field="employee")
    check_company(company, leave_type, field="leave_type")
    value = _qty(amount, field="amount", required=True, signed=True)
    if value == 0:
        raise ValidationFailed("amount: not 0", code="validation.zero", field="amount")
    day = _date(date, field="date", required=False) or timezone.localdate()
    allocation = LeaveAllocation.objects.create(
        company=company,
        employee=employee,
        leave_type=leave_type,
        amount=value,
        date=day,
        note=text(note, field="note", max_length=200),
    )
    LeaveEntry.objects.create(
        company=company,
        employee=employee,
        leave_type=leave_type,
        date=day,
        kind=LeaveEntryKind.ALLOCATION,
        amount=value,
        allocation=allocation,
        note=allocation.note,
    )
    return allocation


# -- counting on the working calendar ------------------------------------------------------


def employee_calendar(employee, on: date):
    """The working calendar valid for the employee on `on`: the version's, else the
    company's country calendar (Monday to Friday, its public holidays and swapped days)."""
    from tandem.core.models.calendars import BusinessCalendar, default_week

    from ..models import EmployeeVersion

    version = (
        EmployeeVersion.objects.filter(employee=employee, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .first()
    )
    calendar_id = getattr(version, "calendar_id", None) if version else None
    if calendar_id:
        return BusinessCalendar.objects.get(pk=calendar_id)
    company = employee.company
    return BusinessCalendar(
        company=company,
        name="default",
        country=company.country or "",
        time_zone=company.time_zone or "Asia/Shanghai",
        week=default_week(),
    )


def leave_amount(
    *, employee, leave_type, start: date, end: date, start_half="", end_half="", hours=None
) -> Decimal:
    """What a request from `start` to `end` costs in the type's unit on the employee's
    calendar: working days (a half day counts 0.5), or working hours."""
    from tandem.core.calendars import is_working_day, working_hours_on

    cal = employee_calendar(employee, start)
    if hours not in (None, ""):
        if leave_type.unit != LeaveUnit.HOUR:
            raise ValidationFailed(
                "hours: only for a leave type counted in hours",
                code="leave_request.hours_not_allowed",
                field="hours",
            )
        value = _qty(hours, field="hours", required=True)
        if start != end:
            raise ValidationFailed(
                "hours: a request in hours covers one day",
                code="leave_request.hours_one_day",
                field="end",
            )
        if value <= 0 or value > working_hours_on(cal, start):
            raise ValidationFailed(
                "hours: more than 0 and at most the day's working hours",
                code="leave_request.hours_invalid",
                field="hours",
            )
        return value
    total = ZERO
    day = start
    while day <= end:
        if is_working_day(cal, day):
            share = Decimal(1)
            if day == start and start_half == HalfDay.AFTERNOON:
                share -= HALF
            if day == end and end_half == HalfDay.MORNING:
                share -= HALF
            if leave_type.unit == LeaveUnit.HOUR:
                share *= working_hours_on(cal, day)
            total += share
        day += timedelta(days=1)
    return total.quantize(QTY_STEP)


# -- requests ------------------------------------------------------------------------------


def _check_overlap(request: LeaveRequest) -> None:
    """Another submitted or approved request of the employee on the same dates: refused,
    except a morning and an afternoon of the same single day."""
    others = LeaveRequest.objects.filter(
        employee=request.employee,
        state__in=BLOCKING,
        start__lte=request.end,
        end__gte=request.start,
    ).exclude(pk=request.pk)
    for other in others:
        if other.end == request.start and other.end_half == "am" and request.start_half == "pm":
            continue
        if request.end == other.start and request.end_half == "am" and other.start_half == "pm":
            continue
        raise LeaveOverlap(
            f"Overlaps the request from {other.start} to {other.end}",
            field="start",
            extra={"request": other.pk},
        )


def _check_balance(request: LeaveRequest, *, pending: bool) -> None:
    if request.leave_type.allow_negative:
        return
    available = _available(
        request.employee, request.leave_type, request.start, exclude_request=request
    )
    if not pending:  # on approval, other waiting requests do not block this one
        waiting = (
            LeaveRequest.objects.filter(
                employee=request.employee,
                leave_type=request.leave_type,
                state=LeaveState.SUBMITTED,
            )
            .exclude(pk=request.pk)
            .aggregate(total=Sum("days"))["total"]
            or ZERO
        )
        available += waiting
    available = available.quantize(QTY_STEP)
    if request.days > available:
        raise LeaveInsufficient(
            f"{request.days} requested, {available} available",
            field="days",
            extra={"available": str(available), "requested": str(request.days)},
        )


@transaction.atomic
def leave_request_create(
    *,
    company,
    employee,
    leave_type,
    start,
    end,
    start_half="",
    end_half="",
    hours=None,
    reason="",
    submit=False,
) -> LeaveRequest:
    check_company(company, employee, field="employee")
    check_company(company, leave_type, field="leave_type")
    if leave_type is None:
        raise ValidationFailed(
            "leave_type is required", code="validation.required", field="leave_type"
        )
    first = _date(start, field="start")
    last = _date(end, field="end")
    if last < first:
        raise ValidationFailed(
            "end: before the start", code="leave_request.end_before_start", field="end"
        )
    start_half = choice(start_half or "", HalfDay, field="start_half")
    end_half = choice(end_half or "", HalfDay, field="end_half")
    if start_half == HalfDay.MORNING or end_half == HalfDay.AFTERNOON:
        raise ValidationFailed(
            "start_half is '' or 'pm', end_half is '' or 'am'",
            code="leave_request.half_invalid",
            field="start_half" if start_half == HalfDay.MORNING else "end_half",
        )
    if first == last and start_half and end_half:
        raise ValidationFailed(
            "a single day is either a morning or an afternoon",
            code="leave_request.half_invalid",
            field="end_half",
        )
    if first < employee.hire_date or (employee.leave_date and last > employee.leave_date):
        raise ValidationFailed(
            "start: outside the employee's employment",
            code="leave_request.not_employed",
            field="start",
        )
    days = leave_amount(
        employee=employee,
        leave_type=leave_type,
        start=first,
        end=last,
        start_half=start_half,
        end_half=end_half,
        hours=hours,
    )
    if days <= 0:
        raise ValidationFailed(
            "the request covers no working time", code="leave_request.no_working_days", field="end"
        )
    request = LeaveRequest(
        company=company,
        employee=employee,
        leave_type=leave_type,
        start=first,
        end=last,
        start_half=start_half,
        end_half=end_half,
        days=days,
        reason=text(reason, field="reason", max_length=300),
        approver=approver_for(employee, first),
    )
    _check_overlap(request)
    request.save()
    if submit:
        request = leave_request_submit(request=request)
    return request


def approver_for(employee, on: date):
    """The employee's manager on that date, else the head of their department (or of the
    nearest parent department with a head who is not the employee)."""
    from ..models import EmployeeVersion

    version = (
        EmployeeVersion.objects.filter(employee=employee, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("manager", "department__manager", "department__parent__manager")
        .first()
    )
    if version is None:
        return None
    if version.manager_id and version.manager_id != employee.pk:
        return version.manager
    department = version.department
    while department is not None:
        if department.manager_id and department.manager_id != employee.pk:
            return department.manager
        department = department.parent
    return None


def _transition(request: LeaveRequest, target: str) -> LeaveRequest:
    row = lock(LeaveRequest, [request.pk])[request.pk]
    if target not in LEAVE_TRANSITIONS[LeaveState(row.state)]:
        raise InvalidTransition(
            f"A {row.state} leave request cannot become {target}",
            code="leave_request.invalid_transition",
            field="state",
            extra={"state": row.state, "target": target},
        )
    return row


def _lock_employee(request: LeaveRequest) -> None:
    """Serialise balance checks of one employee (two approvals of the same balance)."""
    lock(Employee, [request.employee_id])


@transaction.atomic
def leave_request_submit(*, request, user=None, notify=True) -> LeaveRequest:
    """Submit for approval; the approver is emailed (`notify=False`: not, as for the demo)."""
    from .notify import leave_notify

    _lock_employee(request)
    row = _transition(request, LeaveState.SUBMITTED)
    _check_overlap(row)
    _check_balance(row, pending=True)
    row.state = LeaveState.SUBMITTED
    row.save(update_fields=["state", "updated_at"])
    if notify:
        leave_notify(row, "submitted")
    return row


def may_decide(request: LeaveRequest, user, *, is_hr: bool) -> bool:
    """HR decides any request; otherwise the approver's linked user, never the employee."""
    if user is None:
        return True  # the system user (jobs, the demo)
    if request.employee.user_id == user.pk:
        return False
    if is_hr:
        return True
    return bool(request.approver_id and request.approver.user_id == user.pk)


def _decide(request, user, is_hr, target, note, notify=True) -> LeaveRequest:
    from .notify import leave_notify

    _lock_employee(request)
    row = _transition(request, target)
    if not may_decide(row, user, is_hr=is_hr):
        raise Forbidden(
            "Only the approver or HR decides this request", code="leave_request.not_approver"
        )
    if target == LeaveState.APPROVED:
        _check_overlap(row)
        _check_balance(row, pending=False)
        LeaveEntry.objects.create(
            company=row.company,
            employee=row.employee,
            leave_type=row.leave_type,
            date=row.start,
            kind=LeaveEntryKind.TAKEN,
            amount=-row.days,
            request=row,
        )
    row.state = target
    row.decided_by = user
    row.decided_at = timezone.now()
    row.decision_note = text(note, field="note", max_length=300)
    row.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    if notify:
        leave_notify(row, target)
    return row


@transaction.atomic
def leave_request_approve(*, request, user=None, is_hr=False, note="", notify=True):
    """Approve (the employee is emailed unless `notify=False`)."""
    return _decide(request, user, is_hr, LeaveState.APPROVED, note, notify)


@transaction.atomic
def leave_request_refuse(*, request, user=None, is_hr=False, note="", notify=True):
    """Refuse (the employee is emailed unless `notify=False`)."""
    return _decide(request, user, is_hr, LeaveState.REFUSED, note, notify)


@transaction.atomic
def leave_request_cancel(*, request, user=None, note="") -> LeaveRequest:
    """Cancel a draft, waiting or approved request; an approved one gets its days back (the
    reversal of its `taken` entry, on the same date)."""
    _lock_employee(request)
    row = _transition(request, LeaveState.CANCELLED)
    if row.state == LeaveState.APPROVED:
        LeaveEntry.objects.create(
            company=row.company,
            employee=row.employee,
            leave_type=row.leave_type,
            date=row.start,
            kind=LeaveEntryKind.TAKEN,
            amount=row.days,
            request=row,
            note="cancelled",
        )
    row.state = LeaveState.CANCELLED
    row.decision_note = text(note, field="note", max_length=300) or row.decision_note
    row.save(update_fields=["state", "decision_note", "updated_at"])
    return row


# -- accrual -------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return date(day.year, day.month, pycalendar.monthrange(day.year, day.month)[1])


def _periods(leave_type: LeaveType, first: date, last: date):
    """(key, period start, period end) of each accrual period that touches [first, last]."""
    if leave_type.accrual == Accrual.MONTHLY:
        day = date(first.year, first.month, 1)
        while day <= last:
            yield f"accrual:{day:%Y-%m}", day, _month_end(day)
            day = _month_end(day) + timedelta(days=1)
    elif leave_type.accrual == Accrual.YEARLY:
        for year in range(first.year, last.year + 1):
            yield f"accrual:{year}", date(year, 1, 1), date(year, 12, 31)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


class _Ledger:
    """An employee's entries of one type in memory, plus the ones this run adds."""

    def __init__(self, rows):
        self.rows = list(rows)  # (date, kind, amount, key)

    def balance(self, on: date) -> Decimal:
        return sum((amount for day, _k, amount, _key in self.rows if day <= on), ZERO)

    def taken(self, first: date, last: date) -> Decimal:
        return -sum(
            (a for d, k, a, _ in self.rows if k == LeaveEntryKind.TAKEN and first <= d <= last),
            ZERO,
        )

    def keys(self) -> set:
        return {key for *_rest, key in self.rows if key}

    def add(self, day, kind, amount, key):
        self.rows.append((day, kind, amount, key))


def _events(leave_type: LeaveType, employee, as_of: date):
    """The job's dated steps for one employee and type, in order: (date, order, what, arg)."""
    start = max(employee.hire_date, leave_type.accrual_start or employee.hire_date)
    last = min(as_of, employee.leave_date or as_of)
    events = []
    for key, first, end in _periods(leave_type, start, last):
        when = first if leave_type.accrual_timing == AccrualTiming.START else end
        when = max(when, start) if leave_type.accrual_timing == AccrualTiming.START else when
        if when > last:
            continue
        share = Decimal(1)
        if leave_type.pro_rata and start > first:
            share = Decimal((end - start).days + 1) / Decimal((end - first).days + 1)
        events.append((when, 1, "accrual", (key, share)))
    if leave_type.carry_over_limit is not None or leave_type.carry_over_expiry_months:
        for year in range(start.year, as_of.year):
            new_year = date(year + 1, 1, 1)
            if leave_type.carry_over_limit is not None:
                events.append((new_year, 0, "carry", year))
            if leave_type.carry_over_expiry_months:
                expiry = _add_months(new_year, leave_type.carry_over_expiry_months)
                if expiry <= as_of:
                    events.append((expiry, 0, "expiry", year))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def _accrue_one(leave_type: LeaveType, employee, ledger: _Ledger, as_of: date) -> list[LeaveEntry]:
    done = ledger.keys()
    out = []

    def write(day, kind, amount, key, note=""):
        ledger.add(day, kind, amount, key)
        out.append(
            LeaveEntry(
                company_id=employee.company_id,
                employee=employee,
                leave_type=leave_type,
                date=day,
                kind=kind,
                amount=amount,
                key=key,
                note=note,
            )
        )

    step = HALF if leave_type.unit == LeaveUnit.DAY else Decimal(1)
    for day, _order, what, arg in _events(leave_type, employee, as_of):
        if what == "accrual":
            key, share = arg
            if key in done:
                continue
            amount = leave_type.accrual_amount
            note = ""
            if share < 1:
                amount = (amount * share / step).to_integral_value(rounding=ROUND_DOWN) * step
                note = f"pro rata {share:.4f}"
            if leave_type.cap is not None:
                room = max(ZERO, leave_type.cap - ledger.balance(day))
                if amount > room:
                    amount, note = room, f"capped at {leave_type.cap}"
            write(day, LeaveEntryKind.ACCRUAL, amount.quantize(QTY_STEP), key, note)
        elif what == "carry":
            key = f"carry:{arg}"
            if key in done:
                continue
            held = ledger.balance(date(arg, 12, 31))
            excess = held - leave_type.carry_over_limit
            if excess > 0:
                write(
                    day,
                    LeaveEntryKind.CARRY_OVER,
                    -excess.quantize(QTY_STEP),
                    key,
                    f"over the carry-over limit of {leave_type.carry_over_limit}",
                )
        else:  # expiry of leave carried out of year `arg`
            key = f"expiry:{arg}"
            if key in done:
                continue
            new_year = date(arg + 1, 1, 1)
            carried = ledger.balance(date(arg, 12, 31)) + sum(
                (
                    a
                    for d, k, a, _ in ledger.rows
                    if k == LeaveEntryKind.CARRY_OVER and d == new_year
                ),
                ZERO,
            )
            unused = carried - ledger.taken(new_year, day - timedelta(days=1))
            expire = min(unused, ledger.balance(day))
            if expire > 0:
                write(
                    day,
                    LeaveEntryKind.EXPIRY,
                    -expire.quantize(QTY_STEP),
                    key,
                    f"carried from {arg}, not taken",
                )
    return out


def leave_accrue(*, company, as_of: date, employees=None) -> dict:
    """Write every accrual, carry-over trim and expiry due up to `as_of` for the company's
    accruing leave types (idempotent). Reads each table once, writes in bulk."""
    types = list(
        LeaveType.objects.filter(company=company, active=True).filter(
            ~Q(accrual=Accrual.NONE) | Q(carry_over_limit__isnull=False)
        )
    )
    staff = Employee.objects.filter(company=company, hire_date__lte=as_of)
    if employees is not None:
        staff = staff.filter(pk__in=[e.pk for e in employees])
    staff = list(staff.order_by("pk"))
    if not types or not staff:
        return {"entries": 0}
    rows: dict = defaultdict(list)
    for employee_id, type_id, day, kind, amount, key in LeaveEntry.objects.filter(
        company=company, leave_type__in=types, employee__in=staff
    ).values_list("employee_id", "leave_type_id", "date", "kind", "amount", "key"):
        rows[(employee_id, type_id)].append((day, kind, amount, key))
    new = []
    for leave_type in types:
        for employee in staff:
            ledger = _Ledger(rows.get((employee.pk, leave_type.pk), ()))
            new.extend(_accrue_one(leave_type, employee, ledger, as_of))
    with transaction.atomic():
        try:
            LeaveEntry.objects.bulk_create(new, batch_size=2000)
        except IntegrityError:
            raise Duplicate(
                "Another accrual run wrote the same entries; run again",
                code="leave.accrual_concurrent",
            ) from None
    return {"entries": len(new)}


__all__ = [
    "approver_for",
    "employee_calendar",
    "leave_accrue",
    "leave_allocation_create",
    "leave_amount",
    "leave_balance",
    "leave_balances",
    "leave_request_approve",
    "leave_request_cancel",
    "leave_request_create",
    "leave_request_refuse",
    "leave_request_submit",
    "leave_type_create",
    "leave_type_update",
    "may_decide",
]
