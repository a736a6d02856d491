"""Service invariants behind `tandem check-integrity` (set-based)."""

from django.db.models import F, OuterRef, Subquery

from tandem.core.integrity import register

from .models import Ticket, TicketTransition


@register("service: a ticket's state is the last state of its log")
def ticket_state_matches_log():
    last = (
        TicketTransition.objects.filter(ticket=OuterRef("pk"))
        .order_by("-at", "-pk")
        .values("to_state")[:1]
    )
    wrong = (
        Ticket.objects.annotate(logged=Subquery(last))
        .exclude(logged=F("state"))
        .values_list("number", "state", "logged")[:20]
    )
    for number, state, logged in wrong:
        yield f"ticket {number}: state {state}, its log ends in {logged}"


@register("service: a merged ticket is closed and its target is not merged")
def merged_tickets_closed():
    rows = Ticket.objects.exclude(merged_into=None).exclude(
        state="closed", merged_into__merged_into=None
    )
    for number in rows.values_list("number", flat=True)[:20]:
        yield f"ticket {number}: merged but open, or merged into a merged ticket"
