"""Read side: campaign statistics and attribution, computed in SQL.

Attribution (last touch): a posted customer invoice of a recipient party is the campaign's
when the party clicked the campaign's email at most ATTRIBUTION_DAYS before the invoice was
posted and clicked no other campaign's email between that click and the posting. Revenue is
the invoices' untaxed amount in company currency (credit notes are not netted in this step);
margin is revenue minus the cost of goods of their lines at the product's cost price (the
catalog's `cost_price`; the stock valuation layers are not linked to invoice lines yet).
Orders are confirmed sales orders and leads are CRM leads of the party, both under the same
last-touch rule on their confirmation / creation time. ROI = (margin - cost) / cost.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .models import Campaign, CampaignRecipient, TraceState

ATTRIBUTION_DAYS = 30
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=24, decimal_places=6)


def _last_touch(campaign: Campaign, at_field: str) -> Exists:
    """Exists: a click of this campaign's email by the row's party within the window before
    the row's `at_field`, with no later click of another campaign before it."""
    window = timedelta(days=ATTRIBUTION_DAYS)
    later = CampaignRecipient.objects.filter(
        party_id=OuterRef("party_id"),
        clicked_at__gt=OuterRef("clicked_at"),
        clicked_at__lte=OuterRef(OuterRef(at_field)),
    ).exclude(campaign_id=campaign.pk)
    touch = (
        CampaignRecipient.objects.filter(
            campaign_id=campaign.pk,
            party_id=OuterRef("party_id"),
            clicked_at__isnull=False,
            clicked_at__lte=OuterRef(at_field),
        )
        .annotate(
            window_end=ExpressionWrapper(
                F("clicked_at") + Value(window), output_field=DateTimeField()
            )
        )
        .filter(window_end__gte=OuterRef(at_field))
        .filter(~Exists(later))
    )
    return Exists(touch)


def attributed_invoices(campaign: Campaign):
    from tandem.accounting.models import Invoice

    return Invoice.objects.filter(
        company_id=campaign.company_id,
        kind="customer_invoice",
        state="posted",
        posted_at__isnull=False,
    ).filter(_last_touch(campaign, "posted_at"))


def attributed_orders(campaign: Campaign):
    from tandem.sales.models import SalesOrder

    return SalesOrder.objects.filter(
        company_id=campaign.company_id,
        state__in=("confirmed", "done"),
        confirmed_at__isnull=False,
    ).filter(_last_touch(campaign, "confirmed_at"))


def attributed_leads(campaign: Campaign):
    from tandem.crm.models import Lead

    return (
        Lead.objects.filter(company_id=campaign.company_id, matched_party__isnull=False)
        .annotate(party_id=F("matched_party_id"))
        .filter(_last_touch(campaign, "created_at"))
    )


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(CENT, rounding=ROUND_HALF_UP)


def campaign_stats(campaign: Campaign) -> dict:
    """The campaign report's figures (a few aggregate statements, no loop over rows)."""
    from tandem.accounting.models import InvoiceLine

    traces = CampaignRecipient.objects.filter(campaign=campaign).aggregate(
        recipients=Count("pk"),
        sent=Count("pk", filter=Q(state__in=[TraceState.SENT, TraceState.BOUNCED])),
        delivered=Count("pk", filter=Q(state=TraceState.SENT)),
        bounced=Count("pk", filter=Q(state=TraceState.BOUNCED)),
        suppressed=Count("pk", filter=Q(state=TraceState.SUPPRESSED)),
        failed=Count("pk", filter=Q(state=TraceState.FAILED)),
        queued=Count("pk", filter=Q(state__in=[TraceState.QUEUED, TraceState.SENDING])),
        held=Count("pk", filter=Q(state=TraceState.HELD)),
        opened=Count("pk", filter=Q(human_open=True)),
        machine_opened=Count("pk", filter=Q(machine_opens__gt=0, human_open=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
    )
    traces["opened"] += campaign.anonymous_opens
    invoices = attributed_invoices(campaign)
    revenue = invoices.aggregate(
        total=Coalesce(
            Sum(F("untaxed_amount") * F("rate"), output_field=MONEY),
            Value(Decimal("0"), output_field=MONEY),
        )
    )["total"]
    cogs = InvoiceLine.objects.filter(invoice__in=invoices, product__isnull=False).aggregate(
        total=Coalesce(
            Sum(F("quantity") * F("product__cost_price"), output_field=MONEY),
            Value(Decimal("0"), output_field=MONEY),
        )
    )["total"]
    revenue, cogs = _money(revenue), _money(cogs)
    margin = revenue - cogs
    cost = campaign.cost
    roi = ((margin - cost) / cost).quantize(Decimal("0.0001"), ROUND_HALF_UP) if cost else None
    sent = traces["sent"]
    return {
        **traces,
        "leads": attributed_leads(campaign).count(),
        "orders": attributed_orders(campaign).count(),
        "attributed_revenue": revenue,
        "attributed_margin": margin,
        "cost": cost,
        "roi": roi,
        "bounce_rate": _rate(traces["bounced"], sent),
        "open_rate": _rate(traces["opened"], traces["delivered"]),
        "click_rate": _rate(traces["clicked"], traces["delivered"]),
        "ab": ab_report(campaign),
    }


def ab_report(campaign: Campaign) -> dict | None:
    """The A/B test: per variant the test group's figures; the decision once taken (winner,
    z, p-value, "significant" / "not significant")."""
    variants = list(campaign.variants.all())
    if not variants:
        return None
    rows = (
        CampaignRecipient.objects.filter(campaign=campaign)
        .exclude(variant="")
        .values("variant")
        .annotate(
            delivered=Count("pk", filter=Q(state=TraceState.SENT)),
            opened=Count("pk", filter=Q(human_open=True)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
    )
    # the test group only: the rest got the winner's label too, after the decision
    decided = campaign.ab_result or {}
    figures = {r["variant"]: r for r in rows}
    return {
        "metric": campaign.ab_metric,
        "share": campaign.ab_share,
        "fallback": campaign.ab_fallback,
        "decide_at": campaign.ab_decide_at,
        "winner": campaign.ab_winner,
        "verdict": decided.get("verdict", ""),
        "z": decided.get("z"),
        "p_value": decided.get("p_value"),
        "test": decided.get("variants", {}),
        "variants": [
            {
                "label": v.label,
                "subject": v.subject,
                "template": v.template_id,
                "delivered": figures.get(v.label, {}).get("delivered", 0),
                "opened": figures.get(v.label, {}).get("opened", 0),
                "clicked": figures.get(v.label, {}).get("clicked", 0),
            }
            for v in variants
        ],
    }


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def campaign_timeline(company, party, n: int, *, scope=None) -> tuple[list[dict], int]:
    """Timeline source for the customer page (crm.queries.overview's
    `register_timeline_source("campaign", campaign_timeline)`): one entry per campaign email
    that left for the party, at its latest touch (clicked, else opened, else sent). Two
    queries. `scope` (CRM visibility) does not narrow campaigns."""
    from django.db.models.functions import Coalesce as _Coalesce
    from django.urls import reverse

    qs = (
        CampaignRecipient.objects.filter(
            company=company, party=party, state__in=[TraceState.SENT, TraceState.BOUNCED]
        )
        .annotate(touch_at=_Coalesce("clicked_at", "opened_at", "sent_at"))
        .select_related("campaign")
    )
    rows = []
    for trace in qs.order_by("-touch_at", "-pk")[:n]:
        if trace.clicked_at:
            detail = "clicked"
        elif trace.human_open:
            detail = "opened"
        elif trace.state == TraceState.BOUNCED:
            detail = "bounced"
        else:
            detail = "sent"
        rows.append(
            {
                "kind": "campaign",
                "id": trace.pk,
                "at": trace.touch_at,
                "title": trace.campaign.name,
                "detail": detail,
                "amount": None,
                "url": reverse("marketing:campaign_detail", args=[trace.campaign_id]),
            }
        )
    return rows, qs.count()
