"""Sales performance (业绩): per rep and per team in a month, quarter or year — won revenue,
invoiced revenue, the target and how much of it is reached, activity counts, win rate and
lead conversion. A fixed number of grouped queries, whatever the number of reps.

Won revenue: opportunities won in the period (`won_at`), expected revenue in the company
currency at the latest exchange rate, credited to the opportunity's owner (and team).
Invoiced revenue: posted customer invoices minus credit notes dated in the period, untaxed x
posted rate. Parties carry no owner, so an invoice is credited to the owner of the party's
most recent opportunity (the account's current rep); invoices of parties without an
opportunity count in the totals only.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, When

from tandem.accounting.models import Invoice, InvoiceKind, InvoiceState
from tandem.core.models import Company, User

from ..models import (
    Activity,
    ActivityState,
    Interaction,
    Lead,
    Opportunity,
    OpportunityState,
    SalesTarget,
    SalesTeam,
    TargetMeasure,
    TargetPeriod,
)
from .overview import MONEY, SALE_KINDS
from .pipeline import _to_company_currency

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return (Decimal(value) if value is not None else Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def period_bounds(period: str, on: date) -> tuple[date, date]:
    """The first day of the period holding `on`, and the first day after it."""
    if period == TargetPeriod.YEAR:
        return date(on.year, 1, 1), date(on.year + 1, 1, 1)
    if period == TargetPeriod.QUARTER:
        first = (on.month - 1) // 3 * 3 + 1
        start = date(on.year, first, 1)
    else:
        first = on.month
        start = date(on.year, on.month, 1)
    months = 3 if period == TargetPeriod.QUARTER else 1
    month = first + months
    end = date(on.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return start, end


def _account_owner():
    return Subquery(
        Opportunity.objects.filter(party=OuterRef("party"), owner__isnull=False)
        .order_by("-created_at", "-id")
        .values("owner_id")[:1]
    )


def performance(
    company: Company,
    *,
    period: str = TargetPeriod.MONTH,
    on: date,
    measure: str = TargetMeasure.WON_REVENUE,
    team: SalesTeam | None = None,
) -> dict:
    start, end = period_bounds(period, on)
    zone = ZoneInfo(company.time_zone)
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.min, tzinfo=zone)
    in_period = {"gte": since, "lt": until}

    won_in = Q(state=OpportunityState.WON, won_at__gte=since, won_at__lt=until)
    lost_in = Q(state=OpportunityState.LOST, lost_at__gte=since, lost_at__lt=until)
    closed = (
        Opportunity.objects.filter(company=company)
        .filter(won_in | lost_in)
        .annotate(rate=_to_company_currency(company, end))
        .annotate(amount=ExpressionWrapper(F("expected_revenue") * F("rate"), output_field=MONEY))
    )
    by_owner = {
        r["owner"]: r
        for r in closed.values("owner").annotate(
            won_count=Count("pk", filter=won_in),
            lost_count=Count("pk", filter=lost_in),
            won_revenue=Sum("amount", filter=won_in),
        )
    }
    by_team = {
        r["team"]: r["won_revenue"]
        for r in closed.filter(won_in).values("team").annotate(won_revenue=Sum("amount"))
    }
    untaxed = ExpressionWrapper(F("untaxed_amount") * F("rate"), output_field=MONEY)
    signed = Case(
        When(kind=InvoiceKind.CUSTOMER_CREDIT_NOTE, then=-untaxed),
        default=untaxed,
        output_field=MONEY,
    )
    invoiced = {
        r["rep"]: r["revenue"]
        for r in Invoice.objects.filter(
            company=company,
            state=InvoiceState.POSTED,
            kind__in=SALE_KINDS,
            date__gte=start,
            date__lt=end,
        )
        .annotate(rep=_account_owner())
        .values("rep")
        .annotate(revenue=Sum(signed))
    }
    activities = dict(
        Activity.objects.filter(
            company=company,
            state=ActivityState.DONE,
            **{f"done_at__{k}": v for k, v in in_period.items()},
        )
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    touches = dict(
        Interaction.objects.filter(
            company=company,
            user__isnull=False,
            **{f"occurred_at__{k}": v for k, v in in_period.items()},
        )
        .values("user")
        .annotate(n=Count("pk"))
        .values_list("user", "n")
    )
    leads = {
        r["owner"]: r
        for r in Lead.objects.filter(company=company, owner__isnull=False)
        .filter(
            Q(created_at__gte=since, created_at__lt=until)
            | Q(qualified_at__gte=since, qualified_at__lt=until)
        )
        .values("owner")
        .annotate(
            assigned=Count("pk", filter=Q(created_at__gte=since, created_at__lt=until)),
            qualified=Count("pk", filter=Q(qualified_at__gte=since, qualified_at__lt=until)),
        )
    }
    targets = SalesTarget.objects.filter(
        company=company, period=period, period_start=start, measure=measure
    )
    rep_targets = {t.user_id: t.amount for t in targets if t.user_id}
    team_targets = {t.team_id: t.amount for t in targets if t.team_id}

    rep_ids = (set(by_owner) | set(invoiced) | set(activities) | set(touches) | set(leads)) | set(
        rep_targets
    )
    rep_ids.discard(None)
    teams = list(SalesTeam.objects.filter(company=company).prefetch_related("members"))
    if team is not None:
        members = {u.pk for t in teams if t.pk == team.pk for u in t.members.all()}
        members |= {team.leader_id} if team.leader_id else set()
        rep_ids &= members
        teams = [t for t in teams if t.pk == team.pk]
    users = {u.pk: u for u in User.objects.filter(pk__in=rep_ids)}

    rows = []
    for user_id in rep_ids:
        closed_row = by_owner.get(user_id, {})
        won_count = closed_row.get("won_count", 0)
        lost_count = closed_row.get("lost_count", 0)
        won = _money(closed_row.get("won_revenue"))
        billed = _money(invoiced.get(user_id))
        target = rep_targets.get(user_id)
        reached = won if measure == TargetMeasure.WON_REVENUE else billed
        lead_row = leads.get(user_id, {})
        user = users.get(user_id)
        rows.append(
            {
                "user": user_id,
                "name": (user.get_full_name() or user.get_username()) if user else "",
                "won_count": won_count,
                "won_revenue": won,
                "invoiced_revenue": billed,
                "target": target,
                "achievement": _percent(reached, target),
                "activities_done": activities.get(user_id, 0),
                "interactions": touches.get(user_id, 0),
                "opportunities_closed": won_count + lost_count,
                "win_rate": _percent(won_count, won_count + lost_count),
                "leads_assigned": lead_row.get("assigned", 0),
                "leads_qualified": lead_row.get("qualified", 0),
                "lead_conversion": _percent(
                    lead_row.get("qualified", 0), lead_row.get("assigned", 0)
                ),
            }
        )
    key = "won_revenue" if measure == TargetMeasure.WON_REVENUE else "invoiced_revenue"
    rows.sort(key=lambda r: (-r[key], r["name"]))

    team_rows = []
    for t in teams:
        members = {u.pk for u in t.members.all()} | ({t.leader_id} if t.leader_id else set())
        billed = _money(sum((invoiced.get(m) or 0) for m in members))
        won = _money(by_team.get(t.pk))
        target = team_targets.get(t.pk)
        team_rows.append(
            {
                "team": t.pk,
                "name": t.name,
                "won_revenue": won,
                "invoiced_revenue": billed,
                "target": target,
                "achievement": _percent(
                    won if measure == TargetMeasure.WON_REVENUE else billed, target
                ),
            }
        )

    total_won = _money(sum(r["won_revenue"] for r in rows))
    total_billed = _money(sum(r["invoiced_revenue"] for r in rows))
    total_target = sum((r["target"] for r in rows if r["target"] is not None), Decimal(0)) or None
    return {
        "period": period,
        "start": start,
        "end": end,
        "measure": measure,
        "currency": company.currency_id,
        "rows": rows,
        "teams": team_rows,
        "totals": {
            "won_count": sum(r["won_count"] for r in rows),
            "won_revenue": total_won,
            "invoiced_revenue": total_billed,
            "target": total_target,
            "achievement": _percent(
                total_won if measure == TargetMeasure.WON_REVENUE else total_billed, total_target
            ),
        },
    }
