"""HR's Celery tasks: the daily leave accrual (on the beat schedule, entry
"hr-leave-accrue-daily") starts one accrual job per company with an accruing leave type, so
each shows its progress and result on /jobs like an on-demand one. The job is idempotent
(each entry has its key): running it every day writes each month's or year's accrual,
carry-over trim and expiry once, on or after its date."""

from celery import shared_task
from django.db import transaction

from tandem.core.jobs import job_start
from tandem.core.models import Company, Job, JobState

from .jobs import LEAVE_ACCRUE
from .models import LeaveType


@shared_task(name="tandem.hr.tasks.leave_accrue_all")
def leave_accrue_all() -> int:
    """Queue an accrual job (as of today) for every company with an active accruing leave
    type and no accrual job queued or running; answers how many were queued."""
    busy = set(
        Job.objects.filter(
            kind=LEAVE_ACCRUE, state__in=[JobState.QUEUED, JobState.RUNNING]
        ).values_list("company_id", flat=True)
    )
    accruing = set(
        LeaveType.objects.filter(active=True)
        .exclude(accrual="none")
        .values_list("company_id", flat=True)
        .distinct()
    )
    started = 0
    for company in Company.objects.filter(pk__in=accruing - busy).order_by("pk"):
        with transaction.atomic():
            job_start(LEAVE_ACCRUE, company=company)
        started += 1
    return started
