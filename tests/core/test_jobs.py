"""Background jobs: progress, cancel, failure, the stale-worker sweep, and the /jobs API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.jobs import job_cancel, job_kind, job_start, jobs_sweep_stale
from tandem.core.models import Job
from tandem.core.services import membership_grant
from tests.factories import UserFactory

SEEN: dict[str, list] = {}


@pytest.fixture(autouse=True)
def _fresh_seen():
    SEEN.clear()  # job ids repeat between tests: each test reads only its own runs


@job_kind("test.count")
def _count(ctx, items: int = 4, fail_at: int | None = None, cancel_at: int | None = None):
    """Counts to `items`, reading its own row back after each step as a poller would."""
    ctx.set_total(items)
    seen = SEEN.setdefault(f"count-{ctx.job.pk}", [])
    for number in range(1, items + 1):
        if number == fail_at:
            ctx.error("row 3 has no name", row=number, field="name")
            raise ValueError("secret SQL text that must stay in the log")
        if number == cancel_at:
            Job.objects.filter(pk=ctx.job.pk).update(cancel_requested=True)
        ctx.step()
        row = Job.objects.get(pk=ctx.job.pk)
        seen.append((row.done, row.progress, row.state))
    return {"counted": items}


@job_kind("test.resumable", resumable=True, max_attempts=2)
def _resumable(ctx):
    return {"ok": True}


def _run(django_capture_on_commit_callbacks, kind, company, user, **params):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind, company=company, user=user, params=params)
    job.refresh_from_db()
    return job


def test_progress_is_written_while_the_job_runs_and_it_ends_done(
    company, owner, django_capture_on_commit_callbacks
):
    job = _run(django_capture_on_commit_callbacks, "test.count", company, owner, items=4)

    assert SEEN[f"count-{job.pk}"] == [
        (1, 25, "running"),
        (2, 50, "running"),
        (3, 75, "running"),
        (4, 100, "running"),
    ]
    assert (job.state, job.progress, job.done, job.total) == ("done", 100, 4, 4)
    assert job.result == {"counted": 4}
    assert job.errors == []
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.attempts == 1


def test_a_cancel_request_stops_the_job_at_its_next_progress_write(
    company, owner, django_capture_on_commit_callbacks
):
    job = _run(
        django_capture_on_commit_callbacks, "test.count", company, owner, items=10, cancel_at=3
    )

    assert job.state == "cancelled"
    assert job.done == 3  # steps 1 and 2 ran; step 3's write saw the flag and stopped
    assert job.result == {"done": 3}
    assert len(SEEN[f"count-{job.pk}"]) == 2


def test_a_failing_job_records_its_error_without_leaking_the_exception_text(
    company, owner, django_capture_on_commit_callbacks
):
    job = _run(django_capture_on_commit_callbacks, "test.count", company, owner, items=5, fail_at=3)

    assert job.state == "failed"
    assert job.done == 2
    assert job.result is None
    assert job.errors == [
        {"code": "job.row_refused", "message": "row 3 has no name", "row": 3, "field": "name"},
        {"code": "job.crashed", "message": "Unexpected error (ValueError); see the server log."},
    ]


def test_a_queued_job_is_cancelled_at_once_and_a_finished_one_refuses(company, owner):
    job = job_start("test.count", company=company, user=owner)  # not committed: stays queued

    cancelled = job_cancel(job=job)

    assert (cancelled.state, cancelled.cancel_requested) == ("cancelled", True)
    with pytest.raises(Conflict) as refused:
        job_cancel(job=cancelled)
    assert refused.value.code == "job.finished"
    assert Job.objects.get(pk=job.pk).state == "cancelled"


def test_an_unknown_kind_is_refused_and_nothing_is_written(company, owner):
    with pytest.raises(ValidationFailed) as refused:
        job_start("no.such.kind", company=company, user=owner)
    assert refused.value.code == "job.kind_unknown"
    assert not Job.objects.exists()


def _stale_running(company, owner, kind, *, minutes=10, **fields):
    job = Job.objects.create(company=company, kind=kind, created_by=owner, **fields)
    Job.objects.filter(pk=job.pk).update(
        state="running",
        started_at=timezone.now() - timedelta(minutes=minutes + 1),
        heartbeat_at=timezone.now() - timedelta(minutes=minutes),
    )
    return job


def test_the_sweep_ends_a_job_whose_worker_died_failed_with_the_reason(company, owner):
    dead = _stale_running(company, owner, "test.count", done=40, total=100, attempts=1)
    alive = _stale_running(company, owner, "test.count", minutes=0, attempts=1)

    counts = jobs_sweep_stale(stale_after=120)

    assert counts == {"failed": 1, "requeued": 0}
    dead.refresh_from_db()
    assert dead.state == "failed"
    assert dead.finished_at is not None
    assert [e["code"] for e in dead.errors] == ["job.worker_lost"]
    assert "at 40 of 100 items" in dead.errors[0]["message"]
    assert Job.objects.get(pk=alive.pk).state == "running"


def test_the_sweep_requeues_a_resumable_job_until_its_attempts_run_out(
    company, owner, django_capture_on_commit_callbacks
):
    job = _stale_running(company, owner, "test.resumable", attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep_stale(stale_after=120) == {"failed": 0, "requeued": 1}

    job.refresh_from_db()
    assert (job.state, job.attempts, job.result) == ("done", 2, {"ok": True})

    spent = _stale_running(company, owner, "test.resumable", attempts=2)
    assert jobs_sweep_stale(stale_after=120) == {"failed": 1, "requeued": 0}
    assert Job.objects.get(pk=spent.pk).state == "failed"


# -- the API -----------------------------------------------------------------------------


def test_api_reads_lists_and_cancels_jobs(api, company, owner, django_capture_on_commit_callbacks):
    done = _run(django_capture_on_commit_callbacks, "test.count", company, owner, items=2)
    queued = job_start("test.count", company=company, user=owner)

    body = api.listed("/jobs")
    assert [j["id"] for j in body["items"]] == [queued.pk, done.pk]
    read = api.get(f"/jobs/{done.pk}").json()
    assert {k: read[k] for k in ("kind", "state", "progress", "total", "done", "result")} == {
        "kind": "test.count",
        "state": "done",
        "progress": 100,
        "total": 2,
        "done": 2,
        "result": {"counted": 2},
    }
    assert read["created_by"] == owner.pk
    assert "params" not in read

    refused = api.post(f"/jobs/{done.pk}/cancel")
    assert refused.status_code == 409
    assert refused.json()["code"] == "job.finished"
    assert Job.objects.get(pk=done.pk).state == "done"

    cancelled = api.post(f"/jobs/{queued.pk}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert api.listed("/jobs", state="cancelled")["count"] == 1


def test_another_companys_job_is_404(api, other_company, owner):
    foreign = Job.objects.create(company=other_company, kind="test.count", created_by=owner)

    assert api.get(f"/jobs/{foreign.pk}").status_code == 404
    answer = api.post(f"/jobs/{foreign.pk}/cancel")
    assert answer.status_code == 404
    assert answer.json()["code"] == "job.not_found"
    assert api.listed("/jobs")["count"] == 0
    assert Job.objects.get(pk=foreign.pk).cancel_requested is False


def test_a_member_sees_its_own_jobs_and_an_admin_sees_all(api_as, company, owner):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    mine = Job.objects.create(company=company, kind="test.count", created_by=clerk)
    theirs = Job.objects.create(company=company, kind="test.count", created_by=owner)

    as_clerk = api_as(clerk, company)
    assert [j["id"] for j in as_clerk.listed("/jobs")["items"]] == [mine.pk]
    assert as_clerk.get(f"/jobs/{theirs.pk}").status_code == 404
    assert as_clerk.post(f"/jobs/{theirs.pk}/cancel").status_code == 404
    assert Job.objects.get(pk=theirs.pk).state == "queued"

    as_owner = api_as(owner, company)
    assert {j["id"] for j in as_owner.listed("/jobs")["items"]} == {mine.pk, theirs.pk}
