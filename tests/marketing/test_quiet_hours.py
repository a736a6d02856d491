"""Quiet hours in the recipient's zone: at 22:00 in Shanghai (14:00 in London) the London
recipients get the campaign, the Shanghai ones wait, and the send resumes at 08:00 Shanghai
time (the beat task) and reaches them once."""

from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.test import override_settings

from tandem.marketing import services
from tandem.marketing.models import Campaign, CampaignRecipient
from tandem.marketing.quiet import quiet_until, zone_of
from tandem.marketing.services import sending
from tests.marketing.test_sending import _campaign, _population


def test_quiet_until_and_zones():
    shanghai = ZoneInfo("Asia/Shanghai")
    at = datetime(2026, 12, 7, 14, tzinfo=UTC)  # 22:00 in Shanghai
    assert quiet_until(at, shanghai, (21, 8)) == datetime(2026, 12, 8, 8, tzinfo=shanghai)
    assert quiet_until(at, ZoneInfo("Europe/London"), (21, 8)) is None
    assert zone_of("CN", "UTC") == shanghai
    assert zone_of("GB", "Asia/Shanghai") == ZoneInfo("Europe/London")
    assert zone_of("US", "Asia/Shanghai") == shanghai  # many zones: the company's


@override_settings(MARKETING_QUIET_HOURS="21-8")
def test_quiet_recipients_wait_and_get_it_later(
    company, smtp_sink, django_capture_on_commit_callbacks, monkeypatch
):
    parties = _population(company, 6)
    for i, p in enumerate(parties):
        p.country = "GB" if i % 2 else "CN"
        p.save(update_fields=["country"])
    clock = {"now": datetime(2026, 12, 7, 14, tzinfo=UTC)}
    fake = SimpleNamespace(now=lambda: clock["now"])
    monkeypatch.setattr(sending, "timezone", fake)

    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_send(campaign=_campaign(company))
    campaign = Campaign.objects.get()
    received = [r for env in smtp_sink.envelopes for r in env["rcpt_tos"]]
    assert sorted(received) == sorted(p.email for p in parties if p.country == "GB")
    assert campaign.state == "sending"
    assert campaign.resume_at == datetime(2026, 12, 8, 0, tzinfo=UTC)  # 08:00 in Shanghai

    assert services.campaigns_start_due(now=datetime(2026, 12, 7, 23, tzinfo=UTC)) == 0
    clock["now"] = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.campaigns_start_due(now=clock["now"]) == 1
    campaign.refresh_from_db()
    assert campaign.state == "sent" and campaign.resume_at is None
    received = Counter(r for env in smtp_sink.envelopes for r in env["rcpt_tos"])
    assert set(received) == {p.email for p in parties} and set(received.values()) == {1}
    assert set(CampaignRecipient.objects.values_list("state", flat=True)) == {"sent"}
