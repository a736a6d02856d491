"""Sales jobs; each calls a service and is safe to run again."""

from celery import shared_task


@shared_task(name="tandem.sales.tasks.sla_breach_scan")
def sla_breach_scan() -> int:
    """The exception scan on the beat schedule: SLA breaches, then overdue payments."""
    from .services.exceptions import payment_overdue_scan
    from .services.exceptions import sla_breach_scan as scan

    return scan() + payment_overdue_scan()
