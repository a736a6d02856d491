"""A/B tests: the two-proportion z-test on a worked example (exact figures), the split of
the audience, the winner by significance after the wait (or the fallback, "not
significant"), the rest sent the winner through real SMTP, and refusals."""

import email
from collections import Counter
from datetime import timedelta
from email import policy

import pytest
from django.utils import timezone

from tandem.marketing import services
from tandem.marketing.abstats import choose_winner, two_proportion_ztest
from tandem.marketing.models import Campaign, CampaignRecipient
from tandem.marketing.queries import campaign_stats
from tests.marketing.test_sending import _campaign, _population


def test_ztest_worked_example():
    """A: 200 opens of 1,000 delivered (20 %), B: 250 of 1,000 (25 %). Pooled rate
    450 / 2,000 = 0.225; se = sqrt(0.225 x 0.775 x (1/1000 + 1/1000)) = sqrt(0.00034875) =
    0.0186748; z = (0.25 - 0.20) / 0.0186748 = 2.67740; p = 2 x (1 - Phi(2.67740)) = 0.00742."""
    test = two_proportion_ztest(250, 1000, 200, 1000)
    assert round(test.z, 5) == 2.6774
    assert round(test.p_value, 5) == 0.00742
    result = choose_winner({"A": (200, 1000), "B": (250, 1000)}, fallback="A")
    assert (result["winner"], result["verdict"], result["significant"]) == (
        "B",
        "significant",
        True,
    )
    # the same rates on 100 each: z = 0.05 / sqrt(0.225 x 0.775 x 0.02) = 0.84667, p = 0.39718
    small = choose_winner({"A": (20, 100), "B": (25, 100)}, fallback="A")
    assert (small["z"], small["p_value"]) == (0.846668, 0.39718)
    assert (small["winner"], small["verdict"]) == ("A", "not significant")
    # nothing to tell apart: z = 0, p = 1
    assert two_proportion_ztest(0, 10, 0, 10).p_value == 1.0
    assert two_proportion_ztest(3, 0, 1, 10).p_value == 1.0


def _ab(company, **ab):
    campaign = _campaign(company)
    return services.variants_set(
        campaign=campaign,
        variants=[{"subject": ""}, {"subject": "Last days of spring, {{ first_name }}"}],
        **ab,
    )


def _subjects(sink):
    return [
        email.message_from_bytes(env["content"], policy=policy.default)["Subject"]
        for env in sink.envelopes
    ]


@pytest.mark.parametrize(
    ("b_opens", "winner", "verdict"), [(40, "B", "significant"), (3, "A", "not significant")]
)
def test_ab_test_then_winner_to_the_rest(
    company, smtp_sink, django_capture_on_commit_callbacks, b_opens, winner, verdict
):
    """Given 400 consenting recipients and a 50 % test of two subjects, when the test group
    has left, then 100 got A and 100 B, 200 are held and the winner is due after the wait;
    when B was opened by 40 of 100 against A's 2 (p < 0.05) B goes to the 200; when only 3
    against 2, the fallback A goes and the report says "not significant"."""
    _population(company, 400)
    campaign = _ab(company, share=50, metric="open", wait_hours=6)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_send(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.state == "sending"
    traces = CampaignRecipient.objects.filter(campaign=campaign)
    assert Counter(traces.values_list("state", "variant")) == {
        ("sent", "A"): 100,
        ("sent", "B"): 100,
        ("held", ""): 200,
    }
    assert sum(s.startswith("Last days of spring") for s in _subjects(smtp_sink)) == 100
    assert campaign.ab_decide_at is not None
    assert campaign.ab_decide_at - timezone.now() > timedelta(hours=5, minutes=59)
    # the openers (human opens)
    for label, n in (("A", 2), ("B", b_opens)):
        ids = traces.filter(variant=label).order_by("pk").values_list("pk", flat=True)[:n]
        CampaignRecipient.objects.filter(pk__in=list(ids)).update(
            human_open=True, opened_at=timezone.now()
        )
    # not due yet: nothing happens
    assert services.ab_decide_due() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ab_decide_due(now=campaign.ab_decide_at + timedelta(seconds=1)) == 1
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.state == "sent"
    assert (campaign.ab_winner, campaign.ab_result["verdict"]) == (winner, verdict)
    assert campaign.ab_result["variants"]["A"] == {"successes": 2, "trials": 100, "rate": 0.02}
    assert campaign.ab_result["rest"] == 200
    received = Counter(r for env in smtp_sink.envelopes for r in env["rcpt_tos"])
    assert len(received) == 400 and set(received.values()) == {1}
    rest_subjects = _subjects(smtp_sink)[200:]
    assert all(s.startswith("Last days") == (winner == "B") for s in rest_subjects)
    stats = campaign_stats(campaign)
    assert stats["held"] == 0 and stats["delivered"] == 400
    assert stats["ab"]["verdict"] == verdict and stats["ab"]["winner"] == winner


def test_ab_refusals(api, company, django_capture_on_commit_callbacks):
    _population(company, 3)
    campaign = _campaign(company)
    url = f"/campaigns/{campaign.pk}"
    for ab, field in (
        ({"variants": [{"subject": "x"}]}, "ab.variants"),
        ({"variants": [{"subject": "x"}, {"subject": "y"}], "share": 95}, "ab.share"),
        ({"variants": [{"subject": "x"}, {"subject": "y"}], "fallback": "C"}, "ab.fallback"),
        ({"variants": [{"subject": "x"}, {"subject": "x"}]}, "ab.variants"),
    ):
        answer = api.patch(url, {"ab": ab})
        assert answer.status_code == 422, answer.content
        assert (answer.json()["code"], answer.json()["errors"][0]["field"]) == (
            "campaign.bad_ab",
            field,
        )
    answer = api.patch(url, {"ab": {"variants": [{"subject": "{{ iq }}"}, {"subject": "y"}]}})
    assert answer.json()["code"] == "template.unknown_field"
    assert campaign.variants.count() == 0  # nothing half-written
    answer = api.patch(url, {"ab": {"variants": [{"subject": "x"}, {"subject": "y"}]}})
    assert answer.status_code == 200, answer.content
    assert [v["label"] for v in answer.json()["variants"]] == ["A", "B"]
    # deciding a campaign that is not waiting for a winner
    answer = api.post(f"{url}/ab-decide", {})
    assert (answer.status_code, answer.json()["code"]) == (409, "campaign.state_invalid")


def test_new_campaign_page_with_a_variant(company, owner):
    from django.test import Client

    _population(company, 3)
    campaign = _campaign(company)
    browser = Client()
    browser.force_login(owner)
    form = {
        "name": "Tea A/B",
        "segment": campaign.segment_id,
        "template": campaign.template_id,
        "ab_subject": "Tea time, {{ first_name }}",
        "ab_share": "30",
        "ab_metric": "click",
        "ab_wait_hours": "2",
    }
    answer = browser.post("/marketing/campaigns/new/", form)
    assert answer.status_code == 302
    made = Campaign.objects.get(name="Tea A/B")
    assert (made.ab_share, made.ab_metric, made.ab_wait_hours) == (30, "click", 2)
    assert list(made.variants.values_list("label", "subject")) == [
        ("A", ""),
        ("B", "Tea time, {{ first_name }}"),
    ]
    page = browser.get(answer["Location"])
    assert b'id="ab-variants"' in page.content
    # a refused test leaves no campaign behind
    answer = browser.post("/marketing/campaigns/new/", {**form, "name": "Bad", "ab_share": "99"})
    assert answer.status_code == 200 and b"ab.share" in answer.content
    assert not Campaign.objects.filter(name="Bad").exists()


def test_campaign_timeline_provider(company, party):
    from tandem.marketing.queries import campaign_timeline

    ada = party("Ada", consent=["newsletter"])
    campaign = _campaign(company)
    now = timezone.now()
    CampaignRecipient.objects.create(
        company=company,
        campaign=campaign,
        party=ada,
        email=ada.email,
        state="sent",
        sent_at=now - timedelta(hours=2),
        clicked_at=now - timedelta(hours=1),
    )
    rows, count = campaign_timeline(company, ada, 10)
    assert count == 1
    assert rows[0]["kind"] == "campaign" and rows[0]["detail"] == "clicked"
    assert rows[0]["title"] == "Spring 2026" and rows[0]["at"] == now - timedelta(hours=1)
    assert rows[0]["url"] == f"/marketing/campaigns/{campaign.pk}/"
