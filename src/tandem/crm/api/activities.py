"""/activities (planned to-dos; done, cancel) and /interactions (logged touches)."""

from datetime import datetime

from ninja import Query, Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import ValidationFailed
from tandem.parties.models import Party

from .. import queries, services
from ..models import Activity, Interaction, Lead, Opportunity
from ..queries.visibility import visible, visible_touches
from ..schemas import (
    ActivityIn,
    ActivityKindName,
    ActivityOut,
    ActivityPatch,
    ActivityStateName,
    DoneIn,
    InteractionIn,
    InteractionKindName,
    InteractionOut,
    SendEmailIn,
)
from ._common import ID, LIMIT, OFFSET, SEARCH, aware, ref

router = Router()


def _activity(request, activity_id) -> Activity:
    qs = visible_touches(Activity.objects.all(), request, own_field="owner")
    return get_scoped(qs, request, activity_id, label="activity")


def _interaction(request, interaction_id) -> Interaction:
    qs = visible_touches(Interaction.objects.all(), request, own_field="user")
    return get_scoped(qs, request, interaction_id, label="interaction")


def _links(request, data: dict) -> dict:
    for field, model in (("party", Party), ("lead", Lead), ("opportunity", Opportunity)):
        data[field] = ref(model, request, data.get(field), field=field)
    return data


# -- activities ------------------------------------------------------------------------------


@router.get("/activities", response=page_of(ActivityOut), tags=["activities"])
def activity_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    owner: int | None = ID,
    state: ActivityStateName | None = None,
    kind: ActivityKindName | None = None,
    party: int | None = ID,
    lead: int | None = ID,
    opportunity: int | None = ID,
    due_from: datetime | None = Query(None, description="Inclusive"),
    due_to: datetime | None = Query(None, description="Exclusive"),
):
    require_perm(request, "crm.view_activity")
    qs = queries.activities_filtered(
        company_of(request),
        search=search,
        owner=owner,
        state=state or "",
        kind=kind or "",
        party=party,
        lead=lead,
        opportunity=opportunity,
        due_from=aware(due_from, request),
        due_to=aware(due_to, request),
    )
    return paginate(visible_touches(qs, request, own_field="owner"), limit=limit, offset=offset)


@router.post("/activities", response={201: ActivityOut}, tags=["activities"])
def activity_add(request, payload: ActivityIn):
    """Link it to a party, a lead or an opportunity (at least one; 422 otherwise). The owner
    defaults to the caller."""
    require_perm(request, "crm.add_activity")
    data = _links(request, payload.dict())
    data["due_at"] = aware(data["due_at"], request)
    if data["owner"] is None:
        data["owner"] = request.user
    activity = services.activity_create(company=company_of(request), user=request.user, **data)
    return Status(201, Activity.objects.get(pk=activity.pk))  # times as stored: UTC


@router.get("/activities/{activity_id}", response=ActivityOut, tags=["activities"])
def activity_read(request, activity_id: int):
    require_perm(request, "crm.view_activity")
    return _activity(request, activity_id)


@router.patch("/activities/{activity_id}", response=ActivityOut, tags=["activities"])
def activity_update(request, activity_id: int, payload: ActivityPatch):
    """Planned activities only (409 `activity.not_planned`)."""
    require_perm(request, "crm.change_activity")
    activity = _activity(request, activity_id)
    changes = payload.dict(exclude_unset=True)
    for field in ("kind", "summary", "due_at", "note"):
        if changes.get(field, "") is None:
            changes.pop(field)
    if "due_at" in changes:
        changes["due_at"] = aware(changes["due_at"], request)
    services.activity_update(activity=activity, **changes)
    return Activity.objects.get(pk=activity.pk)


@router.delete("/activities/{activity_id}", response={204: None}, tags=["activities"])
def activity_delete(request, activity_id: int):
    """A done activity stays (409 `activity.not_planned`)."""
    require_perm(request, "crm.delete_activity")
    services.activity_delete(activity=_activity(request, activity_id))
    return Status(204, None)


@router.post("/activities/{activity_id}/done", response=ActivityOut, tags=["activities"])
def activity_done(request, activity_id: int, payload: DoneIn | None = None):
    """Mark done with an outcome; 409 `activity.not_planned` unless planned."""
    require_perm(request, "crm.change_activity")
    activity = _activity(request, activity_id)
    outcome = payload.outcome if payload is not None else ""
    return services.activity_done(activity=activity, outcome=outcome, user=request.user)


@router.post("/activities/{activity_id}/cancel", response=ActivityOut, tags=["activities"])
def activity_cancel(request, activity_id: int):
    require_perm(request, "crm.change_activity")
    activity = _activity(request, activity_id)
    return services.activity_cancel(activity=activity)


# -- interactions ----------------------------------------------------------------------------


@router.get("/interactions", response=page_of(InteractionOut), tags=["interactions"])
def interaction_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    party: int | None = ID,
    lead: int | None = ID,
    opportunity: int | None = ID,
    kind: InteractionKindName | None = None,
    user: int | None = ID,
):
    require_perm(request, "crm.view_interaction")
    qs = queries.interactions_filtered(
        company_of(request),
        search=search,
        party=party,
        lead=lead,
        opportunity=opportunity,
        kind=kind or "",
        user=user,
    )
    return paginate(visible_touches(qs, request, own_field="user"), limit=limit, offset=offset)


@router.post("/interactions", response={201: InteractionOut}, tags=["interactions"])
def interaction_add(request, payload: InteractionIn):
    """Log a touch that happened (not in the future: 422 `interaction.in_future`)."""
    require_perm(request, "crm.add_interaction")
    data = _links(request, payload.dict())
    data["occurred_at"] = aware(data["occurred_at"], request)
    interaction = services.interaction_log(company=company_of(request), user=request.user, **data)
    return Status(201, Interaction.objects.get(pk=interaction.pk))


@router.post(
    "/interactions/send-email",
    response={201: InteractionOut},
    tags=["interactions"],
    summary="Send an email and log it as an interaction",
)
def interaction_send_email(request, payload: SendEmailIn):
    """Sends from Tandem (after commit) to `to` about exactly one party, lead or opportunity
    (the caller must be able to see it: 404 otherwise), logged as an outbound email
    interaction whose Message-ID threads the replies back. 422 `validation.email` for a bad
    recipient, `validation.required` without a subject or a record."""
    require_perm(request, "crm.add_interaction")
    links = [name for name in ("party", "lead", "opportunity") if getattr(payload, name)]
    if len(links) != 1:
        raise ValidationFailed(
            "Name exactly one of party, lead or opportunity",
            code="validation.required",
            field="record",
        )
    name = links[0]
    pk = getattr(payload, name)
    if name == "party":
        record = get_scoped(Party, request, pk, label="party")
    else:
        model = Lead if name == "lead" else Opportunity
        record = get_scoped(visible(model.objects.all(), request), request, pk, label=name)
    interaction = services.email_send(
        company=company_of(request),
        to=payload.to,
        subject=payload.subject,
        body=payload.body,
        record=record,
        user=request.user,
    )
    return Status(201, interaction)


@router.get("/interactions/{interaction_id}", response=InteractionOut, tags=["interactions"])
def interaction_read(request, interaction_id: int):
    require_perm(request, "crm.view_interaction")
    return _interaction(request, interaction_id)
