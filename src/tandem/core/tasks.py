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


@shared_task(name="tandem.core.tasks.deliver_events")
def deliver_events() -> int:
    """Retry the outbox events whose subscribers failed (beat, every 30 s)."""
    from .events import deliver_due

    return deliver_due()


@shared_task(name="tandem.core.tasks.deliver_webhook", acks_late=True)
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt of one webhook delivery (a no-op unless it is due and unclaimed)."""
    from .webhooks import delivery_attempt

    return delivery_attempt(delivery_id)


@shared_task(name="tandem.core.tasks.dispatch_webhooks")
def dispatch_webhooks() -> int:
    """Queue the webhook deliveries whose retry is due or whose worker died (beat)."""
    from .webhooks import deliveries_due, enqueue

    due = deliveries_due()
    enqueue(due)
    return len(due)


@shared_task(name="tandem.core.tasks.prune_events")
def prune_events() -> int:
    """Drop delivered outbox events past the retention (beat, daily)."""
    from .events import events_prune

    return events_prune()
