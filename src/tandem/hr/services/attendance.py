"""Attendance: check-in and check-out, the day against the working calendar (late, absent),
and overtime classified as on a workday, a rest day or a public holiday (PRC Labour Law
art. 44: 150 %, 200 %, 300 % of the hourly wage), written as payroll inputs.

The hourly wage is the monthly base salary / 21.75 days / 8 hours (劳社部发〔2008〕3号, the
monthly pay days). Overtime on a workday is the time worked beyond the day's working hours;
on a rest day or a public holiday every hour worked counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tandem.accounting.services._common import check_company, lock
from tandem.core.errors import Conflict, ValidationFailed

from ..models import Attendance, Employee, EmployeeVersion, InputKind
from .leave import employee_calendar
from .payroll import period_bounds

MONTH_DAYS = Decimal("21.75")
DAY_HOURS = Decimal(8)
FACTORS = {"workday": Decimal("1.5"), "rest_day": Decimal(2), "holiday": Decimal(3)}
CENT = Decimal("0.01")
HOUR = Decimal(3600)


def _aware(value, *, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed(f"{field}: not a date and time", field=field) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@transaction.atomic
def attendance_record(*, company, employee, check_in=None, check_out=None, source="") -> Attendance:
    """One stretch of work; `check_in` empty: now (a check-in without a check-out)."""
    check_company(company, employee, field="employee")
    lock(Employee, [employee.pk])
    start = _aware(check_in, field="check_in") or timezone.now()
    end = _aware(check_out, field="check_out")
    if end is not None and end <= start:
        raise ValidationFailed(
            "check_out: not after check_in", code="attendance.out_before_in", field="check_out"
        )
    if (
        end is None
        and Attendance.objects.filter(employee=employee, check_out__isnull=True).exists()
    ):
        raise Conflict("Already checked in", code="attendance.already_checked_in")
    clash = Attendance.objects.filter(
        employee=employee, check_in__lt=end or start + timedelta(seconds=1)
    ).filter(Q(check_out__isnull=True) | Q(check_out__gt=start))
    if clash.exists():
        raise Conflict(
            "Overlaps another attendance of the employee",
            code="attendance.overlap",
            field="check_in",
        )
    try:
        with transaction.atomic():
            return Attendance.objects.create(
                company=company,
                employee=employee,
                check_in=start,
                check_out=end,
                source=source[:20],
            )
    except IntegrityError:
        raise Conflict("Already checked in", code="attendance.already_checked_in") from None


@transaction.atomic
def attendance_check_out(*, employee, at=None) -> Attendance:
    lock(Employee, [employee.pk])
    row = Attendance.objects.filter(employee=employee, check_out__isnull=True).first()
    if row is None:
        raise Conflict("Not checked in", code="attendance.not_checked_in")
    end = _aware(at, field="check_out") or timezone.now()
    if end <= row.check_in:
        raise ValidationFailed(
            "check_out: not after check_in", code="attendance.out_before_in", field="check_out"
        )
    row.check_out = end
    row.save(update_fields=["check_out", "updated_at"])
    return row


def _day_kind(cal, day) -> str:
    from tandem.core.calendars import is_public_holiday, is_working_day

    if is_working_day(cal, day):
        return "workday"
    return "holiday" if is_public_holiday(cal, day) else "rest_day"


def attendance_days(*, company, employee, first, last) -> list[dict]:
    """Each date from `first` to `last`: its kind, the hours expected and worked, minutes
    late (first check-in after the first working interval's start), absent (a working day
    without any attendance) and overtime hours with their class."""
    from tandem.core.calendars import day_intervals_local, working_hours_on

    cal = employee_calendar(employee, first)
    zone = ZoneInfo(cal.time_zone or "Asia/Shanghai")
    rows = Attendance.objects.filter(
        employee=employee,
        check_out__isnull=False,
        check_in__gte=datetime.combine(first, datetime.min.time(), tzinfo=zone),
        check_in__lt=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone),
    ).order_by("check_in")
    by_day = defaultdict(list)
    for row in rows:
        by_day[row.check_in.astimezone(zone).date()].append(row)
    out = []
    day = first
    while day <= last:
        kind = _day_kind(cal, day)
        intervals = day_intervals_local(cal, day)
        expected = working_hours_on(cal, day) if kind == "workday" else Decimal(0)
        stretches = by_day.get(day, [])
        gaps = list(zip([b for _a, b in intervals], [a for a, _b in intervals][1:], strict=False))
        seconds = 0
        for r in stretches:
            seconds += int((r.check_out - r.check_in).total_seconds())
            start = r.check_in.astimezone(zone)
            end = r.check_out.astimezone(zone)
            first_minute = start.hour * 60 + start.minute
            last_minute = (end.hour * 60 + end.minute) if end.date() == day else 24 * 60
            for gap_start, gap_end in gaps:  # the lunch break inside a stretch is no work
                seconds -= 60 * max(0, min(gap_end, last_minute) - max(gap_start, first_minute))
        worked = (Decimal(max(seconds, 0)) / HOUR).quantize(CENT, ROUND_HALF_UP)
        late = 0
        if kind == "workday" and stretches:
            arrived = stretches[0].check_in.astimezone(zone)
            minutes = arrived.hour * 60 + arrived.minute
            late = max(0, minutes - intervals[0][0]) if intervals else 0
        overtime = max(Decimal(0), worked - expected) if kind == "workday" else worked
        out.append(
            {
                "date": day,
                "kind": kind,
                "expected_hours": expected,
                "worked_hours": worked,
                "late_minutes": late,
                "absent": kind == "workday" and not stretches,
                "overtime_hours": overtime,
            }
        )
        day += timedelta(days=1)
    return out


@transaction.atomic
def attendance_overtime_to_payroll(*, company, period: str) -> dict:
    """Overtime pay of every employee with attendance in the period, as the `overtime`
    payroll input (replaced on each run; refused once the period's payroll is posted)."""
    from .payroll import payroll_input_set

    first, last = period_bounds(period)
    employee_ids = set(
        Attendance.objects.filter(
            company=company, check_in__date__gte=first - timedelta(days=1), check_in__date__lte=last
        ).values_list("employee_id", flat=True)
    )
    employees = Employee.objects.filter(pk__in=employee_ids).order_by("pk")
    salaries = {
        v.employee_id: v.base_salary
        for v in EmployeeVersion.objects.filter(
            employee__in=employee_ids, effective_from__lte=last
        ).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=last))
    }
    written = {}
    for employee in employees:
        hourly = salaries.get(employee.pk, Decimal(0)) / MONTH_DAYS / DAY_HOURS
        hours = defaultdict(Decimal)
        for row in attendance_days(company=company, employee=employee, first=first, last=last):
            if row["overtime_hours"]:
                hours[row["kind"]] += row["overtime_hours"]
        pay = sum((hours[k] * hourly * FACTORS[k] for k in hours), Decimal(0)).quantize(
            CENT, ROUND_HALF_UP
        )
        note = ", ".join(f"{k} {hours[k]}h x{FACTORS[k]}" for k in sorted(hours))
        payroll_input_set(
            company=company,
            employee=employee,
            period=period,
            kind=InputKind.OVERTIME,
            amount=pay,
            note=note,
        )
        written[employee.pk] = pay
    return written


__all__ = [
    "attendance_check_out",
    "attendance_days",
    "attendance_overtime_to_payroll",
    "attendance_record",
]
