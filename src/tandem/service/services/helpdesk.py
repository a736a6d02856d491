"""Agent tools: canned responses with merge fields, macros, splitting a ticket, the
knowledge base's helpful votes and drafting an article from a resolved ticket."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.core.errors import InvalidTransition, ValidationFailed

from ..models import (
    DONE_STATES,
    CannedResponse,
    KbArticle,
    Macro,
    MessageKind,
    Priority,
    Ticket,
    TicketMessage,
    TicketTransition,
)
from .config import kb_article_create
from .sla import ticket_sla_refresh
from .tickets import _member, _same_company, _text, locked, ticket_assign, ticket_reply

MERGE_RE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")


def _merge_values(ticket: Ticket, agent) -> dict[str, str]:
    contact, party = ticket.contact, ticket.party
    return {
        "ticket.number": ticket.number,
        "ticket.subject": ticket.subject,
        "customer.name": party.name if party else "",
        "contact.name": contact.name if contact else "",
        "contact.email": ticket.customer_email,
        "agent.name": (agent.get_full_name() or agent.get_username()) if agent else "",
        "product.name": ticket.product.name if ticket.product_id else "",
        "lot.name": ticket.lot.name if ticket.lot_id else "",
        "team.name": ticket.team.name if ticket.team_id else "",
    }


MERGE_FIELDS = (
    "ticket.number",
    "ticket.subject",
    "customer.name",
    "contact.name",
    "contact.email",
    "agent.name",
    "product.name",
    "lot.name",
    "team.name",
)


def _check_fields(body: str) -> None:
    unknown = sorted({m.group(1) for m in MERGE_RE.finditer(body)} - set(MERGE_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"body: unknown merge field {', '.join(unknown)} (known: {', '.join(MERGE_FIELDS)})",
            code="canned.unknown_field",
            field="body",
        )


def render_canned(canned: CannedResponse | str, *, ticket: Ticket, agent=None) -> str:
    """The text with its merge fields filled (plain substitution, never a template engine)."""
    body = canned if isinstance(canned, str) else canned.body
    values = _merge_values(ticket, agent)
    return MERGE_RE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def _canned_values(company, *, name, body, team, pk=None) -> dict:
    name = _text(name, field="name", max_length=100, required=True)
    body = _text(body, field="body", max_length=50_000, required=True)
    _check_fields(body)
    _same_company(company, team, field="team")
    if CannedResponse.objects.filter(company=company, name=name).exclude(pk=pk).exists():
        raise ValidationFailed("name: a canned response of this name exists", code="duplicate")
    return {"name": name, "body": body, "team": team}


@transaction.atomic
def canned_response_create(*, company, name: str, body: str, team=None) -> CannedResponse:
    values = _canned_values(company, name=name, body=body, team=team)
    return CannedResponse.objects.create(company=company, **values)


@transaction.atomic
def canned_response_update(
    *, canned: CannedResponse, name: str, body: str, team=None
) -> CannedResponse:
    """Change a canned response's name, text or team (macros that reply with it use the
    new text from then on)."""
    canned = CannedResponse.objects.select_for_update().get(pk=canned.pk)
    values = _canned_values(canned.company, name=name, body=body, team=team, pk=canned.pk)
    for field, value in values.items():
        setattr(canned, field, value)
    canned.save()
    return canned


def _macro_values(
    company, *, name, priority, team, assignee, add_tags, reply, state, pk=None
) -> dict:
    name = _text(name, field="name", max_length=100, required=True)
    if priority and priority not in Priority.values:
        raise ValidationFailed("priority: low, normal, high or urgent", code="validation.choice")
    if state and state not in ("open", "waiting_customer", "resolved"):
        raise ValidationFailed(
            "state: open, waiting_customer or resolved", code="validation.choice"
        )
    for field, obj in (("team", team), ("reply", reply)):
        _same_company(company, obj, field=field)
    _member(company, assignee, field="assignee")
    if Macro.objects.filter(company=company, name=name).exclude(pk=pk).exists():
        raise ValidationFailed("name: a macro of this name exists", code="duplicate")
    return {
        "name": name,
        "priority": priority or "",
        "team": team,
        "assignee": assignee,
        "add_tags": [str(t).strip()[:40] for t in add_tags if str(t).strip()][:20],
        "reply": reply,
        "state": state or "",
    }


@transaction.atomic
def macro_create(
    *,
    company,
    name: str,
    priority: str = "",
    team=None,
    assignee=None,
    add_tags=(),
    reply: CannedResponse | None = None,
    state: str = "",
) -> Macro:
    values = _macro_values(
        company,
        name=name,
        priority=priority,
        team=team,
        assignee=assignee,
        add_tags=add_tags,
        reply=reply,
        state=state,
    )
    return Macro.objects.create(company=company, **values)


@transaction.atomic
def macro_update(
    *,
    macro: Macro,
    name: str,
    priority: str = "",
    team=None,
    assignee=None,
    add_tags=(),
    reply: CannedResponse | None = None,
    state: str = "",
) -> Macro:
    """Replace every setting of a macro (the form sends them all)."""
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    values = _macro_values(
        macro.company,
        name=name,
        priority=priority,
        team=team,
        assignee=assignee,
        add_tags=add_tags,
        reply=reply,
        state=state,
        pk=macro.pk,
    )
    for field, value in values.items():
        setattr(macro, field, value)
    macro.save()
    return macro


@transaction.atomic
def macro_apply(*, ticket: Ticket, macro: Macro, user, now: datetime | None = None) -> Ticket:
    """Set the macro's fields, then reply with its canned response (and state); one
    transaction: a refused step leaves the ticket as it was."""
    now = now or timezone.now()
    _same_company(ticket.company, macro, field="macro")
    ticket = locked(ticket)
    if ticket.state in DONE_STATES or ticket.merged_into_id:
        raise InvalidTransition(
            "Reopen the ticket before applying a macro", code="ticket.invalid_transition"
        )
    changes = {}
    if macro.assignee_id:
        changes["assignee"] = macro.assignee
    if macro.team_id:
        changes["team"] = macro.team
    if macro.priority:
        changes["priority"] = macro.priority
    if changes:
        ticket = ticket_assign(ticket=ticket, user=user, now=now, **changes)
    if macro.add_tags:
        tags = list(ticket.tags or [])
        tags += [t for t in macro.add_tags if t not in tags]
        Ticket.objects.filter(pk=ticket.pk).update(tags=tags[:20])
    if macro.reply_id:
        body = render_canned(macro.reply, ticket=ticket, agent=user)
        ticket_reply(ticket=ticket, body=body, user=user, state=macro.state or None, now=now)
    elif macro.state and macro.state != ticket.state:
        from .tickets import ticket_set_state

        ticket_set_state(ticket=ticket, state=macro.state, user=user, now=now)
    return Ticket.objects.get(pk=ticket.pk)


@transaction.atomic
def ticket_split(
    *, ticket: Ticket, messages, subject: str = "", user=None, now: datetime | None = None
) -> Ticket:
    """Move some customer messages to a new ticket that keeps the original's history and
    SLA: same customer, team, priority and policy, opened when the original was, with a copy
    of its state log (so its clocks count from the same start)."""
    now = now or timezone.now()
    ticket = locked(ticket)
    if ticket.merged_into_id:
        raise InvalidTransition("The ticket was merged", code="ticket.merged")
    ids = sorted({m.pk if hasattr(m, "pk") else int(m) for m in messages})
    moving = list(TicketMessage.objects.filter(ticket=ticket, pk__in=ids))
    if not ids or len(moving) != len(ids):
        raise ValidationFailed(
            "messages: messages of this ticket", code="reference.invalid", field="messages"
        )
    kept = TicketMessage.objects.filter(ticket=ticket).exclude(pk__in=ids)
    if not kept.exclude(kind=MessageKind.NOTE).exists():
        raise ValidationFailed(
            "messages: at least one message must stay", code="ticket.split_all", field="messages"
        )
    from tandem.core.services import sequence_next

    new = Ticket.objects.get(pk=ticket.pk)
    new.pk = None
    new.id = None
    new.number = sequence_next(
        company=ticket.company,
        code="service:ticket",
        on_date=timezone.localdate(now),
        prefix="T{year}-",
    )
    new.subject = _text(subject or ticket.subject, field="subject", max_length=200, required=True)
    new.rating = None
    new.csat_sent_at = None
    new.sla_check_at = None
    new.sla_check_sent = None
    new.save(force_insert=True)
    TicketTransition.objects.bulk_create(
        [
            TicketTransition(
                company_id=t.company_id,
                ticket=new,
                from_state=t.from_state,
                to_state=t.to_state,
                at=t.at,
                user=t.user,
                note=t.note,
            )
            for t in TicketTransition.objects.filter(ticket=ticket).order_by("at", "pk")
        ]
    )
    TicketMessage.objects.filter(pk__in=ids).update(ticket=new)
    for target, text in (
        (ticket, f"Split: messages moved to {new.number}"),
        (new, f"Split from {ticket.number}"),
    ):
        TicketMessage.objects.create(
            company_id=ticket.company_id,
            ticket=target,
            kind=MessageKind.NOTE,
            author=user,
            body=text,
            at=now,
        )
    ticket_sla_refresh(ticket=new, now=now)
    return new


def kb_vote(*, article: KbArticle, helpful: bool) -> None:
    """A "was this helpful?" answer (a counter, F() so concurrent votes all count)."""
    field = "helpful_yes" if helpful else "helpful_no"
    KbArticle.objects.filter(pk=article.pk).update(**{field: F(field) + 1})


@transaction.atomic
def kb_draft_from_ticket(*, ticket: Ticket, user=None) -> KbArticle:
    """A draft article from a resolved ticket: its subject as the title, the customer's first
    message as the question and the last public reply as the answer."""
    if ticket.state not in DONE_STATES:
        raise InvalidTransition(
            "Only a resolved ticket can become an article", code="ticket.invalid_transition"
        )
    messages = list(ticket.messages.exclude(kind=MessageKind.NOTE).order_by("at", "pk"))
    question = next((m.body for m in messages if m.kind == MessageKind.INBOUND), "")
    answer = next((m.body for m in reversed(messages) if m.kind == MessageKind.REPLY), "")
    if not answer:
        raise ValidationFailed(
            "The ticket has no public reply to draft from", code="kb.no_answer", field="ticket"
        )
    body = f"{question.strip()}\n\n---\n\n{answer.strip()}" if question else answer.strip()
    article = kb_article_create(
        company=ticket.company,
        title=ticket.subject,
        body=body,
        language=ticket.language if ticket.language in ("en", "zh-hans") else "en",
        public=False,
        user=user,
    )
    KbArticle.objects.filter(pk=article.pk).update(source_ticket=ticket)
    article.source_ticket = ticket
    return article
