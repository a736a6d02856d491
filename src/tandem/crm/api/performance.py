"""/reports/sales-performance (业绩 leaderboard) and /sales-targets."""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone
from ninja import Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm

from .. import services
from ..models import SalesTarget, SalesTeam
from ..queries.performance import performance
from ..schemas import (
    PerformanceOut,
    TargetIn,
    TargetMeasureName,
    TargetOut,
    TargetPatch,
    TargetPeriodName,
)
from ._common import ID, LIMIT, OFFSET, ref

router = Router()


@router.get(
    "/reports/sales-performance",
    response=PerformanceOut,
    tags=["reports"],
    summary="Sales performance per rep and team",
)
def sales_performance(
    request,
    period: TargetPeriodName = "month",
    on: date | None = None,
    measure: TargetMeasureName = "won_revenue",
    team: int | None = ID,
):
    """The period (`month`, `quarter`, `year`) holding `on` (default today). Won revenue:
    opportunities won in the period, credited to their owner. Invoiced revenue: posted
    customer invoices minus credit notes (untaxed x rate), credited to the owner of the
    party's most recent opportunity (parties have no owner). `achievement` is the `measure`
    as a percent of the target; rows are sorted by it, best first."""
    require_perm(request, "crm.view_opportunity")
    company = company_of(request)
    the_team = ref(SalesTeam, request, team, field="team")
    on = on or timezone.localdate(timezone=ZoneInfo(company.time_zone))
    return performance(company, period=period, on=on, measure=measure, team=the_team)


@router.get("/sales-targets", response=page_of(TargetOut), tags=["reports"])
def target_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    user: int | None = ID,
    team: int | None = ID,
    period: TargetPeriodName | None = None,
):
    require_perm(request, "crm.view_salestarget")
    qs = SalesTarget.objects.filter(company=company_of(request))
    if user:
        qs = qs.filter(user_id=user)
    if team:
        qs = qs.filter(team_id=team)
    if period:
        qs = qs.filter(period=period)
    return paginate(qs.order_by("-period_start", "id"), limit=limit, offset=offset)


@router.post("/sales-targets", response={201: TargetOut}, tags=["reports"])
def target_add(request, payload: TargetIn):
    """Sets (creates or changes) the target of one rep or one team for the period holding
    `period_start`; 422 unless exactly one of `user` and `team` is given."""
    require_perm(request, "crm.add_salestarget")
    data = payload.dict()
    data["team"] = ref(SalesTeam, request, data["team"], field="team")
    return Status(201, services.target_set(company=company_of(request), **data))


@router.patch("/sales-targets/{target_id}", response=TargetOut, tags=["reports"])
def target_update(request, target_id: int, payload: TargetPatch):
    require_perm(request, "crm.change_salestarget")
    target = get_scoped(SalesTarget, request, target_id, label="sales_target")
    if payload.amount is None:
        return target
    return services.target_set(
        company=company_of(request),
        period=target.period,
        period_start=target.period_start,
        measure=target.measure,
        user=target.user,
        team=target.team,
        amount=payload.amount,
    )


@router.delete("/sales-targets/{target_id}", response={204: None}, tags=["reports"])
def target_delete(request, target_id: int):
    require_perm(request, "crm.delete_salestarget")
    services.target_delete(target=get_scoped(SalesTarget, request, target_id, label="sales_target"))
    return Status(204, None)
