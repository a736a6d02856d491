"""Helpers the accounting services share: the one lock helper, input checks, dates."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Model
from django.utils import timezone

from tandem.core.errors import NotFound, ValidationFailed
from tandem.core.money import minor_unit, quantize_money, to_decimal
from tandem.core.services import UNSET  # noqa: F401  (re-exported: the one marker of core)

from ..errors import InvalidReference
from ..models import Account, AccountRole

MONEY_LIMIT = Decimal(10) ** 16  # Decimal(18, 2)


def lock(model: type[Model], pks: Iterable[int]) -> dict[int, Model]:
    """Rows of `model` locked FOR UPDATE, always taken in primary-key order.

    Every service of the app locks through here, so two transactions that need the same
    rows queue instead of deadlocking. The rows are read again under the lock: check
    states on what this returns, never on the caller's instance.
    """
    ids = sorted(set(pks))
    rows = model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk")
    return {row.pk: row for row in rows}


def lock_one(model: type[Model], pk: int, *, label: str):
    row = lock(model, [pk]).get(pk)
    if row is None:
        raise NotFound(f"No {label} with id {pk}", code=f"{label}.not_found")
    return row


def company_today(company) -> date:
    try:
        zone = zoneinfo.ZoneInfo(company.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localtime(timezone.now(), zone).date()


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


def choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            f"{field}: choose one of {', '.join(choices.values)}",
            code="validation.choice",
            field=field,
        )
    return value


def amount(value, *, field: str, currency: str, signed: bool = False) -> Decimal:
    """A money amount exactly representable in `currency`; refused, never rounded."""
    if value is None or value == "":
        value = 0
    try:
        number = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite():
        raise ValidationFailed(f"{field}: not a number", field=field)
    if not signed and number < 0:
        raise ValidationFailed(
            f"{field} must not be negative", code="validation.min_value", field=field
        )
    if abs(number) >= MONEY_LIMIT:
        raise ValidationFailed(f"{field}: too large", code="validation.max_value", field=field)
    exact = quantize_money(number, currency)
    if exact != number:
        raise ValidationFailed(
            f"{field}: {currency} amounts have at most {minor_unit(currency)} decimal places",
            code="entry.amount_precision",
            field=field,
        )
    return exact.quantize(Decimal("0.01"))


def check_company(company, obj, *, field: str) -> None:
    if obj is not None and obj.company_id != company.pk:
        raise InvalidReference(f"{field}: no such record in this company", field=field)


def account_for_role(company, role: str, *, field: str = "role") -> Account:
    """The company's account with `role` (the lowest code when several share it)."""
    account = (
        Account.objects.filter(company=company, role=role, active=True).order_by("code").first()
    )
    if account is None:
        raise ValidationFailed(
            f"The chart of accounts has no active account with the role {role}",
            code="account.role_missing",
            field=field,
        )
    return account


__all__ = [
    "UNSET",
    "AccountRole",
    "account_for_role",
    "amount",
    "check_company",
    "choice",
    "company_today",
    "lock",
    "lock_one",
    "text",
]
