from celery import shared_task


@shared_task(name="tandem.service.tasks.ticket_sla_check")
def ticket_sla_check(ticket_id: int) -> str | None:
    """Scheduled at a ticket's next SLA instant (warning or due); idempotent."""
    from .services.sla import ticket_sla_check as check

    return check(ticket_id=ticket_id)


@shared_task(name="tandem.service.tasks.sla_sweep")
def sla_sweep() -> int:
    """Every few minutes (beat): send the SLA checks due soon that were left for it."""
    from .services.sla import sla_sweep as sweep

    return sweep()
