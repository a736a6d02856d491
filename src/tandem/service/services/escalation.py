"""The escalation ladder: per SLA policy, steps fired a set number of business minutes after a
clock's due instant (notify the team lead -> reassign -> raise the priority -> notify the
account owner), each recorded once per clock window in the append-only audit trail.

The steps run from the scheduled SLA check (Celery eta at the step's instant, see sla.py);
the unique key (ticket, clock, window start, step) makes a second run fire nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from tandem.core.errors import ValidationFailed

from ..models import (
    PRIORITY_RANK,
    EscalationAction,
    Priority,
    SlaPolicy,
    Ticket,
    TicketEscalation,
    TicketTransition,
)
from .sla import _add, calendar_of, compute, policy_for

logger = logging.getLogger(__name__)


def validate_ladder(steps) -> list[dict]:
    """[{"action": ..., "after_minutes": n}] with known actions, 0 <= n <= 100,000, kept in
    the order given."""
    if steps is None:
        return []
    if not isinstance(steps, list | tuple) or len(steps) > 20:
        raise ValidationFailed("escalation: a list of at most 20 steps", field="escalation")
    out = []
    for step in steps:
        step = dict(step) if not isinstance(step, dict) else step
        action = step.get("action")
        minutes = step.get("after_minutes", 0)
        if action not in EscalationAction.values:
            raise ValidationFailed(
                "escalation: action is notify_lead, reassign, raise_priority or notify_owner",
                code="validation.choice",
                field="escalation",
            )
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 100_000:
            raise ValidationFailed("escalation: after_minutes from 0 to 100000", field="escalation")
        out.append({"action": action, "after_minutes": minutes})
    return out


def account_owner(ticket: Ticket):
    """The customer's account owner: the owner of its latest opportunity (as CRM reads it)."""
    if ticket.party_id is None:
        return None
    from tandem.crm.models import Opportunity

    row = (
        Opportunity.objects.filter(
            company_id=ticket.company_id, party_id=ticket.party_id, owner__isnull=False
        )
        .select_related("owner")
        .order_by("-created_at", "-id")
        .first()
    )
    return row.owner if row else None


def _notify(user, ticket: Ticket, why: str) -> str:
    if user is None:
        return "nobody to notify"
    if not user.email:
        return f"{user.get_username()} has no email address"
    subject = f"[{ticket.number}] {why}: {ticket.subject}"[:200]
    body = f"{why}\n\n{ticket.number} {ticket.subject}\n"
    recipient = user.email

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
        except Exception:  # noqa: BLE001  the audit row stays; a failed send is logged
            logger.exception("escalation mail to %s failed", recipient)

    transaction.on_commit(send)
    return f"mailed {recipient}"


def _fire(ticket: Ticket, action: str, clock: str, now: datetime) -> str:
    team = ticket.team
    if action == EscalationAction.NOTIFY_LEAD:
        lead = team.lead if team is not None else None
        return _notify(lead, ticket, f"SLA {clock.replace('_', ' ')} breached")
    if action == EscalationAction.NOTIFY_OWNER:
        return _notify(account_owner(ticket), ticket, f"SLA {clock.replace('_', ' ')} breached")
    if action == EscalationAction.REASSIGN:
        from .assignment import pick_agent

        exclude = {ticket.assignee_id} if ticket.assignee_id else set()
        agent = pick_agent(ticket=ticket, now=now, exclude=exclude, sticky=False)
        if agent is None and team is not None and team.lead_id not in exclude:
            agent = team.lead
        if agent is None:
            return "no other agent available"
        ticket.assignee = agent
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
        return f"assigned to {agent.get_username()}"
    if action == EscalationAction.RAISE_PRIORITY:
        rank = PRIORITY_RANK[ticket.priority]
        if rank >= PRIORITY_RANK[Priority.URGENT]:
            return "already urgent"
        new = next(p for p, r in PRIORITY_RANK.items() if r == rank + 1)
        old = ticket.priority
        ticket.priority = new
        ticket.policy = policy_for(ticket)
        Ticket.objects.filter(pk=ticket.pk).update(priority=new, policy=ticket.policy)
        return f"priority {old} -> {new}"
    return ""


def escalate(*, ticket: Ticket, now: datetime) -> int:
    """Fire every ladder step of the ticket's policy whose instant has come and that was not
    fired for that clock window yet; returns how many fired. Call with the ticket locked."""
    if ticket.policy_id is None:
        return 0
    policy = SlaPolicy.objects.select_related("calendar", "team__calendar").get(pk=ticket.policy_id)
    steps = policy.escalation or []
    if not steps:
        return 0
    windows: list = []
    transitions = list(TicketTransition.objects.filter(ticket_id=ticket.pk))
    compute(ticket, policy, transitions, now, windows=windows)
    if not windows:
        return 0
    calendar = calendar_of(policy, ticket)
    done = set(
        TicketEscalation.objects.filter(ticket=ticket).values_list("clock", "window_start", "step")
    )
    fired = 0
    for clock, start, due in sorted(windows, key=lambda w: w[2]):
        for index, step in enumerate(steps):
            instant = _add(calendar, due, int(step.get("after_minutes", 0)) * 60)
            if instant > now or (clock, start, index) in done:
                continue
            detail = _fire(ticket, step["action"], clock, now)
            TicketEscalation.objects.create(
                company_id=ticket.company_id,
                ticket=ticket,
                clock=clock,
                window_start=start,
                step=index,
                action=step["action"],
                due_at=instant,
                fired_at=now,
                detail=detail[:300],
            )
            done.add((clock, start, index))
            fired += 1
    return fired
