"""POST /interactions/send-email: send from Tandem, logged as an interaction (locmem mail)."""

import pytest
from django.core import mail

from tandem.crm.models import Interaction


@pytest.fixture
def customer(make_party):
    return make_party("Harbour Trading", email="buyer@harbour.test")


def test_send_email_about_a_party(api, customer, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/interactions/send-email",
            {
                "to": "buyer@harbour.test, boss@harbour.test",
                "subject": "Your quotation",
                "body": "Please find the figures below.",
                "party": customer.pk,
            },
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["direction"], body["party"]) == ("email", "out", customer.pk)
    assert body["email_to"] == "buyer@harbour.test, boss@harbour.test"
    assert body["user"] == owner.pk
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["buyer@harbour.test", "boss@harbour.test"]
    assert sent.subject == "Your quotation"
    assert sent.extra_headers["Message-ID"] == body["message_id"]
    assert Interaction.objects.get(pk=body["id"]).subject == "Your quotation"


def test_send_email_about_an_opportunity_as_a_list(
    api, make_opportunity, django_capture_on_commit_callbacks
):
    opp = make_opportunity("Boilers")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/interactions/send-email",
            {"to": ["a@x.test"], "subject": "Boilers", "opportunity": opp.pk},
        )

    assert response.status_code == 201, response.content
    assert response.json()["opportunity"] == opp.pk
    assert [m.to for m in mail.outbox] == [["a@x.test"]]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"to": "not-an-address", "subject": "Hi"}, 422, "validation.email"),
        ({"to": "", "subject": "Hi"}, 422, "validation.email"),
        ({"to": "a@x.test", "subject": ""}, 422, "validation.required"),
        ({"to": "a@x.test", "subject": "Hi", "lead": None, "party": None}, 422, None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_sent_or_logged(
    api, customer, payload, status, code, django_capture_on_commit_callbacks
):
    payload = {"party": customer.pk, **payload}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/interactions/send-email", payload)

    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    assert mail.outbox == []
    assert not Interaction.objects.exists()


def test_two_records_or_none_are_refused(api, customer, make_opportunity):
    opp = make_opportunity("Boilers", party=customer)

    both = api.post(
        "/interactions/send-email",
        {"to": "a@x.test", "subject": "Hi", "party": customer.pk, "opportunity": opp.pk},
    )
    none = api.post("/interactions/send-email", {"to": "a@x.test", "subject": "Hi"})

    assert (both.status_code, both.json()["code"]) == (422, "validation.required")
    assert none.status_code == 422
    assert not Interaction.objects.exists()


def test_a_record_of_another_company_or_team_is_404(
    api, api_as, company, other_company, rep, make_party, make_opportunity
):
    from tandem.crm import services

    foreign = make_party("Elsewhere", of=other_company)
    services.crm_settings_update(company=company, team_visibility=True)
    hidden = make_opportunity("Someone else's deal")

    elsewhere = api.post(
        "/interactions/send-email", {"to": "a@x.test", "subject": "Hi", "party": foreign.pk}
    )
    as_rep = api_as(rep, company).post(
        "/interactions/send-email", {"to": "a@x.test", "subject": "Hi", "opportunity": hidden.pk}
    )

    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "party.not_found")
    assert (as_rep.status_code, as_rep.json()["code"]) == (404, "opportunity.not_found")
    assert not Interaction.objects.exists()


def test_the_endpoint_is_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json()["paths"]

    assert paths["/api/v1/interactions/send-email"]["post"]["summary"] == (
        "Send an email and log it as an interaction"
    )
