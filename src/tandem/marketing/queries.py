"""Read side: campaign statistics and attribution, computed in SQL.

Attribution reads the click touches (`CampaignTouch`, kind `click`: every click of a
person, machine clicks excluded). A posted customer invoice is a campaign's when, among the
clicks of the invoice's party in the ATTRIBUTION_DAYS before the invoice was posted, the
latest (last touch) or the earliest (first touch) is on that campaign's email; ties by time
go to the later-recorded touch (last) or the earlier one (first). Revenue is the invoices'
untaxed amount in company currency net of the posted customer credit notes that credit them
(`credited_invoice`, whenever posted: a refund after the report is taken off the campaign
too); margin is that net revenue minus the net cost of goods of their lines at the
product's cost price (goods credited come back: a credit note's lines take their cost off
again; the catalog's `cost_price`, the stock valuation layers are not linked to invoice lines
yet). A credit note with no invoice named is nobody's campaign's. Orders are
confirmed sales orders and leads are CRM leads matched to the party, under the same rule on
their confirmation / creation time. ROI = (margin - cost) / cost.
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
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .models import Campaign, CampaignRecipient, CampaignTouch, TouchKind, TraceState

ATTRIBUTION_DAYS = 30
LAST_TOUCH, FIRST_TOUCH = "last_touch", "first_touch"
MODELS = (LAST_TOUCH, FIRST_TOUCH)
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=24, decimal_places=6)


def _touch_owner(at_field: str, model: str) -> Subquery:
    """The campaign of the row's party's latest (last touch) or earliest (first touch) click
    in the window before the row's `at_field`: one index probe with LIMIT 1."""
    window = timedelta(days=ATTRIBUTION_DAYS)
    clicks = (
        CampaignTouch.objects.filter(
            party_id=OuterRef("party_id"), kind=TouchKind.CLICK, at__lte=OuterRef(at_field)
        )
        .annotate(
            window_end=ExpressionWrapper(F("at") + Value(window), output_field=DateTimeField())
        )
        .filter(window_end__gte=OuterRef(at_field))
    )
    order = ("at", "pk") if model == FIRST_TOUCH else ("-at", "-pk")
    return Subquery(clicks.order_by(*order).values("campaign_id")[:1])


def _attributed(qs, campaign: Campaign, at_field: str, model: str):
    if model not in MODELS:
        raise ValueError(f"attribution model: one of {', '.join(MODELS)}")
    # only parties who clicked this campaign at all can be its; then who owns the row
    clicked = CampaignTouch.objects.filter(
        campaign_id=campaign.pk, kind=TouchKind.CLICK, party_id=OuterRef("party_id")
    )
    return (
        qs.filter(Exists(clicked))
        .annotate(touch_campaign=_touch_owner(at_field, model))
        .filter(touch_campaign=campaign.pk)
    )


def attributed_invoices(campaign: Campaign, model: str = LAST_TOUCH):
    from tandem.accounting.models import Invoice

    invoices = Invoice.objects.filter(
        company_id=campaign.company_id,
        kind="customer_invoice",
        state="posted",
        posted_at__isnull=False,
    )
    return _attributed(invoices, campaign, "posted_at", model)


def attributed_orders(campaign: Campaign, model: str = LAST_TOUCH):
    from tandem.sales.models import SalesOrder

    orders = SalesOrder.objects.filter(
        company_id=campaign.company_id,
        state__in=("confirmed", "done"),
        confirmed_at__isnull=False,
    )
    return _attributed(orders, campaign, "confirmed_at", model)


def attributed_leads(campaign: Campaign, model: str = LAST_TOUCH):
    from tandem.crm.models import Lead

    leads = Lead.objects.filter(
        company_id=campaign.company_id, matched_party__isnull=False
    ).annotate(party_id=F("matched_party_id"))
    return _attributed(leads, campaign, "created_at", model)


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(CENT, rounding=ROUND_HALF_UP)


def attribution(campaign: Campaign, model: str = LAST_TOUCH) -> dict:
    """Leads, orders, invoices, revenue, margin and ROI of the campaign under one model."""
    from tandem.accounting.models import Invoice, InvoiceLine

    invoices = attributed_invoices(campaign, model)
    credit_notes = Invoice.objects.filter(
        company_id=campaign.company_id,
        kind="customer_credit_note",
        state="posted",
        credited_invoice__in=invoices.values("pk"),
    )
    zero = Value(Decimal("0"), output_field=MONEY)
    amount = Coalesce(Sum(F("untaxed_amount") * F("rate"), output_field=MONEY), zero)
    revenue = invoices.aggregate(total=amount)["total"]
    credited = credit_notes.aggregate(total=amount)["total"]
    goods = Coalesce(Sum(F("quantity") * F("product__cost_price"), output_field=MONEY), zero)
    cogs = InvoiceLine.objects.filter(
        invoice__in=invoices.values("pk"), product__isnull=False
    ).aggregate(total=goods)["total"]
    cogs_back = InvoiceLine.objects.filter(
        invoice__in=credit_notes.values("pk"), product__isnull=False
    ).aggregate(total=goods)["total"]
    revenue, cogs = _money(revenue - credited), _money(cogs - cogs_back)
    margin = revenue - cogs
    cost = campaign.cost
    roi = ((margin - cost) / cost).quantize(Decimal("0.0001"), ROUND_HALF_UP) if cost else None
    return {
        "leads": attributed_leads(campaign, model).count(),
        "orders": attributed_orders(campaign, model).count(),
        "invoices": invoices.count(),
        "credit_notes": credit_notes.count(),
        "revenue": revenue,
        "margin": margin,
        "roi": roi,
    }


def campaign_stats(campaign: Campaign) -> dict:
    """The campaign report's figures (a few aggregate statements, no loop over rows). The
    top-level attribution figures are last touch; `attribution` has both models."""
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
        capped=Count("pk", filter=Q(state=TraceState.SUPPRESSED, reason="frequency_cap")),
    )
    traces["opened"] += campaign.anonymous_opens
    models = {model: attribution(campaign, model) for model in MODELS}
    last = models[LAST_TOUCH]
    sent = traces["sent"]
    return {
        **traces,
        "leads": last["leads"],
        "orders": last["orders"],
        "attributed_revenue": last["revenue"],
        "attributed_margin": last["margin"],
        "cost": campaign.cost,
        "roi": last["roi"],
        "attribution": {"window_days": ATTRIBUTION_DAYS, **models},
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
