"""Helpers the CRM endpoints share: references in payloads, times, list parameters."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from ninja import Query

from tandem.api.context import company_of

from ..errors import InvalidReference
from ..schemas import MAX_ID

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0)
SEARCH = Query("", max_length=200, pattern=r"^[^\x00]*$")
ID = Query(None, ge=1, le=MAX_ID)


def ref(model, request, pk, *, field: str):
    """A row of the caller's company named by an id in the payload, or 422 naming the field."""
    if pk is None:
        return None
    obj = model.objects.filter(company=company_of(request), pk=pk).first()
    if obj is None:
        raise InvalidReference(f"{field}: no such record with id {pk}", field=field)
    return obj


def aware(value: datetime | None, request) -> datetime | None:
    """A time without a UTC offset is read in the company's time zone."""
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=ZoneInfo(company_of(request).time_zone))
