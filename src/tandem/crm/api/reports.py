"""/reports/pipeline: weighted forecast, stage conversion, win rate by source."""

from datetime import date
from typing import Literal

from ninja import Router

from tandem.api.context import company_of, require_perm
from tandem.core.exports import export_response

from .. import queries
from ..models import SalesTeam
from ..queries.visibility import visible_condition
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
    format: Literal["json", "csv", "xlsx"] = "json",
):
    """Open opportunities: expected revenue and expected revenue x probability / 100 per month
    of the expected close date, per owner or per stage, in the company currency (converted
    at the latest exchange rate; `missing_rate` counts those left out for want of a rate).
    `totals` adds the average sales cycle (days from creation to won). With record
    visibility on, a rep's figures cover only the opportunities they may see.
    `format=csv|xlsx` downloads the rows and a total line."""
    require_perm(request, "crm.view_opportunity")
    company = company_of(request)
    seen = visible_condition(request)
    report = queries.forecast(
        company,
        group_by=group_by,
        team=team,
        owner=owner,
        close_from=close_from,
        close_to=close_to,
        visible_to=seen,
    )
    report["totals"]["average_sales_cycle_days"] = queries.sales_cycle(
        company, team=team, visible_to=seen
    )
    if format != "json":
        return _forecast_export(report, fmt=format)
    return report


def _forecast_export(report: dict, *, fmt: str):
    totals = report["totals"]
    rows = [
        (
            row["key"],
            row["label"],
            row.get("team") or "",
            row["count"],
            row["expected_revenue"],
            row["weighted_revenue"],
            row["missing_rate"],
        )
        for row in report["rows"]
    ]
    rows.append(
        (
            "total",
            totals["currency"],
            "",
            totals["count"],
            totals["expected_revenue"],
            totals["weighted_revenue"],
            totals["missing_rate"],
        )
    )
    return export_response(
        fmt=fmt,
        filename=f"pipeline-forecast-{report['group_by']}",
        headers=[
            report["group_by"],
            "label",
            "team",
            "count",
            "expected_revenue",
            "weighted_revenue",
            "missing_rate",
        ],
        rows=rows,
    )


@router.get(
    "/reports/pipeline/conversion", response=ConversionOut, summary="Stage-to-stage conversion"
)
def pipeline_conversion(request, team: int | None = ID):
    """Per step of the pipeline (the team's own, else the default): how many opportunities
    reached the first stage and how many of them reached the next."""
    require_perm(request, "crm.view_opportunity")
    company = company_of(request)
    the_team = ref(SalesTeam, request, team, field="team")
    seen = visible_condition(request)
    report = queries.conversion(company, team=the_team, visible_to=seen)
    report["totals"]["average_sales_cycle_days"] = queries.sales_cycle(
        company, team=team, visible_to=seen
    )
    return report


@router.get("/reports/pipeline/win-rate", response=WinRateOut, summary="Win rate by source")
def pipeline_win_rate(request, team: int | None = ID):
    require_perm(request, "crm.view_opportunity")
    return queries.win_rate_by_source(
        company_of(request), team=team, visible_to=visible_condition(request)
    )
