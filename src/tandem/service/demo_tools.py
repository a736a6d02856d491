"""The demo of the agent's tools (issue 16, step 4), on top of load_service_demo's tickets:
canned responses in both languages, two macros (one applied to a ticket), an escalation
ladder on the high and urgent policies with the late tickets escalated (so the ticket page
shows a trail), and one ticket split in two.

Quick (a dozen tickets touched) and deterministic given the demo's tickets; a second call
changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tandem.core.models import Company

from .models import (
    DONE_STATES,
    CannedResponse,
    Priority,
    ServiceTeam,
    SlaPolicy,
    Ticket,
    TicketEscalation,
)
from .services import (
    canned_response_create,
    macro_apply,
    macro_create,
    sla_policy_update,
    ticket_create,
    ticket_inbound,
    ticket_sla_check,
    ticket_split,
)

CANNED = [
    (
        "Acknowledge",
        "Dear {{ customer.name }},\n\nthank you for your message. Ticket {{ ticket.number }} "
        "is with {{ agent.name }} of {{ team.name }}; we come back to you shortly.",
    ),
    (
        "已收到",
        "{{ customer.name }} 您好：\n\n您的工单 {{ ticket.number }} 已由 {{ agent.name }} 受理，"
        "我们会尽快回复。",
    ),
    (
        "Ask for the lot",
        "Dear {{ customer.name }},\n\nto look into {{ ticket.subject }}, please send the lot "
        "or serial number printed on the product label and a photo of it.",
    ),
]
LADDERS = {
    Priority.HIGH: [
        {"action": "notify_lead", "after_minutes": 0},
        {"action": "reassign", "after_minutes": 60},
        {"action": "raise_priority", "after_minutes": 240},
    ],
    Priority.URGENT: [
        {"action": "notify_lead", "after_minutes": 0},
        {"action": "reassign", "after_minutes": 30},
        {"action": "notify_owner", "after_minutes": 120},
    ],
}
ESCALATED = 8
LATE_URGENT = "Cold room compressor stopped"
TWO_MATTERS = "Compressor rattles; also an invoice copy"  # late tickets run through their ladder


@transaction.atomic
def load_service_tools_demo(*, company: Company, now: datetime | None = None) -> dict:
    """Canned responses, macros, escalations and a split in the demo company; returns what
    it made (empty when the company has no service demo or already has canned responses)."""
    now = now or timezone.now()
    team = ServiceTeam.objects.filter(company=company).order_by("pk").first()
    if team is None or CannedResponse.objects.filter(company=company).exists():
        return {}
    agent = team.lead
    canned = {
        name: canned_response_create(company=company, name=name, body=body) for name, body in CANNED
    }
    ask = macro_create(
        company=company,
        name="Ask for the lot and wait",
        add_tags=["needs-info"],
        reply=canned["Ask for the lot"],
        state="waiting_customer",
    )
    macro_create(
        company=company,
        name="Escalate to urgent",
        priority=Priority.URGENT,
        add_tags=["escalated"],
        reply=canned["Acknowledge"],
    )
    open_tickets = Ticket.objects.filter(
        company=company, team=team, merged_into__isnull=True
    ).exclude(state__in=DONE_STATES)
    # the macro on the newest normal ticket the agent is working on
    target = (
        open_tickets.filter(priority=Priority.NORMAL, state__in=["new", "open"])
        .order_by("-opened_at", "-pk")
        .first()
    )
    if target is not None:
        macro_apply(ticket=target, macro=ask, user=agent, now=now)
    for priority, steps in LADDERS.items():
        policy = SlaPolicy.objects.filter(company=company, priority=priority, team=None).first()
        if policy is not None:
            sla_policy_update(policy=policy, escalation=steps)
    # one urgent call left unanswered for two days, so a full ladder shows on its page
    if host_party := open_tickets.exclude(party=None).order_by("pk").first():
        urgent = ticket_create(
            company=company,
            subject=LATE_URGENT,
            channel="phone",
            priority=Priority.URGENT,
            party=host_party.party,
            team=team,
            body="The cold room's compressor stopped; the goods warm up.",
            user=agent,
            now=now - timedelta(days=2),
        )
        ticket_sla_check(ticket_id=urgent.pk, now=now)
    late = open_tickets.filter(
        priority__in=list(LADDERS), sla_state="breached", policy__isnull=False
    ).order_by("-opened_at", "-pk")  # the most recent late tickets
    for ticket_id in list(late.values_list("pk", flat=True)[:ESCALATED]):
        ticket_sla_check(ticket_id=ticket_id, now=now)
    # a split: a customer raises a second matter in an open thread; the agent moves it to
    # a ticket of its own (same customer, team, policy and clocks)
    split = None
    host = (
        open_tickets.filter(state__in=["new", "open"])
        .exclude(customer_email="")
        .exclude(pk=target.pk if target else None)
        .order_by("opened_at", "pk")
        .first()
    )
    if host is not None:
        host, second = ticket_inbound(
            ticket=host,
            body="另外，请再寄一份上月订单的增值税发票。",
            from_address=host.customer_email,
            now=now,
        )
        split = ticket_split(
            ticket=host,
            messages=[second.pk],
            subject="申请补开增值税发票",
            user=agent,
            now=now,
        )
    # and a thread with two matters left for an agent to split (the browser test does)
    two = None
    if host is not None:
        two = ticket_create(
            company=company,
            subject=TWO_MATTERS,
            channel="email",
            party=host.party,
            contact=host.contact,
            customer_email=host.customer_email,
            team=team,
            body="The compressor has been rattling since Monday.",
            user=agent,
            now=now,
        )
        ticket_inbound(
            ticket=two,
            body="Also: please send a copy of last month's invoice.",
            from_address=host.customer_email,
            now=now,
        )
    return {
        "two_matters": two.pk if two else None,
        "canned": len(canned),
        "macro_ticket": target.pk if target else None,
        "escalations": TicketEscalation.objects.filter(company=company).count(),
        "split": split.pk if split else None,
    }
