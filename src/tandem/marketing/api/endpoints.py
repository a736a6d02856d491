"""/segments, /consents, /email-templates, /campaigns (API.md "Marketing")."""

from django.db import transaction
from ninja import Query, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import InvalidReference
from tandem.parties.models import Contact, Party

from .. import services
from ..models import (
    Automation,
    AutomationRun,
    Campaign,
    CampaignRecipient,
    CampaignTouch,
    Consent,
    EmailTemplate,
    Segment,
    TouchKind,
    TraceState,
)
from ..queries import campaign_stats
from ..schemas import (
    AutomationIn,
    AutomationOut,
    AutomationRunOut,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ConsentIn,
    ConsentOut,
    DryRunIn,
    DryRunOut,
    MemberOut,
    OptInOut,
    PreviewIn,
    PreviewOut,
    RecipientOut,
    ScheduleIn,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
    StatsOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
    TestIn,
    TestOut,
    TouchOut,
)
from . import router

CONSENT_PERM = "marketing.manage_consents"
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=r"^[^\x00]*$")


# -- segments ------------------------------------------------------------------------------


def _segment_out(segment: Segment) -> Segment:
    segment.member_count = services.segment_members(segment=segment).count()
    return segment


@router.get("/segments", response=page_of(SegmentOut))
def segment_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    """Segments with their member count now (one count per listed segment)."""
    require_perm(request, "marketing.view_segment")
    qs = Segment.objects.filter(company=company_of(request)).order_by("name", "pk")
    if search.strip():
        qs = qs.filter(name__icontains=search.strip())
    page = paginate(qs, limit=limit, offset=offset)
    page["items"] = [_segment_out(s) for s in page["items"]]
    return page


@router.post("/segments/preview", response=PreviewOut)
def segment_preview(request, payload: PreviewIn):
    """Rules -> the member count and the first members (nothing is saved)."""
    require_perm(request, "marketing.view_segment")
    return services.segment_preview(
        company=company_of(request), rules=payload.rules, limit=payload.limit
    )


@router.get("/segments/{segment_id}", response=SegmentOut)
def segment_read(request, segment_id: int):
    require_perm(request, "marketing.view_segment")
    return _segment_out(get_scoped(Segment, request, segment_id, label="segment"))


@router.get("/segments/{segment_id}/members", response=page_of(MemberOut))
def segment_member_list(request, segment_id: int, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "marketing.view_segment")
    require_perm(request, "parties.view_party")
    segment = get_scoped(Segment, request, segment_id, label="segment")
    qs = services.segment_members(segment=segment).order_by("name", "pk")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/segments", response={201: SegmentOut})
def segment_add(request, payload: SegmentIn):
    require_perm(request, "marketing.add_segment")
    segment = services.segment_create(company=company_of(request), **payload.dict())
    return Status(201, _segment_out(segment))


@router.patch("/segments/{segment_id}", response=SegmentOut)
def segment_patch(request, segment_id: int, payload: SegmentPatch):
    require_perm(request, "marketing.change_segment")
    segment = get_scoped(Segment, request, segment_id, label="segment")
    return _segment_out(
        services.segment_update(segment=segment, **payload.dict(exclude_unset=True))
    )


# -- consents ------------------------------------------------------------------------------


@router.get("/consents", response=page_of(ConsentOut))
def consent_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    party: int | None = Query(None, ge=1, le=2**62),
    purpose: str = Query("", max_length=50),
    current: bool = False,
):
    """The ledger, newest first; `current=true` keeps the row in force per key. Marketing
    roles only (CONSENT_PERM): the rows carry IPs, user agents and addresses."""
    require_perm(request, CONSENT_PERM)
    qs = Consent.objects.filter(company=company_of(request))
    if current:
        qs = qs.current()
    if party is not None:
        qs = qs.filter(party_id=party)
    if purpose:
        qs = qs.filter(purpose=purpose)
    return paginate(qs.order_by("-at", "-pk"), limit=limit, offset=offset)


@router.post("/consents", response={201: ConsentOut, 202: OptInOut})
def consent_add(request, payload: ConsentIn):
    """Append a consent row (the ledger is never changed). With `double_opt_in` and state
    granted, nothing is recorded yet: a confirmation mail is sent (202) and only its link
    grants."""
    require_perm(request, CONSENT_PERM)
    company = company_of(request)
    party = get_ref(Party, request, payload.party, field="party")
    contact = get_ref(Contact, request, payload.contact, field="contact")
    if contact is not None and contact.party_id != party.pk:
        raise InvalidReference("contact: not a contact of the party", field="contact")
    if payload.double_opt_in and payload.state == "granted":
        email = services.address_clean(payload.email or party.email)
        services.consent_optin_request(
            party=party, purpose=payload.purpose, email=email, text_version=payload.text_version
        )
        return Status(202, {"state": "confirmation_sent", "email": email})
    consent = services.consent_record(
        company=company,
        party=party,
        contact=contact,
        email=payload.email,
        purpose=payload.purpose,
        channel=payload.channel,
        state=payload.state,
        source=payload.source,
        ip=_ip(payload.ip),
        user_agent=payload.user_agent,
        text_version=payload.text_version,
        at=payload.at,
    )
    return Status(201, consent)


def _ip(value):
    if not value:
        return None
    import ipaddress

    from tandem.core.errors import ValidationFailed

    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValidationFailed("ip: not an IP address", code="consent.bad_ip", field="ip") from None


# -- templates -----------------------------------------------------------------------------


@router.get("/email-templates", response=page_of(TemplateOut))
def template_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    require_perm(request, "marketing.view_emailtemplate")
    qs = EmailTemplate.objects.filter(company=company_of(request))
    if search.strip():
        qs = qs.filter(name__icontains=search.strip())
    return paginate(qs.order_by("name", "language", "pk"), limit=limit, offset=offset)


@router.get("/email-templates/{template_id}", response=TemplateOut)
def template_read(request, template_id: int):
    require_perm(request, "marketing.view_emailtemplate")
    return get_scoped(EmailTemplate, request, template_id, label="template")


@router.post("/email-templates", response={201: TemplateOut})
def template_add(request, payload: TemplateIn):
    require_perm(request, "marketing.add_emailtemplate")
    return Status(201, services.template_create(company=company_of(request), **payload.dict()))


@router.patch("/email-templates/{template_id}", response=TemplateOut)
def template_patch(request, template_id: int, payload: TemplatePatch):
    require_perm(request, "marketing.change_emailtemplate")
    template = get_scoped(EmailTemplate, request, template_id, label="template")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.template_update(template=template, **changes)


# -- campaigns -----------------------------------------------------------------------------


@router.get("/campaigns", response=page_of(CampaignOut))
def campaign_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    state: str = Query("", max_length=10),
):
    require_perm(request, "marketing.view_campaign")
    qs = Campaign.objects.filter(company=company_of(request))
    if search.strip():
        qs = qs.filter(name__icontains=search.strip())
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-created_at", "-pk"), limit=limit, offset=offset)


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def campaign_read(request, campaign_id: int):
    require_perm(request, "marketing.view_campaign")
    return get_scoped(Campaign, request, campaign_id, label="campaign")


@router.post("/campaigns", response={201: CampaignOut})
def campaign_add(request, payload: CampaignIn):
    require_perm(request, "marketing.add_campaign")
    data = payload.dict()
    ab = data.pop("ab")
    data["segment"] = get_ref(Segment, request, data["segment"], field="segment")
    data["template"] = get_ref(EmailTemplate, request, data["template"], field="template")
    with transaction.atomic():
        campaign = services.campaign_create(company=company_of(request), user=request.user, **data)
        if ab is not None:
            campaign = _ab_set(request, campaign, ab)
    return Status(201, campaign)


def _ab_set(request, campaign, ab: dict):
    variants = [
        {
            "subject": v["subject"],
            "template": get_ref(EmailTemplate, request, v["template"], field="ab.variants.template")
            if v["template"] is not None
            else None,
        }
        for v in ab["variants"]
    ]
    return services.variants_set(
        campaign=campaign,
        variants=variants,
        share=ab["share"],
        metric=ab["metric"],
        wait_hours=ab["wait_hours"],
        fallback=ab["fallback"],
    )


@router.patch("/campaigns/{campaign_id}", response=CampaignOut)
def campaign_patch(request, campaign_id: int, payload: CampaignPatch):
    require_perm(request, "marketing.change_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    changes.pop("ab", None)
    ab = payload.ab.dict() if payload.ab is not None else None  # with its defaults
    if "segment" in changes:
        changes["segment"] = get_ref(Segment, request, changes["segment"], field="segment")
    if "template" in changes:
        changes["template"] = get_ref(EmailTemplate, request, changes["template"], field="template")
    with transaction.atomic():
        campaign = services.campaign_update(campaign=campaign, **changes)
        if ab is not None:
            campaign = _ab_set(request, campaign, ab)
    return campaign


@router.post("/campaigns/{campaign_id}/test", response=TestOut)
def campaign_test(request, campaign_id: int, payload: TestIn):
    """Send the email to the given addresses, merged with a sample recipient (`sample`: the
    segment's first member with recommendations when the template has `{{ products }}`,
    else its first member); no trace."""
    require_perm(request, "marketing.change_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    return services.campaign_test(campaign=campaign, addresses=payload.addresses)


@router.post("/campaigns/{campaign_id}/schedule", response=CampaignOut)
def campaign_schedule(request, campaign_id: int, payload: ScheduleIn):
    require_perm(request, "marketing.change_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    return services.campaign_schedule(campaign=campaign, at=payload.scheduled_at)


@router.post("/campaigns/{campaign_id}/send", response={202: CampaignOut})
def campaign_send(request, campaign_id: int):
    """Start the send job now (202: the campaign, `sending`, with its job)."""
    require_perm(request, "marketing.change_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    return Status(202, services.campaign_send(campaign=campaign, user=request.user))


@router.post("/campaigns/{campaign_id}/cancel", response=CampaignOut)
def campaign_cancel(request, campaign_id: int):
    require_perm(request, "marketing.change_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    return services.campaign_cancel(campaign=campaign)


@router.post("/campaigns/{campaign_id}/ab-decide", response={202: CampaignOut})
def campaign_ab_decide(request, campaign_id: int):
    """Choose the A/B winner now (without waiting for `ab_decide_at`) and send it to the
    rest (202: the campaign with `ab_result`)."""
    require_perm(request, "marketing.change_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    return Status(202, services.ab_decide(campaign=campaign, user=request.user))


@router.get("/campaigns/{campaign_id}/stats", response=StatsOut)
def campaign_stats_read(request, campaign_id: int):
    require_perm(request, "marketing.view_campaign")
    return campaign_stats(get_scoped(Campaign, request, campaign_id, label="campaign"))


@router.get("/campaigns/{campaign_id}/recipients", response=page_of(RecipientOut))
def campaign_recipients(
    request,
    campaign_id: int,
    limit: int = LIMIT,
    offset: int = OFFSET,
    state: str = Query("", max_length=10),
):
    require_perm(request, "marketing.view_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    qs = _filter_choice(
        CampaignRecipient.objects.filter(campaign=campaign), "state", state, TraceState
    )
    return paginate(qs.order_by("pk"), limit=limit, offset=offset)


@router.get("/campaigns/{campaign_id}/touches", response=page_of(TouchOut))
def campaign_touches(
    request,
    campaign_id: int,
    limit: int = LIMIT,
    offset: int = OFFSET,
    kind: str = Query("", max_length=5),
):
    """Every interaction of the campaign's recipients (sent, open, click) with its time."""
    require_perm(request, "marketing.view_campaign")
    campaign = get_scoped(Campaign, request, campaign_id, label="campaign")
    qs = _filter_choice(CampaignTouch.objects.filter(campaign=campaign), "kind", kind, TouchKind)
    return paginate(qs.order_by("at", "pk"), limit=limit, offset=offset)


def _filter_choice(qs, field: str, value: str, choices):
    """`qs` narrowed to `field` = `value` when given; a value not among `choices` is a 422."""
    if not value:
        return qs
    if value not in choices.values:
        from tandem.core.errors import ValidationFailed

        raise ValidationFailed(f"{field}: one of {', '.join(choices.values)}", field=field)
    return qs.filter(**{field: value})


# -- automations ---------------------------------------------------------------------------


def _automation_args(request, payload) -> dict:
    data = payload.dict()
    data["segment"] = (
        get_ref(Segment, request, data["segment"], field="segment") if data["segment"] else None
    )
    return data


@router.get("/automations", response=page_of(AutomationOut))
def automation_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "marketing.view_automation")
    qs = Automation.objects.filter(company=company_of(request)).order_by("name", "pk")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/automations", response={201: AutomationOut})
def automation_add(request, payload: AutomationIn):
    require_perm(request, "marketing.add_automation")
    automation = services.automation_save(
        company=company_of(request), user=request.user, **_automation_args(request, payload)
    )
    return Status(201, automation)


@router.get("/automations/{automation_id}", response=AutomationOut)
def automation_read(request, automation_id: int):
    require_perm(request, "marketing.view_automation")
    return get_scoped(Automation, request, automation_id, label="automation")


@router.put("/automations/{automation_id}", response=AutomationOut)
def automation_replace(request, automation_id: int, payload: AutomationIn):
    """Replace the automation (running parties go on at their step number)."""
    require_perm(request, "marketing.change_automation")
    automation = get_scoped(Automation, request, automation_id, label="automation")
    return services.automation_save(
        company=company_of(request),
        automation=automation,
        user=request.user,
        **_automation_args(request, payload),
    )


@router.post("/automations/{automation_id}/dry-run", response=DryRunOut)
def automation_dry_run(request, automation_id: int, payload: DryRunIn):
    """Walk a party through the flow without writing or sending anything."""
    require_perm(request, "marketing.change_automation")
    automation = get_scoped(Automation, request, automation_id, label="automation")
    party = get_ref(Party, request, payload.party, field="party")
    return {"steps": services.dry_run(automation=automation, party=party, assume=payload.assume)}


@router.get("/automations/{automation_id}/runs", response=page_of(AutomationRunOut))
def automation_runs(
    request,
    automation_id: int,
    limit: int = LIMIT,
    offset: int = OFFSET,
    state: str = Query("", max_length=10),
):
    require_perm(request, "marketing.view_automation")
    automation = get_scoped(Automation, request, automation_id, label="automation")
    qs = AutomationRun.objects.filter(automation=automation)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-started_at", "-pk"), limit=limit, offset=offset)
