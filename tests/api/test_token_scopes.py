"""API tokens with a scope and an optional expiry; read-only tokens cannot write."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tandem.cli import main
from tandem.core.models import ApiToken, ExchangeRate
from tandem.core.services import token_create

RATE = {"currency": "USD", "date": "2026-03-01", "rate": "7.1"}


def _client(raw, company):
    headers = {"Authorization": f"Bearer {raw}", "X-Company": company.code}
    return Client(headers=headers)


def test_a_read_only_token_reads_and_every_write_is_403(owner, company):
    _token, raw = token_create(user=owner, scope="read")
    client = _client(raw, company)
    tokens_before = ApiToken.objects.count()

    read = client.get("/api/v1/exchange-rates")
    post = client.post("/api/v1/exchange-rates", RATE, content_type="application/json")
    mint = client.post("/api/v1/me/tokens", {}, content_type="application/json")
    patch = client.patch("/api/v1/companies/1", {"name": "x"}, content_type="application/json")

    assert read.status_code == 200
    for response in (post, mint, patch):
        assert response.status_code == 403
        assert response.json()["code"] == "auth.token_read_only"
    assert not ExchangeRate.objects.exists()
    assert ApiToken.objects.count() == tokens_before
    company.refresh_from_db()
    assert company.name == "Acme Trading"


def test_an_expired_token_is_401_with_its_own_code(owner, company):
    token, raw = token_create(user=owner, expires_at=timezone.now() + timedelta(days=1))
    client = _client(raw, company)
    assert client.get("/api/v1/exchange-rates").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    read = client.get("/api/v1/exchange-rates")
    write = client.post("/api/v1/exchange-rates", RATE, content_type="application/json")

    for response in (read, write):
        assert response.status_code == 401
        assert response.json()["code"] == "auth.token_expired"
    assert not ExchangeRate.objects.exists()


def test_tokens_are_made_with_scope_and_expiry_over_the_api(api):
    expires = (timezone.now() + timedelta(days=30)).isoformat()

    response = api.post("/me/tokens", {"name": "ci", "scope": "read", "expires_at": expires})

    assert response.status_code == 201
    body = response.json()
    assert (body["scope"], body["name"]) == ("read", "ci")
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.scope == "read" and stored.expires_at is not None
    assert stored.token_hash == ApiToken.hash(body["token"])
    listed = {t["id"]: t for t in api.get("/me/tokens").json()}
    assert listed[body["id"]]["scope"] == "read"
    assert "token" not in listed[body["id"]]


def test_a_past_expiry_a_bare_time_or_an_unknown_scope_is_422_and_makes_nothing(api):
    before = ApiToken.objects.count()
    past = (timezone.now() - timedelta(days=1)).isoformat()

    refused = [
        api.post("/me/tokens", {"expires_at": past}),
        api.post("/me/tokens", {"expires_at": "2030-01-01T00:00:00"}),
        api.post("/me/tokens", {"scope": "admin"}),
    ]

    assert [r.status_code for r in refused] == [422, 422, 422]
    assert refused[0].json()["code"] == "token.expiry_past"
    assert ApiToken.objects.count() == before


def test_cli_makes_a_read_only_expiring_token(owner, capsys):
    main(["token", "create", "--user", "owner", "--scope", "read", "--expires-days", "7"])

    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(token_hash=ApiToken.hash(raw))
    assert token.scope == "read"
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_the_profile_page_makes_a_read_only_token_with_an_expiry(web, owner):
    response = web.post("/profile/tokens/", {"name": "x", "scope": "read", "expires_days": "30"})

    assert response.status_code == 302
    token = ApiToken.objects.get(user=owner, name="x")
    assert token.scope == "read"
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    page = web.get("/profile/").content.decode()
    assert "Read only" in page
