"""Celery tasks of the marketing app."""

from celery import shared_task


@shared_task(name="tandem.marketing.tasks.start_due_campaigns")
def start_due_campaigns() -> int:
    """Start the scheduled campaigns whose time came (on the beat schedule)."""
    from .services import campaigns_start_due

    return campaigns_start_due()
