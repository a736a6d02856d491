"""Work centres: where operations run, at a cost and an overhead rate per hour, with a
capacity in hours per working day of their calendar (core business calendars)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from tandem.core.errors import Duplicate, ValidationFailed

from ..models import WorkCenter
from ._common import lock_one, quantity, text

FIELDS = (
    "code",
    "name",
    "cost_per_hour",
    "overhead_per_hour",
    "capacity_hours_per_day",
    "efficiency",
    "setup_minutes",
    "calendar",
    "active",
)


def _calendar(value, company_id: int):
    """A business calendar of the company, or None (the company's country calendar)."""
    from tandem.core.models.calendars import BusinessCalendar

    if value in (None, ""):
        return None
    if not isinstance(value, BusinessCalendar) or value.company_id != company_id:
        raise ValidationFailed(
            "calendar: a business calendar of this company",
            code="work_center.calendar",
            field="calendar",
        )
    return value


def _clean(changes: dict, company_id: int) -> dict:
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    clean = {}
    for field, value in changes.items():
        if field == "calendar":
            clean[field] = _calendar(value, company_id)
        elif field == "code":
            clean[field] = text(value, field=field, max_length=20, required=True).upper()
        elif field == "name":
            clean[field] = text(value, field=field, max_length=100, required=True)
        elif field == "active":
            clean[field] = bool(value)
        elif field == "efficiency":
            clean[field] = quantity(value, field=field, places=3, positive=True)
            if clean[field] > 1000:
                raise ValidationFailed(
                    "efficiency: at most 1000 %", code="validation.max_value", field=field
                )
        elif field == "capacity_hours_per_day":
            clean[field] = quantity(value, field=field, places=2)
            if clean[field] > 24:
                raise ValidationFailed(
                    "capacity_hours_per_day: at most 24", code="validation.max_value", field=field
                )
        elif field == "setup_minutes":
            clean[field] = quantity(value, field=field, places=2)
        else:
            clean[field] = quantity(value, field=field, places=6)
    return clean


def _save(row: WorkCenter) -> WorkCenter:
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Duplicate(f"A work centre with the code {row.code} exists", field="code") from None
    return row


@transaction.atomic
def work_center_create(
    *,
    company,
    code: str,
    name: str,
    cost_per_hour=Decimal(0),
    overhead_per_hour=Decimal(0),
    capacity_hours_per_day=Decimal(8),
    efficiency=Decimal(100),
    setup_minutes=Decimal(0),
    calendar=None,
    active: bool = True,
) -> WorkCenter:
    data = _clean(
        {
            "code": code,
            "name": name,
            "cost_per_hour": cost_per_hour,
            "overhead_per_hour": overhead_per_hour,
            "capacity_hours_per_day": capacity_hours_per_day,
            "efficiency": efficiency,
            "setup_minutes": setup_minutes,
            "calendar": calendar,
            "active": active,
        },
        company.pk,
    )
    return _save(WorkCenter(company=company, **data))


@transaction.atomic
def work_center_update(*, work_center: WorkCenter, **changes) -> WorkCenter:
    row = lock_one(WorkCenter, work_center.pk, label="work_center")
    for field, value in _clean(changes, row.company_id).items():
        setattr(row, field, value)
    return _save(row)


__all__ = ["work_center_create", "work_center_update"]
