"""Concurrent retries with one Idempotency-Key create exactly one record (PostgreSQL)."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from tandem.core.services import token_create
from tandem.parties.models import Party

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_retries_make_one_party(owner, company):
    _token, raw = token_create(user=owner)
    workers = 8
    barrier = threading.Barrier(workers)
    statuses, bodies = [], []
    body = json.dumps({"name": "Retry Trading Co", "is_customer": True, "country": "CN"})

    def post():
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                "/api/v1/parties",
                body,
                content_type="application/json",
                headers={
                    "Authorization": f"Bearer {raw}",
                    "X-Company": company.code,
                    "Idempotency-Key": "intake-42",
                },
            )
            statuses.append(response.status_code)
            bodies.append(response.json())
        finally:
            connection.close()  # this thread's own connection: leave none open at teardown

    threads = [threading.Thread(target=post) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Party.objects.filter(name="Retry Trading Co").count() == 1
    assert len(statuses) == workers
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    created_ids = {b["id"] for s, b in zip(statuses, bodies, strict=True) if s == 201}
    assert len(created_ids) == 1
    assert all(
        b["code"] == "idempotency.in_progress"
        for s, b in zip(statuses, bodies, strict=True)
        if s == 409
    )
