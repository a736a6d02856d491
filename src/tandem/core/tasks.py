from celery import shared_task

from . import services


@shared_task(name="tandem.core.tasks.expire_idempotency_keys")
def expire_idempotency_keys(older_than_hours: int | None = None) -> int:
    return services.idempotency_keys_expire(older_than_hours=older_than_hours)


# Celery's Django fix-up closes stale connections around each task; the job row itself
# records the outcome, so the task never raises (a retry would double-run the job).
@shared_task(name="tandem.core.tasks.run_job", acks_late=True)
def run_job(job_id: int) -> str | None:
    from .jobs import job_run

    return job_run(job_id)


@shared_task(name="tandem.core.tasks.sweep_stale_jobs")
def sweep_stale_jobs() -> dict:
    from .jobs import jobs_sweep_stale

    return jobs_sweep_stale()
