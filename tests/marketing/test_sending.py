"""A campaign sent through real SMTP (aiosmtpd on loopback): one valid MIME message per
consenting recipient with the unsubscribe headers, nobody suppressed or withdrawn, the
re-check right before each message, and a send interrupted and resumed that sends nobody
twice."""

import email
import re
from collections import Counter
from email import policy

import pytest
from django.test import Client

from tandem.core.errors import DomainError
from tandem.core.jobs import job_run
from tandem.core.models import Job
from tandem.marketing import services
from tandem.marketing.models import (
    Campaign,
    CampaignLink,
    CampaignRecipient,
    Consent,
)
from tandem.marketing.services import sending
from tandem.marketing.tokens import token_read_int
from tandem.parties.models import Party

HTML = (
    "<html><body><p>Hello {{ first_name }},</p>"
    '<p>Our <a href="https://shop.example.com/spring?ref=mail">spring offer</a> '
    'and the <a href="https://shop.example.com/tea">tea list</a>.</p>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'
)


def _population(company, n):
    """n parties p0..p{n-1}@d{i%7}.example.com, every one with newsletter consent."""
    Party.objects.bulk_create(
        [
            Party(
                company=company,
                name=f"Person {i}",
                kind="person",
                email=f"p{i}@d{i % 7}.example.com",
                currency_id="CNY",
                is_customer=True,
            )
            for i in range(n)
        ]
    )
    parties = list(Party.objects.filter(company=company).order_by("pk"))
    Consent.objects.bulk_create(
        [
            Consent(company=company, party=p, purpose="newsletter", state="granted", source="test")
            for p in parties
        ]
    )
    return parties


def _campaign(company, **kw):
    segment = services.segment_create(
        company=company,
        name=kw.pop("segment_name", "Everyone"),
        rules={"all": [{"field": "is_customer", "op": "is", "value": True}]},
    )
    template = services.template_create(
        company=company,
        name="Spring",
        language="en",
        subject="Spring for {{ name }}",
        body_html=HTML,
    )
    return services.campaign_create(
        company=company,
        name="Spring 2026",
        segment=segment,
        template=template,
        sender="news@acme.example.com",
        **kw,
    )


def _send(campaign, capture):
    with capture(execute=True):
        services.campaign_send(campaign=campaign)
    return Campaign.objects.get(pk=campaign.pk)


@pytest.fixture
def no_hook():
    yield
    sending.after_send_hook = None


def test_a_1000_recipient_campaign_through_smtp(
    company, smtp_sink, django_capture_on_commit_callbacks, no_hook
):
    """Given 1,000 parties with consent, 40 of them suppressed and 60 withdrawn, when the
    campaign is sent, then each of the 900 others receives exactly one valid MIME message with
    List-Unsubscribe (https + mailto), the one-click header, a VERP envelope sender and its
    trace's Message-ID; the 100 receive nothing and are traced as suppressed."""
    parties = _population(company, 1000)
    for p in parties[:40]:
        services.suppression_add(company=company, address=p.email, reason="blacklisted")
    for p in parties[40:100]:
        services.consent_withdraw(company=company, party=p, purpose="newsletter", source="test")
    campaign = _send(_campaign(company), django_capture_on_commit_callbacks)

    assert campaign.state == "sent"
    assert Job.objects.get(pk=campaign.job_id).state == "done"
    received = Counter(rcpt for env in smtp_sink.envelopes for rcpt in env["rcpt_tos"])
    expected = {p.email for p in parties[100:]}
    assert set(received) == expected
    assert set(received.values()) == {1}
    traces = CampaignRecipient.objects.filter(campaign=campaign)
    assert Counter(traces.values_list("state", flat=True)) == {"sent": 900, "suppressed": 100}
    assert Counter(traces.filter(state="suppressed").values_list("reason", flat=True)) == {
        "suppressed": 40,
        "no_consent": 60,
    }
    by_email = {t.email: t for t in traces}
    links = set(CampaignLink.objects.filter(campaign=campaign).values_list("url", flat=True))
    assert links == {"https://shop.example.com/spring?ref=mail", "https://shop.example.com/tea"}

    for env in smtp_sink.envelopes:
        message = email.message_from_bytes(env["content"], policy=policy.default)
        trace = by_email[env["rcpt_tos"][0]]
        assert message.get_content_type() == "multipart/alternative"
        parts = [part.get_content_type() for part in message.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        assert message["Message-ID"] == trace.message_id
        assert message["From"] == "news@acme.example.com"
        assert message["To"] == trace.email
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert https.startswith("https://crm.example.com/marketing/t/u/")
        assert mailto.startswith("mailto:unsubscribe+") and mailto.endswith("@mail.example.com")
        local = env["mail_from"].split("@")[0]
        assert env["mail_from"].endswith("@mail.example.com")
        assert token_read_int("verp", local.removeprefix("bounce+")) == trace.pk
        assert message["Return-Path"].strip() == f"<{env['mail_from']}>"
    first = email.message_from_bytes(smtp_sink.envelopes[0]["content"], policy=policy.default)
    text = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert text.startswith("Hello Person,")
    assert "https://shop.example.com" not in html  # every link goes through the redirect
    assert "/marketing/t/o/" in html  # the open pixel

    # the one-click link of the first message works without login or CSRF
    https = re.findall(r"<([^>]+)>", first["List-Unsubscribe"])[0]
    client = Client(enforce_csrf_checks=True)
    path = https.removeprefix("https://crm.example.com")
    answer = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    trace = CampaignRecipient.objects.get(message_id=first["Message-ID"])
    assert trace.unsubscribed_at is not None
    assert not services.consent_is_granted(party=trace.party, purpose="newsletter")
    assert client.post(path).status_code == 200  # idempotent: no second row
    assert Consent.objects.filter(party=trace.party, source="one_click").count() == 1


def test_a_send_interrupted_and_resumed_sends_nobody_twice(
    company, smtp_sink, django_capture_on_commit_callbacks, no_hook
):
    """Given 60 recipients and a worker that dies after its 25th message (and one trace it
    had claimed but not marked), when the job runs again, then the 25 are not sent again, the
    claimed one is failed as unknown_after_crash and never sent, and the rest get one each."""
    parties = _population(company, 60)

    def die(count):
        if count == 25:
            raise RuntimeError("worker killed")

    sending.after_send_hook = die
    campaign = _send(_campaign(company), django_capture_on_commit_callbacks)
    job = Job.objects.get(pk=campaign.job_id)
    assert job.state == "failed" and campaign.state == "sending"
    assert len(smtp_sink.envelopes) == 25
    # the killed worker had claimed the next trace: it may or may not have left
    claimed = CampaignRecipient.objects.filter(campaign=campaign, state="queued").first()
    CampaignRecipient.objects.filter(pk=claimed.pk).update(state="sending")

    sending.after_send_hook = None
    Job.objects.filter(pk=job.pk).update(state="queued")  # what the sweep does
    assert job_run(job.pk) == "done"

    received = Counter(rcpt for env in smtp_sink.envelopes for rcpt in env["rcpt_tos"])
    assert set(received.values()) == {1}
    assert len(received) == 59
    assert claimed.email not in received
    claimed.refresh_from_db()
    assert (claimed.state, claimed.reason) == ("failed", "unknown_after_crash")
    states = Counter(
        CampaignRecipient.objects.filter(campaign=campaign).values_list("state", flat=True)
    )
    assert states == {"sent": 59, "failed": 1}
    assert Campaign.objects.get(pk=campaign.pk).state == "sent"
    assert {p.email for p in parties} - set(received) == {claimed.email}


def test_suppression_is_rechecked_right_before_each_message(
    company, smtp_sink, django_capture_on_commit_callbacks, no_hook
):
    """Given 10 recipients frozen as queued, when, after the first message left, the last
    one withdraws and the ninth is hard-bounced elsewhere, then neither gets a message."""
    parties = _population(company, 10)

    def meanwhile(count):
        if count == 1:
            services.consent_withdraw(
                company=company, party=parties[9], purpose="newsletter", source="web"
            )
            services.suppression_add(
                company=company, address=parties[8].email, reason="hard_bounce"
            )

    sending.after_send_hook = meanwhile
    campaign = _send(_campaign(company), django_capture_on_commit_callbacks)
    received = {rcpt for env in smtp_sink.envelopes for rcpt in env["rcpt_tos"]}
    assert received == {p.email for p in parties[:8]}
    late = CampaignRecipient.objects.filter(campaign=campaign, party__in=parties[8:])
    assert set(late.values_list("state", "reason")) == {("suppressed", "suppressed_before_send")}


def test_sending_twice_and_sending_to_nobody_are_refused(
    company, smtp_sink, django_capture_on_commit_callbacks, no_hook
):
    party = Party.objects.create(
        company=company,
        name="No Consent",
        email="nc@example.com",
        currency_id="CNY",
        is_customer=True,
    )
    campaign = _campaign(company)
    with pytest.raises(DomainError) as caught:
        services.campaign_send(campaign=campaign)
    assert caught.value.code == "campaign.no_recipients"
    campaign.refresh_from_db()
    assert campaign.state == "draft" and campaign.job_id is None
    assert not CampaignRecipient.objects.exists() and not Job.objects.exists()

    services.consent_grant(company=company, party=party, purpose="newsletter", source="test")
    campaign = _send(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "sent"
    with pytest.raises(DomainError) as caught:
        services.campaign_send(campaign=campaign)
    assert caught.value.code == "campaign.state_invalid"
    assert len(smtp_sink.envelopes) == 1 and Job.objects.count() == 1


def test_the_party_language_picks_the_template(
    company, smtp_sink, django_capture_on_commit_callbacks, no_hook
):
    """Given an English and a Chinese version of the email, the zh-hans party gets the
    Chinese one, the others the English one."""
    en, zh = _population(company, 2)
    Party.objects.filter(pk=zh.pk).update(language="zh-hans")
    campaign = _campaign(company)
    services.template_create(
        company=company,
        name="Spring",
        language="zh-hans",
        subject="春季优惠 {{ name }}",
        body_html="<p>您好 {{ name }}</p>",
    )
    _send(campaign, django_capture_on_commit_callbacks)
    subjects = {
        env["rcpt_tos"][0]: email.message_from_bytes(env["content"], policy=policy.default)[
            "Subject"
        ]
        for env in smtp_sink.envelopes
    }
    assert subjects == {en.email: "Spring for Person 0", zh.email: "春季优惠 Person 1"}


def test_throttle_paces_globally_and_per_domain():
    """A fake clock: 10/s overall and 2/s per domain space the messages exactly."""
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        now[0] += seconds

    throttle = sending.Throttle(10, 2, clock=lambda: now[0], sleep=sleep)
    for domain in ["a", "b", "a", "a"]:
        throttle.take(domain)
    # b: after a's 0.1 s gap; second a: 0.5 s after the first; third a: 0.5 s after that
    assert waits == [0.1, 0.4, 0.5]
    order = throttle.order(["a1", "a2", "a3", "b1", "c1"], lambda s: s[0])
    assert order == ["a1", "b1", "c1", "a2", "a3"]


def test_a_batch_of_messages_costs_four_statements(
    company, django_capture_on_commit_callbacks, no_hook
):
    """Per message one read (the re-check right before it leaves); per batch of 50
    (CLAIM_BATCH) the frequency-cap read, one claim, one sent mark and the insert of its sent
    touches: 5 more recipients cost 5 more statements, 50 more (a second batch) 54 more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n, tag):
        parties = _population_tagged(company, n, tag)
        segment = services.segment_create(
            company=company, name=f"S{tag}", kind="static", members=[p.pk for p in parties]
        )
        template = services.template_create(
            company=company, name=f"T{tag}", language="en", subject="Hi", body_html=HTML
        )
        campaign = services.campaign_create(
            company=company, name=f"C{tag}", segment=segment, template=template
        )
        Campaign.objects.filter(pk=campaign.pk).update(state="sending")
        campaign.refresh_from_db()
        services.recipients_freeze(campaign=campaign)
        with CaptureQueriesContext(connection) as captured:
            sending.campaign_run(campaign=campaign)
        return len(captured)

    assert sending.CLAIM_BATCH == 50
    assert queries_for(10, "b") - queries_for(5, "a") == 5
    assert queries_for(60, "c") - queries_for(10, "d") == 54


def _population_tagged(company, n, tag):
    made = Party.objects.bulk_create(
        [
            Party(
                company=company,
                name=f"{tag} {i}",
                email=f"{tag}{i}@example.com",
                currency_id="CNY",
                is_customer=True,
            )
            for i in range(n)
        ]
    )
    made = list(Party.objects.filter(company=company, name__startswith=f"{tag} "))
    Consent.objects.bulk_create(
        [
            Consent(company=company, party=p, purpose="newsletter", state="granted", source="test")
            for p in made
        ]
    )
    return made


def test_cancel_while_sending_stops_before_the_next_message(
    company, smtp_sink, django_capture_on_commit_callbacks, no_hook
):
    """Given a send of 20 where the campaign is cancelled after the 5th message, then 5 were
    sent, the 15 others are failed as cancelled and none is left queued."""
    _population(company, 20)
    holder = {}

    def cancel_after_five(count):
        if count == 5:
            services.campaign_cancel(campaign=Campaign.objects.get(pk=holder["id"]))

    sending.after_send_hook = cancel_after_five
    campaign = _campaign(company)
    holder["id"] = campaign.pk
    campaign = _send(campaign, django_capture_on_commit_callbacks)
    assert campaign.state == "cancelled"
    assert len(smtp_sink.envelopes) == 5
    states = Counter(
        CampaignRecipient.objects.filter(campaign=campaign).values_list("state", "reason")
    )
    assert states == {("sent", ""): 5, ("failed", "cancelled"): 15}
