"""The SLA clock: working hours of a company's sales calendar, counted by the one calendar
arithmetic of the house (`tandem.core.calendars`).

The sales calendar row keeps the settings the SLA page edits (weekdays, one daily window,
country, time zone); each computation reads it as a core BusinessCalendar (unsaved) of the
same week, so public holidays, China's make-up working days (调休) and daylight-saving
changes are handled as everywhere else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.db import IntegrityError, transaction

from tandem.core import calendars
from tandem.core.errors import ValidationFailed
from tandem.core.models.calendars import BusinessCalendar as CoreCalendar

from ..models import BusinessCalendar

SECONDS_PER_HOUR = Decimal(3600)


def _zone_name(calendar: BusinessCalendar) -> str:
    return calendar.time_zone or getattr(calendar.company, "time_zone", "") or "UTC"


def core_calendar(calendar: BusinessCalendar) -> CoreCalendar:
    """The sales calendar as the core calendar arithmetic reads it (not saved)."""
    window = [[calendar.work_start.strftime("%H:%M"), calendar.work_end.strftime("%H:%M")]]
    return CoreCalendar(
        company_id=calendar.company_id,
        name="sales",
        country=calendar.country or "",
        subdivision=calendar.subdivision or "",
        time_zone=_zone_name(calendar),
        week={str(d): (window if d in calendar.weekdays else []) for d in range(7)},
    )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed("datetimes must be timezone-aware", code="validation.naive_datetime")
    return value


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    return calendars.is_working_day(core_calendar(calendar), day)


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    return calendars.business_seconds(core_calendar(calendar), _aware(start), _aware(end))


def business_hours_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> Decimal:
    """Working hours from `start` to `end` (0 if end is not after start), to the second."""
    seconds = business_seconds_between(calendar, start, end)
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.0001"))


def deadline(calendar: BusinessCalendar, start: datetime, hours) -> datetime:
    """The moment `hours` working hours after `start` have passed (UTC)."""
    start = _aware(start)
    seconds = int(Decimal(str(hours)) * SECONDS_PER_HOUR)
    if seconds <= 0:
        return start.astimezone(UTC)
    return calendars.add_business_seconds(core_calendar(calendar), start, seconds)


def calendar_for(company) -> BusinessCalendar:
    """The company's calendar, made on first use from its country (Mon–Fri, 9:00–18:00)."""
    row = BusinessCalendar.objects.filter(company=company).first()
    if row is None:
        try:
            with transaction.atomic():
                row = BusinessCalendar.objects.create(
                    company=company, country=company.country or "", time_zone=company.time_zone
                )
        except IntegrityError:  # a concurrent first use made it
            row = BusinessCalendar.objects.get(company=company)
    row.company = company
    return row


@transaction.atomic
def calendar_update(*, company, **changes) -> BusinessCalendar:
    row = calendar_for(company)
    row = BusinessCalendar.objects.select_for_update().get(pk=row.pk)
    allowed = {"country", "subdivision", "working_days", "work_start", "work_end", "time_zone"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        if name in {"work_start", "work_end"} and getattr(value, "tzinfo", None) is not None:
            # working hours are wall-clock times in the calendar's own time zone
            raise ValidationFailed(f"{name}: give a local time without a UTC offset", field=name)
        setattr(row, name, value)
    row.country = (row.country or "").upper()
    if row.country and row.country not in holidays.list_supported_countries():
        raise ValidationFailed(
            f"country: no public holidays known for {row.country}",
            code="calendar.country_unknown",
            field="country",
        )
    days = row.working_days
    if isinstance(days, list | tuple | set):
        days = ",".join(str(d) for d in days)
    parts = [p.strip() for p in str(days).split(",") if p.strip()]
    if not parts or any(not p.isdigit() or int(p) > 6 for p in parts):
        raise ValidationFailed(
            "working_days: weekday numbers 0 (Monday) to 6", field="working_days"
        )
    row.working_days = ",".join(str(d) for d in sorted({int(p) for p in parts}))
    if row.work_end <= row.work_start:
        raise ValidationFailed(
            "work_end must be after work_start", code="calendar.hours_order", field="work_end"
        )
    if row.time_zone:
        try:
            ZoneInfo(row.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(
                "time_zone: unknown time zone", code="validation.choice", field="time_zone"
            ) from None
    row.save()
    row.company = company
    return row
