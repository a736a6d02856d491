import re

from tandem.core.models import ExchangeRate, IdempotencyKey

RATE = {"currency": "USD", "date": "2026-03-01", "rate": "7.12345678"}


def test_create_returns_201_with_decimal_strings(api, company):
    response = api.post("/exchange-rates", RATE)
    assert response.status_code == 201
    body = response.json()
    assert body["rate"] == "7.12345678"
    assert body["currency"] == "USD"
    assert {"id", "created_at", "updated_at"} <= set(body)


def test_broken_json_is_400_and_writes_nothing(api):
    response = api.post("/exchange-rates", raw="{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "request.malformed"
    assert not ExchangeRate.objects.exists()


def test_validation_errors_name_the_fields(api):
    response = api.post("/exchange-rates", {"currency": "US", "date": "yesterday", "rate": "-1"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation.invalid"
    assert {e["field"] for e in body["errors"]} == {"currency", "date", "rate"}
    assert not ExchangeRate.objects.exists()


def test_duplicate_is_409_with_the_existing_id(api):
    first = api.post("/exchange-rates", RATE).json()
    response = api.post("/exchange-rates", RATE)
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]
    assert ExchangeRate.objects.count() == 1


def test_unknown_id_is_404(api):
    assert api.get("/exchange-rates/999999").status_code == 404
    assert api.get("/currencies/QQQ").status_code == 404


def test_idempotent_post_replays_the_first_response(api):
    headers = {"Idempotency-Key": "rate-1"}
    first = api.post("/exchange-rates", RATE, headers=headers)
    again = api.post("/exchange-rates", RATE, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ExchangeRate.objects.count() == 1


def test_reusing_a_key_with_another_body_is_refused(api):
    headers = {"Idempotency-Key": "rate-2"}
    api.post("/exchange-rates", RATE, headers=headers)
    response = api.post("/exchange-rates", {**RATE, "rate": "8"}, headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency.key_reused"
    assert ExchangeRate.objects.get().rate == ExchangeRate.objects.get().rate.__class__(
        "7.12345678"
    )


def test_keys_are_per_user(api, api_as, company):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    other = UserFactory()
    membership_grant(user=other, company=company, roles=["owner"])
    api.post("/exchange-rates", RATE, headers={"Idempotency-Key": "shared"})
    response = api_as(other, company).post(
        "/exchange-rates", {**RATE, "currency": "EUR"}, headers={"Idempotency-Key": "shared"}
    )

    assert response.status_code == 201
    assert IdempotencyKey.objects.count() == 2


def test_openapi_document_is_served(db):
    from django.test import Client

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/companies" in paths
    assert "/api/v1/exchange-rates" in paths


def test_api_docs_are_served_without_a_cdn(web):
    page = web.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    # no asset from another host (a random CSRF token may well contain the letters "cdn")
    assert re.findall(r'(?:src|href)="(?:https?:)?//', page) == []
