"""Click -> lead: a recipient's first click on a campaign's tracked link makes them a lead in
the CRM, or adds the click to their open lead. Through the CRM's own lead services, so the
lead is matched to its party and `lead.created` reaches its subscribers."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tandem.core.errors import DomainError

logger = logging.getLogger("tandem.marketing")

NOTES_MAX = 10_000  # the CRM's limit on a lead's notes


def lead_from_click(*, trace, campaign, url: str, now):
    """The lead of the clicking recipient: their latest open (new) lead, matched to the party
    or with the same address, gets the click in its notes and the campaign when it has none;
    otherwise a new lead (source `campaign`, the campaign's UTM key). A lead the CRM refuses
    does not stop the click's redirect: it is logged. Returns the lead or None."""
    from tandem.crm.models import Lead, LeadState, Source
    from tandem.crm.services import lead_create, lead_update

    party = trace.party
    note = _("%(at)s: clicked %(url)s in the campaign “%(campaign)s”.") % {
        "at": now.strftime("%Y-%m-%d %H:%M UTC"),
        "url": url,
        "campaign": campaign.name,
    }
    key = campaign.utm_campaign
    known = (
        Lead.objects.filter(company_id=trace.company_id, state=LeadState.NEW)
        .filter(Q(matched_party_id=trace.party_id) | Q(email__iexact=trace.email))
        .order_by("-created_at", "-pk")
        .first()
    )
    try:
        with transaction.atomic():
            if known is not None:
                notes = f"{known.notes}\n{note}".strip()
                return lead_update(
                    lead=known,
                    campaign=known.campaign or key,
                    notes=notes if len(notes) <= NOTES_MAX else known.notes,
                )
            person = party.kind == "person"
            return lead_create(
                company=trace.company,
                name=f"{party.name}: {campaign.name}"[:200],
                contact_name=party.name[:200] if person else "",
                company_name="" if person else party.name[:200],
                email=trace.email,
                source=Source.CAMPAIGN,
                campaign=key,
                notes=note,
            )
    except DomainError as exc:
        logger.warning("click of trace %s made no lead: %s", trace.pk, exc)
        return None
