"""The Jobs page and the progress partial: what a user sees of a job, and cancel."""

from django.test import Client

from tandem.core.jobs import job_start
from tandem.core.models import Job
from tandem.core.services import membership_grant
from tests.factories import UserFactory


def test_the_jobs_page_lists_jobs_with_state_progress_and_errors(web, company, owner):
    Job.objects.create(
        company=company,
        kind="purchasing.replenishment",
        created_by=owner,
        state="failed",
        progress=40,
        done=2,
        total=5,
        errors=[{"code": "job.worker_lost", "message": "The worker stopped."}],
    )

    page = web.get("/jobs/").content.decode()

    assert "Replenishment run" in page
    assert 'data-state="failed"' in page
    assert '<progress max="100" value="40"' in page
    assert "2 of 5" in page
    assert "The worker stopped." in page and "job.worker_lost" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: nothing polls


def test_the_partial_polls_while_running_and_stops_when_finished(web, company, owner):
    job = Job.objects.create(
        company=company, kind="purchasing.replenishment", created_by=owner, state="running"
    )

    running = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in running
    assert 'hx-trigger="every 1s"' in running
    assert "<script" not in running

    Job.objects.filter(pk=job.pk).update(state="done", progress=100)
    done = web.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'data-state="done"' in done
    assert "hx-trigger" not in done


def test_cancel_from_the_page(web, company, owner):
    job = job_start("purchasing.replenishment", company=company, user=owner)  # stays queued

    answer = web.post(f"/jobs/{job.pk}/cancel/", headers={"HX-Request": "true"})

    assert answer.status_code == 200
    assert 'data-state="cancelled"' in answer.content.decode()
    assert Job.objects.get(pk=job.pk).state == "cancelled"


def test_a_colleagues_or_another_companys_job_is_404_for_a_member(company, other_company, owner):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    theirs = Job.objects.create(company=company, kind="purchasing.replenishment", created_by=owner)
    foreign = Job.objects.create(company=other_company, kind="x", created_by=clerk)
    client = Client()
    client.force_login(clerk)

    assert client.get(f"/jobs/{theirs.pk}/progress/").status_code == 404
    assert client.get(f"/jobs/{foreign.pk}/progress/").status_code == 404
    assert client.post(f"/jobs/{theirs.pk}/cancel/").status_code == 404
    assert Job.objects.get(pk=theirs.pk).state == "queued"
    assert "No jobs yet." in client.get("/jobs/").content.decode()
