"""Marketing pages: every page answers, the builder saves and counts, the report shows the
figures and its chart, and a user without marketing rights is refused."""

from django.test import Client

from tandem.core.services import membership_grant
from tandem.marketing import services
from tandem.marketing.models import Segment
from tests.factories import UserFactory


def _campaign(company, party, django_capture_on_commit_callbacks):
    party("Ada", consent=["newsletter"])
    segment = services.segment_create(
        company=company,
        name="Subscribers",
        rules={"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]},
    )
    template = services.template_create(
        company=company, name="News", language="en", subject="News", body_html="<p>Hi</p>"
    )
    campaign = services.campaign_create(
        company=company, name="May news", segment=segment, template=template, cost="50"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_send(campaign=campaign)
    return campaign


def test_every_page_answers(web, company, party, django_capture_on_commit_callbacks):
    campaign = _campaign(company, party, django_capture_on_commit_callbacks)
    ada = campaign.recipients.get().party
    for url in (
        "/marketing/",
        "/marketing/segments/",
        "/marketing/segments/new/",
        f"/marketing/segments/{campaign.segment_id}/",
        "/marketing/templates/",
        "/marketing/templates/new/",
        f"/marketing/templates/{campaign.template_id}/",
        "/marketing/campaigns/",
        "/marketing/campaigns/new/",
        f"/marketing/campaigns/{campaign.pk}/",
        f"/marketing/parties/{ada.pk}/",
    ):
        answer = web.get(url)
        assert answer.status_code == 200, url
    report = web.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'id="stat-delivered">1<' in report
    assert "<svg" in report and "bar-chart" in report
    # both attribution models, with ROI on the campaign's cost (nothing attributed: -100 %)
    for model in ("last_touch", "first_touch"):
        row = report.split(f'id="attribution-{model}"', 1)[1].split("</tr>", 1)[0]
        assert "-100" in row and "%" in row, row


def test_the_builder_counts_and_saves(web, company, party):
    party("Ada", country="CN")
    party("Bo", country="US")
    form = {
        "name": "China",
        "kind": "dynamic",
        "match": "all",
        "field_0": "country",
        "op_0": "eq",
        "value_0": "CN",
    }
    count = web.post("/marketing/segments/count/", form)
    assert count.status_code == 200
    assert 'id="segment-count-value">1<' in count.content.decode()
    bad = web.post("/marketing/segments/count/", {**form, "op_0": "gte"})
    assert "segment-count-error" in bad.content.decode()
    saved = web.post("/marketing/segments/new/", form)
    assert saved.status_code == 302
    segment = Segment.objects.get(name="China")
    assert segment.rules == {"all": [{"field": "country", "op": "eq", "value": "CN"}]}
    refused = web.post("/marketing/segments/new/", {**form, "name": "Bad", "field_0": "iq"})
    assert refused.status_code == 200 and "segment-error" in refused.content.decode()
    assert not Segment.objects.filter(name="Bad").exists()


def test_a_user_without_marketing_rights_is_refused(company):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["warehouse"])
    client = Client()
    client.force_login(clerk)
    assert client.get("/marketing/campaigns/new/").status_code == 403
    assert client.post("/marketing/segments/new/", {"name": "X"}).status_code == 403
    assert not Segment.objects.exists()
