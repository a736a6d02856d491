"""Validation helpers the catalog services share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tandem.core.errors import ValidationFailed
from tandem.core.money import to_decimal
from tandem.core.services import UNSET  # noqa: F401  (re-exported: the one marker of core)

from ..errors import InvalidReference


def _decimal(value, *, field: str, minimum: Decimal | None = Decimal(0)) -> Decimal:
    try:
        number = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite():
        raise ValidationFailed(f"{field}: not a number", field=field)
    if minimum is not None and number < minimum:
        raise ValidationFailed(
            f"{field} must be at least {minimum}", code="validation.min_value", field=field
        )
    return number


def _check_company(company, obj, *, field: str) -> None:
    if obj is not None and obj.company_id != company.pk:
        raise InvalidReference(f"{field}: no such record in this company", field=field)


def _check_range(valid_from, valid_to, *, field: str = "valid_to") -> None:
    if valid_from and valid_to and valid_from > valid_to:
        raise ValidationFailed(
            "The end date is before the start date", code="validation.date_range", field=field
        )


def _choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            f"{field}: choose one of {', '.join(choices.values)}",
            code="validation.choice",
            field=field,
        )
    return value


def _text(value, *, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            f"{field}: at most {max_length} characters", code="validation.max_length", field=field
        )
    return text
