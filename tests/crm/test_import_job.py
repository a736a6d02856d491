"""The lead import's commit as a job: rows imported, or the job failed naming each row."""

import base64

from tandem.core.jobs import job_start
from tandem.crm.jobs import LEAD_IMPORT
from tandem.crm.models import Lead

from .test_import import BAD, GOOD


def _start(company, user, text, capture):
    with capture(execute=True):
        job = job_start(
            LEAD_IMPORT,
            company=company,
            user=user,
            params={"name": "leads.csv", "content": base64.b64encode(text.encode()).decode()},
        )
    job.refresh_from_db()
    return job


def test_the_job_imports_every_row(company, rep, django_capture_on_commit_callbacks):
    job = _start(company, rep, GOOD, django_capture_on_commit_callbacks)

    assert (job.state, job.progress, job.done, job.total) == ("done", 100, 2, 2)
    assert job.result["created"] == 2
    assert Lead.objects.filter(company=company).count() == 2


def test_a_refused_row_fails_the_job_with_each_row_and_writes_nothing(
    company, rep, django_capture_on_commit_callbacks
):
    job = _start(company, rep, BAD, django_capture_on_commit_callbacks)

    assert job.state == "failed"
    assert job.done == 0
    refused = [e for e in job.errors if e.get("row")]
    assert {e["row"] for e in refused} == {4}
    assert {e["field"] for e in refused} >= {"owner", "team"}
    assert job.errors[-1]["code"] == "import.rows_refused"
    assert not Lead.objects.exists()
