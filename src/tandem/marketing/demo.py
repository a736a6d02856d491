"""The marketing part of the demo company (`tandem demo`), loaded by tandem.demo after the CRM
part, so it can use the demo's parties, products, orders and invoices.

Consents for most customers with an address, four segments, an English and a Chinese
template, an automation with parties waiting in it, and two campaigns sent in the past
through the real send code (to Django's in-memory mail backend, under the demo clock) with
opens, clicks, bounces and unsubscribes recorded through the tracking services."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.mail import get_connection
from django.utils import timezone

from tandem.core.models import Company
from tandem.sales.demo import demo_clock

from . import services
from .models import Campaign, CampaignRecipient, CampaignState, Consent, TraceState
from .tokens import token_make

HTML_EN = (
    "<html><body><h1>{{ sender_company }} news</h1><p>Dear {{ first_name }},</p>"
    "<p>This month: new teas and our spring prices. "
    '<a href="https://shop.tandem.example/spring">See the spring offer</a>.</p>'
    "<p>Your contact: {{ salesperson }}</p>"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> · '
    '<a href="{{ preferences_url }}">Preferences</a></p></body></html>'
)
HTML_ZH = (
    "<html><body><h1>{{ sender_company }} 资讯</h1><p>{{ name }} 您好，</p>"
    '<p>本月新品与春季价格：<a href="https://shop.tandem.example/spring">查看春季优惠</a>。</p>'
    '<p><a href="{{ unsubscribe_url }}">退订</a> · <a href="{{ preferences_url }}">偏好设置</a></p>'
    "</body></html>"
)
HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"


def load_marketing_demo(
    *, company: Company, parties: list, products: list, rng: random.Random, size: str
) -> None:
    now = timezone.now()
    customers = [p for p in parties if p.is_customer and p.email]
    # consent: most customers said yes to the newsletter, some to offers; a few withdrew
    rows = []
    for party in customers:
        if rng.random() < 0.8:
            at = now - timedelta(days=rng.randint(90, 400))
            rows.append(_consent(company, party, "newsletter", "granted", at, rng))
            if rng.random() < 0.1:
                rows.append(
                    _consent(
                        company, party, "newsletter", "withdrawn", at + timedelta(days=30), rng
                    )
                )
        if rng.random() < 0.4:
            at = now - timedelta(days=rng.randint(90, 400))
            rows.append(_consent(company, party, "offers", "granted", at, rng))
    Consent.objects.bulk_create(rows, batch_size=2000)

    newsletter = services.segment_create(
        company=company,
        name="Newsletter subscribers",
        rules={"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]},
        description="Everyone whose newsletter consent is in force.",
    )
    services.segment_create(
        company=company,
        name="Customers in China",
        rules={
            "all": [
                {"field": "is_customer", "op": "is", "value": True},
                {"field": "country", "op": "eq", "value": "CN"},
            ]
        },
    )
    services.segment_create(
        company=company,
        name="Big buyers, no overdue invoice",
        rules={
            "all": [
                {"field": "revenue", "op": "gte", "value": 5000},
                {"field": "overdue_invoice", "op": "is", "value": False},
            ]
        },
    )
    offers = services.segment_create(
        company=company,
        name="Offers list (frozen)",
        kind="static",
        rules={"all": [{"field": "consent", "op": "granted", "value": "offers"}]},
    )
    template = services.template_create(
        company=company,
        name="Monthly news",
        language="en",
        subject="{{ sender_company }}: news for {{ name }}",
        body_html=HTML_EN,
    )
    services.template_create(
        company=company,
        name="Monthly news",
        language="zh-hans",
        subject="{{ sender_company }} 月度资讯",
        body_html=HTML_ZH,
    )
    spring = services.template_create(
        company=company,
        name="Spring offer",
        language="en",
        subject="Spring prices for {{ company }}",
        body_html=HTML_EN.replace("news", "offer"),
    )
    _sent_campaign(
        company,
        rng,
        "Autumn newsletter",
        newsletter,
        template,
        "newsletter",
        Decimal("800.00"),
        now - timedelta(days=45),
    )
    _sent_campaign(
        company,
        rng,
        "Spring offer",
        offers,
        spring,
        "offers",
        Decimal("300.00"),
        now - timedelta(days=12),
    )
    services.campaign_create(
        company=company,
        name="Next month's newsletter",
        segment=newsletter,
        template=template,
        cost=Decimal("500.00"),
    )
    # a running automation: confirmed orders get a thank-you tag and a call for the owner
    automation = services.automation_save(
        company=company,
        name="After an order",
        trigger="event",
        event="sales_order.confirmed",
        steps=[
            {"type": "wait", "days": 3},
            {"type": "tag", "tag": "recent buyer"},
            {"type": "activity", "summary": "Ask how the order went", "due_days": 1},
        ],
        active=True,
    )
    services.runs_start(
        automation=automation,
        party_ids=[p.pk for p in customers[:5]],
        now=now - timedelta(days=1),
        source="sales_order.confirmed",
    )


def _consent(company, party, purpose, state, at, rng):
    return Consent(
        company=company,
        party=party,
        email=party.email.lower(),
        purpose=purpose,
        state=state,
        source=rng.choice(["web_form", "import", "trade_fair"]),
        text_version="2025-01",
        ip=f"203.0.113.{rng.randint(1, 254)}",
        at=at,
    )


def _sent_campaign(company, rng, name, segment, template, purpose, cost, at):
    campaign = services.campaign_create(
        company=company,
        name=name,
        segment=segment,
        template=template,
        purpose=purpose,
        cost=cost,
        sender="news@tandem.example",
    )
    with demo_clock(at) as clock:
        Campaign.objects.filter(pk=campaign.pk).update(state=CampaignState.SENDING, started_at=at)
        campaign.refresh_from_db()
        connection = get_connection("django.core.mail.backends.locmem.EmailBackend")
        services.campaign_run(campaign=campaign, connection=connection)
        traces = list(CampaignRecipient.objects.filter(campaign=campaign, state=TraceState.SENT))
        for trace in traces:
            roll = rng.random()
            clock.set(at + timedelta(minutes=rng.randint(30, 4000)))
            if roll < 0.04:
                services.bounce_record(trace=trace, kind="hard" if rng.random() < 0.7 else "soft")
                continue
            if rng.random() < 0.2:  # a privacy proxy fetched the pixel
                services.open_record(
                    token=token_make("open", f"t{trace.pk}"), user_agent="Mozilla/5.0"
                )
            if roll < 0.45:
                services.open_record(token=token_make("open", f"t{trace.pk}"), user_agent=HUMAN)
            if roll < 0.15:
                link = campaign.links.first()
                if link is not None:
                    services.click_record(
                        token=token_make("click", f"{trace.pk}-{link.pk}"), user_agent=HUMAN
                    )
            if 0.42 < roll < 0.45:
                services.unsubscribe(token=token_make("unsubscribe", trace.pk), source="one_click")
    return campaign
