"""Campaign touches (sent, open, click), attribution of invoices and leads to campaigns under
the last-touch and first-touch models with revenue, margin and ROI on a worked example, and
click -> lead."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tandem.crm.models import Lead
from tandem.crm.services import lead_create, lead_disqualify
from tandem.marketing import services
from tandem.marketing.models import (
    Campaign,
    CampaignLink,
    CampaignRecipient,
    CampaignTouch,
)
from tandem.marketing.queries import campaign_stats
from tandem.marketing.tokens import token_make

D = Decimal
HTML = '<p>Hi {{ name }}, see <a href="https://shop.example.com/offer">the offer</a></p>'
HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126 Safari/537.36"


@pytest.fixture
def send(company, django_capture_on_commit_callbacks):
    """send(name, parties, cost=0, privacy=...) -> a campaign sent (locmem mail) 60 days ago,
    so clicks dated in the last 40 days are a person's, not a scanner's."""
    template = services.template_create(
        company=company, name="Offer", language="en", subject="Offer", body_html=HTML
    )

    def make(name, parties, cost="0", privacy="identified"):
        segment = services.segment_create(
            company=company, name=name, kind="static", members=[p.pk for p in parties]
        )
        campaign = services.campaign_create(
            company=company,
            name=name,
            segment=segment,
            template=template,
            cost=D(cost),
            privacy=privacy,
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.campaign_send(campaign=campaign)
        CampaignRecipient.objects.filter(campaign=campaign).update(
            sent_at=timezone.now() - timedelta(days=60)
        )
        return Campaign.objects.get(pk=campaign.pk)

    return make


def click(campaign, who, *, days=0, now=None, agent=HUMAN):
    """`who` clicks the campaign's link `days` ago, through the tracking service."""
    trace = CampaignRecipient.objects.get(campaign=campaign, party=who)
    link = CampaignLink.objects.get(campaign=campaign)
    return services.click_record(
        token=token_make("click", f"{trace.pk}-{link.pk}"),
        user_agent=agent,
        now=now or timezone.now() - timedelta(days=days),
    )


def test_a_send_records_one_sent_touch_per_message(party, send):
    ada, bo = party("Ada", consent=["newsletter"]), party("Bo")  # Bo: no consent
    campaign = send("May", [ada, bo])
    touches = CampaignTouch.objects.filter(campaign=campaign)
    assert [(t.party_id, t.kind) for t in touches] == [(ada.pk, "sent")]
    trace = CampaignRecipient.objects.get(campaign=campaign, party=ada)
    assert touches.get().recipient_id == trace.pk


def test_opens_and_clicks_are_touches_machines_are_not(party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    trace = CampaignRecipient.objects.get(campaign=campaign)
    now = timezone.now()
    services.open_record(token=token_make("open", f"t{trace.pk}"), user_agent="Mozilla/5.0")
    services.open_record(token=token_make("open", f"t{trace.pk}"), user_agent=HUMAN, now=now)
    services.open_record(token=token_make("open", f"t{trace.pk}"), user_agent=HUMAN, now=now)
    click(campaign, ada, agent="Mimecast URL check")
    click(campaign, ada, now=now + timedelta(minutes=1))
    click(campaign, ada, now=now + timedelta(minutes=2))
    kinds = list(CampaignTouch.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert sorted(kinds) == ["click", "click", "open", "open", "sent"]
    trace.refresh_from_db()
    assert trace.clicked_at == now + timedelta(minutes=1)  # the trace keeps the first click


def test_attribution_worked_example_last_and_first_touch(company, party, send, tea, invoice):
    """Clicks (days before today's invoices; window 30 days), A cost 50.00, B cost 100.00:

    | party | clicks                    | invoice (200.00 each, cost 120.00) | last | first |
    | Ada   | B -2                      | 3 teas: 600.00, margin 240.00      | B    | B     |
    | Bo    | B -40 (out of the window) | 3 teas                             | -    | -     |
    | Cy    | A -5, B -2; C after       | 3 teas: 600.00, margin 240.00      | B    | A     |
    | Dee   | B -10, A -1               | 2 teas: 400.00, margin 160.00      | A    | B     |
    | Eve   | B -6, A -4, B -1          | 1 tea: 200.00, margin 80.00        | B    | B     |

    B last touch: Ada, Cy, Eve = 1,400.00, margin 560.00, ROI (560 - 100) / 100 = 4.6000.
    B first touch: Ada, Dee, Eve = 1,200.00, margin 480.00, ROI 3.8000.
    A last touch: Dee = 400.00, margin 160.00, ROI (160 - 50) / 50 = 2.2000.
    A first touch: Cy = 600.00, margin 240.00, ROI 3.8000.
    Each clicking party's first click made a lead (created before the later-dated clicks
    are recorded, so all their clicks in the window count; Bo's is out of it)."""
    names = ("Ada", "Bo", "Cy", "Dee", "Eve")
    ada, bo, cy, dee, eve = (party(n, consent=["newsletter"]) for n in names)
    a = send("A", [cy, dee, eve], cost="50.00")
    b = send("B", [ada, bo, cy, dee, eve], cost="100.00")
    c = send("C", [cy])
    for campaign, who, days in (
        (b, ada, 2),
        (b, bo, 40),
        (a, cy, 5),
        (b, cy, 2),
        (b, dee, 10),
        (a, dee, 1),
        (b, eve, 6),
        (a, eve, 4),
        (b, eve, 1),
    ):
        click(campaign, who, days=days)
    for who, teas in ((ada, "3"), (bo, "3"), (cy, "3"), (dee, "2"), (eve, "1")):
        invoice(who, [(tea, teas, "200")])
    click(c, cy)  # after the invoice: C gets nothing

    b_stats, a_stats, c_stats = campaign_stats(b), campaign_stats(a), campaign_stats(c)
    assert b_stats["attribution"] == {
        "window_days": 30,
        "last_touch": {
            "leads": 3,
            "orders": 0,
            "invoices": 3,
            "credit_notes": 0,
            "revenue": D("1400.00"),
            "margin": D("560.00"),
            "roi": D("4.6000"),
        },
        "first_touch": {
            "leads": 3,
            "orders": 0,
            "invoices": 3,
            "credit_notes": 0,
            "revenue": D("1200.00"),
            "margin": D("480.00"),
            "roi": D("3.8000"),
        },
    }
    # the report's headline figures are last touch
    assert (b_stats["attributed_revenue"], b_stats["attributed_margin"], b_stats["roi"]) == (
        D("1400.00"),
        D("560.00"),
        D("4.6000"),
    )
    assert (b_stats["clicked"], b_stats["opened"]) == (5, 5)
    last, first = a_stats["attribution"]["last_touch"], a_stats["attribution"]["first_touch"]
    assert (last["revenue"], last["margin"], last["roi"], last["leads"]) == (
        D("400.00"),
        D("160.00"),
        D("2.2000"),
        1,
    )
    assert (first["revenue"], first["margin"], first["roi"], first["leads"]) == (
        D("600.00"),
        D("240.00"),
        D("3.8000"),
        1,
    )
    for model in ("last_touch", "first_touch"):
        figures = c_stats["attribution"][model]
        assert (figures["revenue"], figures["leads"], figures["roi"]) == (D("0.00"), 0, None)
    assert CampaignTouch.objects.filter(campaign=b, kind="click").count() == 6


def test_credit_notes_net_out_of_attributed_revenue_and_margin(party, send, tea, invoice):
    """Ada (clicked B) buys 3 teas (600.00, cost 360.00) and returns one: the credit note of
    200.00 takes 200.00 off revenue and brings 120.00 of cost back, so margin 240.00 - 80.00
    = 160.00; cost 100.00, ROI (160 - 100) / 100 = 0.6000. Bo (no click) gets a credit note
    too, and a credit note naming no invoice: neither touches the campaign. A draft credit
    note of Ada's counts only once posted."""
    ada, bo = party("Ada", consent=["newsletter"]), party("Bo", consent=["newsletter"])
    b = send("B", [ada, bo], cost="100.00")
    click(b, ada, days=2)
    sold = invoice(ada, [(tea, "3", "200")])
    theirs = invoice(bo, [(tea, "2", "200")])
    before = campaign_stats(b)["attribution"]["last_touch"]
    assert (before["revenue"], before["margin"], before["roi"]) == (
        D("600.00"),
        D("240.00"),
        D("1.4000"),
    )
    invoice(ada, [(tea, "1", "200")], kind="customer_credit_note", credited_invoice=sold)
    invoice(bo, [(tea, "1", "200")], kind="customer_credit_note", credited_invoice=theirs)
    invoice(ada, [(tea, "1", "200")], kind="customer_credit_note")
    invoice(
        ada, [(tea, "1", "200")], kind="customer_credit_note", credited_invoice=sold, post=False
    )
    stats = campaign_stats(b)
    last = stats["attribution"]["last_touch"]
    assert (last["invoices"], last["credit_notes"]) == (1, 1)
    assert (last["revenue"], last["margin"], last["roi"]) == (
        D("400.00"),
        D("160.00"),
        D("0.6000"),
    )
    assert (stats["attributed_revenue"], stats["attributed_margin"]) == (D("400.00"), D("160.00"))


def test_a_click_makes_a_lead_for_an_unknown_contact(company, party, send):
    """Ada has no lead: her first click makes one (source campaign, the campaign's UTM key,
    matched to her party); her second click and the link scanner's add nothing; her click in
    another campaign adds a line to the same lead, whose campaign stays the first."""
    ada = party("Ada Lovelace", consent=["newsletter"], kind="person")
    may = send("May Offer", [ada])
    june = send("June", [ada])
    now = timezone.now()
    click(may, ada, now=now)
    click(may, ada, now=now + timedelta(minutes=5))
    click(may, ada, agent="Proofpoint URL Defense")
    lead = Lead.objects.get()
    assert (lead.source, lead.campaign, lead.matched_party_id, lead.email) == (
        "campaign",
        f"may-offer-{may.pk}",
        ada.pk,
        "ada.lovelace@example.com",
    )
    assert (lead.contact_name, lead.company_name, lead.state) == ("Ada Lovelace", "", "new")
    assert lead.notes.count("clicked https://shop.example.com/offer") == 1
    click(june, ada, now=now + timedelta(hours=1))
    lead.refresh_from_db()
    assert Lead.objects.count() == 1
    assert lead.campaign == f"may-offer-{may.pk}"
    assert "“June”" in lead.notes and lead.notes.count("\n") == 1


def test_a_click_updates_the_open_lead_of_a_known_contact(company, party, send):
    """Bo (an organisation) already has an open lead from the web form, with no campaign:
    his click adds the campaign and a note to it, and makes no second lead. A disqualified
    lead is not open: Cy's click makes a new one."""
    bo = party("Bo Tea Ltd", consent=["newsletter"], kind="organization")
    cy = party("Cy", consent=["newsletter"])
    known = lead_create(
        company=company,
        name="Bo asks",
        company_name="Bo Tea Ltd",
        email="bo.tea.ltd@example.com",
        source="web_form",
    )
    assert known.matched_party_id == bo.pk
    done = lead_create(company=company, name="Cy before", contact_name="Cy", email="cy@example.com")
    lead_disqualify(lead=done, reason="no budget")
    may = send("May", [bo, cy])
    click(may, bo)
    click(may, cy)
    known.refresh_from_db()
    assert (known.campaign, known.source, known.name) == (f"may-{may.pk}", "web_form", "Bo asks")
    assert "clicked https://shop.example.com/offer" in known.notes
    assert Lead.objects.filter(matched_party=bo).count() == 1
    fresh = Lead.objects.exclude(pk__in=[known.pk, done.pk]).get()
    assert (fresh.matched_party_id, fresh.company_name, fresh.source) == (cy.pk, "Cy", "campaign")


def test_click_through_the_public_link_makes_the_lead_and_redirects(party, send):
    ada = party("Ada", consent=["newsletter"])
    send("May", [ada])
    html = next(m for m in mail.outbox if m.to == [ada.email]).alternatives[0][0]
    link = re.search(r'href="([^"]+/t/c/[^"]+)"', html).group(1)
    CampaignRecipient.objects.update(sent_at=timezone.now() - timedelta(hours=1))
    answer = Client().get(link.removeprefix("http://localhost:8000"), HTTP_USER_AGENT=HUMAN)
    assert answer.status_code == 302
    assert answer["Location"].startswith("https://shop.example.com/offer?")
    assert Lead.objects.get().matched_party_id == ada.pk
    assert CampaignTouch.objects.filter(kind="click").count() == 1


def test_anonymous_clicks_make_no_lead_and_no_touch(party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada], privacy="anonymous")
    link = CampaignLink.objects.get(campaign=campaign)
    services.click_record(token=token_make("click", f"0-{link.pk}"), user_agent=HUMAN)
    assert Lead.objects.count() == 0
    assert not CampaignTouch.objects.filter(kind="click").exists()
    assert CampaignLink.objects.get(pk=link.pk).clicks == 1


def test_api_stats_and_touches(api, party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada], cost="10.00")
    click(campaign, ada, days=1)
    stats = api.get(f"/campaigns/{campaign.pk}/stats")
    assert stats.status_code == 200
    body = stats.json()["attribution"]
    assert body["window_days"] == 30
    assert body["first_touch"] == {
        "leads": 1,
        "orders": 0,
        "invoices": 0,
        "credit_notes": 0,
        "revenue": "0.00",
        "margin": "0.00",
        "roi": "-1.0000",
    }
    touches = api.listed(f"/campaigns/{campaign.pk}/touches?kind=click")
    trace = CampaignRecipient.objects.get(campaign=campaign)
    assert [(t["kind"], t["party"], t["recipient"]) for t in touches["items"]] == [
        ("click", ada.pk, trace.pk)
    ]
    assert len(api.listed(f"/campaigns/{campaign.pk}/touches")["items"]) == 2
    bad = api.get(f"/campaigns/{campaign.pk}/touches?kind=bounce")
    assert bad.status_code == 422 and bad.json()["code"] == "validation.invalid"
