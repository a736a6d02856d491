"""The `{{ products }}` merge field (issue 15: "a product block of recommendations"): each
recipient gets the products analytics recommends to it (the active run), best first, at
most three, names escaped; a recipient with none gets an empty block; a superseded run's
rows are not used."""

from decimal import Decimal

import pytest
from django.core import mail

from tandem.analytics.models import ModelRun, PartyRecommendation
from tandem.catalog.services import product_create
from tandem.marketing import services
from tandem.marketing.rendering import template_check

D = Decimal
HTML = "<p>Hi {{ name }}, picked for you:</p>{{ products }}<p>Bye</p>"


@pytest.fixture
def catalogue(chart):
    return [
        product_create(
            company=chart, sku=f"P{i}", name=name, list_price=D(price), cost_price=D("1")
        )
        for i, (name, price) in enumerate(
            (("Longjing tea", "200"), ("Tea & <cups>", "88.5"), ("Kettle", "1200"), ("Tray", "30"))
        )
    ]


def _run(company, state):
    return ModelRun.objects.create(company=company, name="for_customer", state=state)


def _send(company, parties, django_capture_on_commit_callbacks):
    template = services.template_create(
        company=company, name="Picks", language="en", subject="For {{ name }}", body_html=HTML
    )
    segment = services.segment_create(
        company=company, name="Picks", kind="static", members=[p.pk for p in parties]
    )
    campaign = services.campaign_create(
        company=company, name="Picks", segment=segment, template=template
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_send(campaign=campaign)
    return {m.to[0]: m for m in mail.outbox}


def test_each_recipient_gets_its_own_recommendations(
    company, party, catalogue, django_capture_on_commit_callbacks
):
    tea, cups, kettle, tray = catalogue
    ada, bo = party("Ada", consent=["newsletter"]), party("Bo", consent=["newsletter"])
    active, old = _run(company, "active"), _run(company, "superseded")
    for rank, product in enumerate((cups, tea, kettle, tray), start=1):
        PartyRecommendation.objects.create(
            company=company, run=active, party=ada, product=product, rank=rank, score=1, reason="x"
        )
    PartyRecommendation.objects.create(
        company=company, run=old, party=bo, product=kettle, rank=1, score=1, reason="x"
    )
    sent = _send(company, [ada, bo], django_capture_on_commit_callbacks)
    ada_mail, bo_mail = sent["ada@example.com"], sent["bo@example.com"]
    html = ada_mail.alternatives[0][0]
    # best first, three at most, the name escaped, the price in the company's currency
    assert html.index("Tea &amp; &lt;cups&gt;") < html.index("Longjing tea") < html.index("Kettle")
    assert "Tray" not in html and "<cups>" not in html
    assert "1,200.00 CNY" in html
    assert ada_mail.body.count("\n- ") >= 2 and "- Longjing tea: 200.00 CNY" in ada_mail.body
    # Bo: only a superseded run's recommendation, so an empty block; the rest of the email stays
    bo_html = bo_mail.alternatives[0][0]
    assert "Kettle" not in bo_html and "Kettle" not in bo_mail.body
    assert "picked for you" in bo_html and "Bye" in bo_html


def test_products_is_a_known_merge_field():
    template_check(subject="Hi", body_html=HTML)


def test_a_test_send_shows_the_products_of_a_sample_recipient_and_the_page_names_it(
    web, company, party, catalogue
):
    """The test addresses have no party: the products block is filled in for the segment's
    first recipient with recommendations (Bo comes first but has none), and the campaign
    page says whose they are."""
    tea, cups, kettle, tray = catalogue
    bo, ada = party("Bo", consent=["newsletter"]), party("Ada", consent=["newsletter"])
    active = _run(company, "active")
    for rank, product in enumerate((kettle, tea), start=1):
        PartyRecommendation.objects.create(
            company=company, run=active, party=ada, product=product, rank=rank, score=1, reason="x"
        )
    template = services.template_create(
        company=company, name="Picks", language="en", subject="For {{ name }}", body_html=HTML
    )
    segment = services.segment_create(
        company=company, name="Picks", kind="static", members=[bo.pk, ada.pk]
    )
    campaign = services.campaign_create(
        company=company, name="Picks", segment=segment, template=template
    )
    page = web.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    sample = page.split('id="test-sample">', 1)[1].split("</span>", 1)[0]
    assert "Ada" in sample and "product recommendations" in sample

    answer = web.post(
        f"/marketing/campaigns/{campaign.pk}/test/", {"addresses": "qa@example.com, b@example.com"}
    )
    assert answer.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.com", "qa@example.com"]
    message = mail.outbox[0]
    assert message.subject == "[TEST] For Ada"
    html = message.alternatives[0][0]
    assert html.index("Kettle") < html.index("Longjing tea")
    assert "- Kettle: 1,200.00 CNY" in message.body
    assert not campaign.recipients.exists()  # a test send leaves no trace

    # without {{ products }} in the template the sample is simply the first recipient
    plain = services.template_create(
        company=company, name="Plain", language="en", subject="Hi {{ name }}", body_html="<p>x</p>"
    )
    other = services.campaign_create(company=company, name="Plain", segment=segment, template=plain)
    result = services.campaign_test(campaign=other, addresses=["qa@example.com"])
    assert result == {"sent": 1, "sample": {"party_id": bo.pk, "name": "Bo", "chosen": "first"}}
