"""Celery tasks of purchasing: idempotent wrappers around services."""

from celery import shared_task


@shared_task(name="tandem.purchasing.tasks.replenishment_run_all")
def replenishment_run_all() -> dict:
    """Run replenishment for every company with active reorder rules (scheduled daily)."""
    from .services import replenishment_run_all as run

    return run()
