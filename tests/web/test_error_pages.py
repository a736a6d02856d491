"""Issue 14, hole 8: a domain error raised in a page view is a page with its message and 4xx."""

import pytest
from django.test import Client

from tandem.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from tandem.crm import services as crm_services
from tandem.crm.queries.visibility import crm_settings


@pytest.fixture
def page(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


@pytest.mark.parametrize(
    "error, status",
    [
        (Conflict("The settings are being changed elsewhere", code="crm.busy"), 409),
        (ValidationFailed("Team visibility: enter true or false", field="x"), 422),
        (NotFound("No such settings"), 404),
        (Forbidden("Only the owner may"), 403),
        (DomainError("Refused for a reason"), 409),
    ],
)
def test_a_domain_error_in_a_page_view_is_its_message_and_status(
    company, page, monkeypatch, error, status
):
    def refuse(**kwargs):
        raise error

    monkeypatch.setattr(crm_services, "crm_settings_update", refuse)

    answered = page.post("/crm/settings/", {"form": "visibility", "team_visibility": "on"})

    assert answered.status_code == status
    assert answered["Content-Type"].startswith("text/html")
    body = answered.content.decode()
    assert error.message in body
    assert 'data-testid="refusal"' in body
    assert "Nothing was changed." in body
    assert "<nav" in body  # the site's layout, not a bare error
    assert crm_settings(company).team_visibility is False


def test_the_refusal_page_is_translated(company, owner, page, monkeypatch):
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    monkeypatch.setattr(
        crm_services, "crm_settings_update", lambda **kw: (_ for _ in ()).throw(Conflict("x"))
    )

    answered = page.post("/crm/settings/", {"form": "visibility"})

    assert answered.status_code == 409
    assert "未执行" in answered.content.decode()


def test_an_out_of_range_date_in_a_page_is_400(company, page):
    answered = page.get("/crm/performance/", {"on": "9999-12-31", "period": "year"})

    assert answered.status_code == 400
    assert "A date or number is out of range." in answered.content.decode()


def test_other_errors_stay_500_without_details(company, page, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(crm_services, "crm_settings_update", crash)

    answered = page.post("/crm/settings/", {"form": "visibility"})

    assert answered.status_code == 500
    assert b"secret internals" not in answered.content


def test_the_api_keeps_its_problem_answers(api, monkeypatch):
    from tandem.parties import services as party_services

    def refuse(**kwargs):
        raise Conflict("No more parties today", code="party.quota")

    monkeypatch.setattr(party_services, "party_create", refuse)

    answer = api.post("/parties", {"name": "Acme", "is_customer": True})

    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "party.quota"
