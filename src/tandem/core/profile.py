"""Company profile services: the names, address, tax id, contacts, bank accounts and logo that
every document prints about the company. Checked here, so the page and the API refuse alike.
"""

from __future__ import annotations

import io
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import get_cc_module
from stdnum import iban as stdnum_iban
from stdnum.cn import uscc

from .errors import ValidationFailed
from .models import Company, CompanyBankAccount, CompanyProfile

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}
PROFILE_TEXT_FIELDS = {
    "legal_name_en": 200,
    "legal_name_zh": 200,
    "street": 200,
    "street2": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "phone": 30,
}
PROFILE_FIELDS = frozenset(
    {*PROFILE_TEXT_FIELDS, "tax_id", "email", "website", "document_language"}
)
LANGUAGES = ("", "en", "zh-hans")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,}$")


def company_profile(company: Company) -> CompanyProfile:
    """The company's profile; an unsaved empty one when none was ever written."""
    try:
        return company.profile
    except CompanyProfile.DoesNotExist:
        return CompanyProfile(company=company)


def company_language(company: Company) -> str:
    """The language of the company's documents for a party that has none."""
    chosen = company_profile(company).document_language
    if chosen:
        return chosen
    return "zh-hans" if company.country == "CN" else "en"


def company_tax_id_check(value: str, *, country: str) -> str:
    """The compact tax id: a unified social credit code in China, the country's scheme else."""
    value = (value or "").strip()
    if not value:
        return ""
    if country == "CN":
        module = uscc
    else:
        module = next(
            (m for m in (get_cc_module(country.lower(), n) for n in ("vat", "tin")) if m), None
        )
    if module is None:
        compact = re.sub(r"[\s\-./]", "", value).upper()
        if not re.fullmatch(r"[A-Z0-9]{4,30}", compact):
            raise ValidationFailed(
                _("Enter a tax ID of letters and digits."),
                code="company.tax_id_invalid",
                field="tax_id",
            )
        return compact
    try:
        return str(module.validate(value)).upper()
    except Exception:  # stdnum's ValidationError subclasses, or odd input
        message = (
            _("%(value)s is not a valid unified social credit code.")
            if country == "CN"
            else _("%(value)s is not a valid tax ID for country %(country)s.")
        )
        raise ValidationFailed(
            message % {"value": value, "country": country},
            code="company.tax_id_invalid",
            field="tax_id",
        ) from None


def _text(value, *, field: str, max_length: int) -> str:
    value = "" if value is None else str(value).strip()
    if "\x00" in value or len(value) > max_length:
        raise ValidationFailed(
            _("At most %(count)d characters.") % {"count": max_length},
            code="validation.too_long",
            field=field,
        )
    return value


def _clean_profile(company: Company, data: dict) -> dict:
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    clean, errors = {}, []

    def check(name, func, *args, **kwargs):
        try:
            clean[name] = func(*args, **kwargs)
        except ValidationFailed as exc:
            errors.append(exc)

    for field, max_length in PROFILE_TEXT_FIELDS.items():
        if field in data:
            check(field, _text, data[field], field=field, max_length=max_length)
    if "tax_id" in data:
        check("tax_id", company_tax_id_check, data["tax_id"], country=company.country)
    if "email" in data:
        check("email", _email, data["email"])
    if "website" in data:
        check("website", _website, data["website"])
    if "document_language" in data:
        if data["document_language"] not in LANGUAGES:
            errors.append(
                ValidationFailed(
                    _("Choose one of: %(choices)s.") % {"choices": "en, zh-hans"},
                    code="validation.choice",
                    field="document_language",
                )
            )
        else:
            clean["document_language"] = data["document_language"]
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise ValidationFailed(
            errors[0].message,
            code=errors[0].code,
            field=errors[0].field,
            errors=[e for exc in errors for e in exc.errors],
        )
    return clean


def _email(value) -> str:
    value = _text(value, field="email", max_length=254)
    if value:
        try:
            EmailValidator()(value)
        except DjangoValidationError:
            raise ValidationFailed(
                _("Enter a valid email address."), code="validation.email", field="email"
            ) from None
    return value


def _website(value) -> str:
    value = _text(value, field="website", max_length=200)
    if value and "://" not in value:
        value = "https://" + value
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except DjangoValidationError:
            raise ValidationFailed(
                _("Enter a valid web address."), code="validation.url", field="website"
            ) from None
    return value


def bank_account_number_check(value: str, *, country: str, field: str = "number") -> str:
    """An IBAN (checked with its check digits) or a domestic account number of digits."""
    compact = re.sub(r"[\s\-]", "", value or "").upper()
    if _IBAN_SHAPE.match(compact):
        try:
            return stdnum_iban.validate(compact)
        except Exception:
            raise ValidationFailed(
                _("%(value)s is not a valid IBAN.") % {"value": value},
                code="company.bank_account_invalid",
                field=field,
            ) from None
    if not re.fullmatch(r"[0-9]{6,34}", compact):
        raise ValidationFailed(
            _("Enter an IBAN or an account number of 6 to 34 digits."),
            code="company.bank_account_invalid",
            field=field,
        )
    return compact


def _clean_bank_account(data: dict, *, country: str, index: int) -> dict:
    prefix = f"bank_accounts.{index}."
    bank_name = _text(data.get("bank_name"), field=prefix + "bank_name", max_length=200)
    holder = _text(data.get("holder"), field=prefix + "holder", max_length=200)
    for field, value in (("bank_name", bank_name), ("holder", holder)):
        if not value:
            raise ValidationFailed(
                _("This field is required."), code="validation.required", field=prefix + field
            )
    number = bank_account_number_check(
        data.get("number") or "", country=country, field=prefix + "number"
    )
    bic = re.sub(r"\s", "", data.get("bic") or "").upper()
    if bic:
        try:
            bic = stdnum_bic.validate(bic)
        except Exception:
            raise ValidationFailed(
                _("%(value)s is not a valid BIC / SWIFT code.") % {"value": bic},
                code="company.bic_invalid",
                field=prefix + "bic",
            ) from None
    return {
        "bank_name": bank_name,
        "holder": holder,
        "number": number,
        "bic": bic,
        "is_default": bool(data.get("is_default")),
    }


def logo_check(content: bytes) -> str:
    """The file extension of a logo that Pillow reads as a PNG or JPEG of sane size."""
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationFailed(
            _("The logo may be at most 1 MB."), code="company.logo_too_large", field="logo"
        )
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
        width = height = 0
    if kind not in LOGO_FORMATS:
        raise ValidationFailed(
            _("The logo must be a PNG or JPEG image."), code="company.logo_invalid", field="logo"
        )
    if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
        raise ValidationFailed(
            _("The logo may be at most 4000 × 4000 pixels."),
            code="company.logo_too_large",
            field="logo",
        )
    return LOGO_FORMATS[kind]


@transaction.atomic
def company_profile_update(
    *,
    company: Company,
    bank_accounts: list[dict] | None = None,
    logo: bytes | None = None,
    logo_clear: bool = False,
    **fields,
) -> CompanyProfile:
    """Change the given profile fields; `bank_accounts` (a list of dicts) replaces them all.

    Everything is checked before anything is written, so a refused field leaves the profile,
    the bank accounts and the logo as they were.
    """
    locked = Company.objects.select_for_update().get(pk=company.pk)
    clean = _clean_profile(locked, fields)
    accounts = None
    if bank_accounts is not None:
        accounts = [
            _clean_bank_account(dict(data), country=locked.country, index=index)
            for index, data in enumerate(bank_accounts)
        ]
        if accounts and not any(a["is_default"] for a in accounts):
            accounts[0]["is_default"] = True
        if sum(a["is_default"] for a in accounts) > 1:
            raise ValidationFailed(
                _("Only one bank account can be the default."),
                code="company.bank_account_default",
                field="bank_accounts",
            )
    extension = logo_check(logo) if logo is not None else None
    profile, _created = CompanyProfile.objects.get_or_create(company=locked)
    for field, value in clean.items():
        setattr(profile, field, value)
    old_logo = profile.logo.name if profile.logo else ""
    if logo_clear or extension:
        profile.logo = ""
    if extension:
        profile.logo.save(f"logo.{extension}", ContentFile(logo), save=False)
    profile.save()
    if old_logo and old_logo != profile.logo.name:
        storage = profile.logo.storage
        # delete only once the row points elsewhere for good
        transaction.on_commit(lambda: storage.delete(old_logo))
    if accounts is not None:
        CompanyBankAccount.objects.filter(company=locked).delete()
        CompanyBankAccount.objects.bulk_create(
            [CompanyBankAccount(company=locked, **a) for a in accounts]
        )
    company._state.fields_cache.pop("profile", None)  # the caller's copy reads afresh
    return profile


def company_logo_bytes(company: Company) -> bytes | None:
    profile = company_profile(company)
    if not profile.logo:
        return None
    try:
        with profile.logo.open("rb") as handle:
            return handle.read()
    except OSError:  # the file went missing from the data dir: documents print without it
        return None


def company_default_bank_account(company: Company) -> CompanyBankAccount | None:
    return CompanyBankAccount.objects.filter(company=company).order_by("-is_default", "id").first()
