"""/opportunities: list, create, read, update, delete; move, win, lose; stage history."""

from ninja import Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import NotFound
from tandem.parties.models import Contact, Party

from .. import queries, services
from ..models import Opportunity, SalesTeam
from ..queries.visibility import visible
from ..schemas import (
    LoseIn,
    MoveIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OpportunityStateName,
    SourceName,
    StageChangeOut,
    WinIn,
)
from ..scoring import with_lead_scores
from ._common import ID, LIMIT, OFFSET, SEARCH, ref

router = Router(tags=["opportunities"])


def _opportunity(request, opportunity_id) -> Opportunity:
    return get_scoped(
        visible(Opportunity.objects.all(), request), request, opportunity_id, label="opportunity"
    )


def _out(request, opportunity_id) -> Opportunity:
    """The opportunity with everything its JSON shows, in a fixed number of queries."""
    qs = queries.opportunities_for_list(
        visible(Opportunity.objects.filter(company=company_of(request), pk=opportunity_id), request)
    )
    opp = qs.first()
    if opp is None:
        raise NotFound(f"No opportunity with id {opportunity_id}", code="opportunity.not_found")
    return opp


def _refs(request, data: dict) -> dict:
    for field, model in (("party", Party), ("contact", Contact), ("team", SalesTeam)):
        if data.get(field) is not None:
            data[field] = ref(model, request, data[field], field=field)
    return data


@router.get("/opportunities", response=page_of(OpportunityOut), summary="List opportunities")
def opportunity_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    owner: int | None = ID,
    team: int | None = ID,
    stage: int | None = ID,
    state: OpportunityStateName | None = None,
    source: SourceName | None = None,
    party: int | None = ID,
):
    require_perm(request, "crm.view_opportunity")
    qs = queries.opportunities_filtered(
        company_of(request),
        search=search,
        owner=owner,
        team=team,
        stage=stage,
        state=state or "",
        source=source or "",
        party=party,
    )
    page = paginate(
        queries.opportunities_for_list(visible(qs, request)), limit=limit, offset=offset
    )
    with_lead_scores(company_of(request), "opportunity", page["items"])
    return page


@router.post("/opportunities", response={201: OpportunityOut}, summary="Create an opportunity")
def opportunity_add(request, payload: OpportunityIn):
    """422 `stage.invalid` for a stage outside the team's pipeline (or a won/lost stage);
    the probability follows the stage unless given."""
    require_perm(request, "crm.add_opportunity")
    data = _refs(request, payload.dict())
    opp = services.opportunity_create(company=company_of(request), user=request.user, **data)
    return Status(201, _out(request, opp.pk))


@router.get("/opportunities/{opportunity_id}", response=OpportunityOut)
def opportunity_read(request, opportunity_id: int):
    require_perm(request, "crm.view_opportunity")
    opportunity = _out(request, opportunity_id)
    return with_lead_scores(company_of(request), "opportunity", [opportunity])[0]


@router.patch("/opportunities/{opportunity_id}", response=OpportunityOut)
def opportunity_update(request, opportunity_id: int, payload: OpportunityPatch):
    """Open opportunities only (409 `opportunity.closed`); the stage changes by `move`.
    `probability: null` lets it follow the stage again."""
    require_perm(request, "crm.change_opportunity")
    opp = _opportunity(request, opportunity_id)
    changes = _refs(request, payload.dict(exclude_unset=True))
    if changes.get("name", "") is None:
        changes.pop("name")
    if "party" in changes and changes["party"] is None:
        changes.pop("party")
    services.opportunity_update(opportunity=opp, **changes)
    return _out(request, opp.pk)


@router.delete("/opportunities/{opportunity_id}", response={204: None})
def opportunity_delete(request, opportunity_id: int):
    """Open opportunities not made from a lead (409 `opportunity.in_use`; lose it instead)."""
    require_perm(request, "crm.delete_opportunity")
    services.opportunity_delete(opportunity=_opportunity(request, opportunity_id))
    return Status(204, None)


@router.post("/opportunities/{opportunity_id}/move", response=OpportunityOut)
def opportunity_move(request, opportunity_id: int, payload: MoveIn):
    """Move to a stage of the opportunity's pipeline (422 `stage.invalid` otherwise); logged.
    The won stage wins it; the lost stage needs `lost_reason`. 409 `opportunity.closed`."""
    require_perm(request, "crm.change_opportunity")
    opp = _opportunity(request, opportunity_id)
    services.opportunity_move(
        opportunity=opp,
        stage=payload.stage,
        lost_reason=payload.lost_reason,
        lost_note=payload.lost_note,
        user=request.user,
    )
    return _out(request, opp.pk)


@router.post("/opportunities/{opportunity_id}/win", response=OpportunityOut)
def opportunity_win(request, opportunity_id: int, payload: WinIn | None = None):
    """Moves to the won stage; publishes `opportunity.won`. 409 `opportunity.closed`.
    `{"create_order": true}` also makes a draft sales order (its id in `sales_order`);
    409 `opportunity.no_products` when there are no products of interest."""
    require_perm(request, "crm.change_opportunity")
    create_order = payload is not None and payload.create_order
    if create_order:
        require_perm(request, "sales.add_salesorder")
    opp = _opportunity(request, opportunity_id)
    services.opportunity_win(opportunity=opp, user=request.user, create_order=create_order)
    return _out(request, opp.pk)


@router.post("/opportunities/{opportunity_id}/lose", response=OpportunityOut)
def opportunity_lose(request, opportunity_id: int, payload: LoseIn):
    """Moves to the lost stage with a lost reason (its id); publishes `opportunity.lost`."""
    require_perm(request, "crm.change_opportunity")
    opp = _opportunity(request, opportunity_id)
    services.opportunity_lose(
        opportunity=opp, reason=payload.reason, note=payload.note, user=request.user
    )
    return _out(request, opp.pk)


@router.get(
    "/opportunities/{opportunity_id}/stage-changes",
    response=list[StageChangeOut],
    summary="Stage history with the time spent in each stage",
)
def opportunity_stage_changes(request, opportunity_id: int):
    require_perm(request, "crm.view_opportunity")
    opp = _opportunity(request, opportunity_id)
    return [
        {
            "id": row["change"].pk,
            "from_stage": row["from_stage"].pk if row["from_stage"] else None,
            "from_stage_name": row["from_stage"].name if row["from_stage"] else None,
            "to_stage": row["stage"].pk,
            "to_stage_name": row["stage"].name,
            "changed_at": row["entered_at"],
            "left_at": row["left_at"],
            "changed_by": row["by"].pk if row["by"] else None,
            "seconds_in_stage": int(row["duration"].total_seconds())
            if row["duration"] is not None
            else None,
        }
        for row in queries.stage_history(opp)
    ]
