"""Celery tasks of the marketing app."""

from celery import shared_task


@shared_task(name="tandem.marketing.tasks.start_due_campaigns")
def start_due_campaigns() -> int:
    """Start the scheduled campaigns whose time came (on the beat schedule)."""
    from .services import campaigns_start_due

    return campaigns_start_due()


@shared_task(name="tandem.marketing.tasks.automations_tick")
def automations_tick() -> dict:
    """Let parties into the active automations and advance their due runs (every minute)."""
    from .services.automations import automations_tick as tick

    return tick()
