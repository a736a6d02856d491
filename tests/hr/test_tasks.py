"""The daily accrual task queues one accrual job per company with an accruing leave type
(none for a company without one, none while one is queued or running); running it again the
same day writes nothing new."""

from datetime import date

import pytest

from tandem.core.models import Job
from tandem.hr import services
from tandem.hr.jobs import LEAVE_ACCRUE
from tandem.hr.models import LeaveEntry
from tandem.hr.tasks import leave_accrue_all

pytestmark = pytest.mark.django_db


def test_the_daily_task_accrues_each_company_once(company, django_capture_on_commit_callbacks):
    services.employee_create(
        company=company, number="E1", name="E1", hire_date=date(2020, 1, 1), version={}
    )
    services.leave_type_create(
        company=company,
        code="ANNUAL",
        name="Annual",
        accrual="monthly",
        accrual_amount="1",
        accrual_start="2026-01-01",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert leave_accrue_all() == 1
    job = Job.objects.get(kind=LEAVE_ACCRUE)
    assert (job.company_id, job.state) == (company.pk, "done")
    written = LeaveEntry.objects.filter(kind="accrual").count()
    assert written >= 1
    with django_capture_on_commit_callbacks(execute=True):
        assert leave_accrue_all() == 1
    assert LeaveEntry.objects.filter(kind="accrual").count() == written
