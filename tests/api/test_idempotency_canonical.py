"""An Idempotency-Key replay compares the JSON the API reads, not the bytes on the wire."""

import pytest

from tandem.core.models import ExchangeRate, IdempotencyKey

COMPACT = '{"currency":"USD","date":"2026-03-01","rate":"7.1"}'


@pytest.mark.parametrize(
    "same",
    [
        '{"currency": "USD", "date": "2026-03-01", "rate": "7.1"}',
        '{\n  "rate": "7.1",\n  "date": "2026-03-01",\n  "currency": "USD"\n}',
        '{"currency":"\\u0055SD","date":"2026-03-01","rate":"7.1"}',
    ],
)
def test_the_same_object_spelled_differently_replays(api, same):
    headers = {"Idempotency-Key": "k-1"}
    first = api.post("/exchange-rates", raw=COMPACT, headers=headers)
    again = api.post("/exchange-rates", raw=same, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ExchangeRate.objects.count() == 1


@pytest.mark.parametrize(
    "different",
    [
        '{"currency":"USD","date":"2026-03-01","rate":"7.2"}',
        '{"currency":"USD","date":"2026-03-01","rate":"7.1","extra":1}',
        '{"currency":"USD","date":"2026-03-01","rate":7.1}',
        "not json at all",
    ],
)
def test_a_different_body_is_still_refused(api, different):
    headers = {"Idempotency-Key": "k-2"}
    api.post("/exchange-rates", raw=COMPACT, headers=headers)

    response = api.post("/exchange-rates", raw=different, headers=headers)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "idempotency.key_reused"
    assert list(ExchangeRate.objects.values_list("rate", flat=True)) == [
        ExchangeRate.objects.get().rate
    ]
    assert str(ExchangeRate.objects.get().rate) == "7.10000000"
    assert IdempotencyKey.objects.count() == 1


def test_numbers_keep_their_literal_text(api):
    headers = {"Idempotency-Key": "k-3"}
    api.post("/parties", raw='{"name":"N","credit_limit":1.10}', headers=headers)

    same = api.post("/parties", raw='{ "credit_limit": 1.10, "name": "N" }', headers=headers)
    other = api.post("/parties", raw='{"name":"N","credit_limit":1.1}', headers=headers)

    assert same["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency.key_reused"


def test_a_deeply_nested_body_is_not_a_server_error(api):
    raw = '{"name":' + "[" * 5000 + "]" * 5000 + "}"

    response = api.post("/parties", raw=raw, headers={"Idempotency-Key": "deep"})

    assert 400 <= response.status_code < 500
