"""Set-based creation of parties with their contact person and addresses (the import path).

`parties_create_bulk` leaves the same rows as calling `party_create`, `contact_create` and
`address_create` for each entry in turn, each entry in its own savepoint: the same checks
(the services' own cleaning functions), the same refusals in the same order (the party's
fields, a duplicate tax id or email, the contact's fields, then each address's), the same
history rows and `party.created` events. What differs is the cost: a chunk is a handful of
statements (one duplicate look-up, one INSERT per table and its history table, one for the
outbox) instead of some twenty-five per entry.

An entry refused leaves nothing, as with the services; the others are written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from tandem.core import events
from tandem.core.errors import DomainError, Duplicate
from tandem.core.models import Company, Currency
from tandem.core.models.events import OutboxEvent

from .models import Address, Contact, Party
from .services import _clean_address, _clean_contact, _clean_party, tags_ensure
from .validation import PARTY_DUPLICATE

logger = logging.getLogger(__name__)

# what party_create defaults when a field is not given
PARTY_DEFAULTS = {
    "kind": Party.Kind.ORGANIZATION,
    "is_customer": False,
    "is_supplier": False,
    "email": "",
    "phone": "",
    "website": "",
    "tax_id": "",
    "language": "",
    "credit_limit": 0,
    "payment_term": None,
    "tags": (),
    "notes": "",
    "active": True,
}
CONTACT_DEFAULTS = {"job_title": "", "email": "", "phone": "", "mobile": "", "notes": ""}
ADDRESS_DEFAULTS = {"street": "", "street2": "", "city": "", "state": "", "postal_code": ""}


@dataclass
class PartyEntry:
    """One party to create: `party_create`'s keyword arguments (without `company`), and
    optionally `contact_create`'s and `address_create`'s (without `party`)."""

    party: dict
    contact: dict | None = None
    addresses: list[dict] = field(default_factory=list)


@dataclass
class _Plan:
    party: dict | None = None  # cleaned fields, tags apart
    tags: list[str] = field(default_factory=list)
    contact: dict | None = None
    addresses: list[dict] = field(default_factory=list)
    error: DomainError | None = None
    # a duplicate of an earlier entry of the same call: (field, that entry's index)
    duplicate_of: tuple[str, int] | None = None
    created: Party | None = None


def _plan(company: Company, entry: PartyEntry, currencies: dict) -> _Plan:
    """The entry cleaned as the services clean it, or the first refusal they would give
    (the duplicate check, which needs the other entries, apart)."""
    data = {**PARTY_DEFAULTS, **entry.party}
    if data.get("country") is None:
        data["country"] = company.country
    currency = data.get("currency")
    if currency is None:
        data["currency"] = company.currency
    elif isinstance(currency, str) and currency.strip().upper() in currencies:
        data["currency"] = currencies[currency.strip().upper()]  # else clean_currency refuses
    plan = _Plan()
    try:
        plan.party = _clean_party(company, data, None)
    except DomainError as exc:
        return _Plan(error=exc)
    plan.tags = plan.party.pop("tags")
    # the contact and addresses are cleaned against the party they would belong to
    party = Party(company=company, country=plan.party["country"])
    if entry.contact is not None:
        contact = {**CONTACT_DEFAULTS, **entry.contact, "is_primary": None}
        try:
            plan.contact = _clean_contact(party, contact)
        except DomainError as exc:
            plan.error = exc
            return plan
        plan.contact["is_primary"] = True  # the first contact of a new party
    for address in entry.addresses:
        address = {**ADDRESS_DEFAULTS, **address, "is_default": None}
        address.setdefault("kind", Address.Kind.BILLING)
        if address.get("country") is None:
            address["country"] = party.country
        try:
            clean = _clean_address(address)
        except DomainError as exc:
            plan.error = exc
            return plan
        # the first address of its kind is that kind's default
        clean["is_default"] = not any(a["kind"] == clean["kind"] for a in plan.addresses)
        plan.addresses.append(clean)
    return plan


def _taken(company: Company, plans: list[_Plan]) -> dict[tuple[str, str], tuple[int, str]]:
    """(field, value) -> (id, name) of the company's parties holding a tax id or email that
    an entry brings."""
    taken = {}
    for name in ("tax_id", "email"):
        values = {p.party[name] for p in plans if p.party is not None and p.party[name]}
        if not values:
            continue
        found = (
            Party.objects.filter(company=company, **{f"{name}__in": values})
            .order_by("-id")  # the lowest id wins, as in _check_duplicate
            .values_list(name, "pk", "name")
        )
        for value, pk, party_name in found:
            taken[(name, value)] = (pk, party_name)
    return taken


def _duplicate(field_name: str, name: str, existing_id: int | None) -> Duplicate:
    if field_name == "tax_id":
        message = _("%(name)s already has this tax ID.") % {"name": name}
    else:
        message = _("%(name)s already has this email address.") % {"name": name}
    return Duplicate(
        message, code=PARTY_DUPLICATE, field=field_name, extra={"existing_id": existing_id}
    )


def _check_duplicates(company: Company, plans: list[_Plan]) -> None:
    """Refuse, in entry order, a tax id or email already on a party or on an earlier entry
    that is written (a refused entry takes nothing, as its savepoint would)."""
    if not any(p.party and (p.party["email"] or p.party["tax_id"]) for p in plans):
        return
    # serialise with the services' duplicate checks (party_create locks the company row)
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").first()
    taken = _taken(company, plans)
    earlier: dict[tuple[str, str], int] = {}
    for index, plan in enumerate(plans):
        if plan.party is None:
            continue
        for name in ("tax_id", "email"):
            value = plan.party[name]
            if not value:
                continue
            if (name, value) in taken:
                pk, party_name = taken[(name, value)]
                plan.error = _duplicate(name, party_name, pk)
            elif (name, value) in earlier:
                plan.duplicate_of = (name, earlier[(name, value)])
            if plan.error or plan.duplicate_of:
                break
        if plan.error is None and plan.duplicate_of is None:
            for name in ("tax_id", "email"):
                if plan.party[name]:
                    earlier.setdefault((name, plan.party[name]), index)


def _set_tags(company: Company, written: list[_Plan]) -> None:
    wanted = {}
    for plan in written:
        for name in plan.tags:
            wanted.setdefault(name.lower(), name)
    if not wanted:
        return
    tags = {t.name.lower(): t for t in tags_ensure(company=company, names=wanted.values())}
    Through = Party.tags.through
    Through.objects.bulk_create(
        [
            Through(party_id=plan.created.pk, tag_id=tags[name.lower()].pk)
            for plan in written
            for name in plan.tags
        ]
    )


def _publish_created(company: Company, parties: Sequence[Party]) -> None:
    """`party.created` for each party, as `events.publish` writes it (one outbox INSERT for
    all), delivered in process once the transaction commits."""
    due = timezone.now() + events.FRESH_GRACE
    rows = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                name="party.created",
                company_id=company.pk,
                payload=events.json_safe({"party_id": p.pk, "company_id": company.pk}),
                next_attempt_at=due,
            )
            for p in parties
        ]
    )
    transaction.on_commit(partial(_deliver, rows))


def _deliver(rows: list[OutboxEvent]) -> None:
    # one transaction for the chunk's deliveries instead of one commit each; a failure is
    # left to the retry task, as after events.publish
    try:
        with transaction.atomic():
            for row in rows:
                events.deliver(row, fresh=True)
    except Exception:
        logger.exception("in-process delivery of %d party.created events failed", len(rows))


@transaction.atomic
def parties_create_bulk(*, company: Company, entries: Sequence[PartyEntry]) -> list:
    """Create each entry's party, contact and addresses; answers, per entry, the Party
    created or the DomainError that refused it (nothing of that entry written)."""
    currencies = {}
    if any(isinstance(e.party.get("currency"), str) for e in entries):
        currencies = {c.code: c for c in Currency.objects.filter(active=True)}
    plans = [_plan(company, entry, currencies) for entry in entries]
    _check_duplicates(company, plans)
    written = [p for p in plans if p.error is None and p.duplicate_of is None]
    parties = [Party(company=company, **plan.party) for plan in written]
    if parties:
        parties = bulk_create_with_history(parties, Party, default_change_reason=None)
    for plan, party in zip(written, parties, strict=True):
        plan.created = party
    _set_tags(company, written)
    contacts = [
        Contact(company=company, party_id=plan.created.pk, **plan.contact)
        for plan in written
        if plan.contact is not None
    ]
    if contacts:
        bulk_create_with_history(contacts, Contact, default_change_reason=None)
    addresses = [
        Address(company=company, party_id=plan.created.pk, **address)
        for plan in written
        for address in plan.addresses
    ]
    if addresses:
        bulk_create_with_history(addresses, Address, default_change_reason=None)
    if parties:
        _publish_created(company, parties)
    for plan in plans:
        if plan.duplicate_of is not None:
            name, index = plan.duplicate_of
            first = plans[index].created
            plan.error = _duplicate(name, first.name, first.pk)
    return [plan.created if plan.error is None else plan.error for plan in plans]
