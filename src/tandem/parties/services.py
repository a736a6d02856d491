"""Writes to the party master, each under its invariants.

Every service validates all of its input before it writes anything and runs in one
transaction, so a refused call changes nothing. Refusals are DomainErrors with stable
codes (see validation.py); validation errors name their field.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import Conflict, Duplicate, ValidationFailed
from tandem.core.models import Company, Currency

from .models import Address, Contact, Party, PaymentTerm, Tag
from .validation import (  # noqa: F401  (re-exported for callers)
    COLOR_INVALID,
    COLOR_RE,
    COUNTRIES,
    DUE_DAYS_INVALID,
    DUE_DAYS_MAX,
    NAME_MAX,
    NOTES_MAX,
    PARTY_DUPLICATE,
    PARTY_IN_USE,
    PAYMENT_TERM_DUPLICATE,
    PAYMENT_TERM_IN_USE,
    TAG_DUPLICATE,
    TAG_NAME_MAX,
    FieldErrors,
    clean_bool,
    clean_choice,
    clean_currency,
    clean_payment_term,
    clean_tag_names,
    clean_text,
    normalize_country,
    normalize_credit_limit,
    normalize_email,
    normalize_phone,
    normalize_tax_id,
    normalize_website,
)


class PartyInUse(Conflict):
    code = PARTY_IN_USE
    title = "Party in use"


# -- tags and payment terms ------------------------------------------------------------------


def tags_ensure(*, company: Company, names: Iterable[str]) -> list[Tag]:
    """The tags named `names` (case-insensitive), creating the missing ones."""
    wanted = clean_tag_names(names)
    if not wanted:
        return []
    existing = {
        tag.name.lower(): tag
        for tag in Tag.objects.filter(company=company)
        .annotate(lname=Lower("name"))
        .filter(lname__in=[n.lower() for n in wanted])
    }
    tags = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(company=company, name=name)
            except IntegrityError:  # created concurrently: use theirs
                tag = Tag.objects.get(company=company, name__iexact=name)
        tags.append(tag)
    return tags


@transaction.atomic
def tag_create(*, company: Company, name: str, color: str = "") -> Tag:
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=TAG_NAME_MAX, required=True)
    color = errors.check(clean_text, color, field="color", max_length=7)
    if color and not COLOR_RE.match(color):
        errors.failures.append(
            ValidationFailed(_("Use a colour like #1769aa."), code=COLOR_INVALID, field="color")
        )
    errors.raise_any()
    existing = Tag.objects.filter(company=company, name__iexact=name).first()
    if existing is not None:
        raise Duplicate(
            _("A tag named %(name)s exists.") % {"name": existing.name},
            code=TAG_DUPLICATE,
            field="name",
            extra={"existing_id": existing.pk},
        )
    return Tag.objects.create(company=company, name=name, color=color.lower())


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """Removes the tag from every party that carries it."""
    tag.delete()


@transaction.atomic
def payment_term_create(*, company: Company, name: str, due_days: int = 0) -> PaymentTerm:
    errors = FieldErrors()
    name = errors.check(clean_text, name, field="name", max_length=100, required=True)
    if (
        isinstance(due_days, bool)
        or not isinstance(due_days, int)
        or not (0 <= due_days <= DUE_DAYS_MAX)
    ):
        errors.failures.append(
            ValidationFailed(
                _("Enter a whole number of days from 0 to %(max)d.") % {"max": DUE_DAYS_MAX},
                code=DUE_DAYS_INVALID,
                field="due_days",
            )
        )
    errors.raise_any()
    existing = PaymentTerm.objects.filter(company=company, name=name).first()
    if existing is not None:
        raise Duplicate(
            _("A payment term named %(name)s exists.") % {"name": name},
            code=PAYMENT_TERM_DUPLICATE,
            field="name",
            extra={"existing_id": existing.pk},
        )
    return PaymentTerm.objects.create(company=company, name=name, due_days=due_days)


@transaction.atomic
def payment_term_delete(*, term: PaymentTerm) -> None:
    try:
        with transaction.atomic():
            term.delete()
    except (ProtectedError, RestrictedError):
        raise Conflict(
            _("Parties use this payment term; assign them another one first."),
            code=PAYMENT_TERM_IN_USE,
        ) from None


# -- parties ---------------------------------------------------------------------------------

PARTY_FIELDS = frozenset(
    {
        "kind",
        "name",
        "is_customer",
        "is_supplier",
        "email",
        "phone",
        "website",
        "tax_id",
        "country",
        "language",
        "currency",
        "credit_limit",
        "payment_term",
        "tags",
        "notes",
        "active",
    }
)


class PARTY_LANGUAGES:  # noqa: N801  (the shape clean_choice reads: `.values`; blank is allowed)
    values = ("en", "zh-hans")


def party_clean(company: Company, data: dict, current: Party | None) -> dict:
    """Validate the given party fields (all of them, reporting every error) and normalise.

    Public: the set-based paths (`parties.bulk`) clean with it, so both refuse alike."""
    unknown = set(data) - PARTY_FIELDS
    if unknown:
        raise TypeError(f"unknown party fields: {', '.join(sorted(unknown))}")
    errors = FieldErrors()
    clean: dict = {}

    def get(name, default=None):
        if name in clean:
            return clean[name]
        return getattr(current, name) if current is not None else default

    if "kind" in data:
        clean["kind"] = errors.check(clean_choice, data["kind"], choices=Party.Kind, field="kind")
    if "name" in data:
        clean["name"] = errors.check(
            clean_text, data["name"], field="name", max_length=NAME_MAX, required=True
        )
    for flag in ("is_customer", "is_supplier", "active"):
        if flag in data:
            clean[flag] = errors.check(clean_bool, data[flag], field=flag)
    if "country" in data:
        clean["country"] = errors.check(normalize_country, data["country"])
    if "email" in data:
        clean["email"] = errors.check(normalize_email, data["email"])
    if "language" in data:
        clean["language"] = (
            errors.check(clean_choice, data["language"], choices=PARTY_LANGUAGES, field="language")
            if data["language"]
            else ""
        )
    if "phone" in data:
        region = get("country", "") or company.country
        clean["phone"] = errors.check(normalize_phone, data["phone"], region=region)
    if "website" in data:
        clean["website"] = errors.check(normalize_website, data["website"])
    if "notes" in data:
        clean["notes"] = errors.check(
            clean_text, data["notes"], field="notes", max_length=NOTES_MAX
        )
    # The tax id is checked against the country (and kind) it will have after the change.
    if {"tax_id", "country", "kind"} & set(data):
        raw_tax_id = data["tax_id"] if "tax_id" in data else get("tax_id", "")
        if not raw_tax_id:
            if "tax_id" in data:
                clean["tax_id"] = ""
        elif clean.get("country", "") is not None and clean.get("kind", "") is not None:
            clean["tax_id"] = errors.check(
                normalize_tax_id,
                raw_tax_id,
                country=get("country", ""),
                kind=get("kind", Party.Kind.ORGANIZATION),
            )
    if "currency" in data:
        clean["currency"] = errors.check(clean_currency, data["currency"])
    if "credit_limit" in data:
        currency = clean.get("currency") or (current.currency if current else company.currency)
        clean["credit_limit"] = errors.check(
            normalize_credit_limit, data["credit_limit"], currency=currency.code
        )
    if "payment_term" in data:
        clean["payment_term"] = errors.check(
            clean_payment_term, data["payment_term"], company=company
        )
    if "tags" in data:
        clean["tags"] = errors.check(clean_tag_names, data["tags"])
    errors.raise_any()
    return clean


def _check_duplicate(company: Company, *, email: str, tax_id: str, exclude: int | None) -> None:
    """Refuse a second party with the same tax id or email in the company."""
    if not email and not tax_id:
        return
    # Serialise duplicate checks per company, so two concurrent creates cannot both pass.
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").first()
    for field, value in (("tax_id", tax_id), ("email", email)):
        if not value:
            continue
        existing = (
            Party.objects.filter(company=company, **{field: value})
            .exclude(pk=exclude)
            .order_by("id")
            .values_list("pk", "name")
            .first()
        )
        if existing is not None:
            if field == "tax_id":
                message = _("%(name)s already has this tax ID.") % {"name": existing[1]}
            else:
                message = _("%(name)s already has this email address.") % {"name": existing[1]}
            raise Duplicate(
                message,
                code=PARTY_DUPLICATE,
                field=field,
                extra={"existing_id": existing[0]},
            )


@transaction.atomic
def party_create(
    *,
    company: Company,
    name: str,
    kind: str = Party.Kind.ORGANIZATION,
    is_customer: bool = False,
    is_supplier: bool = False,
    email: str = "",
    phone: str = "",
    website: str = "",
    tax_id: str = "",
    country: str | None = None,
    language: str = "",
    currency: str | Currency | None = None,
    credit_limit: Decimal | str | int = Decimal(0),
    payment_term: PaymentTerm | int | None = None,
    tags: Iterable[str] = (),
    notes: str = "",
    active: bool = True,
    allow_duplicate: bool = False,
) -> Party:
    """Create a party. `country` and `currency` default to the company's.

    Raises ValidationFailed (422) naming the field, or Duplicate (`party.duplicate`, with
    `existing_id`) when the tax id or email is already on a party, unless `allow_duplicate`.
    """
    data = {
        "kind": kind,
        "name": name,
        "is_customer": is_customer,
        "is_supplier": is_supplier,
        "email": email,
        "phone": phone,
        "website": website,
        "tax_id": tax_id,
        "country": company.country if country is None else country,
        "language": language,
        "currency": company.currency if currency is None else currency,
        "credit_limit": credit_limit,
        "payment_term": payment_term,
        "tags": tags,
        "notes": notes,
        "active": active,
    }
    clean = party_clean(company, data, None)
    if not allow_duplicate:
        _check_duplicate(company, email=clean["email"], tax_id=clean["tax_id"], exclude=None)
    tag_names = clean.pop("tags")
    party = Party.objects.create(company=company, **clean)
    if tag_names:
        party.tags.set(tags_ensure(company=company, names=tag_names))
    events.publish("party.created", party_id=party.pk, company_id=company.pk)
    return party


@transaction.atomic
def party_update(*, party: Party, allow_duplicate: bool = False, **changes) -> Party:
    """Change the given fields of `party` (others keep their values); same checks as create."""
    locked = (
        Party.objects.select_for_update(of=("self",))
        .select_related("company", "currency")
        .get(pk=party.pk)
    )
    company = locked.company
    clean = party_clean(company, changes, locked)
    if not allow_duplicate:
        email = clean.get("email", locked.email)
        tax_id = clean.get("tax_id", locked.tax_id)
        _check_duplicate(
            company,
            email=email if email != locked.email else "",
            tax_id=tax_id if tax_id != locked.tax_id else "",
            exclude=locked.pk,
        )
    tag_names = clean.pop("tags", None)
    changed = [f for f, v in clean.items() if getattr(locked, f) != v]
    for field, value in clean.items():
        setattr(locked, field, value)
    if changed:
        locked.save()
    if tag_names is not None:
        before = set(locked.tags.values_list("pk", flat=True))
        tags = tags_ensure(company=company, names=tag_names)
        if {tag.pk for tag in tags} != before:
            locked.tags.set(tags)
            changed.append("tags")
    if changed:
        events.publish("party.updated", party_id=locked.pk, company_id=company.pk)
    return locked


@transaction.atomic
def party_delete(*, party: Party) -> None:
    """Delete the party with its contacts and addresses; refused while documents use it."""
    party_id, company_id = party.pk, party.company_id
    try:
        with transaction.atomic():
            party.delete()
    except (ProtectedError, RestrictedError):
        raise PartyInUse(
            _("%(name)s is used by other records; archive it instead.") % {"name": party.name},
            code=PARTY_IN_USE,
        ) from None
    events.publish("party.deleted", party_id=party_id, company_id=company_id)


# -- contacts --------------------------------------------------------------------------------

CONTACT_FIELDS = frozenset({"name", "job_title", "email", "phone", "mobile", "is_primary", "notes"})


def contact_clean(party: Party, data: dict) -> dict:
    """The given contact fields validated and normalised (the phone by the party's country);
    ValidationFailed naming every bad field. Shared with `parties.bulk`."""
    unknown = set(data) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"unknown contact fields: {', '.join(sorted(unknown))}")
    region = party.country or party.company.country
    errors = FieldErrors()
    clean = {}
    if "name" in data:
        clean["name"] = errors.check(
            clean_text, data["name"], field="name", max_length=NAME_MAX, required=True
        )
    if "job_title" in data:
        clean["job_title"] = errors.check(
            clean_text, data["job_title"], field="job_title", max_length=100
        )
    if "email" in data:
        clean["email"] = errors.check(normalize_email, data["email"])
    for field in ("phone", "mobile"):
        if field in data:
            clean[field] = errors.check(normalize_phone, data[field], region=region, field=field)
    if "is_primary" in data and data["is_primary"] is not None:
        clean["is_primary"] = errors.check(clean_bool, data["is_primary"], field="is_primary")
    if "notes" in data:
        clean["notes"] = errors.check(
            clean_text, data["notes"], field="notes", max_length=NOTES_MAX
        )
    errors.raise_any()
    return clean


def _unset_others(queryset, field: str) -> None:
    # Row by row (there is at most one), so the audit trail records the change.
    for row in queryset.select_for_update().filter(**{field: True}):
        setattr(row, field, False)
        row.save(update_fields=[field, "updated_at"])


def _party_locked(party: Party) -> Party:
    return Party.objects.select_for_update(of=("self",)).select_related("company").get(pk=party.pk)


@transaction.atomic
def contact_create(
    *,
    party: Party,
    name: str,
    job_title: str = "",
    email: str = "",
    phone: str = "",
    mobile: str = "",
    is_primary: bool | None = None,
    notes: str = "",
) -> Contact:
    """Add a contact person; the first one becomes primary unless `is_primary` says otherwise."""
    party = _party_locked(party)
    clean = contact_clean(
        party,
        {
            "name": name,
            "job_title": job_title,
            "email": email,
            "phone": phone,
            "mobile": mobile,
            "is_primary": is_primary,
            "notes": notes,
        },
    )
    siblings = Contact.objects.filter(party=party)
    if is_primary is None:
        clean["is_primary"] = not siblings.filter(is_primary=True).exists()
    elif clean["is_primary"]:
        _unset_others(siblings, "is_primary")
    return Contact.objects.create(company=party.company, party=party, **clean)


@transaction.atomic
def contact_update(*, contact: Contact, **changes) -> Contact:
    party = _party_locked(contact.party)
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    clean = contact_clean(party, changes)
    if clean.get("is_primary"):
        _unset_others(Contact.objects.filter(party=party).exclude(pk=locked.pk), "is_primary")
    changed = [f for f, v in clean.items() if getattr(locked, f) != v]
    for field, value in clean.items():
        setattr(locked, field, value)
    if changed:
        locked.save()
    return locked


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    contact.delete()


# -- addresses -------------------------------------------------------------------------------

ADDRESS_FIELDS = frozenset(
    {"kind", "street", "street2", "city", "state", "postal_code", "country", "is_default"}
)


def address_clean(data: dict) -> dict:
    """The given address fields validated and normalised; ValidationFailed naming every bad
    field. Shared with `parties.bulk`."""
    unknown = set(data) - ADDRESS_FIELDS
    if unknown:
        raise TypeError(f"unknown address fields: {', '.join(sorted(unknown))}")
    errors = FieldErrors()
    clean = {}
    if "kind" in data:
        clean["kind"] = errors.check(clean_choice, data["kind"], choices=Address.Kind, field="kind")
    for field, max_length in (
        ("street", 200),
        ("street2", 200),
        ("city", 100),
        ("state", 100),
        ("postal_code", 20),
    ):
        if field in data:
            clean[field] = errors.check(clean_text, data[field], field=field, max_length=max_length)
    if "country" in data:
        clean["country"] = errors.check(normalize_country, data["country"])
    if "is_default" in data and data["is_default"] is not None:
        clean["is_default"] = errors.check(clean_bool, data["is_default"], field="is_default")
    errors.raise_any()
    return clean


@transaction.atomic
def address_create(
    *,
    party: Party,
    kind: str = Address.Kind.BILLING,
    street: str = "",
    street2: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    country: str | None = None,
    is_default: bool | None = None,
) -> Address:
    """Add an address. `country` defaults to the party's; the first address of a kind
    becomes that kind's default unless `is_default` says otherwise."""
    party = _party_locked(party)
    clean = address_clean(
        {
            "kind": kind,
            "street": street,
            "street2": street2,
            "city": city,
            "state": state,
            "postal_code": postal_code,
            "country": party.country if country is None else country,
            "is_default": is_default,
        }
    )
    siblings = Address.objects.filter(party=party, kind=clean["kind"])
    if is_default is None:
        clean["is_default"] = not siblings.filter(is_default=True).exists()
    elif clean["is_default"]:
        _unset_others(siblings, "is_default")
    return Address.objects.create(company=party.company, party=party, **clean)


@transaction.atomic
def address_update(*, address: Address, **changes) -> Address:
    party = _party_locked(address.party)
    locked = Address.objects.select_for_update().get(pk=address.pk)
    clean = address_clean(changes)
    kind = clean.get("kind", locked.kind)
    is_default = clean.get("is_default", locked.is_default)
    if is_default and (clean.get("is_default") or kind != locked.kind):
        # Becoming the default of `kind` (or moving there as a default): the old one steps down.
        _unset_others(
            Address.objects.filter(party=party, kind=kind).exclude(pk=locked.pk), "is_default"
        )
    changed = [f for f, v in clean.items() if getattr(locked, f) != v]
    for field, value in clean.items():
        setattr(locked, field, value)
    if changed:
        locked.save()
    return locked


@transaction.atomic
def address_delete(*, address: Address) -> None:
    address.delete()
