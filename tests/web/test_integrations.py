"""Settings -> Integrations through the pages (the browser test clicks the same path)."""

import re

import pytest

import tests.webhook_receiver as wr
from tandem.core import events
from tandem.core.models import WebhookDelivery, WebhookEndpoint
from tandem.core.services import membership_grant
from tests.factories import UserFactory

receiver = wr.receiver
SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")


def test_an_endpoint_created_on_the_page_shows_its_secret_once(web, receiver):
    answer = web.post(
        "/settings/integrations/",
        {"url": receiver.url(), "description": "ERP", "events": ["invoice.posted", "lead.created"]},
    )

    assert answer.status_code == 200
    shown = SECRET.findall(answer.content.decode())
    endpoint = WebhookEndpoint.objects.get()
    assert shown == [endpoint.secret]
    assert endpoint.events == ["invoice.posted", "lead.created"]
    again = web.get("/settings/integrations/").content.decode()
    assert receiver.url() in again
    assert not SECRET.search(again)
    assert not SECRET.search(web.get(f"/settings/integrations/{endpoint.pk}/").content.decode())


def test_a_private_url_is_refused_beside_the_field_and_nothing_is_saved(web):
    answer = web.post(
        "/settings/integrations/", {"url": "https://10.0.0.8/hook", "events": ["lead.created"]}
    )

    body = answer.content.decode()
    assert answer.status_code == 200
    assert "resolves to a private or reserved address" in body
    assert not SECRET.search(body)
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_status_codes_and_replays(
    web, company, receiver, django_capture_on_commit_callbacks
):
    web.post("/settings/integrations/", {"url": receiver.url(), "events": ["party.created"]})
    endpoint = WebhookEndpoint.objects.get()
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("party.created", party_id=3, company_id=company.pk)
    delivery = WebhookDelivery.objects.get()

    page = web.get(f"/settings/integrations/{endpoint.pk}/").content.decode()
    assert delivery.event.uid in page
    assert ">500<" in page
    assert "nope 500" in page

    with django_capture_on_commit_callbacks(execute=True):
        replayed = web.post(f"/settings/integrations/deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 302
    assert receiver.ids() == [delivery.event.uid] * 2
    assert sorted(WebhookDelivery.objects.values_list("state", flat=True)) == [
        "delivered",
        "failed",
    ]


def test_only_admins_see_integrations(company, client):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    client.force_login(clerk)

    assert client.get("/settings/integrations/").status_code == 403
    assert "/settings/integrations/" not in client.get("/settings/").content.decode()


@pytest.mark.parametrize(
    "path", ["/settings/integrations/{}/", "/settings/integrations/{}/toggle/"]
)
def test_another_companys_endpoint_is_not_found(web, other_company, path):
    theirs = WebhookEndpoint.objects.create(
        company=other_company, url="https://x.example/h", events=["lead.created"], secret="s"
    )
    answer = (
        web.post(path.format(theirs.pk)) if "toggle" in path else web.get(path.format(theirs.pk))
    )
    assert answer.status_code == 404
    assert WebhookEndpoint.objects.get(pk=theirs.pk).active
