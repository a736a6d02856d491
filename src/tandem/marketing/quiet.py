"""Quiet hours in the recipient's zone: MARKETING_QUIET_HOURS = "21-8" (no marketing email
from 21:00 to 08:00 local time; empty: none). The zone is the party's country's when that
country has one zone (babel's territory zones; China counts as Asia/Shanghai), else the
sending company's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings


def quiet_hours() -> tuple[int, int] | None:
    raw = str(getattr(settings, "MARKETING_QUIET_HOURS", "") or "").strip()
    if not raw:
        return None
    start, _, end = raw.partition("-")
    start_h, end_h = int(start), int(end)
    if not (0 <= start_h <= 23 and 0 <= end_h <= 23) or start_h == end_h:
        raise ValueError("MARKETING_QUIET_HOURS: 'start-end' hours, e.g. 21-8")
    return start_h, end_h


@lru_cache(maxsize=512)
def zone_of(country: str, default: str) -> ZoneInfo:
    from babel.core import get_global

    zones = get_global("territory_zones").get((country or "").upper(), [])
    if (country or "").upper() == "CN":
        zones = ["Asia/Shanghai"]
    return ZoneInfo(zones[0] if len(zones) == 1 else default)


def quiet_until(now: datetime, zone: ZoneInfo, hours: tuple[int, int]) -> datetime | None:
    """When the quiet hours in `zone` end, if `now` is inside them; else None."""
    start, end = hours
    local = now.astimezone(zone)
    inside = (start <= local.hour or local.hour < end) if start > end else start <= local.hour < end
    if not inside:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    if start < end:
        day = local.date()
    return datetime(day.year, day.month, day.day, end, tzinfo=zone)
