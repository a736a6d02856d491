"""Database conflicts (deadlock, serialization failure, lock timeout) are retried, bounded.

A faked retryable error stands in for the database here; tests/api/test_retry_postgres.py
provokes a real deadlock.
"""

import pytest
from django.db import IntegrityError, OperationalError

from tandem.api import retry
from tandem.parties import services
from tandem.parties.models import Party

BODY = {"name": "Retry Trading Co", "is_customer": True, "country": "CN"}


class _DriverError(Exception):
    """What psycopg raises: Django wraps it in its own OperationalError (as __cause__)."""

    def __init__(self, message, sqlstate):
        super().__init__(message)
        self.sqlstate = sqlstate


def _deadlock():
    error = OperationalError("deadlock detected DETAIL: Process 4711 waits for ShareLock")
    error.__cause__ = _DriverError("deadlock detected", "40P01")
    return error


@pytest.fixture
def flaky(monkeypatch):
    """party_create raising a deadlock the first `fail` times it is called."""
    state = {"calls": 0, "fail": 0, "error": _deadlock}
    real = services.party_create

    def party_create(**kwargs):
        state["calls"] += 1
        if state["calls"] <= state["fail"]:
            raise state["error"]()
        return real(**kwargs)

    monkeypatch.setattr(services, "party_create", party_create)
    monkeypatch.setattr(retry, "pause", lambda attempt: None)  # no sleeping in tests
    return state


def test_a_deadlocked_request_is_retried_and_succeeds(api, flaky):
    flaky["fail"] = 2

    answer = api.post("/parties", BODY)

    assert answer.status_code == 201, answer.content
    assert flaky["calls"] == 3
    assert Party.objects.filter(name="Retry Trading Co").count() == 1


def test_a_request_that_keeps_losing_gets_503_after_the_bounded_attempts(api, flaky):
    flaky["fail"] = 99

    answer = api.post("/parties", BODY)

    assert flaky["calls"] == retry.RETRY_ATTEMPTS == 4
    assert answer.status_code == 503
    assert answer["Content-Type"] == "application/problem+json"
    assert answer["Retry-After"] == "1"
    body = answer.json()
    assert body["code"] == "database.conflict"
    assert body["status"] == 503
    assert "deadlock" not in answer.content.decode().lower()  # the database's text stays inside
    assert "4711" not in answer.content.decode()
    assert not Party.objects.exists()


def test_the_idempotency_key_does_not_keep_a_failed_attempt(api, flaky):
    flaky["fail"] = 4  # every attempt of the first request loses
    headers = {"Idempotency-Key": "retry-me"}

    first = api.post("/parties", BODY, headers=headers)
    second = api.post("/parties", BODY, headers=headers)  # the client's own retry, same key

    assert first.status_code == 503
    assert second.status_code == 201, second.content
    assert "Idempotent-Replayed" not in second
    assert Party.objects.filter(name="Retry Trading Co").count() == 1
    third = api.post("/parties", BODY, headers=headers)
    assert third["Idempotent-Replayed"] == "true"
    assert third.json()["id"] == second.json()["id"]


@pytest.mark.parametrize("sqlstate", ["40001", "55P03"])
def test_serialization_failures_and_lock_timeouts_are_retried_too(api, flaky, sqlstate):
    def error():
        wrapped = OperationalError("could not serialize access")
        wrapped.__cause__ = _DriverError("could not serialize access", sqlstate)
        return wrapped

    flaky.update(fail=1, error=error)

    assert api.post("/parties", BODY).status_code == 201
    assert flaky["calls"] == 2


def test_other_database_errors_are_not_retried_and_do_not_leak_their_text(api, flaky):
    flaky.update(
        fail=1,
        error=lambda: IntegrityError('duplicate key value violates "party_secret_idx" (id)=(7)'),
    )

    answer = api.post("/parties", BODY)

    assert flaky["calls"] == 1
    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict.integrity"
    assert "party_secret_idx" not in answer.content.decode()
    assert not Party.objects.exists()


def test_a_dropped_connection_is_503_unavailable_without_retry(api, flaky):
    flaky.update(fail=1, error=lambda: OperationalError("server closed the connection at 10.0.0.5"))

    answer = api.post("/parties", BODY)

    assert flaky["calls"] == 1
    assert (answer.status_code, answer.json()["code"]) == (503, "database.unavailable")
    assert "10.0.0.5" not in answer.content.decode()


# -- pages -------------------------------------------------------------------------------


def _form():
    fields = ("email", "phone", "website", "tax_id", "credit_limit", "payment_term", "tags")
    return {
        "kind": "organization",
        "name": "Web Retry Ltd",
        "is_customer": "on",
        "country": "CN",
        "currency": "CNY",
        "active": "on",
        "notes": "",
        **dict.fromkeys(fields, ""),
    }


def test_a_page_write_is_retried_and_succeeds(web, flaky):
    flaky["fail"] = 3

    answer = web.post("/parties/new/", _form())

    assert answer.status_code == 302
    assert flaky["calls"] == 4
    assert Party.objects.filter(name="Web Retry Ltd").count() == 1


def test_a_page_write_that_keeps_losing_gets_the_friendly_503_page(web, flaky):
    flaky["fail"] = 99

    answer = web.post("/parties/new/", _form())

    assert flaky["calls"] == retry.RETRY_ATTEMPTS
    assert answer.status_code == 503
    page = answer.content.decode()
    assert "Please try again" in page
    assert 'data-testid="database-busy"' in page
    assert "deadlock" not in page.lower()
    assert not Party.objects.exists()
