"""/cadences (follow-up rules) and /reports/cadences (broken cadences, records not touched)."""

from ninja import Query, Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.parties.models import Tag

from .. import services
from ..models import Cadence, Lead, Opportunity, PipelineStage
from ..queries.cadences import cadence_report
from ..queries.visibility import visible
from ..schemas import (
    CadenceIn,
    CadenceOut,
    CadencePatch,
    CadenceReportOut,
    CadenceTargetName,
)
from ._common import LIMIT, OFFSET, SEARCH, ref

router = Router(tags=["cadences"])


def _refs(request, data: dict) -> dict:
    if data.get("stage") is not None:
        data["stage"] = ref(PipelineStage, request, data["stage"], field="stage")
    if data.get("tag") is not None:
        data["tag"] = ref(Tag, request, data["tag"], field="tag")
    return data  # `owner` stays an id: the service checks it is a member (422 naming it)


@router.get("/cadences", response=page_of(CadenceOut), summary="List follow-up cadences")
def cadence_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    applies_to: CadenceTargetName | None = None,
    active: bool | None = None,
):
    require_perm(request, "crm.view_cadence")
    qs = Cadence.objects.filter(company=company_of(request))
    search = search.strip()
    if search:
        qs = qs.filter(name__icontains=search)
    if applies_to:
        qs = qs.filter(applies_to=applies_to)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("applies_to", "name", "id"), limit=limit, offset=offset)


@router.post("/cadences", response={201: CadenceOut}, summary="Create a follow-up cadence")
def cadence_add(request, payload: CadenceIn):
    """`stage` only for `applies_to=opportunity` (an open stage: 422 `stage.invalid`);
    `tag` not for leads; 409 `duplicate` for a name in use."""
    require_perm(request, "crm.add_cadence")
    data = _refs(request, payload.dict())
    return Status(201, services.cadence_create(company=company_of(request), **data))


@router.get("/cadences/{cadence_id}", response=CadenceOut)
def cadence_read(request, cadence_id: int):
    require_perm(request, "crm.view_cadence")
    return get_scoped(Cadence, request, cadence_id, label="cadence")


@router.patch("/cadences/{cadence_id}", response=CadenceOut)
def cadence_update(request, cadence_id: int, payload: CadencePatch):
    """`stage`, `tag` and `owner` may be set to null; other nulls are ignored."""
    require_perm(request, "crm.change_cadence")
    cadence = get_scoped(Cadence, request, cadence_id, label="cadence")
    changes = payload.dict(exclude_unset=True)
    for field in list(changes):
        if changes[field] is None and field not in ("stage", "tag", "owner"):
            changes.pop(field)
    return services.cadence_update(cadence=cadence, **_refs(request, changes))


@router.delete("/cadences/{cadence_id}", response={204: None})
def cadence_delete(request, cadence_id: int):
    """Its planned activities stay, as ordinary activities."""
    require_perm(request, "crm.delete_cadence")
    services.cadence_delete(cadence=get_scoped(Cadence, request, cadence_id, label="cadence"))
    return Status(204, None)


@router.get(
    "/reports/cadences",
    response=CadenceReportOut,
    tags=["reports"],
    summary="Broken cadences and records not touched",
)
def cadence_health(request, days: int = Query(30, ge=1, le=3650)):
    """New leads, open opportunities and active customers with an overdue cadence activity
    (`reason=overdue`) or no done activity or logged interaction in `days` days
    (`no_touch`). Leads and opportunities the caller may not see are left out."""
    require_perm(request, "crm.view_activity")
    return cadence_report(
        company_of(request),
        days=days,
        leads=visible(Lead.objects.all(), request),
        opportunities=visible(Opportunity.objects.all(), request),
    )
