"""Read side of the CRM: filtered lists, the pipeline board, the pipeline report, my day.

Everything is set-based: totals come from the database (aggregate, annotate, window
functions); Python only rounds and lays out the rows it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lead as NextRow
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from tandem.core.models import Company, ExchangeRate

from ..models import (
    Activity,
    ActivityState,
    Interaction,
    Lead,
    Opportunity,
    OpportunityStageChange,
    OpportunityState,
    PipelineStage,
    SalesTeam,
)
from ..services.pipeline import pipeline_stages

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=30, decimal_places=8)
BOARD_CARDS_PER_COLUMN = 50
BOARD_CLOSED_DAYS = 30
GROUP_BY = ("month", "owner", "stage")


def _round(value) -> Decimal:
    return (Decimal(value) if value is not None else Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def company_now(company: Company, now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(ZoneInfo(company.time_zone))


# -- lists -----------------------------------------------------------------------------------


def _digits_condition(search: str, *fields: str) -> Q | None:
    digits = re.sub(r"\D", "", search).lstrip("0")
    if len(digits) >= 3 and re.fullmatch(r"[\d\s+\-().]+", search):
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__contains": digits})
        return condition
    return None


def leads_filtered(
    company: Company,
    *,
    search: str = "",
    owner: int | None = None,
    team: int | None = None,
    state: str = "",
    source: str = "",
    campaign: str = "",
) -> QuerySet:
    qs = Lead.objects.filter(company=company)
    search = (search or "").strip()
    if search:
        condition = (
            Q(name__icontains=search)
            | Q(contact_name__icontains=search)
            | Q(company_name__icontains=search)
            | Q(email__icontains=search)
            | Q(campaign__icontains=search)
        )
        digits = _digits_condition(search, "phone")
        qs = qs.filter(condition | digits if digits is not None else condition)
    if owner:
        qs = qs.filter(owner_id=owner)
    if team:
        qs = qs.filter(team_id=team)
    if state:
        qs = qs.filter(state=state)
    if source:
        qs = qs.filter(source=source)
    if campaign:
        qs = qs.filter(campaign__iexact=campaign)
    return qs.order_by("-created_at", "-id")


def leads_for_list(qs: QuerySet) -> QuerySet:
    return qs.select_related("owner", "team", "matched_party")


def _next_activity(field: str):
    planned = Activity.objects.filter(
        opportunity=OuterRef("pk"), state=ActivityState.PLANNED
    ).order_by("due_at", "id")
    return Subquery(planned.values(field)[:1])


def opportunities_filtered(
    company: Company,
    *,
    search: str = "",
    owner: int | None = None,
    team: int | None = None,
    stage: int | None = None,
    state: str = "",
    source: str = "",
    party: int | None = None,
) -> QuerySet:
    qs = Opportunity.objects.filter(company=company)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(party__name__icontains=search)
            | Q(contact__name__icontains=search)
        )
    if owner:
        qs = qs.filter(owner_id=owner)
    if team:
        qs = qs.filter(team_id=team)
    if stage:
        qs = qs.filter(stage_id=stage)
    if state:
        qs = qs.filter(state=state)
    if source:
        qs = qs.filter(source=source)
    if party:
        qs = qs.filter(party_id=party)
    return qs.order_by("-created_at", "-id")


def opportunities_for_list(qs: QuerySet) -> QuerySet:
    """Everything an opportunity's JSON or list row shows, in a fixed number of queries."""
    return (
        qs.select_related("party", "owner", "team", "stage", "lost_reason")
        .prefetch_related("products")
        .annotate(
            next_activity_id=_next_activity("id"),
            next_activity_due_at=_next_activity("due_at"),
            next_activity_summary=_next_activity("summary"),
        )
    )


def activities_filtered(
    company: Company,
    *,
    search: str = "",
    owner: int | None = None,
    state: str = "",
    kind: str = "",
    party: int | None = None,
    lead: int | None = None,
    opportunity: int | None = None,
    due_from: datetime | None = None,
    due_to: datetime | None = None,
) -> QuerySet:
    qs = Activity.objects.filter(company=company)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(summary__icontains=search)
            | Q(party__name__icontains=search)
            | Q(lead__name__icontains=search)
            | Q(opportunity__name__icontains=search)
        )
    for field, value in (
        ("owner_id", owner),
        ("party_id", party),
        ("lead_id", lead),
        ("opportunity_id", opportunity),
    ):
        if value:
            qs = qs.filter(**{field: value})
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if due_from:
        qs = qs.filter(due_at__gte=due_from)
    if due_to:
        qs = qs.filter(due_at__lt=due_to)
    return qs.order_by("due_at", "id")


def interactions_filtered(
    company: Company,
    *,
    search: str = "",
    party: int | None = None,
    lead: int | None = None,
    opportunity: int | None = None,
    kind: str = "",
    user: int | None = None,
) -> QuerySet:
    qs = Interaction.objects.filter(company=company)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(subject__icontains=search)
            | Q(outcome__icontains=search)
            | Q(party__name__icontains=search)
            | Q(lead__name__icontains=search)
            | Q(opportunity__name__icontains=search)
        )
    for field, value in (
        ("party_id", party),
        ("lead_id", lead),
        ("opportunity_id", opportunity),
        ("user_id", user),
    ):
        if value:
            qs = qs.filter(**{field: value})
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-occurred_at", "-id")


LEAD_EXPORT_COLUMNS = [
    ("id", "id"),
    ("name", "name"),
    ("contact_name", "contact_name"),
    ("company_name", "company_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("source", "source"),
    ("campaign", "campaign"),
    ("state", "state"),
    ("owner", "owner__username"),
    ("team", "team__name"),
    ("matched_party", "matched_party__name"),
    ("match_on", "match_on"),
    ("opportunity", "opportunity_id"),
    ("disqualify_reason", "disqualify_reason"),
    ("created_at", "created_at"),
]


def lead_export_headers() -> list[str]:
    return [header for header, _ in LEAD_EXPORT_COLUMNS]


def lead_export_rows(qs: QuerySet) -> Iterator[tuple]:
    fields = [field for _, field in LEAD_EXPORT_COLUMNS]
    for row in qs.values_list(*fields).iterator(chunk_size=2000):
        *rest, created_at = row
        yield (*rest, created_at.strftime("%Y-%m-%d %H:%M:%SZ") if created_at else "")


# -- money in the company currency -----------------------------------------------------------


def _to_company_currency(company: Company, on_date: date):
    """Units of company currency per unit of the row's currency: 1 for the company's own,
    else the latest rate on or before `on_date` (NULL when there is none)."""
    rate = Subquery(
        ExchangeRate.objects.filter(
            company=company, currency=OuterRef("currency"), date__lte=on_date
        )
        .order_by("-date")
        .values("rate")[:1]
    )
    return Case(
        When(currency=company.currency_id, then=Value(Decimal(1), output_field=MONEY)),
        default=rate,
        output_field=MONEY,
    )


def _with_amounts(qs: QuerySet, company: Company, on_date: date) -> QuerySet:
    return qs.annotate(rate=_to_company_currency(company, on_date)).annotate(
        amount=ExpressionWrapper(F("expected_revenue") * F("rate"), output_field=MONEY),
        weighted=ExpressionWrapper(
            F("expected_revenue") * F("probability") * F("rate") / Value(Decimal(100)),
            output_field=MONEY,
        ),
    )


_AMOUNTS = {
    "count": Count("pk"),
    "expected_revenue": Sum("amount"),
    "weighted_revenue": Sum("weighted"),
    "missing_rate": Count("pk", filter=Q(rate__isnull=True)),
}


def _money_row(row: dict) -> dict:
    return {
        "count": row["count"],
        "expected_revenue": _round(row["expected_revenue"]),
        "weighted_revenue": _round(row["weighted_revenue"]),
        "missing_rate": row["missing_rate"],
    }


# -- the board -------------------------------------------------------------------------------


def _pipeline_opportunities(company, team, stages, *, owner=None, search="", visible_to=None):
    qs = Opportunity.objects.filter(company=company, stage__in=[s.pk for s in stages])
    if visible_to is not None:
        qs = qs.filter(visible_to)
    if team is not None:
        qs = qs.filter(team=team)
    if owner:
        qs = qs.filter(owner_id=owner)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(party__name__icontains=search))
    return qs


def board(
    company: Company,
    *,
    team: SalesTeam | None = None,
    owner: int | None = None,
    search: str = "",
    now: datetime | None = None,
    per_column: int = BOARD_CARDS_PER_COLUMN,
    visible_to: Q | None = None,
) -> dict:
    """The kanban: each stage of the pipeline with its count, sums and first cards.

    Won and lost columns hold what closed in the last BOARD_CLOSED_DAYS days. One query for
    the stages, one for every column's totals, one for the cards (ranked per column).
    """
    now = now or timezone.now()
    stages = list(pipeline_stages(company=company, team=team))
    since = now - timedelta(days=BOARD_CLOSED_DAYS)
    qs = _pipeline_opportunities(
        company, team, stages, owner=owner, search=search, visible_to=visible_to
    ).filter(Q(state=OpportunityState.OPEN) | Q(won_at__gte=since) | Q(lost_at__gte=since))
    totals = {
        row["stage_id"]: _money_row(row)
        for row in _with_amounts(qs, company, timezone.localdate(now))
        .values("stage_id")
        .annotate(**_AMOUNTS)
        .order_by()
    }
    cards: dict[int, list] = {}
    folded = [s.pk for s in stages if s.fold]
    ranked = (
        qs.exclude(stage_id__in=folded)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("close_date").asc(nulls_last=True), F("id").asc()],
            )
        )
        .filter(rank__lte=per_column)
        .select_related("party", "owner")
        .annotate(next_activity_due_at=_next_activity("due_at"))
        .order_by("stage_id", "rank")
    )
    for opp in ranked:
        cards.setdefault(opp.stage_id, []).append(opp)
    empty = {
        "count": 0,
        "expected_revenue": _round(0),
        "weighted_revenue": _round(0),
        "missing_rate": 0,
    }
    columns = [
        {"stage": stage, "cards": cards.get(stage.pk, []), **totals.get(stage.pk, empty)}
        for stage in stages
    ]
    for column in columns:
        column["more"] = column["count"] - len(column["cards"]) if not column["stage"].fold else 0
    return {"stages": stages, "columns": columns, "currency": company.currency_id}


# -- the pipeline report ---------------------------------------------------------------------


def _owner_label(row) -> str:
    full = f"{row.get('owner__first_name') or ''} {row.get('owner__last_name') or ''}".strip()
    return full or row.get("owner__username") or ""


def forecast(
    company: Company,
    *,
    group_by: str = "month",
    team: int | None = None,
    owner: int | None = None,
    close_from: date | None = None,
    close_to: date | None = None,
    on_date: date | None = None,
    visible_to: Q | None = None,
) -> dict:
    """Weighted forecast of the open opportunities: expected revenue x probability / 100, in
    the company currency (converted at the latest rate on `on_date`), grouped by month of
    the expected close date, by owner or by stage. Opportunities in a currency without a rate
    are counted in `missing_rate` and left out of the sums."""
    if group_by not in GROUP_BY:
        raise ValueError(group_by)
    on_date = on_date or timezone.localdate()
    qs = Opportunity.objects.filter(company=company, state=OpportunityState.OPEN)
    if visible_to is not None:
        qs = qs.filter(visible_to)
    if team:
        qs = qs.filter(team_id=team)
    if owner:
        qs = qs.filter(owner_id=owner)
    if close_from:
        qs = qs.filter(close_date__gte=close_from)
    if close_to:
        qs = qs.filter(close_date__lte=close_to)
    qs = _with_amounts(qs, company, on_date)
    if group_by == "month":
        grouped = (
            qs.annotate(month=TruncMonth("close_date"))
            .values("month")
            .annotate(**_AMOUNTS)
            .order_by(F("month").asc(nulls_last=True))
        )
        rows = [
            {
                "key": row["month"].strftime("%Y-%m") if row["month"] else None,
                "label": row["month"].strftime("%Y-%m") if row["month"] else "",
                **_money_row(row),
            }
            for row in grouped
        ]
    elif group_by == "owner":
        grouped = (
            qs.values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
            .annotate(**_AMOUNTS)
            .order_by(F("owner__username").asc(nulls_last=True))
        )
        rows = [
            {"key": row["owner_id"], "label": _owner_label(row), **_money_row(row)}
            for row in grouped
        ]
    else:
        grouped = (
            qs.values("stage_id", "stage__name", "stage__sequence", "stage__team__name")
            .annotate(**_AMOUNTS)
            .order_by("stage__team__name", "stage__sequence", "stage_id")
        )
        rows = [
            {
                "key": row["stage_id"],
                "label": row["stage__name"],
                "team": row["stage__team__name"] or "",
                **_money_row(row),
            }
            for row in grouped
        ]
    totals = _money_row(qs.aggregate(**_AMOUNTS))
    totals["currency"] = company.currency_id
    return {"group_by": group_by, "rows": rows, "totals": totals}


def conversion(
    company: Company, *, team: SalesTeam | None = None, visible_to: Q | None = None
) -> dict:
    """Stage-to-stage conversion of a pipeline, from the logged stage changes.

    An opportunity reached a stage when it ever entered it or a later (not lost) stage; the
    rate of a step is how many of those that reached the first stage reached the next.
    """
    pipeline = list(pipeline_stages(company=company, team=team))
    stages = [s for s in pipeline if not s.is_lost]
    reached = Subquery(
        OpportunityStageChange.objects.filter(opportunity=OuterRef("pk"), to_stage__is_lost=False)
        .values("opportunity")
        .annotate(top=Max("to_stage__sequence"))
        .values("top")[:1]
    )
    # The opportunities in this pipeline's stages (stage__team=None: the default pipeline).
    qs = Opportunity.objects.filter(
        company=company, stage__team=pipeline[0].team_id if pipeline else None
    )
    if team is not None:
        qs = qs.filter(team=team)
    if visible_to is not None:
        qs = qs.filter(visible_to)
    qs = qs.annotate(reached=reached)
    counts = (
        qs.aggregate(
            **{
                f"s{stage.pk}": Count("pk", filter=Q(reached__gte=stage.sequence))
                for stage in stages
            }
        )
        if stages
        else {}
    )
    rows = []
    for here, after in zip(stages, stages[1:], strict=False):
        entered, advanced = counts[f"s{here.pk}"], counts[f"s{after.pk}"]
        rate = _round(Decimal(advanced) * 100 / entered) if entered else None
        rows.append(
            {
                "from_stage": here.pk,
                "from_stage_name": here.name,
                "to_stage": after.pk,
                "to_stage_name": after.name,
                "entered": entered,
                "advanced": advanced,
                "rate": rate,
            }
        )
    first = counts.get(f"s{stages[0].pk}", 0) if stages else 0
    won_stage = next((s for s in stages if s.is_won), None)
    won = counts.get(f"s{won_stage.pk}", 0) if won_stage else 0
    return {
        "rows": rows,
        "totals": {
            "entered": first,
            "won": won,
            "rate": _round(Decimal(won) * 100 / first) if first else None,
        },
    }


def sales_cycle(
    company: Company, *, team: int | None = None, visible_to: Q | None = None
) -> Decimal | None:
    """Average days from creating an opportunity to winning it (two decimals), or None."""
    qs = Opportunity.objects.filter(company=company, state=OpportunityState.WON)
    if visible_to is not None:
        qs = qs.filter(visible_to)
    if team:
        qs = qs.filter(team_id=team)
    average = qs.aggregate(
        cycle=Avg(ExpressionWrapper(F("won_at") - F("created_at"), output_field=DurationField()))
    )["cycle"]
    if average is None:
        return None
    return _round(Decimal(average.total_seconds()) / Decimal(86400))


def win_rate_by_source(
    company: Company, *, team: int | None = None, visible_to: Q | None = None
) -> dict:
    """Per source: won, lost and open counts and won / (won + lost) in percent."""
    qs = Opportunity.objects.filter(company=company)
    if visible_to is not None:
        qs = qs.filter(visible_to)
    if team:
        qs = qs.filter(team_id=team)
    measures = {
        "won": Count("pk", filter=Q(state=OpportunityState.WON)),
        "lost": Count("pk", filter=Q(state=OpportunityState.LOST)),
        "open": Count("pk", filter=Q(state=OpportunityState.OPEN)),
    }

    def shaped(row, **extra):
        closed = row["won"] + row["lost"]
        return {
            **extra,
            "won": row["won"],
            "lost": row["lost"],
            "open": row["open"],
            "win_rate": _round(Decimal(row["won"]) * 100 / closed) if closed else None,
        }

    rows = [
        shaped(row, source=row["source"])
        for row in qs.values("source").annotate(**measures).order_by("source")
    ]
    return {"rows": rows, "totals": shaped(qs.aggregate(**measures))}


# -- one opportunity -------------------------------------------------------------------------


def stage_history(opportunity: Opportunity, *, now: datetime | None = None) -> list[dict]:
    """The stages the opportunity went through, each with the time spent in it (until the
    next change; the current stage of an open opportunity until `now`)."""
    now = now or timezone.now()
    changes = (
        OpportunityStageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "changed_by")
        .annotate(
            left_at=Window(
                NextRow("changed_at"),
                partition_by=[F("opportunity_id")],
                order_by=[F("changed_at").asc(), F("id").asc()],
            )
        )
        .order_by("changed_at", "id")
    )
    rows = []
    for change in changes:
        until = change.left_at
        if until is None and not opportunity.is_closed:
            until = now
        rows.append(
            {
                "change": change,
                "stage": change.to_stage,
                "from_stage": change.from_stage,
                "entered_at": change.changed_at,
                "left_at": change.left_at,
                "by": change.changed_by,
                "duration": (until - change.changed_at) if until is not None else None,
            }
        )
    return rows


# -- my day ----------------------------------------------------------------------------------

MY_DAY_BUCKETS = ("overdue", "today", "upcoming")
UPCOMING_DAYS = 7


def my_day(company: Company, user, *, now: datetime | None = None) -> dict:
    """The user's planned activities: overdue (due before today), due today, and upcoming in
    the next seven days, by the company's calendar. One query."""
    local = company_now(company, now)
    tz = local.tzinfo
    today = local.date()
    start_today = datetime.combine(today, time.min, tzinfo=tz)
    start_tomorrow = datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1 + UPCOMING_DAYS), time.min, tzinfo=tz)
    activities = (
        Activity.objects.filter(
            company=company, owner=user, state=ActivityState.PLANNED, due_at__lt=end
        )
        .annotate(
            bucket=Case(
                When(due_at__lt=start_today, then=Value("overdue")),
                When(due_at__lt=start_tomorrow, then=Value("today")),
                default=Value("upcoming"),
            )
        )
        .select_related("party", "lead", "opportunity")
        .order_by("due_at", "id")
    )
    buckets: dict[str, list] = {name: [] for name in MY_DAY_BUCKETS}
    for activity in activities:
        buckets[activity.bucket].append(activity)
    return {"date": today, **buckets}


def stages_for_select(company: Company) -> QuerySet:
    return PipelineStage.objects.filter(company=company).select_related("team")
