"""A real Celery worker on the Redis broker runs a job: it is claimed, reports progress while
it runs, and ends done (the `celery` leg; see tests/integration/test_celery_worker.py)."""

import time

import pytest
from django.db import transaction

from tandem.core.jobs import job_start
from tandem.core.models import Job

from .test_celery_worker import worker  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_a_job_with_progress_to_done(company, owner, worker):  # noqa: F811
    with transaction.atomic():
        job = job_start(
            "core.probe", company=company, user=owner, params={"steps": 8, "pause": 0.5}
        )

    seen = []
    deadline = time.monotonic() + 90  # a bound on waiting, not an assertion on speed
    while time.monotonic() < deadline:
        row = Job.objects.get(pk=job.pk)
        seen.append((row.state, row.progress))
        if row.finished:
            break
        time.sleep(0.1)

    assert worker.poll() is None, worker.stdout.read()
    row = Job.objects.get(pk=job.pk)
    assert (row.state, row.progress, row.done, row.total) == ("done", 100, 8, 8)
    assert row.result == {"steps": 8}
    assert row.attempts == 1
    assert row.started_at is not None and row.heartbeat_at is not None
    running = [progress for state, progress in seen if state == "running"]
    assert any(0 < progress < 100 for progress in running), seen  # progress seen mid-way
    assert [p for p in running] == sorted(running)  # it only moves forward
