"""Writes without a valid token answer 401 like reads; CSRF guards only session-authenticated
writes (a bearer token cannot be sent by another site's form)."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client

from tandem.core.models import ExchangeRate
from tandem.core.services import token_create, token_revoke

RATE = {"currency": "USD", "date": "2026-03-01", "rate": "7.1"}


@pytest.fixture
def rate(company):
    return ExchangeRate.objects.create(
        company=company, currency_id="EUR", date="2026-01-01", rate="7.8"
    )


def _writes(rate):
    body = json.dumps(RATE)
    return [
        ("post", "/api/v1/exchange-rates", body),
        ("patch", f"/api/v1/exchange-rates/{rate.pk}", json.dumps({"rate": "9"})),
        ("delete", f"/api/v1/exchange-rates/{rate.pk}", ""),
        ("post", "/api/v1/me/tokens", json.dumps({"name": "x"})),
    ]


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Bearer ", "Token abc"])
def test_writes_without_a_valid_token_are_401(owner, rate, authorization):
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": authorization} if authorization else {}

    for method, path, body in _writes(rate):
        response = getattr(client, method)(
            path, body, content_type="application/json", headers=headers
        )
        assert response.status_code == 401, (method, path, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "auth.required"

    assert list(ExchangeRate.objects.values_list("currency_id", "rate")) == [
        ("EUR", Decimal("7.8"))
    ]
    assert owner.api_tokens.count() == 0


def test_a_revoked_token_cannot_write(api, rate):
    assert api.post("/exchange-rates", RATE).status_code == 201
    token_revoke(user=api.user, token_id=api.user.api_tokens.get().pk)

    created = api.post("/exchange-rates", {**RATE, "date": "2026-03-02"})
    deleted = api.delete(f"/exchange-rates/{rate.pk}")

    assert (created.status_code, deleted.status_code) == (401, 401)
    assert created.json()["code"] == deleted.json()["code"] == "auth.required"
    assert ExchangeRate.objects.count() == 2


def test_a_valid_token_writes_without_a_csrf_token(owner, company):
    _token, raw = token_create(user=owner)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/exchange-rates",
        json.dumps(RATE),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 201, response.content
    assert ExchangeRate.objects.count() == 1


def test_a_session_write_without_csrf_token_is_refused(owner, rate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    posted = client.post(
        "/api/v1/exchange-rates", json.dumps(RATE), content_type="application/json"
    )
    deleted = client.delete(f"/api/v1/exchange-rates/{rate.pk}")

    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert posted["Content-Type"] == "application/problem+json"
    assert ExchangeRate.objects.count() == 1
    # a read needs no CSRF token
    assert client.get("/api/v1/exchange-rates").json()["count"] == 1


def test_a_session_write_with_csrf_token_is_accepted(owner, company):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    minted = HttpRequest()
    token = get_token(minted)
    client.cookies[settings.CSRF_COOKIE_NAME] = minted.META["CSRF_COOKIE"]

    response = client.post(
        "/api/v1/exchange-rates",
        json.dumps(RATE),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201, response.content
    assert ExchangeRate.objects.get().company == company
