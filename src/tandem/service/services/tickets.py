"""Tickets: create from any channel, reply, note, assign, resolve, close, reopen, merge."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.core.models import Membership
from tandem.core.services import sequence_next

from ..models import (
    DONE_STATES,
    TICKET_TRANSITIONS,
    Channel,
    MessageKind,
    Priority,
    ServiceTeam,
    Ticket,
    TicketMessage,
    TicketState,
    TicketTransition,
)
from .sla import policy_for, ticket_sla_refresh

logger = logging.getLogger(__name__)

REOPEN_DAYS = 7  # a customer's reply within this many days of resolving reopens the ticket
BODY_MAX = 100_000


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    value = "" if value is None else str(value).replace("\x00", "").strip()
    if required and not value:
        raise ValidationFailed(f"{field}: required", code="validation.required", field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            f"{field}: at most {max_length} characters", code="validation.too_long", field=field
        )
    return value


def _same_company(company, obj, *, field: str) -> None:
    if obj is not None and obj.company_id != company.pk:
        raise ValidationFailed(
            f"{field}: not a record of this company", code="reference.invalid", field=field
        )


def _email(value, *, field: str) -> str:
    value = (value or "").strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationFailed(
            f"{field}: not an email address", code="validation.email", field=field
        ) from None
    return value


def _member(company, user, *, field: str) -> None:
    if user is None:
        return
    if not Membership.objects.filter(company=company, user=user, is_active=True).exists():
        raise ValidationFailed(
            f"{field}: not a member of this company", code="reference.invalid", field=field
        )


def sanitize_html(html: str) -> str:
    return nh3.clean(html or "")[:BODY_MAX]


def locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _log(ticket: Ticket, to_state: str, *, user, at: datetime, note: str = "") -> None:
    TicketTransition.objects.create(
        company_id=ticket.company_id,
        ticket=ticket,
        from_state=ticket.state,
        to_state=to_state,
        at=at,
        user=user,
        note=note[:200],
    )
    ticket.state = to_state


def _move(ticket: Ticket, to_state: str, *, user, at: datetime, note: str = "") -> None:
    """Change state along the transition map, checked on the locked row."""
    if to_state == ticket.state:
        return
    if to_state not in TICKET_TRANSITIONS[ticket.state]:
        raise InvalidTransition(
            f"A {ticket.get_state_display()} ticket cannot become {to_state}",
            code="ticket.invalid_transition",
        )
    _log(ticket, to_state, user=user, at=at, note=note)
    if to_state == TicketState.RESOLVED:
        ticket.resolved_at = at
    elif to_state == TicketState.CLOSED:
        ticket.closed_at = at
    elif to_state == TicketState.OPEN and ticket.resolved_at is not None:
        ticket.resolved_at = None
        ticket.closed_at = None


def _participants(ticket: Ticket, *addresses) -> None:
    known = list(ticket.participants or [])
    for address in addresses:
        address = (address or "").strip().lower()
        if address and address not in known:
            known.append(address)
    ticket.participants = known


@transaction.atomic
def ticket_create(
    *,
    company,
    subject: str,
    channel: str = Channel.API,
    priority: str = Priority.NORMAL,
    party=None,
    contact=None,
    customer_email: str = "",
    team: ServiceTeam | None = None,
    assignee=None,
    product=None,
    lot=None,
    sales_order=None,
    tags=(),
    defect_code: str = "",
    language: str = "",
    body: str = "",
    body_html: str = "",
    user=None,
    now: datetime | None = None,
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    cc: str = "",
    to: str = "",
    policies=None,
) -> Ticket:
    """A new ticket in state new, its first message (the customer's words) and its SLA.
    `policies`: the company's active policies already read (mail intake caches them)."""
    now = now or timezone.now()
    subject = _text(subject, field="subject", max_length=200, required=True)
    if channel not in Channel.values:
        raise ValidationFailed("channel: email, portal, api or phone", code="validation.choice")
    if priority not in Priority.values:
        raise ValidationFailed(
            "priority: low, normal, high or urgent", code="validation.choice", field="priority"
        )
    for field, obj in (
        ("party", party),
        ("contact", contact),
        ("team", team),
        ("product", product),
        ("lot", lot),
        ("sales_order", sales_order),
    ):
        _same_company(company, obj, field=field)
    if contact is not None and party is None:
        party = contact.party
    if contact is not None and contact.party_id != party.pk:
        raise ValidationFailed(
            "contact: not a person of this customer", code="reference.invalid", field="contact"
        )
    if lot is not None:
        if product is None:
            product = lot.product
        elif lot.product_id != product.pk:
            raise ValidationFailed(
                "lot: not a lot of this product", code="ticket.lot_mismatch", field="lot"
            )
    _member(company, assignee, field="assignee")
    email = _email(customer_email or (contact.email if contact else ""), field="customer_email")
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise ValidationFailed("tags: a list of words", field="tags")
    ticket = Ticket(
        company=company,
        number=sequence_next(
            company=company,
            code="service:ticket",
            on_date=timezone.localdate(now),
            prefix="T{year}-",
        ),
        subject=subject,
        party=party,
        contact=contact,
        customer_email=email,
        language=_text(language, field="language", max_length=10).lower(),
        channel=channel,
        priority=priority,
        team=team,
        assignee=assignee,
        product=product,
        lot=lot,
        sales_order=sales_order,
        tags=[t.strip()[:40] for t in tags if t.strip()][:20],
        defect_code=_text(defect_code, field="defect_code", max_length=40),
        opened_at=now,
        state=TicketState.NEW,
    )
    _participants(ticket, email, *[a.strip() for a in (cc or "").split(",")])
    ticket.policy = policy_for(ticket, policies)
    ticket.save()
    if team is not None and assignee is None:
        from .assignment import ticket_autoassign

        ticket_autoassign(ticket=ticket, now=now)
    TicketTransition.objects.create(
        company=company, ticket=ticket, from_state="", to_state=TicketState.NEW, at=now, user=user
    )
    ticket.first_message = None
    if body or body_html:
        ticket.first_message = TicketMessage.objects.create(
            company=company,
            ticket=ticket,
            kind=MessageKind.INBOUND,
            author=user if channel == Channel.PHONE else None,
            message_id=message_id[:255],
            in_reply_to=in_reply_to[:255],
            references=references,
            from_address=email,
            to=to,
            cc=cc,
            subject=subject,
            body=_text(body, field="body", max_length=BODY_MAX),
            body_html=sanitize_html(body_html),
            at=now,
        )
    if ticket.lot_id and ticket.defect_code:
        from .quality import quality_alert_check

        quality_alert_check(ticket=ticket, now=now)
    return ticket_sla_refresh(ticket=ticket, now=now, policy=ticket.policy)


# --------------------------------------------------------------------------- mail out


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip(">").strip() or "tandem.localhost"


def reply_signature(ticket: Ticket) -> str:
    return salted_hmac(
        "tandem.service.reply-to", f"{ticket.company_id}.{ticket.pk}", algorithm="sha256"
    ).hexdigest()[:16]


def reply_address(ticket: Ticket) -> str:
    """support+t<id>.<signature>@domain: a reply to it threads even without headers."""
    base = (ticket.team.support_address if ticket.team_id else "") or settings.DEFAULT_FROM_EMAIL
    base = base.split("<")[-1].strip(">").strip()
    local, _, domain = base.partition("@")
    local = local.split("+")[0]
    return f"{local}+t{ticket.pk}.{reply_signature(ticket)}@{domain}"


def ticket_from_reply_address(company, address: str) -> Ticket | None:
    """The ticket named by a signed reply-to address; None if unsigned or forged."""
    local = (address or "").partition("@")[0]
    _, plus, tag = local.partition("+")
    if not plus or not tag.startswith("t") or "." not in tag:
        return None
    pk, _, signature = tag[1:].partition(".")
    if not pk.isdigit():
        return None
    ticket = Ticket.objects.filter(company=company, pk=int(pk)).first()
    if ticket is None or not hmac.compare_digest(signature, reply_signature(ticket)):
        return None
    return ticket


def subject_tag(ticket: Ticket) -> str:
    return f"[#{ticket.number}]"


def _deliver(args: dict) -> None:
    try:
        message = EmailMessage(
            subject=args["subject"],
            body=args["body"],
            from_email=args["from"],
            to=args["to"],
            reply_to=[args["reply_to"]],
            headers={
                "Message-ID": args["message_id"],
                "In-Reply-To": args["in_reply_to"],
                "References": args["references"],
                "Auto-Submitted": "no",
            }
            if args["in_reply_to"]
            else {"Message-ID": args["message_id"]},
        )
        message.send()
    except Exception:  # the reply is kept on the ticket; a failed send is logged, not lost
        logger.exception("sending the reply %s failed", args["message_id"])


def _outgoing(ticket: Ticket, message: TicketMessage, user) -> None:
    last_in = (
        TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.INBOUND)
        .exclude(message_id="")
        .order_by("-at", "-pk")
        .first()
    )
    in_reply_to = last_in.message_id if last_in else ""
    references = " ".join(
        filter(None, [(last_in.references if last_in else "").strip(), in_reply_to])
    )
    team_address = (ticket.team.support_address if ticket.team_id else "") or ""
    sender = formataddr((user.get_full_name() if user else "", team_address))
    args = {
        "subject": f"{subject_tag(ticket)} {ticket.subject}"[:250],
        "body": message.body,
        "from": sender if team_address else settings.DEFAULT_FROM_EMAIL,
        "to": [ticket.customer_email],
        "reply_to": reply_address(ticket),
        "message_id": message.message_id,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    TicketMessage.objects.filter(pk=message.pk).update(
        in_reply_to=in_reply_to,
        references=references,
        to=ticket.customer_email,
        from_address=team_address or settings.DEFAULT_FROM_EMAIL,
        subject=args["subject"][:200],
    )
    transaction.on_commit(lambda: _deliver(args))


# --------------------------------------------------------------------------- agent actions


def _save(ticket: Ticket, now: datetime, fields: list[str]) -> Ticket:
    ticket.save(update_fields=[*fields, "updated_at"])
    return ticket_sla_refresh(ticket=ticket, now=now)


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, body: str, user, state: str | None = None, now: datetime | None = None
) -> TicketMessage:
    """A public reply: stops the first-response clock, opens a new ticket (or sets `state`,
    e.g. waiting_customer), and leaves by mail on commit when the customer has an address."""
    now = now or timezone.now()
    body = _text(body, field="body", max_length=BODY_MAX, required=True)
    ticket = locked(ticket)
    if ticket.merged_into_id:
        raise InvalidTransition("The ticket was merged", code="ticket.merged")
    if ticket.state in DONE_STATES:
        raise InvalidTransition(
            "Reopen the ticket before replying", code="ticket.invalid_transition"
        )
    target = state or (TicketState.OPEN if ticket.state == TicketState.NEW else ticket.state)
    if target not in (TicketState.OPEN, TicketState.WAITING_CUSTOMER, TicketState.RESOLVED):
        raise ValidationFailed("state: open, waiting_customer or resolved", field="state")
    domain = _domain_of((ticket.team.support_address if ticket.team_id else "") or "")
    message = TicketMessage.objects.create(
        company_id=ticket.company_id,
        ticket=ticket,
        kind=MessageKind.REPLY,
        author=user,
        message_id=make_msgid(domain=domain),
        body=body,
        at=now,
    )
    fields = ["state", "resolved_at", "closed_at"]
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    _move(ticket, target, user=user, at=now)
    ticket.save(update_fields=[*fields, "updated_at"])
    ticket_sla_refresh(ticket=ticket, now=now, answered=True)
    if ticket.customer_email:
        _outgoing(ticket, message, user)
        if ticket.state == TicketState.RESOLVED:
            from .csat import csat_request

            csat_request(ticket, now)
    message.refresh_from_db()
    return message


@transaction.atomic
def ticket_note(*, ticket: Ticket, body: str, user, now: datetime | None = None) -> TicketMessage:
    """An internal note: never mailed, never stops a clock."""
    now = now or timezone.now()
    body = _text(body, field="body", max_length=BODY_MAX, required=True)
    ticket = locked(ticket)
    return TicketMessage.objects.create(
        company_id=ticket.company_id,
        ticket=ticket,
        kind=MessageKind.NOTE,
        author=user,
        body=body,
        at=now,
    )


_UNSET = object()


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, assignee=_UNSET, team=_UNSET, priority=None, user=None, now=None
) -> Ticket:
    """Set the assignee and/or team (and priority); a new team or priority picks the policy
    again and the clocks are recomputed from the log."""
    now = now or timezone.now()
    ticket = locked(ticket)
    company = ticket.company
    fields = []
    if assignee is not _UNSET:
        _member(company, assignee, field="assignee")
        ticket.assignee = assignee
        fields.append("assignee")
    if team is not _UNSET:
        _same_company(company, team, field="team")
        ticket.team = team
        fields.append("team")
    if priority is not None:
        if priority not in Priority.values:
            raise ValidationFailed(
                "priority: low, normal, high or urgent", code="validation.choice", field="priority"
            )
        ticket.priority = priority
        fields.append("priority")
    if "team" in fields or "priority" in fields:
        ticket.policy = policy_for(ticket)
        fields.append("policy")
    if ticket.state == TicketState.NEW and "assignee" in fields and ticket.assignee_id:
        _move(ticket, TicketState.OPEN, user=user, at=now)
        fields.append("state")
    return _save(ticket, now, fields)


def _state_action(ticket, to_state, *, user, now, note=""):
    now = now or timezone.now()
    ticket = locked(ticket)
    if ticket.merged_into_id:
        raise InvalidTransition("The ticket was merged", code="ticket.merged")
    _move(ticket, to_state, user=user, at=now, note=note)
    return _save(ticket, now, ["state", "resolved_at", "closed_at"])


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, user=None, now=None, note: str = "") -> Ticket:
    """Resolve; the customer gets the rating mail (once per ticket) on commit."""
    from .csat import csat_request

    now = now or timezone.now()
    ticket = _state_action(ticket, TicketState.RESOLVED, user=user, now=now, note=note)
    csat_request(ticket, now)
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, user=None, now=None) -> Ticket:
    return _state_action(ticket, TicketState.CLOSED, user=user, now=now)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, user=None, now=None, note: str = "") -> Ticket:
    return _state_action(ticket, TicketState.OPEN, user=user, now=now, note=note)


@transaction.atomic
def ticket_set_state(*, ticket: Ticket, state: str, user=None, now=None) -> Ticket:
    if state not in TicketState.values:
        raise ValidationFailed("state: unknown", code="validation.choice", field="state")
    return _state_action(ticket, state, user=user, now=now)


@transaction.atomic
def ticket_merge(*, ticket: Ticket, into: Ticket, user=None, now=None) -> Ticket:
    """Move `ticket`'s messages to `into` and close `ticket` as merged; `into` keeps its own
    clocks and log, and gains the participants."""
    now = now or timezone.now()
    if ticket.pk == into.pk:
        raise ValidationFailed("into: a ticket cannot merge into itself", field="into")
    _same_company(ticket.company, into, field="into")
    first, second = sorted([ticket, into], key=lambda t: t.pk)
    locked(first), locked(second)  # primary-key order: no deadlock between two merges
    source, target = locked(ticket), locked(into)
    if source.merged_into_id or target.merged_into_id:
        raise InvalidTransition("A merged ticket cannot merge again", code="ticket.merged")
    TicketMessage.objects.filter(ticket=source).update(ticket=target)
    _participants(target, *(source.participants or []))
    target.save(update_fields=["participants", "updated_at"])
    TicketMessage.objects.create(
        company_id=target.company_id,
        ticket=target,
        kind=MessageKind.NOTE,
        author=user,
        body=f"Merged from {source.number}",
        at=now,
    )
    if source.state != TicketState.CLOSED:
        if TicketState.RESOLVED in TICKET_TRANSITIONS[source.state]:
            _move(source, TicketState.RESOLVED, user=user, at=now, note=f"merged {target.number}")
        _move(source, TicketState.CLOSED, user=user, at=now, note=f"merged into {target.number}")
    source.merged_into = target
    source.save(update_fields=["state", "resolved_at", "closed_at", "merged_into", "updated_at"])
    ticket_sla_refresh(ticket=source, now=now)
    return ticket_sla_refresh(ticket=target, now=now)


@transaction.atomic
def ticket_inbound(
    *,
    ticket: Ticket,
    body: str,
    from_address: str,
    now: datetime | None = None,
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    subject: str = "",
    to: str = "",
    cc: str = "",
    body_html: str = "",
) -> tuple[Ticket, TicketMessage]:
    """A customer's message on an existing ticket: waiting -> open; a ticket resolved within
    REOPEN_DAYS reopens; an older or closed one gets a follow-up ticket instead."""
    now = now or timezone.now()
    ticket = locked(ticket)
    while ticket.merged_into_id:
        ticket = locked(ticket.merged_into)
    if ticket.state in DONE_STATES and not (
        ticket.state == TicketState.RESOLVED
        and ticket.resolved_at
        and ticket.resolved_at >= now - timedelta(days=REOPEN_DAYS)
    ):
        follow = ticket_create(
            company=ticket.company,
            subject=subject or ticket.subject,
            channel=ticket.channel,
            priority=ticket.priority,
            party=ticket.party,
            contact=ticket.contact,
            customer_email=ticket.customer_email or from_address,
            team=ticket.team,
            product=ticket.product,
            lot=ticket.lot,
            now=now,
        )
        follow.participants = list(ticket.participants or [])
        ticket = follow
    message = TicketMessage.objects.create(
        company_id=ticket.company_id,
        ticket=ticket,
        kind=MessageKind.INBOUND,
        message_id=message_id[:255],
        in_reply_to=in_reply_to[:255],
        references=references,
        from_address=(from_address or "")[:254],
        to=to,
        cc=cc,
        subject=subject[:200],
        body=(body or "")[:BODY_MAX],
        body_html=sanitize_html(body_html),
        at=now,
    )
    _participants(ticket, from_address, *[a.strip() for a in (cc or "").split(",")])
    fields = ["participants", "state", "resolved_at", "closed_at"]
    if ticket.first_response_at is not None and ticket.next_response_since is None:
        ticket.next_response_since = now  # the next-response clock starts
        fields.append("next_response_since")
    if ticket.state in (TicketState.WAITING_CUSTOMER, TicketState.RESOLVED):
        _move(ticket, TicketState.OPEN, user=None, at=now, note="customer reply")
    _save(ticket, now, fields)
    return ticket, message
