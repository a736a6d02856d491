"""/reports/pipeline: weighted forecast, stage conversion, win rate by source."""

from datetime import date
from typing import Literal

from ninja import Router

from tandem.api.context import company_of, require_perm

from .. import queries
from ..models import SalesTeam
from ..schemas import ConversionOut, ForecastOut, WinRateOut
from ._common import ID, ref

router = Router(tags=["reports"])


@router.get("/reports/pipeline", response=ForecastOut, summary="Weighted forecast")
def pipeline_report(
    request,
    group_by: Literal["month", "owner", "stage"] = "month",
    team: int | None = ID,
    owner: int | None = ID,
    close_from: date | None = None,
    close_to: date | None = None,
):
    """Open opportunities: expected revenue and expected revenue x probability / 100 per month
    of the expected close date, per owner or per stage, in the company currency (converted
    at the latest exchange rate; `missing_rate` counts those left out for want of a rate).
    `totals` adds the average sales cycle (days from creation to won)."""
    require_perm(request, "crm.view_opportunity")
    company = company_of(request)
    report = queries.forecast(
        company,
        group_by=group_by,
        team=team,
        owner=owner,
        close_from=close_from,
        close_to=close_to,
    )
    report["totals"]["average_sales_cycle_days"] = queries.sales_cycle(company, team=team)
    return report


@router.get(
    "/reports/pipeline/conversion", response=ConversionOut, summary="Stage-to-stage conversion"
)
def pipeline_conversion(request, team: int | None = ID):
    """Per step of the pipeline (the team's own, else the default): how many opportunities
    reached the first stage and how many of them reached the next."""
    require_perm(request, "crm.view_opportunity")
    company = company_of(request)
    the_team = ref(SalesTeam, request, team, field="team")
    report = queries.conversion(company, team=the_team)
    report["totals"]["average_sales_cycle_days"] = queries.sales_cycle(company, team=team)
    return report


@router.get("/reports/pipeline/win-rate", response=WinRateOut, summary="Win rate by source")
def pipeline_win_rate(request, team: int | None = ID):
    require_perm(request, "crm.view_opportunity")
    return queries.win_rate_by_source(company_of(request), team=team)
