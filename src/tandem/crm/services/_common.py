"""Validation and locking helpers the CRM services share."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Membership, User
from tandem.core.money import minor_unit, to_decimal
from tandem.core.services import UNSET  # noqa: F401  (re-exported: the one marker of core)
from tandem.parties.validation import clean_text

from ..errors import InvalidReference

REVENUE_MAX = Decimal("9999999999999999.99")  # Decimal(18, 2)
TEXT_MAX = 10_000


def text(value, *, field: str, max_length: int, required: bool = False) -> str:
    """Stripped text without NUL characters (PostgreSQL refuses them)."""
    value = clean_text(value, field=field, max_length=max_length, required=required)
    if "\x00" in value:
        raise ValidationFailed(_("Enter text."), code="validation.invalid", field=field)
    return value


def choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)},
            code="validation.choice",
            field=field,
        )
    return value


def revenue(value, *, currency: str, field: str = "expected_revenue") -> Decimal:
    """Non-negative, rounded half-up to the currency's minor unit (at most 2 places)."""
    try:
        amount = None if isinstance(value, bool) else to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed(_("Enter a number."), code="validation.number", field=field)
    if amount < 0:
        raise ValidationFailed(
            _("The amount cannot be negative."), code="validation.min_value", field=field
        )
    if amount > REVENUE_MAX:
        raise ValidationFailed(
            _("The amount is too large."), code="validation.max_value", field=field
        )
    places = min(minor_unit(currency), 2)
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return amount.quantize(Decimal("0.01"))


def probability(value, *, field: str = "probability") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationFailed(
            _("Enter a whole number from 0 to 100."), code="validation.probability", field=field
        )
    return value


def a_date(value, *, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationFailed(_("Enter a date."), code="validation.date", field=field)
    return value


def a_datetime(value, *, field: str, required: bool = True) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, datetime):
        raise ValidationFailed(_("Enter a date and time."), code="validation.datetime", field=field)
    if timezone.is_naive(value):
        raise ValidationFailed(
            _("Give the time zone of the time."), code="validation.datetime", field=field
        )
    return value


def same_company(company: Company, obj, *, field: str, model: type[models.Model] | None = None):
    """`obj` (a row or an id) if it is a row of `company`, else 422 naming `field`."""
    if obj is None or obj == "":
        return None
    if model is not None and not isinstance(obj, model):
        try:
            obj = model.objects.filter(company=company, pk=int(obj)).first()
        except (TypeError, ValueError, OverflowError):
            obj = None
        if obj is None:
            raise InvalidReference(_("No such record in this company."), field=field)
    if getattr(obj, "company_id", None) != company.pk:
        raise InvalidReference(_("No such record in this company."), field=field)
    return obj


def member(company: Company, user, *, field: str) -> User | None:
    """`user` (a user or an id) if it is an active member of `company`, else 422."""
    if user is None or user == "":
        return None
    user_id = user.pk if isinstance(user, User) else user
    try:
        user_id = int(user_id)
    except (TypeError, ValueError, OverflowError):
        user_id = None
    found = (
        User.objects.filter(
            pk=user_id,
            is_active=True,
            pk__in=Membership.objects.filter(company=company, is_active=True).values("user_id"),
        ).first()
        if user_id is not None
        else None
    )
    if found is None:
        raise InvalidReference(_("Not a member of this company."), field=field)
    return found


def locked(model: type[models.Model], pk) -> models.Model:
    """The row `pk` of `model`, locked for the rest of the transaction."""
    return model.objects.select_for_update(of=("self",)).get(pk=pk)
