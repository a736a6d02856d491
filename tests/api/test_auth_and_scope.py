from django.test import Client

from tandem.core.models import ExchangeRate
from tandem.core.services import membership_grant, token_revoke
from tests.factories import UserFactory


def test_request_without_token_is_401_problem_json(db):
    response = Client().get("/api/v1/companies")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "auth.required"


def test_revoked_token_is_refused(api):
    assert api.get("/companies").status_code == 200
    token = api.user.api_tokens.get()
    token_revoke(user=api.user, token_id=token.pk)

    assert api.get("/companies").status_code == 401


def test_companies_list_only_shows_memberships(api, company, other_company):
    body = api.get("/companies").json()
    assert body["count"] == 1
    assert [c["code"] for c in body["items"]] == ["ACME"]
    assert api.get(f"/companies/{other_company.pk}").status_code == 404


def test_x_company_of_a_non_member_is_forbidden(api, other_company):
    response = api.get("/exchange-rates", headers={"X-Company": other_company.code})
    assert response.status_code == 403
    assert response.json()["code"] == "company.forbidden"


def test_another_companys_row_is_not_found(api, company, other_company):
    foreign = ExchangeRate.objects.create(
        company=other_company, currency_id="EUR", date="2026-01-01", rate="1.1"
    )

    response = api.get(f"/exchange-rates/{foreign.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "exchange_rate.not_found"
    assert api.patch(f"/exchange-rates/{foreign.pk}", {"rate": "2"}).status_code == 404
    foreign.refresh_from_db()
    assert str(foreign.rate) == "1.10000000"


def test_x_company_switches_between_member_companies(api_as, company, other_company):
    user = UserFactory()
    membership_grant(user=user, company=company, roles=["accountant"])
    membership_grant(user=user, company=other_company, roles=["accountant"])
    client = api_as(user, other_company)

    created = client.post(
        "/exchange-rates", {"currency": "CNY", "date": "2026-02-01", "rate": "0.14"}
    )

    assert created.status_code == 201
    assert ExchangeRate.objects.get().company == other_company


def test_read_only_user_cannot_write(api_as, company):
    user = UserFactory()
    membership_grant(user=user, company=company, roles=["readonly"])
    client = api_as(user, company)

    response = client.post(
        "/exchange-rates", {"currency": "USD", "date": "2026-02-01", "rate": "7.1"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission.denied"
    assert not ExchangeRate.objects.exists()


def test_exchange_rates_search_by_currency_code(api, company):
    for code in ("EUR", "USD"):
        ExchangeRate.objects.create(company=company, currency_id=code, date="2026-01-01", rate="7")
    assert [
        r["currency"] for r in api.get("/exchange-rates", {"search": "eu"}).json()["items"]
    ] == ["EUR"]
    assert api.get("/exchange-rates", {"search": "zzz"}).json()["count"] == 0
