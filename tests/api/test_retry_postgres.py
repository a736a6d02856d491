"""A real deadlock between two API requests is retried: both succeed, never a 500.

Two POST /parties run in threads; party_create is wrapped so that each request first locks
one of two existing rows, waits at a barrier for the other, then locks the other's row: a
lock-order deadlock PostgreSQL breaks by failing one of them (40P01). That request's
transaction is rolled back and the retry middleware runs it again (without the barrier).
Both carry an Idempotency-Key, whose layer runs the view in its own transaction: the retry
must wrap it, or the second attempt would run in an aborted transaction.
"""

import json
import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from tandem.api import retry
from tandem.core.models import IdempotencyKey
from tandem.core.services import token_create
from tandem.parties import services
from tandem.parties.models import Party

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("with_key", [True, False])
def test_two_requests_that_deadlock_both_succeed_after_a_retry(
    owner, company, monkeypatch, with_key
):
    first = services.party_create(company=company, name="Lock One")
    second = services.party_create(company=company, name="Lock Two")
    order = {"One": (first.pk, second.pk), "Two": (second.pk, first.pk)}
    barrier = threading.Barrier(2)
    calls = {"One": 0, "Two": 0}
    real = services.party_create

    def party_create(**kwargs):
        tag = kwargs["name"].split()[-1]
        calls[tag] += 1
        mine, theirs = order[tag]
        with transaction.atomic():
            Party.objects.select_for_update().get(pk=mine)
            if calls[tag] == 1:
                barrier.wait(timeout=30)  # both hold their first row now
            Party.objects.select_for_update().get(pk=theirs)
            return real(**kwargs)

    monkeypatch.setattr(services, "party_create", party_create)
    _token, raw = token_create(user=owner)
    results = {}

    def post(tag):
        headers = {"Authorization": f"Bearer {raw}", "X-Company": company.code}
        if with_key:
            headers["Idempotency-Key"] = f"deadlock-{tag}"
        try:
            response = Client().post(
                "/api/v1/parties",
                json.dumps({"name": f"Deadlock {tag}", "is_customer": True, "country": "CN"}),
                content_type="application/json",
                headers=headers,
            )
            results[tag] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(tag,)) for tag in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {tag: status for tag, (status, _body) in results.items()} == {"One": 201, "Two": 201}
    assert sorted(calls.values()) == [1, 2]  # one request lost the deadlock and ran again
    assert sum(calls.values()) <= 1 + retry.RETRY_ATTEMPTS
    assert Party.objects.filter(name__startswith="Deadlock").count() == 2


def test_a_request_that_deadlocks_on_every_attempt_gets_503_not_500(owner, company, monkeypatch):
    """PostgreSQL itself raises 40P01 on every attempt: after the bounded attempts the client
    gets the conflict problem, the key is not stored, and nothing is written."""
    attempts = {"n": 0}

    def party_create(**kwargs):
        attempts["n"] += 1
        with connection.cursor() as cursor:  # a real 40P01 raised by PostgreSQL itself
            cursor.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"
            )
        raise AssertionError("unreachable")

    monkeypatch.setattr(services, "party_create", party_create)
    monkeypatch.setattr(retry, "pause", lambda attempt: None)
    _token, raw = token_create(user=owner)
    response = Client().post(
        "/api/v1/parties",
        json.dumps({"name": "Never", "is_customer": True, "country": "CN"}),
        content_type="application/json",
        headers={
            "Authorization": f"Bearer {raw}",
            "X-Company": company.code,
            "Idempotency-Key": "never",
        },
    )

    assert attempts["n"] == retry.RETRY_ATTEMPTS
    assert response.status_code == 503
    assert response.json()["code"] == "database.conflict"
    assert not Party.objects.filter(name="Never").exists()
    assert not IdempotencyKey.objects.filter(key="never").exists()
