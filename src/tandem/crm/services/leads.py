"""Leads: creation with party matching, qualification into an opportunity, disqualification."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.models import Company
from tandem.parties import services as party_services
from tandem.parties.models import Contact, Party
from tandem.parties.validation import FieldErrors, normalize_email, normalize_phone

from ..errors import LeadAlreadyQualified, LeadDisqualified, LeadNotDisqualified
from ..models import Activity, Interaction, Lead, LeadState, MatchOn, SalesTeam, Source
from ._common import TEXT_MAX, UNSET, choice, locked, member, same_company, text
from .opportunities import opportunity_create

LEAD_FIELDS = (
    "name",
    "contact_name",
    "company_name",
    "email",
    "phone",
    "source",
    "campaign",
    "owner",
    "team",
    "notes",
)


def lead_match(
    *, company: Company, email: str = "", phone: str = "", company_name: str = ""
) -> tuple[Party | None, Contact | None, str]:
    """The existing party a lead is about: by email, then phone (on the party or one of its
    contact persons), then company name (case-insensitive). Values are normalised already."""
    parties = Party.objects.filter(company=company).order_by("-active", "id")
    contacts = Contact.objects.filter(company=company).select_related("party").order_by("id")
    if email:
        party = parties.filter(email__iexact=email).first()
        if party is not None:
            return party, None, MatchOn.EMAIL
        contact = contacts.filter(email__iexact=email).first()
        if contact is not None:
            return contact.party, contact, MatchOn.EMAIL
    if phone:
        party = parties.filter(phone=phone).first()
        if party is not None:
            return party, None, MatchOn.PHONE
        contact = contacts.filter(Q(phone=phone) | Q(mobile=phone)).first()
        if contact is not None:
            return contact.party, contact, MatchOn.PHONE
    if company_name:
        party = parties.filter(name__iexact=company_name).first()
        if party is not None:
            return party, None, MatchOn.COMPANY_NAME
    return None, None, ""


def _clean(company: Company, data: dict, current: Lead | None) -> dict:
    """Validate the given lead fields, reporting every error at once, and normalise them."""
    errors = FieldErrors()
    clean: dict = {}
    for field, max_length in (
        ("name", 200),
        ("contact_name", 200),
        ("company_name", 200),
        ("campaign", 100),
        ("notes", TEXT_MAX),
    ):
        if field in data:
            clean[field] = errors.check(text, data[field], field=field, max_length=max_length)
    if "email" in data:
        clean["email"] = errors.check(normalize_email, data["email"])
    if "phone" in data:
        clean["phone"] = errors.check(normalize_phone, data["phone"], region=company.country)
    if "source" in data:
        clean["source"] = errors.check(choice, data["source"], Source, field="source")
    if "owner" in data:
        clean["owner"] = errors.check(member, company, data["owner"], field="owner")
    if "team" in data:
        clean["team"] = errors.check(
            same_company, company, data["team"], field="team", model=SalesTeam
        )
    errors.raise_any()

    def get(field):
        return clean[field] if field in clean else getattr(current, field, "")

    if not (get("contact_name") or get("company_name")):
        raise ValidationFailed(
            _("Give the name of the person or of their company."),
            code="validation.required",
            field="contact_name",
        )
    if "name" in clean and not clean["name"]:
        clean["name"] = (get("company_name") or get("contact_name"))[:200]
    return clean


def _apply_match(company: Company, lead: Lead) -> None:
    party, contact, match_on = lead_match(
        company=company, email=lead.email, phone=lead.phone, company_name=lead.company_name
    )
    lead.matched_party, lead.matched_contact, lead.match_on = party, contact, match_on


@transaction.atomic
def lead_create(
    *,
    company: Company,
    name: str = "",
    contact_name: str = "",
    company_name: str = "",
    email: str = "",
    phone: str = "",
    source: str = Source.MANUAL,
    campaign: str = "",
    owner=None,
    team=None,
    notes: str = "",
) -> Lead:
    """Create a lead and match it against the existing parties (`matched_party`, `match_on`).

    `name` (the title) defaults to the company or contact name. Raises ValidationFailed (422)
    naming the field.
    """
    clean = _clean(
        company,
        {
            "name": name,
            "contact_name": contact_name,
            "company_name": company_name,
            "email": email,
            "phone": phone,
            "source": source,
            "campaign": campaign,
            "owner": owner,
            "team": team,
            "notes": notes,
        },
        None,
    )
    lead = Lead(company=company, **clean)
    _apply_match(company, lead)
    lead.save()
    events.publish("lead.created", lead_id=lead.pk, company_id=company.pk)
    return lead


def _refuse_unless_open(lead: Lead) -> None:
    if lead.state == LeadState.QUALIFIED:
        raise LeadAlreadyQualified(
            _("This lead is already qualified."), extra={"opportunity_id": lead.opportunity_id}
        )


@transaction.atomic
def lead_update(*, lead: Lead, **changes) -> Lead:
    """Change a new or disqualified lead; a qualified one is answered 409. Changing the email,
    phone or company name matches the lead again."""
    unknown = set(changes) - set(LEAD_FIELDS)
    if unknown:
        raise TypeError(f"unknown lead fields: {', '.join(sorted(unknown))}")
    lead = locked(Lead, lead.pk)
    _refuse_unless_open(lead)
    clean = _clean(lead.company, changes, lead)
    rematch = any(
        field in clean and clean[field] != getattr(lead, field)
        for field in ("email", "phone", "company_name")
    )
    for field, value in clean.items():
        setattr(lead, field, value)
    if rematch:
        _apply_match(lead.company, lead)
    lead.save()
    return lead


@transaction.atomic
def lead_delete(*, lead: Lead) -> None:
    """A qualified lead stays: its opportunity refers to it."""
    lead = locked(Lead, lead.pk)
    _refuse_unless_open(lead)
    lead.delete()


def _party_for(lead: Lead, party: Party | None) -> Party:
    """The party a qualified lead becomes: the given one, the match, or a new customer."""
    company = lead.company
    if party is None:
        party = lead.matched_party
    if party is None:
        party, _contact, _on = lead_match(
            company=company, email=lead.email, phone=lead.phone, company_name=lead.company_name
        )
    if party is None:
        is_org = bool(lead.company_name)
        try:
            party = party_services.party_create(
                company=company,
                name=lead.company_name or lead.contact_name,
                kind=Party.Kind.ORGANIZATION if is_org else Party.Kind.PERSON,
                is_customer=True,
                email=lead.email,
                phone=lead.phone,
                notes=_("From lead: %(name)s") % {"name": lead.name},
            )
        except Duplicate as exc:  # created since the lead was matched: use that one
            party = Party.objects.get(company=company, pk=exc.extra["existing_id"])
    if not party.is_customer:
        party = party_services.party_update(party=party, is_customer=True)
    return party


def _contact_for(lead: Lead, party: Party) -> Contact | None:
    if party.kind != Party.Kind.ORGANIZATION or not lead.contact_name:
        return None
    contacts = Contact.objects.filter(party=party).order_by("id")
    if lead.matched_contact_id and lead.matched_party_id == party.pk:
        found = contacts.filter(pk=lead.matched_contact_id).first()
        if found is not None:
            return found
    if lead.email:
        found = contacts.filter(email__iexact=lead.email).first()
        if found is not None:
            return found
    found = contacts.filter(name__iexact=lead.contact_name).first()
    if found is not None:
        return found
    return party_services.contact_create(
        party=party, name=lead.contact_name, email=lead.email, phone=lead.phone
    )


@transaction.atomic
def lead_qualify(
    *,
    lead: Lead,
    user=None,
    party: Party | None = None,
    name: str | None = None,
    stage=None,
    expected_revenue=0,
    close_date=None,
    owner=UNSET,
    team=UNSET,
):
    """Turn a new lead into an opportunity, with its party (the given one, the match, or a new
    customer) and contact person. 409 `lead.already_qualified` the second time.

    Returns the lead; `lead.opportunity` is the new opportunity.
    """
    lead = locked(Lead, lead.pk)
    _refuse_unless_open(lead)
    if lead.state == LeadState.DISQUALIFIED:
        raise LeadDisqualified(_("This lead is disqualified; reopen it first."))
    company = lead.company
    party = same_company(company, party, field="party", model=Party)
    party = _party_for(lead, party)
    contact = _contact_for(lead, party)
    opportunity = opportunity_create(
        company=company,
        name=name or lead.name,
        party=party,
        contact=contact,
        owner=lead.owner if owner is UNSET else owner,
        team=lead.team if team is UNSET else team,
        stage=stage,
        expected_revenue=expected_revenue,
        close_date=close_date,
        source=lead.source,
        lead=lead,
        user=user,
    )
    now = timezone.now()
    lead.state = LeadState.QUALIFIED
    lead.opportunity = opportunity
    lead.qualified_at = now
    lead.save()
    # The lead's touches and to-dos now belong to the customer's timeline too.
    for model in (Activity, Interaction):
        model.objects.filter(lead=lead, opportunity__isnull=True).update(
            opportunity=opportunity, party=party, updated_at=now
        )
    events.publish(
        "lead.qualified",
        lead_id=lead.pk,
        opportunity_id=opportunity.pk,
        party_id=party.pk,
        company_id=company.pk,
    )
    return lead


@transaction.atomic
def lead_disqualify(*, lead: Lead, reason: str) -> Lead:
    """Close a new lead with a reason (required, 422 `validation.required` without one)."""
    reason = text(reason, field="reason", max_length=500, required=True)
    lead = locked(Lead, lead.pk)
    _refuse_unless_open(lead)
    if lead.state == LeadState.DISQUALIFIED:
        raise LeadDisqualified(_("This lead is already disqualified."))
    lead.state = LeadState.DISQUALIFIED
    lead.disqualify_reason = reason
    lead.save()
    events.publish("lead.disqualified", lead_id=lead.pk, company_id=lead.company_id)
    return lead


@transaction.atomic
def lead_reopen(*, lead: Lead) -> Lead:
    """Bring a disqualified lead back to new."""
    lead = locked(Lead, lead.pk)
    if lead.state != LeadState.DISQUALIFIED:
        raise LeadNotDisqualified(_("Only a disqualified lead can be reopened."))
    lead.state = LeadState.NEW
    lead.disqualify_reason = ""
    lead.save()
    return lead
