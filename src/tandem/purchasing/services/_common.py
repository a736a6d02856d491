"""Helpers the purchasing services share: the one lock helper and input checks."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db.models import Model

from tandem.core.errors import NotFound, ValidationFailed
from tandem.core.money import to_decimal
from tandem.core.services import UNSET  # noqa: F401  (re-exported: the one marker of core)

from ..errors import InvalidReference

QTY_UNIT = Decimal("0.000001")
PRICE_UNIT = Decimal("0.000001")
LIMIT = Decimal(10) ** 12


def lock(model: type[Model], pks: Iterable[int]) -> dict[int, Model]:
    """Rows of `model` locked FOR UPDATE, always taken in primary-key order.

    Purchasing locks the order first, then calls inventory/accounting services, which take
    their own locks (transfer, levels, invoice) in their own order after ours.
    """
    ids = sorted(set(pks))
    if not ids:
        return {}
    rows = model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk")
    return {row.pk: row for row in rows}


def lock_one(model: type[Model], pk: int, *, label: str):
    row = lock(model, [pk]).get(pk)
    if row is None:
        raise NotFound(f"No {label} with id {pk}", code=f"{label}.not_found")
    return row


def number(value, *, field: str, unit: Decimal = QTY_UNIT, maximum=None, required=True):
    """A non-negative decimal with at most the places of `unit`; refused, never rounded."""
    if value is None or value == "":
        if not required:
            return None
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    try:
        result = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not result.is_finite():
        raise ValidationFailed(f"{field}: not a number", field=field)
    if result < 0:
        raise ValidationFailed(
            f"{field} must not be negative", code="validation.min_value", field=field
        )
    if result >= LIMIT or (maximum is not None and result > maximum):
        raise ValidationFailed(f"{field}: too large", code="validation.max_value", field=field)
    if result != result.quantize(unit):
        raise ValidationFailed(
            f"{field}: at most {-unit.as_tuple().exponent} decimal places",
            code="validation.precision",
            field=field,
        )
    return result.quantize(unit)


def text(value, *, field: str, max_length: int, required: bool = False) -> str:
    result = "" if value is None else str(value).strip()
    if "\x00" in result:
        raise ValidationFailed(f"{field}: NUL characters are not allowed", field=field)
    if required and not result:
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    if len(result) > max_length:
        raise ValidationFailed(
            f"{field}: at most {max_length} characters", code="validation.max_length", field=field
        )
    return result


def a_date(value, *, field: str, required: bool = True):
    if value is None and not required:
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(
            f"{field}: a date is required", code="validation.required", field=field
        )
    return value


def check_company(company, obj, *, field: str) -> None:
    if obj is not None and obj.company_id != company.pk:
        raise InvalidReference(f"{field}: no such record in this company", field=field)


def require(obj, model: type[Model], *, field: str):
    if not isinstance(obj, model):
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    return obj
