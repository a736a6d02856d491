"""Helpers the CRM endpoints share: references in payloads, times, list parameters."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from ninja import Query

from tandem.api.context import company_of
from tandem.api.context import get_ref as ref  # noqa: F401  (re-exported for the CRM routers)

from ..schemas import MAX_ID

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0)
SEARCH = Query("", max_length=200, pattern=r"^[^\x00]*$")
ID = Query(None, ge=1, le=MAX_ID)


def aware(value: datetime | None, request) -> datetime | None:
    """A time without a UTC offset is read in the company's time zone."""
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=ZoneInfo(company_of(request).time_zone))
