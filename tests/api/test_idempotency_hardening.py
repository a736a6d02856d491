"""Idempotency-Key: no secret is stored, the query string counts, and a request that died
after its work leaves nothing that a retry could apply twice (audit point 6)."""

from datetime import timedelta

import pytest
from django.db.models.query import QuerySet
from django.utils import timezone

from tandem.core.models import ApiToken, ExchangeRate, IdempotencyKey

RATE = {"currency": "USD", "date": "2026-03-01", "rate": "7.1"}


class Killed(BaseException):
    """Stands for SIGKILL: nothing below the process catches it."""


def test_a_new_token_is_never_stored_for_replay(api):
    headers = {"Idempotency-Key": "mint-1"}
    first = api.post("/me/tokens", {"name": "ci"}, headers=headers)
    raw = first.json()["token"]
    tokens = ApiToken.objects.count()

    again = api.post("/me/tokens", {"name": "ci"}, headers=headers)

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "idempotency.not_replayable"
    assert ApiToken.objects.count() == tokens
    record = IdempotencyKey.objects.get(key="mint-1")
    assert raw not in record.response_body and raw[4:20] not in record.response_body
    assert record.status_code == 201 and not record.replayable


def test_the_query_string_is_part_of_the_request(api):
    headers = {"Idempotency-Key": "rate-q"}
    first = api.post("/exchange-rates?note=a", RATE, headers=headers)

    other = api.post("/exchange-rates?note=b", RATE, headers=headers)

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency.key_reused"
    assert ExchangeRate.objects.count() == 1


@pytest.fixture
def killed_before_the_answer_is_stored(monkeypatch):
    """The process dies right after the view returned, before the key records its answer."""
    original = QuerySet.update

    def update(self, **kwargs):
        if self.model is IdempotencyKey and "status_code" in kwargs:
            raise Killed
        return original(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    return monkeypatch


def _age(key, seconds):
    IdempotencyKey.objects.filter(key=key).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_crash_after_the_work_leaves_no_work_and_a_retry_applies_it_once(
    api, killed_before_the_answer_is_stored, settings
):
    headers = {"Idempotency-Key": "rate-crash"}
    with pytest.raises(Killed):
        api.post("/exchange-rates", RATE, headers=headers)
    killed_before_the_answer_is_stored.undo()

    # nothing of the dead request's work survived; its key is still "in progress"
    assert not ExchangeRate.objects.exists()
    assert IdempotencyKey.objects.get(key="rate-crash").status_code is None
    soon = api.post("/exchange-rates", RATE, headers=headers)
    assert soon.status_code == 409 and soon.json()["code"] == "idempotency.in_progress"
    assert not ExchangeRate.objects.exists()

    # once the in-progress time is over, a retry takes the key over and applies it once
    _age("rate-crash", settings.IDEMPOTENCY_IN_PROGRESS_SECONDS + 1)
    retried = api.post("/exchange-rates", RATE, headers=headers)
    replayed = api.post("/exchange-rates", RATE, headers=headers)

    assert retried.status_code == 201
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()
    assert ExchangeRate.objects.count() == 1


def test_a_completed_key_is_replayed_for_the_whole_promise_window(api, settings):
    headers = {"Idempotency-Key": "rate-old"}
    first = api.post("/exchange-rates", RATE, headers=headers)
    _age("rate-old", settings.IDEMPOTENCY_KEY_TTL_HOURS * 3600 - 60)

    again = api.post("/exchange-rates", RATE, headers=headers)

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ExchangeRate.objects.count() == 1


def test_a_slow_request_whose_key_was_taken_over_does_not_count(api, monkeypatch):
    """The first request ran so long that a retry took its key over (committed by another
    process before the first one stores): the first one's work is rolled back, not kept
    beside the retry's."""
    from tandem.api.idempotency import IdempotencyMiddleware

    original = IdempotencyMiddleware._run

    def run(self, request, pk, claim):
        IdempotencyKey.objects.filter(pk=pk).update(claim="a-retry")  # the other process
        return original(self, request, pk, claim)

    monkeypatch.setattr(IdempotencyMiddleware, "_run", run)
    response = api.post("/exchange-rates", RATE, headers={"Idempotency-Key": "rate-slow"})

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency.in_progress"
    assert not ExchangeRate.objects.exists()
    record = IdempotencyKey.objects.get(key="rate-slow")
    assert (record.claim, record.status_code) == ("a-retry", None)


def test_an_idempotent_write_costs_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = api.post("/exchange-rates", RATE, headers={"Idempotency-Key": "rate-n"})
    assert response.status_code == 201
