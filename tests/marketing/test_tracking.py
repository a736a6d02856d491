"""What happens after the send: opens (human or machine), clicks (stored links only, UTM),
one-click unsubscribe, bounces through mail-in (attribution and ROI: test_attribution.py)."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from tandem.crm.models import Interaction, Lead
from tandem.crm.services import mail_in
from tandem.marketing import services
from tandem.marketing.models import Campaign, CampaignRecipient, Consent, Suppression
from tandem.marketing.queries import campaign_stats
from tandem.marketing.tokens import token_make

HTML = '<p>Hi {{ name }}, see <a href="https://shop.example.com/offer">the offer</a></p>'
HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126 Safari/537.36"


@pytest.fixture
def send(company, django_capture_on_commit_callbacks):
    """send(name, parties, cost=0) -> a sent campaign (locmem mail); sent an hour ago."""
    template = services.template_create(
        company=company, name="Offer", language="en", subject="Offer", body_html=HTML
    )

    def make(name, parties, cost="0"):
        segment = services.segment_create(
            company=company, name=name, kind="static", members=[p.pk for p in parties]
        )
        campaign = services.campaign_create(
            company=company, name=name, segment=segment, template=template, cost=Decimal(cost)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.campaign_send(campaign=campaign)
        CampaignRecipient.objects.filter(campaign=campaign).update(
            sent_at=timezone.now() - timedelta(hours=1)
        )
        return Campaign.objects.get(pk=campaign.pk)

    return make


def _html_of(address):
    message = next(m for m in mail.outbox if m.to == [address])
    return message.alternatives[0][0]


def _path(url):
    return url.removeprefix("http://localhost:8000")


def test_opens_human_and_machine(party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    pixel = re.search(r'<img src="([^"]+)"', _html_of(ada.email)).group(1)
    client = Client()
    for agent in ("Mozilla/5.0 via ggpht.com GoogleImageProxy", "Mozilla/5.0", ""):
        answer = client.get(_path(pixel), HTTP_USER_AGENT=agent)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/gif"
    trace = CampaignRecipient.objects.get(campaign=campaign)
    assert (trace.human_open, trace.machine_opens, trace.opened_at) == (False, 3, None)
    client.get(_path(pixel), HTTP_USER_AGENT=HUMAN)
    client.get(_path(pixel), HTTP_USER_AGENT=HUMAN)
    trace.refresh_from_db()
    assert trace.human_open and trace.opened_at is not None
    stats = campaign_stats(campaign)
    assert (stats["opened"], stats["machine_opened"]) == (1, 0)
    # a tampered pixel token still answers the pixel and records nothing
    assert client.get(_path(pixel).replace(".gif", "x.gif")).status_code == 200


def test_an_open_seconds_after_the_send_is_a_machine(party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    trace = CampaignRecipient.objects.get(campaign=campaign)
    services.open_record(
        token=token_make("open", f"t{trace.pk}"),
        user_agent=HUMAN,
        now=trace.sent_at + timedelta(seconds=3),
    )
    trace.refresh_from_db()
    assert (trace.human_open, trace.machine_opens) == (False, 1)


def test_click_redirects_only_to_stored_links_with_utm(party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May Offer", [ada])
    other = send("June", [party("Bo", consent=["newsletter"])])
    click = re.search(r'href="([^"]+/t/c/[^"]+)"', _html_of(ada.email)).group(1)
    client = Client()
    answer = client.get(_path(click), HTTP_USER_AGENT=HUMAN)
    assert answer.status_code == 302
    target = urlsplit(answer["Location"])
    assert (target.netloc, target.path) == ("shop.example.com", "/offer")
    assert parse_qs(target.query) == {
        "utm_source": ["tandem"],
        "utm_medium": ["email"],
        "utm_campaign": [f"may-offer-{campaign.pk}"],
    }
    trace = CampaignRecipient.objects.get(campaign=campaign)
    assert trace.clicked_at is not None and trace.human_open  # a click is an open
    # a recipient of one campaign with a link id of another: no redirect
    foreign_link = other.links.get()
    forged = token_make("click", f"{trace.pk}-{foreign_link.pk}")
    assert client.get(f"/marketing/t/c/{forged}/").status_code == 404
    assert client.get(_path(click)[:-4] + "abc/").status_code == 404
    assert b"not valid" in client.get("/marketing/t/c/evil/").content


def test_one_click_unsubscribe_takes_effect_at_once(party, send, company):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    trace = CampaignRecipient.objects.get(campaign=campaign)
    url = f"/marketing/t/u/{token_make('unsubscribe', trace.pk)}/"
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 200  # a page with a button; a GET changes nothing
    assert services.consent_is_granted(party=ada, purpose="newsletter")
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not services.consent_is_granted(party=ada, purpose="newsletter")
    assert client.post(url).status_code == 200
    assert Consent.objects.filter(party=ada, state="withdrawn").count() == 1
    assert client.post(url.replace("/u/", "/u/x")).status_code == 404
    # the next campaign does not reach her
    with pytest.raises(Exception) as caught:
        send("June", [ada])
    assert getattr(caught.value, "code", "") == "campaign.no_recipients"


def _dsn(to, original_id, status="5.1.1"):
    return (
        "From: MAILER-DAEMON@mx.example.net\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        "Final-Recipient: rfc822; ada@example.com\r\n"
        f"Action: failed\r\nStatus: {status}\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: Offer\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_a_hard_bounce_through_mail_in_suppresses_the_address(company, party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    trace = CampaignRecipient.objects.get(campaign=campaign)
    verp = f"bounce+{token_make('verp', trace.pk)}@localhost"
    result = mail_in(company=company, raw=_dsn(verp, trace.message_id))
    assert result.matched_by == "bounce"
    trace.refresh_from_db()
    assert (trace.state, trace.bounce_kind) == ("bounced", "hard")
    assert Suppression.objects.get(company=company).address == "ada@example.com"
    # the same DSN again changes nothing; no lead or interaction was made of it
    mail_in(company=company, raw=_dsn(verp, trace.message_id))
    assert Suppression.objects.count() == 1
    assert not Lead.objects.exists() and not Interaction.objects.exists()
    stats = campaign_stats(campaign)
    assert (stats["sent"], stats["delivered"], stats["bounced"]) == (1, 0, 1)
    assert stats["bounce_rate"] == Decimal("1.0000")


def test_a_dsn_found_by_message_id_and_an_unknown_bounce(company, party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    trace = CampaignRecipient.objects.get(campaign=campaign)
    assert mail_in(company=company, raw=_dsn("postmaster@acme", trace.message_id)).matched_by == (
        "bounce"
    )
    assert CampaignRecipient.objects.get(pk=trace.pk).state == "bounced"
    unknown = mail_in(company=company, raw=_dsn("postmaster@acme", "<nobody@nowhere>"))
    assert unknown.matched_by == "bounce"  # claimed, ignored, logged: never a lead
    assert not Lead.objects.exists()
    forged = f"bounce+{trace.pk}.AAAA.BBBB@localhost"
    assert mail_in(company=company, raw=_dsn(forged, "<x@y>")).matched_by == "bounce"


@override_settings(MARKETING_SOFT_BOUNCE_LIMIT=2)
def test_soft_bounces_suppress_after_the_limit(company, party, send):
    ada = party("Ada", consent=["newsletter"])
    for n, name in enumerate(("May", "June")):
        campaign = send(name, [ada])
        trace = CampaignRecipient.objects.get(campaign=campaign)
        mail_in(company=company, raw=_dsn("x@y", trace.message_id, status="4.2.2"))
        assert Suppression.objects.count() == n  # 0 after the first, 1 after the second
    assert Suppression.objects.get().reason == "soft_bounce"


def test_a_mailto_unsubscribe_through_mail_in(company, party, send):
    ada = party("Ada", consent=["newsletter"])
    campaign = send("May", [ada])
    trace = CampaignRecipient.objects.get(campaign=campaign)
    raw = (
        f"From: ada@example.com\r\nTo: unsubscribe+{token_make('unsubscribe', trace.pk)}"
        "@localhost\r\nSubject: unsubscribe\r\nMessage-ID: <u1@example.com>\r\n\r\n\r\n"
    ).encode()
    assert mail_in(company=company, raw=raw).matched_by == "unsubscribe"
    assert not services.consent_is_granted(party=ada, purpose="newsletter")


def test_preference_page(company, party, send):
    ada = party("Ada", consent=["newsletter", "offers"])
    send("May", [ada])
    url = f"/marketing/t/p/{token_make('preferences', ada.pk)}/"
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and b'value="offers" checked' in page.content
    assert client.post(url, {"purpose": ["offers"]}).status_code == 200
    assert not services.consent_is_granted(party=ada, purpose="newsletter")
    assert services.consent_is_granted(party=ada, purpose="offers")
    client.post(url, {"purpose": ["offers"], "all_off": "1"})
    assert Suppression.objects.get().reason == "unsubscribed"
    assert not services.consent_is_granted(party=ada, purpose="offers")
