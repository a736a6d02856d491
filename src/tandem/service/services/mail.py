"""Inbound mail to tickets: the claimer registered with the CRM's mail-in.

A message is the service app's when it threads to a ticket or is addressed to a team's
support address. Threading, in order: In-Reply-To, then References (nearest first), then a
signed reply-to address (support+t<id>.<signature>@...); a subject tag [#T2026-00001] alone
threads only when the sender already took part in that ticket (otherwise anyone could append
mail to another customer's ticket). Auto-replies never open a ticket or trigger an answer;
what cannot become a message as it is goes to quarantine whole, with its reason.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses

from django.db import transaction

from tandem.parties.models import Contact, Party

from ..models import (
    Channel,
    QuarantinedMail,
    ServiceTeam,
    SlaPolicy,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from .tickets import ticket_create, ticket_from_reply_address, ticket_inbound

ATTACHMENT_MAX = 10 * 1024 * 1024  # bytes per attachment kept on a ticket
TAG_RE = re.compile(r"\[#(T\d{4}-\d+)\]")
AUTO_PRECEDENCE = {"bulk", "auto_reply", "list", "junk"}


def _addresses(*values: str) -> list[str]:
    return [a.strip().lower() for _, a in getaddresses([v for v in values if v]) if "@" in a]


def raw_headers(msg) -> dict[str, str]:
    """The top-level headers as unparsed strings, first occurrence, names lower-cased (the
    default policy's parsed headers cost ~0.2 ms each; these need no parsing)."""
    out: dict[str, str] = {}
    if msg is None:
        return out
    for name, value in msg.raw_items():
        out.setdefault(name.lower(), " ".join(str(value).split()))
    return out


def is_auto_reply(msg, headers: dict | None = None) -> bool:
    headers = raw_headers(msg) if headers is None else headers
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return True
    if headers.get("precedence", "").strip().lower() in AUTO_PRECEDENCE:
        return True
    return any(h in headers for h in ("x-auto-response-suppress", "x-autoreply", "x-autorespond"))


INTAKE_TTL = 60.0  # seconds a mail-intake run reuses the teams and policies it read
_GENERATION = [0]


def service_config_changed() -> None:
    """Called by the services that edit teams or SLA policies: this process's intake caches
    read them again (another process's within INTAKE_TTL)."""
    _GENERATION[0] += 1


def intake_cache(company) -> dict:
    """The active teams by support address and the active SLA policies of `company`, kept on
    the company instance for one intake run (the Maildir loop passes the same instance)."""
    cache = getattr(company, "_service_intake", None)
    if (
        cache is None
        or cache["generation"] != _GENERATION[0]
        or time.monotonic() - cache["at"] > INTAKE_TTL
    ):
        teams = (
            ServiceTeam.objects.filter(company=company, active=True)
            .exclude(support_address="")
            .select_related("calendar")
        )
        cache = {
            "generation": _GENERATION[0],
            "at": time.monotonic(),
            "teams": {t.support_address.lower(): t for t in teams},
            "policies": list(
                SlaPolicy.objects.filter(company=company, active=True)
                .select_related("calendar", "team__calendar")
                .order_by("pk")
            ),
        }
        company._service_intake = cache
    return cache


def _support_teams(company, addresses: list[str]) -> tuple[ServiceTeam | None, Ticket | None]:
    """The team whose support address (or its plus form) is among `addresses`, and the
    ticket of a valid signed reply-to address."""
    teams = intake_cache(company)["teams"]
    team = ticket = None
    for address in addresses:
        local, _, domain = address.partition("@")
        base = f"{local.split('+')[0]}@{domain}"
        if base in teams:
            team = team or teams[base]
            if "+" in local and ticket is None:
                ticket = ticket_from_reply_address(company, address)
    return team, ticket


def _thread(company, mail, msg, addresses) -> tuple[Ticket | None, ServiceTeam | None, str]:
    ids = mail.thread_ids
    if ids:
        known = {
            m.message_id: m.ticket
            for m in TicketMessage.objects.filter(company=company, message_id__in=ids)
            # the partial unique index's own condition, so SQLite can use it (without it,
            # a scan of every message: 0.3 s a lookup at 500,000 messages)
            .exclude(message_id="")
            .select_related("ticket")
        }
        if mail.in_reply_to in known:
            return known[mail.in_reply_to], None, "in_reply_to"
        for ref in mail.references[::-1]:
            if ref in known:
                return known[ref], None, "references"
    team, signed = _support_teams(company, addresses)
    if signed is not None:
        return signed, team, "reply_address"
    tag = TAG_RE.search(mail.subject or "")
    if tag:
        tagged = Ticket.objects.filter(company=company, number=tag.group(1)).first()
        if tagged is not None and mail.from_address in (tagged.participants or []):
            return tagged, team, "subject_tag"
    return None, team, ""


def _quarantine(company, *, reason, detail, mail, raw, now, ticket=None) -> str:
    QuarantinedMail.objects.create(
        company=company,
        reason=reason,
        detail=detail[:500],
        message_id=(mail.message_id if mail else "")[:255],
        from_address=(mail.from_address if mail else "")[:254],
        subject=(mail.subject if mail else "")[:200],
        raw=raw,
        ticket=ticket,
        received_at=now,
    )
    return f"quarantine:{reason}"


def _attachments(msg) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    kept, dropped = [], []
    try:
        parts = list(msg.iter_attachments()) if msg.is_multipart() else []
    except (KeyError, ValueError, AttributeError, TypeError):
        parts = []
    for part in parts:
        try:
            data = part.get_payload(decode=True) or b""
        except (ValueError, TypeError, AssertionError):
            continue
        name = (part.get_filename() or "attachment")[:255]
        if len(data) > ATTACHMENT_MAX:
            dropped.append(f"{name} ({len(data)} bytes)")
        else:
            kept.append((name, part.get_content_type()[:100], data))
    return kept, dropped


STRUCTURAL = {
    "NoBoundaryInMultipartDefect",
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
}


def _structural_defects(msg) -> list[str]:
    """Names of the MIME structure defects of the message and its parts ("unreadable" when
    the parser gave up)."""
    if msg is None:
        return ["unreadable"]
    found = []
    for part in msg.walk():
        found += [type(d).__name__ for d in part.defects if type(d).__name__ in STRUCTURAL]
    return list(dict.fromkeys(found))


def _html(msg) -> str:
    try:
        part = msg.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""
    except (KeyError, ValueError, AttributeError, LookupError, UnicodeError):
        return ""


def service_mail_claim(*, company, mail, raw: bytes, now: datetime) -> str | None:
    """The mail-in claimer: None leaves the message to the CRM."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        headers = raw_headers(msg)
        to = headers.get("to", "")
        cc = headers.get("cc", "")
        delivered = headers.get("delivered-to", "")
    except Exception:  # noqa: BLE001  a header the parser cannot read at all
        msg, headers, to, cc, delivered = None, {}, mail.to, "", ""
    addresses = _addresses(to, cc, delivered)
    if (
        mail.message_id
        and TicketMessage.objects.filter(company=company, message_id=mail.message_id)
        .exclude(message_id="")  # the partial unique index's condition: SQLite then uses it
        .exists()
    ):
        return "duplicate"
    with transaction.atomic():
        ticket, team, how = _thread(company, mail, msg, addresses)
        if ticket is None and team is None:
            return None  # not for service
        broken = _structural_defects(msg)
        if broken:
            detail = ", ".join(broken)
            return _quarantine(
                company,
                reason="malformed",
                detail=detail,
                mail=mail,
                raw=raw,
                now=now,
                ticket=ticket,
            )
        if not mail.from_address:
            return _quarantine(
                company,
                reason="no_sender",
                detail="no From address",
                mail=mail,
                raw=raw,
                now=now,
                ticket=ticket,
            )
        if is_auto_reply(msg, headers):
            return _quarantine(
                company,
                reason="auto_reply",
                detail="automatic reply: no ticket, no answer",
                mail=mail,
                raw=raw,
                now=now,
                ticket=ticket,
            )
        kept, dropped = _attachments(msg)
        body = mail.body
        if dropped:
            body += "\n\n[" + "; ".join(f"attachment held back: {d}" for d in dropped) + "]"
        if ticket is not None:
            ticket, message = ticket_inbound(
                ticket=ticket,
                body=body,
                from_address=mail.from_address,
                now=now,
                message_id=mail.message_id,
                in_reply_to=mail.in_reply_to,
                references=" ".join(mail.references),
                subject=mail.subject,
                to=to[:1000],
                cc=cc[:1000],
                body_html=_html(msg),
            )
            result = f"ticket:{how}"
        else:
            contact = (
                Contact.objects.filter(company=company, email__iexact=mail.from_address)
                .select_related("party")
                .order_by("pk")
                .first()
            )
            party = (
                contact.party
                if contact
                else Party.objects.filter(company=company, email__iexact=mail.from_address)
                .order_by("pk")
                .first()
            )
            ticket = ticket_create(
                company=company,
                subject=mail.subject or mail.from_address,
                channel=Channel.EMAIL,
                party=party,
                contact=contact,
                customer_email=mail.from_address,
                team=team,
                body=body,
                body_html=_html(msg),
                now=now,
                message_id=mail.message_id,
                in_reply_to=mail.in_reply_to,
                references=" ".join(mail.references),
                to=to[:1000],
                cc=cc[:1000],
                policies=intake_cache(company)["policies"],
            )
            message = ticket.first_message
            result = "ticket:new"
        TicketAttachment.objects.bulk_create(
            TicketAttachment(
                company=company,
                message=message,
                filename=name,
                content_type=ctype,
                size=len(data),
                data=data,
            )
            for name, ctype, data in kept
        )
        if dropped:
            _quarantine(
                company,
                reason="attachment_too_large",
                detail="; ".join(dropped),
                mail=mail,
                raw=raw,
                now=now,
                ticket=ticket,
            )
        return result
