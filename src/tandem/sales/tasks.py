"""Sales jobs; each calls a service and is safe to run again."""

from celery import shared_task


@shared_task(name="tandem.sales.tasks.sla_breach_scan")
def sla_breach_scan() -> int:
    from .services.exceptions import sla_breach_scan as scan

    return scan()
