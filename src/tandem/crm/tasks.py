from celery import shared_task

from . import services


@shared_task(name="tandem.crm.tasks.send_activity_reminders")
def send_activity_reminders() -> int:
    """Email owners about planned activities due within the hour; each one once."""
    return services.activity_reminders_send()
