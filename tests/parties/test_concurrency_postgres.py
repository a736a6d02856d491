"""Duplicate detection under real concurrency: threads released together by a barrier."""

import threading

import pytest
from django.db import connection

from tandem.core.errors import Duplicate
from tandem.parties.models import Party
from tandem.parties.services import party_create
from tests.parties.conftest import VALID_USCC

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_creates_with_one_tax_id_make_exactly_one_party(company):
    workers = 8
    barrier = threading.Barrier(workers)
    created, refused, errors = [], [], []

    def create(n):
        try:
            barrier.wait(timeout=30)
            created.append(party_create(company=company, name=f"Racer {n}", tax_id=VALID_USCC))
        except Duplicate as exc:
            refused.append(exc.code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection: leave none open at teardown

    threads = [threading.Thread(target=create, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(created) == 1
    assert refused == ["party.duplicate"] * (workers - 1)
    assert Party.objects.filter(tax_id=VALID_USCC).count() == 1
