"""Campaign sends honour the frequency cap across campaigns and automations (messages per
party in the last days), read right before each batch is claimed."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from tandem.marketing import services
from tandem.marketing.models import Campaign, CampaignRecipient, CampaignTouch
from tandem.marketing.queries import campaign_stats
from tests.marketing.test_sending import HTML, _population


def _static(company, name, parties, template):
    segment = services.segment_create(
        company=company, name=name, kind="static", members=[p.pk for p in parties]
    )
    return services.campaign_create(company=company, name=name, segment=segment, template=template)


def _sent(campaign, capture):
    with capture(execute=True):
        services.campaign_send(campaign=campaign)
    return Campaign.objects.get(pk=campaign.pk)


@override_settings(MARKETING_FREQUENCY_CAP=2, MARKETING_FREQUENCY_DAYS=7)
def test_a_party_at_the_cap_gets_no_more_campaign_email(
    company, smtp_sink, django_capture_on_commit_callbacks
):
    """Cap 2 per 7 days. p0 got two campaigns this week, p1 one, p3 two nine days ago: the
    third campaign reaches p1, p2 and p3 and stops p0 (suppressed / frequency_cap), whose
    trace, stats and the sink agree."""
    p0, p1, p2, p3 = _population(company, 4)
    template = services.template_create(
        company=company, name="News", language="en", subject="News", body_html=HTML
    )
    capture = django_capture_on_commit_callbacks
    _sent(_static(company, "First", [p0, p1, p3], template), capture)
    second = _sent(_static(company, "Second", [p0, p3], template), capture)
    # p3's two messages left nine days ago: outside the window
    CampaignRecipient.objects.filter(party=p3).update(sent_at=timezone.now() - timedelta(days=9))
    assert second.state == "sent"
    before = len(smtp_sink.envelopes)

    third = _sent(_static(company, "Third", [p0, p1, p2, p3], template), capture)

    received = sorted(r for env in smtp_sink.envelopes[before:] for r in env["rcpt_tos"])
    assert received == sorted([p1.email, p2.email, p3.email])
    states = dict(
        CampaignRecipient.objects.filter(campaign=third).values_list("party_id", "reason")
    )
    assert states == {p0.pk: "frequency_cap", p1.pk: "", p2.pk: "", p3.pk: ""}
    assert CampaignRecipient.objects.get(campaign=third, party=p0).state == "suppressed"
    stats = campaign_stats(third)
    assert (stats["delivered"], stats["suppressed"], stats["capped"]) == (3, 1, 1)
    assert not CampaignTouch.objects.filter(campaign=third, party=p0).exists()
    assert third.state == "sent"


@override_settings(MARKETING_FREQUENCY_CAP=0)
def test_no_cap_when_it_is_zero(company, smtp_sink, django_capture_on_commit_callbacks):
    (p0,) = _population(company, 1)
    template = services.template_create(
        company=company, name="News", language="en", subject="News", body_html=HTML
    )
    for name in ("One", "Two", "Three", "Four"):
        _sent(_static(company, name, [p0], template), django_capture_on_commit_callbacks)
    assert len(smtp_sink.envelopes) == 4
    assert set(CampaignRecipient.objects.values_list("state", flat=True)) == {"sent"}
