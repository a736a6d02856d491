"""Analytics' Celery tasks: the nightly training (on the beat schedule) starts one training
job per company that has sales, so each shows its progress like an on-demand one."""

from celery import shared_task
from django.db import transaction

from tandem.core.jobs import job_start
from tandem.core.models import Company, Job, JobState
from tandem.sales.models import SalesOrder

from .jobs import TRAIN


@shared_task(name="tandem.analytics.tasks.train_all")
def train_all() -> int:
    """Queue a training job for every company with orders and none queued or running."""
    started = 0
    busy = set(
        Job.objects.filter(kind=TRAIN, state__in=[JobState.QUEUED, JobState.RUNNING]).values_list(
            "company_id", flat=True
        )
    )
    with_orders = set(SalesOrder.objects.values_list("company_id", flat=True).distinct())
    for company in Company.objects.filter(pk__in=with_orders - busy).order_by("pk"):
        with transaction.atomic():
            job_start(TRAIN, company=company)
        started += 1
    return started
