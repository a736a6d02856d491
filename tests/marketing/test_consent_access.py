"""The consent ledger (IPs, user agents, addresses) is for marketing roles only: a role that
only holds VIEW_ALL's view_consent is refused on the API and sees no ledger on the party's
marketing page (its campaign touches stay visible)."""

import pytest
from django.test import Client

from tandem.core.services import membership_grant
from tandem.marketing import services
from tests.factories import UserFactory


def _member(company, role):
    user = UserFactory(username=f"u-{role}")
    membership_grant(user=user, company=company, roles=[role])
    return user


def test_owner_reads_and_records_the_ledger(api, party):
    ada = party("Ada", consent=["newsletter"])
    assert api.listed("/consents", party=ada.pk)["count"] == 1
    answer = api.post(
        "/consents",
        {"party": ada.pk, "purpose": "newsletter", "state": "withdrawn", "source": "phone"},
    )
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize("role", ["readonly", "sales", "service"])
def test_view_all_roles_are_refused(company, party, api_as, role):
    ada = party("Ada", consent=["newsletter"])
    client = api_as(_member(company, role), company)
    answer = client.get("/consents")
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission.denied"
    before = services.consents_current(party=ada)
    answer = client.post(
        "/consents",
        {"party": ada.pk, "purpose": "newsletter", "state": "withdrawn", "source": "phone"},
    )
    assert answer.status_code == 403
    assert list(services.consents_current(party=ada)) == list(before)  # nothing written


def test_party_page_hides_the_ledger_from_view_all_roles(company, party, owner):
    ada = party("Ada", consent=["newsletter"])
    services.consent_record(
        company=company,
        party=ada,
        purpose="newsletter",
        state="granted",
        source="web form",
        ip="203.0.113.9",
    )
    browser = Client()
    browser.force_login(_member(company, "readonly"))
    page = browser.get(f"/marketing/parties/{ada.pk}/")
    assert page.status_code == 200
    assert b"203.0.113.9" not in page.content and b'id="consent-current"' not in page.content
    browser.force_login(owner)
    page = browser.get(f"/marketing/parties/{ada.pk}/")
    assert b"203.0.113.9" in page.content and b'id="consent-current"' in page.content


def test_marketing_role_reads_the_ledger(company, party, api_as):
    party("Ada", consent=["newsletter"])
    client = api_as(_member(company, "marketing"), company)
    assert client.listed("/consents")["count"] == 1
