"""Field checks of the party master: pure functions that normalise a value or raise
ValidationFailed naming the field, plus the stable error codes the services use."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from babel import Locale
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _
from stdnum import get_cc_module
from stdnum.cn import ric as cn_ric
from stdnum.cn import uscc as cn_uscc

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency
from tandem.core.money import minor_unit, to_decimal

from .models import Party, PaymentTerm

# -- error codes -----------------------------------------------------------------------------

REQUIRED = "validation.required"
TOO_LONG = "validation.too_long"
EMAIL_INVALID = "validation.email"
PHONE_INVALID = "validation.phone"
URL_INVALID = "validation.url"
COUNTRY_INVALID = "validation.country"
COLOR_INVALID = "validation.color"
CHOICE_INVALID = "validation.choice"
TAX_ID_INVALID = "party.tax_id_invalid"
CREDIT_LIMIT_INVALID = "party.credit_limit_invalid"
CURRENCY_UNKNOWN = "currency.unknown"
PAYMENT_TERM_UNKNOWN = "payment_term.unknown"
DUE_DAYS_INVALID = "payment_term.due_days_invalid"
PARTY_DUPLICATE = "party.duplicate"
PARTY_IN_USE = "party.in_use"
TAG_DUPLICATE = "tag.duplicate"
PAYMENT_TERM_DUPLICATE = "payment_term.duplicate"
PAYMENT_TERM_IN_USE = "payment_term.in_use"

NAME_MAX = 200
NOTES_MAX = 10_000
RAW_PHONE_MAX = 40
TAX_ID_MAX = 50
TAG_NAME_MAX = 50
TAGS_PER_PARTY_MAX = 50
CREDIT_LIMIT_MAX = Decimal("9999999999999999.99")  # Decimal(18, 2)
DUE_DAYS_MAX = 3650

# CLDR territories that are not ISO 3166-1 countries (unions, pseudo-locales, sub-regions).
_NOT_COUNTRIES = {
    "EU",
    "EZ",
    "UN",
    "QO",
    "XA",
    "XB",
    "ZZ",
    "AC",
    "CP",
    "CQ",
    "DG",
    "EA",
    "IC",
    "TA",
}
COUNTRIES = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)

_url_validator = URLValidator(schemes=["http", "https"])
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


# -- field normalisers (pure; raise ValidationFailed naming the field) -------------------------


def clean_text(value, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("Enter text."), code="validation.invalid", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), code=REQUIRED, field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("At most %(max)d characters (it has %(length)d).")
            % {"max": max_length, "length": len(value)},
            code=TOO_LONG,
            field=field,
        )
    return value


def normalize_email(value, *, field: str = "email") -> str:
    value = clean_text(value, field=field, max_length=254).lower()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValidationFailed(
                _("Enter a valid email address."), code=EMAIL_INVALID, field=field
            ) from None
    return value


def normalize_country(value, *, field: str = "country") -> str:
    value = clean_text(value, field=field, max_length=10).upper()
    if value and value not in COUNTRIES:
        raise ValidationFailed(
            _("Unknown country code %(code)s (use ISO 3166 alpha-2, e.g. CN).") % {"code": value},
            code=COUNTRY_INVALID,
            field=field,
        )
    return value


def normalize_phone(value, *, region: str = "", field: str = "phone") -> str:
    """The number in E.164 (``+8613800138000``); `region` reads numbers without a prefix."""
    value = clean_text(value, field=field, max_length=RAW_PHONE_MAX)
    if not value:
        return ""
    message = _("Enter a valid phone number (with country prefix, e.g. +86 138 0013 8000).")
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(message, code=PHONE_INVALID, field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(message, code=PHONE_INVALID, field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_website(value, *, field: str = "website") -> str:
    value = clean_text(value, field=field, max_length=200)
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        _url_validator(value)
    except DjangoValidationError:
        raise ValidationFailed(
            _("Enter a valid web address."), code=URL_INVALID, field=field
        ) from None
    if len(value) > 200:
        raise ValidationFailed(_("At most 200 characters."), code=TOO_LONG, field=field)
    return value


@lru_cache(maxsize=300)
def tax_id_validators(country: str, kind: str = Party.Kind.ORGANIZATION) -> tuple:
    """python-stdnum modules that check a tax id of `country` (empty if none exists)."""
    if not country:
        return ()
    if country == "CN":
        # The unified social credit code; a person may also file under the resident ID.
        return (cn_uscc, cn_ric) if kind == Party.Kind.PERSON else (cn_uscc,)
    for name in ("vat", "tin"):
        module = get_cc_module(country.lower(), name)
        if module is not None:
            return (module,)
    return ()


def normalize_tax_id(value, *, country: str, kind: str = Party.Kind.ORGANIZATION) -> str:
    """The compact form of the tax id, checked against the country's scheme if there is one."""
    value = clean_text(value, field="tax_id", max_length=TAX_ID_MAX)
    if not value:
        return ""
    validators = tax_id_validators(country, kind)
    if not validators:
        return re.sub(r"[\s\-./]", "", value).upper()
    for module in validators:
        try:
            compact = module.validate(value)
        except Exception:  # stdnum raises ValidationError subclasses; be safe on odd input
            continue
        return str(compact or module.compact(value)).upper()
    raise ValidationFailed(
        _("%(value)s is not a valid tax ID for country %(country)s.")
        % {"value": value, "country": country},
        code=TAX_ID_INVALID,
        field="tax_id",
    )


def normalize_credit_limit(value, *, currency: str) -> Decimal:
    """Non-negative, rounded half-up to the currency's minor unit (at most 2 places)."""
    try:
        amount = None if isinstance(value, bool) else to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed(
            _("Enter a number."), code=CREDIT_LIMIT_INVALID, field="credit_limit"
        )
    if amount < 0:
        raise ValidationFailed(
            _("The credit limit cannot be negative."),
            code=CREDIT_LIMIT_INVALID,
            field="credit_limit",
        )
    if amount > CREDIT_LIMIT_MAX:
        raise ValidationFailed(
            _("The credit limit is too large."), code=CREDIT_LIMIT_INVALID, field="credit_limit"
        )
    places = min(minor_unit(currency), 2)
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return amount.quantize(Decimal("0.01"))


def clean_choice(value, *, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)},
            code=CHOICE_INVALID,
            field=field,
        )
    return value


def clean_bool(value, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(_("Enter true or false."), code="validation.invalid", field=field)
    return value


def clean_currency(value, *, field: str = "currency") -> Currency:
    if isinstance(value, Currency):
        return value
    code = value.strip().upper() if isinstance(value, str) else ""
    currency = Currency.objects.filter(code=code, active=True).first() if code else None
    if currency is None:
        message = (
            _("Unknown currency %(code)s.") % {"code": value} if code else _("Choose a currency.")
        )
        raise ValidationFailed(message, code=CURRENCY_UNKNOWN, field=field)
    return currency


def clean_payment_term(value, *, company: Company) -> PaymentTerm | None:
    if value is None or value == "":
        return None
    if isinstance(value, PaymentTerm):
        term = value if value.company_id == company.pk else None
    else:
        try:
            term = PaymentTerm.objects.filter(company=company, pk=int(value)).first()
        except (TypeError, ValueError, OverflowError):
            term = None
    if term is None:
        raise ValidationFailed(
            _("Unknown payment term %(term)s.") % {"term": value},
            code=PAYMENT_TERM_UNKNOWN,
            field="payment_term",
        )
    return term


def clean_tag_names(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    names, seen = [], set()
    for value in values:
        name = clean_text(value, field="tags", max_length=TAG_NAME_MAX)
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    if len(names) > TAGS_PER_PARTY_MAX:
        raise ValidationFailed(
            _("At most %(max)d tags.") % {"max": TAGS_PER_PARTY_MAX}, code=TOO_LONG, field="tags"
        )
    return names


class FieldErrors:
    """Collect every field error of one call, so a form can show them all at once."""

    def __init__(self):
        self.failures: list[ValidationFailed] = []

    def check(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            self.failures.append(exc)
            return None

    def raise_any(self):
        if not self.failures:
            return
        if len(self.failures) == 1:
            raise self.failures[0]
        errors = [
            {**error, "code": failure.code} for failure in self.failures for error in failure.errors
        ]
        codes = {failure.code for failure in self.failures}
        raise ValidationFailed(
            " ".join(f"{e['field']}: {e['message']}" for e in errors),
            code=codes.pop() if len(codes) == 1 else "validation.invalid",
            errors=errors,
        )
