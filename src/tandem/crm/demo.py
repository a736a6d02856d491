"""CRM part of the demo data set: leads, opportunities in every stage with their histories,
activities and interactions. Deterministic by `rng`; written through the services (so every
row is valid), then dated back in time so the pipeline and its reports look lived-in. Won
deals with goods in stock become orders (made at the win, under the sales demo's clock) that
are confirmed, shipped, invoiced and paid, so the customer 360 shows deals turning into
orders.

Called by `tandem.demo.load_demo` once the company's parties and products exist.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.catalog.models import ProductType, Tracking
from tandem.core.models import Company, Membership
from tandem.inventory.models import StockLevel
from tandem.parties.models import Tag
from tandem.sales.demo import demo_clock, fulfil_orders

from . import services
from .models import (
    Activity,
    Cadence,
    Interaction,
    Lead,
    Opportunity,
    OpportunityStageChange,
    SalesTarget,
    Source,
)

LEAD_SOURCES = ["web_form", "web_form", "referral", "campaign", "event", "phone", "email"]
CAMPAIGNS = ["Canton Fair 2026", "Spring newsletter", "WeChat article", ""]
DEAL_NAMES = [
    "Annual supply contract",
    "Office refit",
    "Warehouse automation",
    "Packaging renewal",
    "Fleet laptops",
    "Trial order",
    "Framework agreement",
    "Spare parts",
]
SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "磊", "洋"]
OUTCOMES = ["Interested, wants a quote", "Call back next week", "Sent the catalogue", ""]


def _at(company: Company, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(company.time_zone))


@transaction.atomic
def load_crm_demo(
    *,
    company: Company,
    parties: list,
    products: list,
    rng: random.Random,
    today: date | None = None,
) -> dict:
    """Add the CRM demo rows to `company`; returns their counts."""
    today = today or timezone.localdate()
    services.pipeline_seed(company=company)
    members = Membership.objects.filter(company=company, is_active=True).order_by("user_id")
    sellers = members.filter(roles__code__in=["sales", "owner", "admin"]).distinct()
    users = [m.user for m in (sellers if sellers.exists() else members).select_related("user")]
    customers = [p for p in parties if p.is_customer] or list(parties)
    stages = list(services.pipeline_stages(company=company))
    open_stages = [s for s in stages if not s.is_closing]
    reasons = list(company_reasons(company))
    n_leads = max(10, min(200, len(parties) // 4))
    n_opps = max(20, min(300, len(parties) // 3))
    # won deals become orders: their products are goods on the shelf (a copy of the
    # generator, so the rest of the demo draws what it drew before)
    orderable = _orderable(company, products)
    order_rng = random.Random()
    order_rng.setstate(rng.getstate())
    won_orders = []

    # Leads: some match existing customers, some are new; a third are qualified, a few not.
    leads = []
    for i in range(n_leads):
        known = customers[i % len(customers)] if i % 3 == 0 else None
        lead = services.lead_create(
            company=company,
            contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            company_name=known.name if known else f"Prospect {i + 1:03d} Co., Ltd.",
            email=f"lead{i + 1}@prospect{i + 1}.example",
            source=rng.choice(LEAD_SOURCES),
            campaign=rng.choice(CAMPAIGNS),
            owner=rng.choice(users),
            notes="Asked about prices and delivery times.",
        )
        leads.append(lead)
        created = timezone.now() - timedelta(days=rng.randint(1, 120))
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
        if i % 3 == 1:
            services.lead_qualify(lead=lead, expected_revenue=Decimal(rng.randint(5, 80) * 1000))
        elif i % 7 == 2:
            services.lead_disqualify(lead=lead, reason="Not a real buyer")

    # Opportunities in every stage, each with a history of moves dated in the past.
    opportunities = []
    for i in range(n_opps):
        created = today - timedelta(days=rng.randint(5, 240))
        created_at = _at(company, created, 9 + i % 8)
        target = i % (len(open_stages) + 2)  # open stages, then won, then lost
        name = f"{rng.choice(DEAL_NAMES)} #{i + 1}"
        party = rng.choice(customers)
        owner = rng.choice(users)
        expected = Decimal(rng.randint(2, 300) * 500)
        close_date = today + timedelta(days=rng.randint(-20, 150))
        if target == len(open_stages) and orderable:
            interest = order_rng.sample(orderable, k=min(len(orderable), order_rng.randint(1, 3)))
        else:
            interest = rng.sample(products, k=min(len(products), rng.randint(0, 3)))
        opp = services.opportunity_create(
            company=company,
            name=name,
            party=party,
            owner=owner,
            expected_revenue=expected,
            close_date=close_date,
            products=interest,
            source=rng.choice([s for s in Source.values if s != "import"]),
        )
        Opportunity.objects.filter(pk=opp.pk).update(created_at=created_at)
        OpportunityStageChange.objects.filter(opportunity=opp).update(changed_at=created_at)
        opp.created_at = created_at
        when, latest = created_at, timezone.now() - timedelta(hours=2)
        for stage in open_stages[1 : min(target, len(open_stages) - 1) + 1]:
            when = min(when + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8)), latest)
            services.opportunity_move(opportunity=opp, stage=stage, now=when)
        closed_at = min(when + timedelta(days=rng.randint(1, 20)), latest + timedelta(hours=1))
        if target == len(open_stages) and orderable:
            # won into a draft order, made at the moment of the win
            with demo_clock(closed_at):
                opp = services.opportunity_win(opportunity=opp, now=closed_at, create_order=True)
            won_orders.append((opp.sales_order, closed_at))
        elif target == len(open_stages):
            services.opportunity_win(opportunity=opp, now=closed_at)
        elif target == len(open_stages) + 1 and reasons:
            services.opportunity_lose(opportunity=opp, reason=rng.choice(reasons), now=closed_at)
        opportunities.append(opp)

    # The won deals' orders go the usual way: confirmed, shipped, invoiced, paid when due.
    fulfil_orders(company, won_orders, rng=order_rng)

    # Activities (overdue, today, upcoming, done) and logged interactions.
    now = timezone.now()
    for i, opp in enumerate(opportunities):
        kind = ["call", "email", "meeting", "task"][i % 4]
        due = now + timedelta(hours=rng.randint(-72, 24 * 10))
        activity = services.activity_create(
            company=company,
            kind=kind,
            summary=f"Follow up: {opp.name}",
            due_at=due,
            owner=opp.owner or users[0],
            opportunity=opp,
        )
        if i % 4 == 0:
            services.activity_done(activity=activity, outcome=rng.choice(OUTCOMES), now=due)
        services.interaction_log(
            company=company,
            kind=rng.choice(["call", "email", "meeting", "note"]),
            direction=rng.choice(["in", "out"]),
            duration_minutes=rng.randint(5, 60),
            subject=f"About {opp.name}",
            outcome=rng.choice(OUTCOMES),
            opportunity=opp,
            user=opp.owner,
            occurred_at=opp.created_at + timedelta(days=1),
        )
    _cadences_emails_targets(company, customers, opportunities, users, stages, today)
    return {
        "cadences": Cadence.objects.filter(company=company).count(),
        "targets": SalesTarget.objects.filter(company=company).count(),
        "leads": Lead.objects.filter(company=company).count(),
        "opportunities": Opportunity.objects.filter(company=company).count(),
        "activities": Activity.objects.filter(company=company).count(),
        "interactions": Interaction.objects.filter(company=company).count(),
    }


def _cadences_emails_targets(company, customers, opportunities, users, stages, today) -> None:
    """Follow-up rules (planned by one sweep), email threads, and this month's targets."""
    key_account, _new = Tag.objects.get_or_create(company=company, name="Key account")
    for party in customers[:3]:
        party.tags.add(key_account)
    proposal = next((s for s in stages if s.name == "Proposal"), None)
    services.cadence_create(
        company=company,
        name="New lead: first contact",
        applies_to="lead",
        kind="call",
        interval=1,
        interval_unit="business_days",
        summary_template="First call: {record}",
        repeat=False,
        owner=users[0],
    )
    if proposal is not None:
        services.cadence_create(
            company=company,
            name="Proposal: follow up every 3 days",
            applies_to="opportunity",
            stage=proposal,
            kind="email",
            interval=3,
            summary_template="Chase the proposal: {record}",
        )
    services.cadence_create(
        company=company,
        name="Key account: monthly check-in",
        applies_to="party",
        tag=key_account,
        kind="meeting",
        interval=30,
        summary_template="Monthly check-in: {record}",
        owner=users[0],
    )
    services.cadence_sweep(company=company)

    # An email logged on a few open opportunities (logged only: a demo sends nothing), and
    # the customer's reply threaded back to it.
    for opp in [o for o in opportunities if o.state == "open"][:5]:
        address = opp.party.email or f"buyer{opp.party_id}@customer.example"
        sent = services.interaction_log(
            company=company,
            kind="email",
            direction="out",
            subject=f"Quotation: {opp.name}",
            body="Please find our quotation attached. Prices are valid for 30 days.",
            opportunity=opp,
            user=opp.owner,
            message_id=f"<quote-{opp.pk}@demo.example>",
        )
        services.mail_in(
            company=company,
            raw=(
                f"From: Buyer <{address}>\r\nTo: sales@example.com\r\n"
                f"Subject: Re: Quotation: {opp.name}\r\n"
                f"Message-ID: <reply-{opp.pk}@demo.example>\r\n"
                f"In-Reply-To: {sent.message_id}\r\n\r\nThanks, we will review it this week.\r\n"
            ),
        )

    start = today.replace(day=1)
    for n, user in enumerate(users):
        services.target_set(
            company=company,
            user=user,
            period="month",
            period_start=start,
            amount=Decimal(50_000 + 10_000 * n),
        )


def _orderable(company: Company, products: list) -> list:
    """The products a won deal can order from the shelf: untracked goods with stock free."""
    candidates = [
        p
        for p in products
        if p.can_be_sold and p.type != ProductType.SERVICE and p.tracking == Tracking.NONE
    ]
    if not candidates:
        return []
    free = set(
        StockLevel.objects.filter(
            company=company,
            location__usage="internal",
            product__in=candidates,
            on_hand__gt=F("reserved") + 10,
        ).values_list("product_id", flat=True)
    )
    return [p for p in candidates if p.pk in free]


def company_reasons(company: Company):
    from .models import LostReason

    return LostReason.objects.filter(company=company, active=True).order_by("id")
