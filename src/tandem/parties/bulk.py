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

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tandem.core import events
from tandem.core.errors import DomainError, Duplicate
from tandem.core.imports.inserts import rows_insert
from tandem.core.models import Company, Currency

from .models import Address, Contact, Party
from .services import address_clean, contact_clean, party_clean, tags_ensure
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
    created: int | None = None  # the id of the party written


@dataclass
class _Owner:
    """What `contact_clean` reads of the party a contact belongs to (a Party instance per
    row cost more than the cleaning)."""

    company: Company
    country: str


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
        plan.party = party_clean(company, data, None)
    except DomainError as exc:
        return _Plan(error=exc)
    plan.tags = plan.party.pop("tags")
    # the contact and addresses are cleaned against the party they would belong to
    party = _Owner(company, plan.party["country"])
    if entry.contact is not None:
        contact = {**CONTACT_DEFAULTS, **entry.contact, "is_primary": None}
        try:
            plan.contact = contact_clean(party, contact)
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
            clean = address_clean(address)
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
            Through(party_id=plan.created, tag_id=tags[name.lower()].pk)
            for plan in written
            for name in plan.tags
        ]
    )


def _publish_created(company: Company, ids: Sequence[int]) -> None:
    """`party.created` for each party, in one outbox INSERT, delivered together once the
    transaction commits (`events.publish_many`)."""
    events.publish_many("party.created", ({"party_id": pk, "company_id": company.pk} for pk in ids))


def _row(company: Company, data: dict, **more) -> dict:
    """A cleaned dict as `rows_insert` takes it: a related record as its id."""
    row = {"company_id": company.pk, **more}
    for name, value in data.items():
        if isinstance(value, Model):
            row[f"{name}_id"] = value.pk
        else:
            row[name] = value
    return row


def _creates_planned(company: Company, entries: Sequence[PartyEntry]) -> list[_Plan]:
    """Each entry cleaned (or refused) as the services would, nothing read but currencies."""
    currencies = {}
    if any(isinstance(e.party.get("currency"), str) for e in entries):
        currencies = {c.code: c for c in Currency.objects.filter(active=True)}
    return [_plan(company, entry, currencies) for entry in entries]


def _creates_write(company: Company, plans: list[_Plan]) -> list:
    """The duplicate check, then the planned parties, their contacts and addresses written
    with their history (`rows_insert`: one statement stream per table); per plan, the id of
    the party created or the DomainError that refused it."""
    _check_duplicates(company, plans)
    written = [p for p in plans if p.error is None and p.duplicate_of is None]
    now = timezone.now()
    ids = rows_insert(Party, [_row(company, plan.party) for plan in written], now=now)
    for plan, pk in zip(written, ids, strict=True):
        plan.created = pk
    _set_tags(company, written)
    contacts = [
        _row(company, plan.contact, party_id=plan.created)
        for plan in written
        if plan.contact is not None
    ]
    rows_insert(Contact, contacts, now=now)
    addresses = [
        _row(company, address, party_id=plan.created)
        for plan in written
        for address in plan.addresses
    ]
    rows_insert(Address, addresses, now=now)
    if ids:
        _publish_created(company, ids)
    for plan in plans:
        if plan.duplicate_of is not None:
            name, index = plan.duplicate_of
            first = plans[index]
            plan.error = _duplicate(name, first.party["name"], first.created)
    return [plan.created if plan.error is None else plan.error for plan in plans]


@transaction.atomic
def parties_create_bulk(*, company: Company, entries: Sequence[PartyEntry]) -> list:
    """Create each entry's party, contact and addresses; answers, per entry, the Party
    created or the DomainError that refused it (nothing of that entry written)."""
    done = _creates_write(company, _creates_planned(company, entries))
    found = Party.objects.in_bulk([d for d in done if not isinstance(d, DomainError)])
    return [d if isinstance(d, DomainError) else found[d] for d in done]


# -- updates --------------------------------------------------------------------------------


@dataclass
class _Update:
    party: Party
    clean: dict
    tags: list[str] | None
    contact: dict | None  # cleaned, with "pk" when it updates an existing contact
    addresses: list[dict]  # cleaned, each with "pk" when it updates the kind's default
    changed: list[str] = field(default_factory=list)


def _changes(row, clean: dict) -> list[str]:
    return [name for name, value in clean.items() if getattr(row, name) != value]


def parties_update_bulk(*, company: Company, entries: Sequence[tuple[int, PartyEntry]]) -> list:
    """Update, set-based, the parties `entries` name by id, as the import's row path does
    with `party_update(party=..., **entry.party)`, then `contact_update` of the contact of
    that name (or `contact_create`) and `address_update` of the kind's default address (or
    `address_create`): the same cleaning and refusals, history rows and `party.updated`
    events, in a few statements per chunk.

    Answers, per leading entry it takes, the Party or the DomainError that refused it
    (nothing of that entry written). It stops at the first entry it leaves to the per-row
    services (a party gone since, one named twice, a new tax id or email, which need the
    duplicate check), so the caller runs that one and calls again with the rest."""
    outcomes = _updates_planned(company, entries)
    plans = [plan for _outcome, plan in outcomes if plan is not None]
    if plans:
        _update_write(company, plans)
    return [outcome for outcome, _plan in outcomes]


def _updates_planned(company: Company, entries: Sequence[tuple[int, PartyEntry]]) -> list:
    """Per leading entry the update path takes, `(party, its plan)` or `(refusal, None)`;
    three reads (parties with their tags, contacts, default addresses) and nothing written."""
    ids = [pk for pk, _entry in entries]
    if not ids:
        return []
    parties = Party.objects.filter(company=company, pk__in=ids).select_related("currency")
    parties = {p.pk: p for p in parties.prefetch_related("tags")}
    contacts: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(party_id__in=parties).order_by(*Contact._meta.ordering):
        contacts.setdefault(contact.party_id, []).append(contact)
    addresses: dict[tuple[int, str], Address] = {}
    for address in Address.objects.filter(party_id__in=parties, is_default=True).order_by("id"):
        addresses.setdefault((address.party_id, address.kind), address)
    outcomes: list = []
    seen: set[int] = set()
    for pk, entry in entries:
        party = parties.get(pk)
        if party is None or pk in seen:
            break
        seen.add(pk)
        try:
            plan = _update_plan(company, party, entry, contacts, addresses)
        except DomainError as exc:
            outcomes.append((exc, None))
            continue
        if plan is None:
            break
        outcomes.append((party, plan))
    return outcomes


def _update_plan(company, party: Party, entry: PartyEntry, contacts, addresses) -> _Update | None:
    clean = party_clean(company, entry.party, party)
    for name in ("email", "tax_id"):
        if name in clean and clean[name] and clean[name] != getattr(party, name):
            return None  # the per-row path checks it against the other parties
    tags = clean.pop("tags", None)
    changed = _changes(party, clean)
    # the contact and addresses are cleaned against the party as it will be
    after = Party(company=company, country=clean.get("country", party.country))
    contact = None
    if entry.contact is not None:
        name = str(entry.contact.get("name", "")).casefold()
        existing = next((c for c in contacts.get(party.pk, ()) if c.name.casefold() == name), None)
        if existing is None:
            contact = contact_clean(after, {**CONTACT_DEFAULTS, **entry.contact})
            contact["is_primary"] = not any(c.is_primary for c in contacts.get(party.pk, ()))
        else:
            contact = {**contact_clean(after, entry.contact), "pk": existing}
    cleaned = []
    for address in entry.addresses:
        kind = address.get("kind", Address.Kind.BILLING)
        existing = addresses.get((party.pk, kind))
        if existing is None:
            data = {**ADDRESS_DEFAULTS, **address, "kind": kind}
            if data.get("country") is None:
                data["country"] = after.country
            cleaned.append({**address_clean(data), "is_default": True})
        else:
            fields = {k: v for k, v in address.items() if k != "kind"}
            cleaned.append({**address_clean(fields), "pk": existing})
    return _Update(party, clean, tags, contact, cleaned, changed)


def _update_write(company: Company, plans: list[_Update]) -> None:
    now = timezone.now()
    if any(plan.tags is not None for plan in plans):
        _update_tags(company, plans)
    # a change of tags alone is no change of the row (party_update saves before the tags)
    changed = [plan for plan in plans if set(plan.changed) - {"tags"}]
    fields = sorted({name for plan in changed for name in plan.changed} - {"tags"})
    for plan in changed:
        for name, value in plan.clean.items():
            setattr(plan.party, name, value)
        plan.party.updated_at = now
    if changed:
        bulk_update_with_history([plan.party for plan in changed], Party, [*fields, "updated_at"])
    _children_write(company, plans, now)
    touched = [plan.party for plan in plans if plan.changed]
    if touched:
        events.publish_many(
            "party.updated", ({"party_id": p.pk, "company_id": company.pk} for p in touched)
        )


def _update_tags(company: Company, plans: list[_Update]) -> None:
    wanted = {}
    for plan in plans:
        for name in plan.tags or ():
            wanted.setdefault(name.lower(), name)
    tags = {t.name.lower(): t for t in tags_ensure(company=company, names=wanted.values())}
    Through = Party.tags.through
    replaced = []
    for plan in plans:
        if plan.tags is None:
            continue
        new = {tags[name.lower()].pk for name in plan.tags}
        if new != {t.pk for t in plan.party.tags.all()}:
            replaced.append((plan.party.pk, new))
            if "tags" not in plan.changed:
                plan.changed.append("tags")
    if replaced:
        Through.objects.filter(party_id__in=[pk for pk, _new in replaced]).delete()
        Through.objects.bulk_create(
            [Through(party_id=pk, tag_id=tag) for pk, new in replaced for tag in sorted(new)]
        )


def _children_write(company: Company, plans: list[_Update], now) -> None:
    for model, items in (
        (Contact, [(p, p.contact) for p in plans if p.contact is not None]),
        (Address, [(p, a) for p in plans for a in p.addresses]),
    ):
        new, changed, fields = [], [], set()
        for plan, data in items:
            row = data.pop("pk", None)
            if row is None:
                new.append(model(company=company, party_id=plan.party.pk, **data))
                continue
            names = _changes(row, data)
            if names:
                for name in names:
                    setattr(row, name, data[name])
                row.updated_at = now
                fields.update(names)
                changed.append(row)
        if new:
            bulk_create_with_history(new, model, default_change_reason=None)
        if changed:
            bulk_update_with_history(changed, model, [*sorted(fields), "updated_at"])


def _freed(plan: _Update) -> list[tuple[str, str]]:
    """The tax id and email the update takes off its party (cleared, or re-read for another
    country), which a new party may then bring."""
    freed = []
    for name in ("tax_id", "email"):
        before = getattr(plan.party, name)
        if before and plan.clean.get(name, before) != before:
            freed.append((name, before))
    return freed


def _cut(updates: list, creates: list, end: int) -> int:
    """Where the chunk's two passes must stop so that writing its updates before its new
    parties leaves what file order leaves: before an update that frees a tax id or email a
    new party earlier in the file brings (row by row that party is refused as a duplicate of
    the party updated after it), and before an update naming a tag an earlier new party
    names in another spelling (row by row the new party's spelling is made first).
    `updates` are (index, plan), `creates` (index, plan), each in file order."""
    freed: dict[tuple[str, str], int] = {}
    spelled: dict[str, tuple[str, int]] = {}
    for index, plan in updates:
        for key in _freed(plan):
            freed.setdefault(key, index)
        for tag in plan.tags or ():
            spelled.setdefault(tag.lower(), (tag, index))
    for index, plan in creates:
        if plan.party is None:
            continue
        for name in ("tax_id", "email"):
            at = freed.get((name, plan.party[name])) if plan.party[name] else None
            if at is not None and index < at < end:
                end = at
        for tag in plan.tags:
            other, at = spelled.get(tag.lower(), (tag, -1))
            if other != tag and index < at < end:
                end = at
    return end


@transaction.atomic
def parties_write_bulk(*, company: Company, entries: Sequence[tuple[int | None, PartyEntry]]):
    """The import's chunk writer: entries with no id are created, the others update that
    party, in two set-based passes whatever their order in the file (the chunk's updates as
    `parties_update_bulk` does them, then its new parties as `parties_create_bulk`), so a
    chunk costs the same few statements however creates and updates alternate in it. An
    update here never takes a new tax id or email, so the two passes depend on each other
    only where `_cut` stops them.

    Answers, per leading entry written, `(party id, created?)` or the DomainError that
    refused it. It stops before the first update the update path leaves to the row services, and
    where `_cut` says; the caller runs that entry through the row services and calls again
    with the rest."""
    updates = [(index, pk, e) for index, (pk, e) in enumerate(entries) if pk is not None]
    planned = _updates_planned(company, [(pk, e) for _index, pk, e in updates])
    end = updates[len(planned)][0] if len(planned) < len(updates) else len(entries)
    # (index in entries, outcome, plan) of each update the update path takes
    taken = [(u[0], outcome, plan) for u, (outcome, plan) in zip(updates, planned, strict=False)]
    creates = [index for index, (pk, _e) in enumerate(entries[:end]) if pk is None]
    create_plans = list(
        zip(creates, _creates_planned(company, [entries[i][1] for i in creates]), strict=True)
    )
    end = _cut([(index, plan) for index, _o, plan in taken if plan], create_plans, end)
    outcomes: dict[int, object] = {}
    plans = []
    for index, outcome, plan in taken:
        if index < end:
            outcomes[index] = outcome if plan is None else (outcome.pk, False)
            plans += [plan] if plan is not None else []
    if plans:
        _update_write(company, plans)
    created = [(index, plan) for index, plan in create_plans if index < end]
    written = _creates_write(company, [plan for _index, plan in created]) if created else []
    for (index, _plan), outcome in zip(created, written, strict=True):
        outcomes[index] = outcome if isinstance(outcome, DomainError) else (outcome, True)
    return [outcomes[index] for index in range(end)]
