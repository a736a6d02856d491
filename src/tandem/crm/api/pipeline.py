"""/pipeline-stages, /sales-teams, /lost-reasons: the configuration of the pipelines."""

from django.db.models import Prefetch
from ninja import Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core.models import User

from .. import services
from ..models import LostReason, PipelineStage, SalesTeam
from ..schemas import (
    LostReasonIn,
    LostReasonOut,
    LostReasonPatch,
    StageIn,
    StageOut,
    StagePatch,
    TeamIn,
    TeamOut,
    TeamPatch,
)
from ._common import ID, LIMIT, OFFSET, SEARCH, ref

router = Router()


# -- stages ----------------------------------------------------------------------------------


@router.get("/pipeline-stages", response=page_of(StageOut), tags=["pipeline"])
def stage_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    team: int | None = ID,
    default: bool | None = None,
):
    """Every stage of the company; `team` filters one team's own stages, `default=true` the
    company's default pipeline (which teams without stages of their own use)."""
    require_perm(request, "crm.view_pipelinestage")
    company = company_of(request)
    services.pipeline_seed(company=company)
    qs = PipelineStage.objects.filter(company=company)
    search = search.strip()
    if search:
        qs = qs.filter(name__icontains=search)
    if team is not None:
        qs = qs.filter(team_id=team)
    if default is not None:
        qs = qs.filter(team__isnull=default)
    return paginate(qs.order_by("team_id", "sequence", "id"), limit=limit, offset=offset)


@router.post("/pipeline-stages", response={201: StageOut}, tags=["pipeline"])
def stage_add(request, payload: StageIn):
    require_perm(request, "crm.add_pipelinestage")
    data = payload.dict()
    data["team"] = ref(SalesTeam, request, data["team"], field="team")
    return Status(201, services.stage_create(company=company_of(request), **data))


@router.get("/pipeline-stages/{stage_id}", response=StageOut, tags=["pipeline"])
def stage_read(request, stage_id: int):
    require_perm(request, "crm.view_pipelinestage")
    return get_scoped(PipelineStage, request, stage_id, label="stage")


@router.patch("/pipeline-stages/{stage_id}", response=StageOut, tags=["pipeline"])
def stage_update(request, stage_id: int, payload: StagePatch):
    """The won/lost flags cannot change while opportunities sit in the stage (409
    `stage.in_use`); a new probability applies to its open opportunities that follow it."""
    require_perm(request, "crm.change_pipelinestage")
    stage = get_scoped(PipelineStage, request, stage_id, label="stage")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.stage_update(stage=stage, **changes)


@router.delete("/pipeline-stages/{stage_id}", response={204: None}, tags=["pipeline"])
def stage_delete(request, stage_id: int):
    """409 `stage.in_use` while an opportunity is or was in the stage."""
    require_perm(request, "crm.delete_pipelinestage")
    services.stage_delete(stage=get_scoped(PipelineStage, request, stage_id, label="stage"))
    return Status(204, None)


# -- sales teams -----------------------------------------------------------------------------


def _teams(request):
    return SalesTeam.objects.filter(company=company_of(request)).prefetch_related(
        Prefetch("members", queryset=User.objects.order_by("id"))
    )


@router.get("/sales-teams", response=page_of(TeamOut), tags=["pipeline"])
def team_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    require_perm(request, "crm.view_salesteam")
    qs = _teams(request)
    if search:
        qs = qs.filter(name__icontains=search)
    return paginate(qs.order_by("name", "id"), limit=limit, offset=offset)


@router.post("/sales-teams", response={201: TeamOut}, tags=["pipeline"])
def team_add(request, payload: TeamIn):
    """`leader` and `members` are users of the company (422 naming the field otherwise)."""
    require_perm(request, "crm.add_salesteam")
    team = services.team_create(company=company_of(request), **payload.dict())
    return Status(201, _teams(request).get(pk=team.pk))


@router.get("/sales-teams/{team_id}", response=TeamOut, tags=["pipeline"])
def team_read(request, team_id: int):
    require_perm(request, "crm.view_salesteam")
    return get_scoped(_teams(request), request, team_id, label="team")


@router.patch("/sales-teams/{team_id}", response=TeamOut, tags=["pipeline"])
def team_update(request, team_id: int, payload: TeamPatch):
    require_perm(request, "crm.change_salesteam")
    team = get_scoped(SalesTeam, request, team_id, label="team")
    changes = payload.dict(exclude_unset=True)
    for field in ("name", "active"):
        if changes.get(field, "") is None:
            changes.pop(field)
    if "members" in changes and changes["members"] is None:
        changes["members"] = []
    services.team_update(team=team, **changes)
    return _teams(request).get(pk=team.pk)


@router.delete("/sales-teams/{team_id}", response={204: None}, tags=["pipeline"])
def team_delete(request, team_id: int):
    """409 `team.in_use` while leads or opportunities belong to the team."""
    require_perm(request, "crm.delete_salesteam")
    services.team_delete(team=get_scoped(SalesTeam, request, team_id, label="team"))
    return Status(204, None)


# -- lost reasons ----------------------------------------------------------------------------


@router.get("/lost-reasons", response=page_of(LostReasonOut), tags=["pipeline"])
def lost_reason_list(request, limit: int = LIMIT, offset: int = OFFSET, active: bool | None = None):
    require_perm(request, "crm.view_lostreason")
    company = company_of(request)
    services.pipeline_seed(company=company)
    qs = LostReason.objects.filter(company=company)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("name", "id"), limit=limit, offset=offset)


@router.post("/lost-reasons", response={201: LostReasonOut}, tags=["pipeline"])
def lost_reason_add(request, payload: LostReasonIn):
    require_perm(request, "crm.add_lostreason")
    return Status(201, services.lost_reason_create(company=company_of(request), **payload.dict()))


@router.get("/lost-reasons/{reason_id}", response=LostReasonOut, tags=["pipeline"])
def lost_reason_read(request, reason_id: int):
    require_perm(request, "crm.view_lostreason")
    return get_scoped(LostReason, request, reason_id, label="lost_reason")


@router.patch("/lost-reasons/{reason_id}", response=LostReasonOut, tags=["pipeline"])
def lost_reason_update(request, reason_id: int, payload: LostReasonPatch):
    require_perm(request, "crm.change_lostreason")
    reason = get_scoped(LostReason, request, reason_id, label="lost_reason")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.lost_reason_update(reason=reason, **changes)


@router.delete("/lost-reasons/{reason_id}", response={204: None}, tags=["pipeline"])
def lost_reason_delete(request, reason_id: int):
    """409 `lost_reason.in_use` once an opportunity was lost for it (deactivate it instead)."""
    require_perm(request, "crm.delete_lostreason")
    services.lost_reason_delete(
        reason=get_scoped(LostReason, request, reason_id, label="lost_reason")
    )
    return Status(204, None)
