"""The marketing invariants of `tandem check-integrity`: quiet on a good send, loud on a
breach."""

from django.utils import timezone

from tandem.core.integrity import run_all
from tandem.marketing import services
from tandem.marketing.models import CampaignRecipient, CampaignTouch, Suppression


def _marketing(report):
    return {name: breaches for name, breaches in report.results if name.startswith("marketing")}


def test_invariants_hold_after_a_send_and_catch_breaches(
    company, party, django_capture_on_commit_callbacks
):
    party("Ada", consent=["newsletter"])
    segment = services.segment_create(
        company=company,
        name="S",
        rules={"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]},
    )
    template = services.template_create(
        company=company, name="T", language="en", subject="Hi", body_html="<p>Hi</p>"
    )
    campaign = services.campaign_create(
        company=company, name="C", segment=segment, template=template
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_send(campaign=campaign)
    checks = _marketing(run_all())
    assert len(checks) == 4 and not any(checks.values())

    CampaignRecipient.objects.filter(campaign=campaign).update(message_id="", state="queued")
    Suppression.objects.create(company=company, address="Mixed@Example.com", reason="blacklisted")
    breaches = [b for found in _marketing(run_all()).values() for b in found]
    assert len(breaches) == 2

    # a sent message without its sent touch, a click without its click touch
    CampaignRecipient.objects.filter(campaign=campaign).update(
        message_id="<m@x>", state="sent", clicked_at=timezone.now()
    )
    Suppression.objects.all().delete()
    CampaignTouch.objects.all().delete()
    touches = _marketing(run_all())[
        "marketing: a message that left has one sent touch, a clicked one its click touch"
    ]
    assert len(touches) == 2
