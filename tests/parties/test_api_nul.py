"""NUL characters in party text are refused at the API edge (PostgreSQL cannot store them)."""

import pytest

from tandem.parties.models import Address, Contact, Party, PaymentTerm, Tag


def _refused(response, field):
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation.invalid"
    assert field in [e["field"] for e in body["errors"]]


@pytest.fixture
def party(company):
    return Party.objects.create(
        company=company, name="Good Name", is_customer=True, currency_id="CNY"
    )


@pytest.mark.parametrize(
    "field", ["name", "email", "phone", "website", "tax_id", "notes", "country", "currency"]
)
def test_party_create_refuses_nul(api, field):
    payload = {"name": "Party", field: "\x00bad"}

    _refused(api.post("/parties", payload), field)
    assert not Party.objects.exists()


def test_party_tags_refuse_nul(api):
    _refused(api.post("/parties", {"name": "Party", "tags": ["ok", "b\x00d"]}), "tags.1")
    _refused(api.post("/party-tags", {"name": "b\x00d"}), "name")
    assert not Party.objects.exists() and not Tag.objects.exists()


def test_party_patch_refuses_nul(api, party):
    _refused(api.patch(f"/parties/{party.pk}", {"name": "\x00bad"}), "name")

    party.refresh_from_db()
    assert party.name == "Good Name"


def test_contacts_addresses_and_terms_refuse_nul(api, party):
    _refused(api.post(f"/parties/{party.pk}/contacts", {"name": "A\x00"}), "name")
    _refused(api.post(f"/parties/{party.pk}/addresses", {"city": "B\x00"}), "city")
    _refused(api.post("/payment-terms", {"name": "\x0030 days"}), "name")

    assert not Contact.objects.exists()
    assert not Address.objects.exists()
    assert not PaymentTerm.objects.filter(name__contains="30 days").exists()


def test_ordinary_text_with_newlines_is_still_accepted(api):
    response = api.post("/parties", {"name": "Ünïcode Co", "notes": "line 1\nline 2\ttab"})

    assert response.status_code == 201, response.content
    assert Party.objects.get().notes == "line 1\nline 2\ttab"
