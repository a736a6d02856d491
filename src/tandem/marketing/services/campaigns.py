"""Campaigns: create, change while draft, schedule, cancel, test send, start the send job."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone

from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.core.jobs import job_cancel, job_start

from ..errors import CampaignEmpty, CampaignStateInvalid
from ..models import (
    CAMPAIGN_TRANSITIONS,
    Campaign,
    CampaignRecipient,
    CampaignState,
    EmailTemplate,
    Privacy,
    Segment,
    Suppression,
    TraceState,
)
from ..rendering import compile_template, merge_values
from ..segments import consent_granted
from .consent import address_clean, purpose_clean
from .segments import segment_members

SEND_JOB = "marketing.campaign_send"


def _cost(value) -> Decimal:
    try:
        cost = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed("cost: a number", code="campaign.bad_cost", field="cost") from None
    if not cost.is_finite() or cost < 0 or cost >= Decimal(10) ** 15:
        raise ValidationFailed("cost: zero or more", code="campaign.bad_cost", field="cost")
    return cost


def _check_refs(company, segment, template):
    if segment is None or segment.company_id != company.pk:
        raise InvalidReference("segment: no such segment", field="segment")
    if template is None or template.company_id != company.pk:
        raise InvalidReference("template: no such template", field="template")


def campaign_create(
    *,
    company,
    name: str,
    segment: Segment,
    template: EmailTemplate,
    purpose: str = "newsletter",
    cost=Decimal("0"),
    privacy: str = Privacy.IDENTIFIED,
    sender: str = "",
    user=None,
) -> Campaign:
    _check_refs(company, segment, template)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("name: 1 to 200 characters", field="name")
    if privacy not in Privacy.values:
        raise ValidationFailed(
            "privacy: identified, anonymous or off", code="campaign.bad_privacy", field="privacy"
        )
    return Campaign.objects.create(
        company=company,
        name=name,
        segment=segment,
        template=template,
        purpose=purpose_clean(purpose),
        cost=_cost(cost),
        privacy=privacy,
        sender=address_clean(sender, field="sender") if sender else "",
        created_by=user,
    )


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _move(locked: Campaign, to: str) -> None:
    if to not in CAMPAIGN_TRANSITIONS[CampaignState(locked.state)]:
        raise CampaignStateInvalid(
            f"A {locked.state} campaign cannot become {to}.", code="campaign.state_invalid"
        )
    locked.state = to


@transaction.atomic
def campaign_update(*, campaign: Campaign, **changes) -> Campaign:
    """Change a draft (or scheduled) campaign; a sent one is refused."""
    locked = _lock(campaign)
    if locked.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignStateInvalid(
            f"A {locked.state} campaign cannot be changed.", code="campaign.state_invalid"
        )
    company = locked.company
    segment = changes.get("segment", locked.segment)
    template = changes.get("template", locked.template)
    _check_refs(company, segment, template)
    locked.segment, locked.template = segment, template
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name or len(name) > 200:
            raise ValidationFailed("name: 1 to 200 characters", field="name")
        locked.name = name
    if "purpose" in changes:
        locked.purpose = purpose_clean(changes["purpose"])
    if "cost" in changes:
        locked.cost = _cost(changes["cost"])
    if "privacy" in changes:
        if changes["privacy"] not in Privacy.values:
            raise ValidationFailed(
                "privacy: identified, anonymous or off",
                code="campaign.bad_privacy",
                field="privacy",
            )
        locked.privacy = changes["privacy"]
    if "sender" in changes:
        sender = changes["sender"] or ""
        locked.sender = address_clean(sender, field="sender") if sender else ""
    locked.save()
    return locked


def consent_current_for(purpose: str, party_ref: str = "pk"):
    """The party's email consent in force for `purpose` is granted (a boolean expression)."""
    return consent_granted(purpose, "email", party_ref)


def suppressed_for(email_ref: str = "email") -> Exists:
    return Exists(
        Suppression.objects.filter(
            company_id=OuterRef("company_id"), address=Lower(OuterRef(email_ref))
        )
    )


def campaign_audience(campaign: Campaign):
    """The segment's parties now, each with `consent_ok` and `suppressed` (one statement)."""
    return segment_members(segment=campaign.segment).annotate(
        consent_ok=consent_current_for(campaign.purpose), suppressed=suppressed_for()
    )


def campaign_reachable_count(campaign: Campaign) -> int:
    return (
        campaign_audience(campaign)
        .filter(consent_ok=True, suppressed=False)
        .exclude(email="")
        .count()
    )


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, at) -> Campaign:
    locked = _lock(campaign)
    if at is None or at <= timezone.now():
        raise ValidationFailed(
            "scheduled_at: a time in the future", code="campaign.bad_schedule", field="scheduled_at"
        )
    _move(locked, CampaignState.SCHEDULED)
    locked.scheduled_at = at
    locked.save(update_fields=["state", "scheduled_at", "updated_at"])
    return locked


@transaction.atomic
def campaign_send(*, campaign: Campaign, user=None) -> Campaign:
    """Start sending now: refused (`campaign.no_recipients`) when nobody in the segment has
    consent and an unsuppressed address, and (`campaign.state_invalid`) when it is sending or
    sent already. The job freezes the recipients and sends."""
    locked = _lock(campaign)
    if locked.state not in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        raise CampaignStateInvalid(
            f"The campaign is {locked.state} already.", code="campaign.state_invalid"
        )
    if campaign_reachable_count(locked) == 0:
        raise CampaignEmpty(
            "Nobody in the segment has consent for this purpose and a deliverable address.",
            code="campaign.no_recipients",
        )
    _move(locked, CampaignState.SENDING)
    locked.started_at = timezone.now()
    locked.job = job_start(
        SEND_JOB, company=locked.company, user=user, params={"campaign": locked.pk}
    )
    locked.save(update_fields=["state", "started_at", "job", "updated_at"])
    return locked


@transaction.atomic
def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """Cancel a draft, scheduled or sending campaign (a sending one stops before its next
    message; what was sent stays sent)."""
    locked = _lock(campaign)
    _move(locked, CampaignState.CANCELLED)
    locked.save(update_fields=["state", "updated_at"])
    # what is still queued never leaves: the sender claims only queued traces
    CampaignRecipient.objects.filter(
        campaign=locked, state__in=[TraceState.QUEUED, TraceState.HELD]
    ).update(state=TraceState.FAILED, reason="cancelled")
    if locked.job_id and not locked.job.finished:
        job_cancel(job=locked.job)
    return locked


def campaigns_start_due(*, now=None) -> int:
    """Start the scheduled campaigns whose time came (the beat task calls this)."""
    now = now or timezone.now()
    started = 0
    due = Campaign.objects.filter(state=CampaignState.SCHEDULED, scheduled_at__lte=now)
    for campaign in due.order_by("scheduled_at", "pk"):
        try:
            campaign_send(campaign=campaign, user=campaign.created_by)
            started += 1
        except (CampaignEmpty, CampaignStateInvalid):
            with transaction.atomic():
                locked = _lock(campaign)
                if locked.state == CampaignState.SCHEDULED:
                    locked.state = CampaignState.CANCELLED
                    locked.save(update_fields=["state", "updated_at"])
    from .abtest import ab_decide_due

    return started + ab_decide_due(now=now) + campaigns_resume_due(now=now)


def campaigns_resume_due(*, now=None) -> int:
    """Start the send job again for campaigns whose recipients' quiet hours are over."""
    now = now or timezone.now()
    resumed = 0
    due = Campaign.objects.filter(state=CampaignState.SENDING, resume_at__lte=now)
    for campaign in due.order_by("resume_at", "pk"):
        with transaction.atomic():
            locked = _lock(campaign)
            if locked.state != CampaignState.SENDING or locked.resume_at is None:
                continue
            locked.resume_at = None
            locked.job = job_start(
                SEND_JOB,
                company=locked.company,
                user=locked.created_by,
                params={"campaign": locked.pk},
            )
            locked.save(update_fields=["resume_at", "job", "updated_at"])
            resumed += 1
    return resumed


def test_sample(campaign: Campaign):
    """The party a test send is merged with, and how it was chosen: the segment's first
    member (by id) with product recommendations when the template has `{{ products }}`,
    else its first member; (None, "none") for an empty segment (then a made-up person)."""
    from ..recommend import first_with_recommendations
    from .sending import _uses_products

    members = segment_members(segment=campaign.segment)
    variants = {v.label: v for v in campaign.variants.select_related("template")}
    if _uses_products(campaign, variants):
        party = first_with_recommendations(campaign.company_id, members)
        if party is not None:
            return party, "recommended"
    party = members.order_by("pk").first()
    return (party, "first") if party is not None else (None, "none")


def campaign_test(*, campaign: Campaign, addresses: list[str]) -> dict:
    """Send the campaign's email, merged with a sample recipient (`test_sample`), to the
    given addresses (no trace, no tracking); returns {"sent": n, "sample": {...}}."""
    from ..recommend import product_block, recommendations_map
    from .sending import _salespeople

    clean = [address_clean(a, field="addresses") for a in addresses]
    if not clean or len(clean) > 20:
        raise ValidationFailed(
            "addresses: 1 to 20 addresses", code="campaign.bad_test_addresses", field="addresses"
        )
    compiled = compile_template(campaign.template)
    party, chosen = test_sample(campaign)
    values = merge_values(
        party_name=party.name if party is not None else "Ada Lovelace",
        kind=party.kind if party is not None else "person",
        email=clean[0],
        salesperson=_salespeople([party.pk]).get(party.pk, "") if party is not None else "",
        sender_company=campaign.company.name,
    )
    if party is not None:
        items = recommendations_map(campaign.company_id, [party.pk]).get(party.pk)
        values["products"] = product_block(items, campaign.company.currency_id or "")
    subject, body_html, body_text = compiled.render(values)
    sender = campaign.sender or settings.DEFAULT_FROM_EMAIL
    messages = []
    for address in clean:
        message = EmailMultiAlternatives(f"[TEST] {subject}", body_text, sender, [address])
        message.attach_alternative(body_html, "text/html")
        messages.append(message)
    with get_connection() as connection:
        sent = connection.send_messages(messages) or 0
    sample = {"party_id": party.pk if party else None, "name": values["name"], "chosen": chosen}
    return {"sent": sent, "sample": sample}
