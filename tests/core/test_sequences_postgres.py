"""Gapless numbering under real concurrency: threads released together by a barrier."""

import threading
from datetime import date

import pytest
from django.db import connection

from tandem.core.integrity import run_all
from tandem.core.models import SequenceNumber
from tandem.core.services import sequence_next

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_allocations_are_unique_and_gapless(company):
    workers = 12
    barrier = threading.Barrier(workers)
    numbers, errors = [], []

    def allocate():
        try:
            barrier.wait(timeout=30)
            numbers.append(sequence_next(company=company, code="inv", on_date=date(2026, 5, 1)))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection: leave none open at teardown

    threads = [threading.Thread(target=allocate) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"INV/2026/{n:05d}" for n in range(1, workers + 1)]
    assert SequenceNumber.objects.count() == workers
    assert run_all().ok
