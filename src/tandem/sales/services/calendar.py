"""The SLA clock: working hours of a company's business calendar.

A working day is a listed weekday that is not a public holiday of the calendar's country,
or a weekend day the country declares a working day (China's make-up days, 调休). Within a
working day only [work_start, work_end) in the calendar's time zone counts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.db import IntegrityError, transaction

from tandem.core.errors import ValidationFailed

from ..models import BusinessCalendar

MAX_DAYS = 3660  # a deadline further than ten years out is a configuration error
SECONDS_PER_HOUR = Decimal(3600)


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str, year: int) -> tuple[frozenset, frozenset]:
    """(holidays, make-up working days) of one country and year."""
    if not country:
        return frozenset(), frozenset()
    try:
        table = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError):
        return frozenset(), frozenset()
    workdays = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return frozenset(table.keys()), workdays


def _zone(calendar: BusinessCalendar) -> ZoneInfo:
    name = calendar.time_zone or getattr(calendar.company, "time_zone", "") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    off, extra = _holidays(calendar.country, calendar.subdivision, day.year)
    if day in extra:
        return True
    return day.weekday() in calendar.weekdays and day not in off


def _window(calendar: BusinessCalendar, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, calendar.work_start, tzinfo=zone),
        datetime.combine(day, calendar.work_end, tzinfo=zone),
    )


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed("datetimes must be timezone-aware", code="validation.naive_datetime")
    return value.astimezone(zone)


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    zone = _zone(calendar)
    start, end = _aware(start, zone), _aware(end, zone)
    if end <= start:
        return 0
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if is_working_day(calendar, day):
            opens, closes = _window(calendar, day, zone)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return int(total.total_seconds())


def business_hours_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> Decimal:
    """Working hours from `start` to `end` (0 if end is not after start), to the second."""
    seconds = business_seconds_between(calendar, start, end)
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.0001"))


def deadline(calendar: BusinessCalendar, start: datetime, hours) -> datetime:
    """The moment `hours` working hours after `start` have passed (UTC)."""
    zone = _zone(calendar)
    start = _aware(start, zone)
    remaining = timedelta(seconds=int(Decimal(str(hours)) * SECONDS_PER_HOUR))
    if remaining <= timedelta(0):
        return start.astimezone(ZoneInfo("UTC"))
    day = start.date()
    for _ in range(MAX_DAYS):
        if is_working_day(calendar, day):
            opens, closes = _window(calendar, day, zone)
            begin = max(opens, start)
            if closes > begin:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(ZoneInfo("UTC"))
                remaining -= available
        day += timedelta(days=1)
    raise ValidationFailed(
        "The calendar has no working hours within ten years", code="calendar.no_working_time"
    )


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
