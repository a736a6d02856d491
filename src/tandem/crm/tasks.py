from celery import shared_task

from . import services


@shared_task(name="tandem.crm.tasks.send_activity_reminders")
def send_activity_reminders() -> int:
    """Email owners about planned activities due within the hour; each one once."""
    return services.activity_reminders_send()


@shared_task(name="tandem.crm.tasks.sweep_cadences")
def sweep_cadences() -> int:
    """Plan the next follow-up of every record under a cadence that has nothing planned."""
    return services.cadence_sweep()
