"""The customer's tickets on the party page (registered for "party.detail" in ServiceConfig)."""

from django.template.loader import render_to_string

from tandem.core.views import request_has_perm

from .models import SlaState, TicketState
from .queries import party_tickets_summary


def party_tickets_panel(request, party):
    company = getattr(request, "company", None)
    if company is None or party.company_id != company.pk:
        return None
    if not request_has_perm(request, "service.view_ticket"):
        return None
    summary = party_tickets_summary(party, limit=8)
    if not summary["total"]:
        return None
    states = dict(TicketState.choices)
    sla_states = dict(SlaState.choices)
    for row in summary["latest"]:
        row["state_label"] = states.get(row["state"], row["state"])
        row["sla_label"] = sla_states.get(row["sla_state"], row["sla_state"])
    return render_to_string(
        "service/_party_tickets.html", {"party": party, "summary": summary}, request=request
    )
