"""Business-time arithmetic on a BusinessCalendar (tandem.core.models.calendars).

Every function takes and returns timezone-aware datetimes; intervals are returned in UTC so
that subtracting two of them is always elapsed time (Python subtracts two datetimes of the
same zone as wall-clock times, which is wrong across a daylight-saving change).

Which hours of a date are working hours, in order of precedence:
1. a CalendarDay row of the calendar: ``holiday`` -> none; ``working`` -> its own intervals,
   or the calendar's standard day when it has none;
2. a public holiday of the calendar's country -> none; an adjusted working day of the country
   (China's 调休 Saturdays and Sundays) -> the standard day;
3. the calendar's intervals for that weekday.

A wall-clock time that does not exist (02:30 on the spring-forward night) is read with
``fold=0`` and lands one hour later in real time; one that exists twice (the autumn night)
is read as its first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.db import transaction

from .errors import NotFound, ValidationFailed
from .models.calendars import BusinessCalendar, CalendarDay, CalendarDayKind

MAX_DAYS = 3660  # a due date further than ten years out is a configuration error
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

# The State Council's published holiday arrangements (国务院办公厅关于部分节假日安排的通知):
# days off that fall on a weekday, and the weekend days worked in exchange. Kept as facts so
# that a PRC calendar is right even when the installed `holidays` package is older or differs;
# a year not listed here falls back to the package. 2027 is missing: no verified copy of its
# notice (published each November) was at hand, and the package only guesses 2027 without the
# swapped working days; add it here, or as CalendarDay rows of a company.
PRC_OFFICIAL: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    2025: (
        (
            "2025-01-01",  # 元旦
            "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",  # 春节 1/28-2/4
            "2025-02-03", "2025-02-04",
            "2025-04-04",  # 清明 4/4-4/6
            "2025-05-01", "2025-05-02", "2025-05-05",  # 劳动节 5/1-5/5
            "2025-06-02",  # 端午 5/31-6/2
            "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06",  # 国庆、中秋 10/1-10/8
            "2025-10-07", "2025-10-08",
        ),
        ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    ),
    2026: (
        (
            "2026-01-01", "2026-01-02",  # 元旦 1/1-1/3
            "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",  # 春节 2/15-2/23
            "2026-02-20", "2026-02-23",
            "2026-04-06",  # 清明 4/4-4/6
            "2026-05-01", "2026-05-04", "2026-05-05",  # 劳动节 5/1-5/5
            "2026-06-19",  # 端午 6/19-6/21
            "2026-09-25",  # 中秋 9/25-9/27
            "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",  # 国庆 10/1-10/7
            "2026-10-07",
        ),
        ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
    ),
}  # fmt: skip


# ---------------------------------------------------------------------------- validation


def _parse_hhmm(value, *, field: str) -> int:
    """Minutes after midnight of "HH:MM" (24:00 allowed as the end of a day)."""
    m = _HHMM.match(str(value).strip()) if isinstance(value, str) else None
    minutes = int(m.group(1)) * 60 + int(m.group(2)) if m else -1
    if minutes < 0 or minutes > 24 * 60:
        raise ValidationFailed(
            f"{field}: a time as HH:MM, not {value!r}",
            code="calendar.invalid_interval",
            field=field,
        )
    return minutes


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def intervals_clean(intervals, *, field: str = "intervals") -> list[list[str]]:
    """One day's intervals, sorted, as [["HH:MM", "HH:MM"], ...]; refuses an empty or
    reversed interval (calendar.invalid_interval) and two that overlap
    (calendar.overlapping_intervals). Touching intervals (12:00-13:00, 13:00-14:00) are fine."""
    if intervals is None:
        return []
    if not isinstance(intervals, list | tuple):
        raise ValidationFailed(
            f"{field}: a list of [start, end] pairs", code="calendar.invalid_interval", field=field
        )
    pairs = []
    for item in intervals:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ValidationFailed(
                f"{field}: each interval is [start, end]",
                code="calendar.invalid_interval",
                field=field,
            )
        lo, hi = _parse_hhmm(item[0], field=field), _parse_hhmm(item[1], field=field)
        if hi <= lo:
            raise ValidationFailed(
                f"{field}: {_fmt(lo)}-{_fmt(hi)} ends before it starts",
                code="calendar.invalid_interval",
                field=field,
            )
        if lo == 24 * 60:
            raise ValidationFailed(
                f"{field}: an interval cannot start at 24:00",
                code="calendar.invalid_interval",
                field=field,
            )
        pairs.append((lo, hi))
    pairs.sort()
    for (a_lo, a_hi), (b_lo, b_hi) in zip(pairs, pairs[1:], strict=False):
        if b_lo < a_hi:
            raise ValidationFailed(
                f"{field}: {_fmt(a_lo)}-{_fmt(a_hi)} overlaps {_fmt(b_lo)}-{_fmt(b_hi)}",
                code="calendar.overlapping_intervals",
                field=field,
            )
    return [[_fmt(lo), _fmt(hi)] for lo, hi in pairs]


def week_clean(week) -> dict[str, list[list[str]]]:
    """A whole week {weekday: intervals} with keys "0".."6" (0 = Monday); at least one
    working interval (calendar.no_working_hours)."""
    if not isinstance(week, dict):
        raise ValidationFailed(
            "week: an object of weekday (0 = Monday .. 6) -> intervals",
            code="calendar.invalid_interval",
            field="week",
        )
    out = {str(d): [] for d in range(7)}
    for key, value in week.items():
        if str(key) not in out:
            raise ValidationFailed(
                f"week: {key!r} is not a weekday 0 (Monday) to 6",
                code="calendar.invalid_interval",
                field="week",
            )
        out[str(key)] = intervals_clean(value, field=f"week.{key}")
    if not any(out.values()):
        raise ValidationFailed(
            "The calendar has no working hours", code="calendar.no_working_hours", field="week"
        )
    return out


def _zone_check(name) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"time_zone: unknown time zone {name!r}",
            code="calendar.unknown_time_zone",
            field="time_zone",
        ) from None
    return str(name)


def _country_check(country: str) -> str:
    country = (country or "").strip().upper()
    if country and country not in holidays.list_supported_countries():
        raise ValidationFailed(
            f"country: no public holidays known for {country}",
            code="calendar.unknown_country",
            field="country",
        )
    return country


# ---------------------------------------------------------------------------- services


@transaction.atomic
def business_calendar_create(
    *,
    company,
    name: str,
    time_zone: str | None = None,
    country: str | None = None,
    subdivision: str = "",
    week: dict | None = None,
) -> BusinessCalendar:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name: required", code="validation.required", field="name")
    if BusinessCalendar.objects.filter(company=company, name=name).exists():
        raise ValidationFailed(
            f"A calendar named {name!r} exists", code="calendar.duplicate_name", field="name"
        )
    row = BusinessCalendar(
        company=company,
        name=name,
        time_zone=_zone_check(time_zone or company.time_zone or "UTC"),
        country=_country_check(company.country if country is None else country),
        subdivision=(subdivision or "").strip(),
        week=week_clean(week) if week is not None else None,
    )
    if row.week is None:
        from .models.calendars import default_week

        row.week = default_week()
    row.save()
    return row


_UPDATABLE = {"name", "time_zone", "country", "subdivision", "week", "active"}


@transaction.atomic
def business_calendar_update(*, calendar: BusinessCalendar, **changes) -> BusinessCalendar:
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    row = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise ValidationFailed("name: required", code="validation.required", field="name")
        clash = BusinessCalendar.objects.filter(company_id=row.company_id, name=name)
        if clash.exclude(pk=row.pk).exists():
            raise ValidationFailed(
                f"A calendar named {name!r} exists", code="calendar.duplicate_name", field="name"
            )
        row.name = name
    if "time_zone" in changes:
        row.time_zone = _zone_check(changes["time_zone"])
    if "country" in changes:
        row.country = _country_check(changes["country"])
    if "subdivision" in changes:
        row.subdivision = (changes["subdivision"] or "").strip()
    if "week" in changes:
        row.week = week_clean(changes["week"])
    if "active" in changes:
        row.active = bool(changes["active"])
    row.save()
    calendar.__dict__.update({k: getattr(row, k) for k in _UPDATABLE})
    calendar.__dict__.pop("_tandem_days", None)
    return row


@transaction.atomic
def calendar_day_set(
    *, calendar: BusinessCalendar, day: date, kind: str, name: str = "", intervals=None
) -> CalendarDay:
    """Make `day` a holiday or a working day of `calendar` (replacing an earlier override)."""
    if kind not in CalendarDayKind.values:
        raise ValidationFailed("kind: holiday or working", code="validation.choice", field="kind")
    clean = intervals_clean(intervals or [])
    if kind == CalendarDayKind.HOLIDAY and clean:
        raise ValidationFailed(
            "A holiday has no working hours", code="calendar.invalid_interval", field="intervals"
        )
    row, _ = CalendarDay.objects.update_or_create(
        calendar=calendar,
        date=day,
        defaults={
            "company_id": calendar.company_id,
            "kind": kind,
            "name": (name or "").strip()[:100],
            "intervals": clean,
        },
    )
    calendar.__dict__.pop("_tandem_days", None)
    return row


@transaction.atomic
def calendar_day_remove(*, calendar: BusinessCalendar, day: date) -> None:
    deleted, _ = CalendarDay.objects.filter(calendar=calendar, date=day).delete()
    if not deleted:
        raise NotFound(f"No override on {day}", code="calendar.day_not_found")
    calendar.__dict__.pop("_tandem_days", None)


# ---------------------------------------------------------------------------- arithmetic


@lru_cache(maxsize=256)
def _country_days(country: str, subdivision: str, year: int) -> tuple[frozenset, frozenset]:
    """(public holidays, adjusted working days) of one country and year."""
    if not country:
        return frozenset(), frozenset()
    if country == "CN" and year in PRC_OFFICIAL:
        off, work = PRC_OFFICIAL[year]
        return (
            frozenset(date.fromisoformat(d) for d in off),
            frozenset(date.fromisoformat(d) for d in work),
        )
    try:
        table = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError):
        return frozenset(), frozenset()
    work = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return frozenset(d for d in table if d.year == year), work


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=4096)
def _minutes(intervals: tuple) -> tuple[tuple[int, int], ...]:
    return tuple(
        (_parse_hhmm(a, field="intervals"), _parse_hhmm(b, field="intervals")) for a, b in intervals
    )


def _freeze(intervals) -> tuple:
    return tuple(tuple(i) for i in intervals or ())


def _overrides(calendar: BusinessCalendar) -> dict[date, CalendarDay]:
    """The calendar's CalendarDay rows, read once per calendar instance."""
    cached = calendar.__dict__.get("_tandem_days")
    if cached is None:
        cached = {}
        if calendar.pk is not None:
            cached = {d.date: d for d in CalendarDay.objects.filter(calendar_id=calendar.pk)}
        calendar.__dict__["_tandem_days"] = cached
    return cached


def calendar_refresh(calendar: BusinessCalendar) -> None:
    """Forget the overrides read by earlier calls (after another process changed them)."""
    calendar.__dict__.pop("_tandem_days", None)


def _week(calendar) -> dict:
    return calendar.week or {}


def _standard_day(calendar) -> tuple:
    week = _week(calendar)
    for d in range(7):
        if week.get(str(d)):
            return _freeze(week[str(d)])
    return ()


def day_intervals_local(calendar: BusinessCalendar, day: date) -> tuple[tuple[int, int], ...]:
    """Working intervals of `day` as (start, end) minutes after local midnight."""
    override = _overrides(calendar).get(day)
    if override is not None:
        if override.kind == CalendarDayKind.HOLIDAY:
            return ()
        return _minutes(_freeze(override.intervals) or _standard_day(calendar))
    off, work = _country_days(calendar.country or "", calendar.subdivision or "", day.year)
    if day in off:
        return ()
    if day in work:
        return _minutes(_standard_day(calendar))
    return _minutes(_freeze(_week(calendar).get(str(day.weekday()))))


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    return bool(day_intervals_local(calendar, day))


def is_public_holiday(calendar: BusinessCalendar, day: date) -> bool:
    """A statutory holiday of the calendar's country (and subdivision) on `day`; a company's
    own closing day (a CalendarDay) is not one (PRC overtime pays 300 % on the former only)."""
    off, _work = _country_days(calendar.country or "", calendar.subdivision or "", day.year)
    return day in off


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _day_utc(calendar, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    out = []
    for lo, hi in day_intervals_local(calendar, day):
        a, b = _instant(day, lo, zone), _instant(day, hi, zone)
        if b > a:  # an interval inside the skipped spring-forward hour has no time
            out.append((a, b))
    return out


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(
            f"{name}: a timezone-aware datetime", code="validation.naive_datetime", field=name
        )
    return value.astimezone(UTC)


def _require_hours(calendar) -> None:
    if not any(_week(calendar).get(str(d)) for d in range(7)) and not any(
        o.kind == CalendarDayKind.WORKING and o.intervals for o in _overrides(calendar).values()
    ):
        raise ValidationFailed(
            "The calendar has no working hours", code="calendar.no_working_hours"
        )


def working_intervals(
    calendar: BusinessCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The working time within [start, end), as UTC (start, end) pairs in order."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        return []
    zone = _zone(calendar.time_zone)
    # a local day may begin before UTC midnight: walk from the day before the local start
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    out = []
    while day <= last:
        for a, b in _day_utc(calendar, day, zone):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                out.append((lo, hi))
        day += timedelta(days=1)
    return out


def business_seconds(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole seconds of working time in [start, end) (0 when end is not after start)."""
    total = timedelta(0)
    for lo, hi in working_intervals(calendar, start, end):
        total += hi - lo
    return int(total.total_seconds())


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds) -> datetime:
    """The earliest instant t with business_seconds(start, t) == seconds (UTC); `start`
    itself for 0. A due date that ends exactly at a closing time is that closing time."""
    start = _aware(start, "start")
    seconds = int(seconds)
    if seconds < 0:
        raise ValidationFailed("seconds: not negative", code="validation.invalid", field="seconds")
    if seconds == 0:
        return start
    _require_hours(calendar)
    zone = _zone(calendar.time_zone)
    remaining = timedelta(seconds=seconds)
    day = start.astimezone(zone).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        for a, b in _day_utc(calendar, day, zone):
            lo = max(a, start)
            if b <= lo:
                continue
            if remaining <= b - lo:
                return lo + remaining
            remaining -= b - lo
        day += timedelta(days=1)
    raise ValidationFailed(
        "The calendar has no working hours within ten years", code="calendar.no_working_hours"
    )


def add_business_hours(calendar: BusinessCalendar, start: datetime, hours) -> datetime:
    """add_business_seconds for a Decimal (or int) number of hours, to the second."""
    seconds = (Decimal(str(hours)) * 3600).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return add_business_seconds(calendar, start, int(seconds))


def working_hours_on(calendar: BusinessCalendar, day: date) -> Decimal:
    """Elapsed working hours on a local date (7 on a 9-17 day that loses an hour to DST
    inside its hours), to 4 places."""
    zone = _zone(calendar.time_zone)
    seconds = sum((b - a).total_seconds() for a, b in _day_utc(calendar, day, zone))
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def working_days_between(calendar: BusinessCalendar, first: date, last: date) -> list[date]:
    """The working dates from `first` to `last`, both included."""
    out, day = [], first
    while day <= last:
        if is_working_day(calendar, day):
            out.append(day)
        day += timedelta(days=1)
    return out
