"""Follow-up health: records whose cadence is broken (an overdue cadence activity) or that
nobody touched (a done activity or a logged interaction) in N days."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tandem.core.models import Company
from tandem.parties.models import Party

from ..models import Activity, ActivityState, Lead, LeadState, Opportunity, OpportunityState
from ..services.cadences import last_touch

REPORT_ROWS_PER_KIND = 200


def _overdue_since(link: str, now: datetime):
    rows = Activity.objects.filter(
        **{link: OuterRef("pk")},
        state=ActivityState.PLANNED,
        cadence__isnull=False,
        due_at__lt=now,
    ).order_by()
    return Subquery(rows.values(link).annotate(first=Min("due_at")).values("first")[:1])


def _stale(qs: QuerySet, link: str, *, now: datetime, cutoff: datetime) -> QuerySet:
    return (
        qs.annotate(overdue_since=_overdue_since(link, now), last_touch=last_touch(link))
        .filter(
            Q(overdue_since__isnull=False)
            | Q(last_touch__lt=cutoff)
            | Q(last_touch__isnull=True, created_at__lt=cutoff)
        )
        .order_by("pk")
    )


def cadence_report(
    company: Company,
    *,
    days: int = 30,
    now: datetime | None = None,
    leads: QuerySet | None = None,
    opportunities: QuerySet | None = None,
) -> dict:
    """Open leads, open opportunities and active customers that need a touch. `leads` and
    `opportunities` narrow the records (the caller's visibility); rows carry `kind`, `id`,
    `name`, `owner`, `reason` (`overdue` first, else `no_touch`), `overdue_since`,
    `last_touch`. At most REPORT_ROWS_PER_KIND rows of each kind, oldest first."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    lead_qs = leads if leads is not None else Lead.objects.all()
    opp_qs = opportunities if opportunities is not None else Opportunity.objects.all()
    sources = [
        ("lead", lead_qs.filter(company=company, state=LeadState.NEW), "owner__username"),
        (
            "opportunity",
            opp_qs.filter(company=company, state=OpportunityState.OPEN),
            "owner__username",
        ),
        ("party", Party.objects.filter(company=company, is_customer=True, active=True), None),
    ]
    rows = []
    for kind, qs, owner_field in sources:
        fields = ["pk", "name", "overdue_since", "last_touch"] + (
            [owner_field] if owner_field else []
        )
        for row in _stale(qs, kind, now=now, cutoff=cutoff).values(*fields)[:REPORT_ROWS_PER_KIND]:
            rows.append(
                {
                    "kind": kind,
                    "id": row["pk"],
                    "name": row["name"],
                    "owner": row.get(owner_field) if owner_field else None,
                    "reason": "overdue" if row["overdue_since"] else "no_touch",
                    "overdue_since": row["overdue_since"],
                    "last_touch": row["last_touch"],
                }
            )
    rows.sort(
        key=lambda r: (r["reason"] != "overdue", r["overdue_since"] or r["last_touch"] or now)
    )
    overdue = sum(1 for r in rows if r["reason"] == "overdue")
    return {
        "rows": rows,
        "totals": {"overdue": overdue, "no_touch": len(rows) - overdue, "count": len(rows)},
        "days": days,
    }
