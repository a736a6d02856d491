"""Email in and out of the CRM: an inbound message becomes an Interaction on the right
record; an outbound one is sent after commit and logged with its Message-ID so that the
reply threads back."""

from __future__ import annotations

import logging
import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.parties.models import Contact, Party

from ..mail import ParsedMail, parse_message
from ..models import (
    Direction,
    Interaction,
    InteractionKind,
    Lead,
    LeadState,
    Opportunity,
    OpportunityState,
    Source,
)
from .activities import interaction_log
from .leads import lead_create

logger = logging.getLogger(__name__)


@dataclass
class MailInResult:
    status: str  # logged | duplicate | claimed
    interaction: Interaction | None
    matched_by: str  # thread | contact | party | lead | new_lead
    party: Party | None = None
    lead: Lead | None = None
    opportunity: Opportunity | None = None


def _only_open_opportunity(party: Party) -> Opportunity | None:
    found = list(
        Opportunity.objects.filter(party=party, state=OpportunityState.OPEN).order_by("pk")[:2]
    )
    return found[0] if len(found) == 1 else None


def _match(
    company: Company, mail: ParsedMail
) -> tuple[str, Party | None, Lead | None, Opportunity | None]:
    """Threading first, then the sender's address (contact person, party, lead)."""
    if mail.thread_ids:
        earlier = {
            i.message_id: i
            for i in Interaction.objects.filter(company=company, message_id__in=mail.thread_ids)
        }
        for thread_id in mail.thread_ids:
            if thread_id in earlier:
                i = earlier[thread_id]
                return "thread", i.party, i.lead, i.opportunity
    address = mail.from_address
    if address:
        contact = (
            Contact.objects.filter(company=company, email__iexact=address)
            .select_related("party")
            .order_by("pk")
            .first()
        )
        if contact is not None:
            return "contact", contact.party, None, _only_open_opportunity(contact.party)
        party = (
            Party.objects.filter(company=company, email__iexact=address)
            .order_by("-active", "pk")
            .first()
        )
        if party is not None:
            return "party", party, None, _only_open_opportunity(party)
        lead = (
            Lead.objects.filter(company=company, email__iexact=address)
            .exclude(state=LeadState.DISQUALIFIED)
            .order_by("-created_at", "-pk")
            .first()
        )
        if lead is not None:
            return "lead", None, lead, None
    return "new_lead", None, None, None


# Apps that own some inbound mail claim it before the CRM logs it: marketing takes bounce
# reports to its VERP return path, service takes mail to a support address or threaded to a
# ticket. A claimer is called as `claimer(company=, mail=ParsedMail, raw=bytes, now=)` and
# returns None to pass, or a short string naming what it did (e.g. "bounce", "ticket").
_claimers: list[Callable] = []


def mail_in_claimer(claimer: Callable) -> Callable:
    """Register an inbound-mail claimer (from an AppConfig.ready); usable as a decorator."""
    if claimer not in _claimers:
        _claimers.append(claimer)
    return claimer


def mail_in(*, company: Company, raw: bytes | str, now: datetime | None = None) -> MailInResult:
    """Log one inbound message as an email Interaction (direction in); a Message-ID seen
    before is ignored (`duplicate`). An unknown sender becomes a new lead (source email).
    A message that another app claims (see `mail_in_claimer`) is that app's alone."""
    now = now or timezone.now()
    mail = parse_message(raw)
    raw_bytes = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    for claimer in list(_claimers):
        claimed = claimer(company=company, mail=mail, raw=raw_bytes, now=now)
        if claimed is not None:
            return MailInResult("claimed", None, str(claimed))
    existing = Interaction.objects.filter(company=company, message_id=mail.message_id).first()
    if existing is not None:
        return MailInResult("duplicate", existing, "thread")
    try:
        with transaction.atomic():
            matched_by, party, lead, opportunity = _match(company, mail)
            if matched_by == "new_lead":
                lead = lead_create(
                    company=company,
                    name=mail.subject or mail.from_name or mail.from_address or _("Email"),
                    contact_name=mail.from_name or mail.from_address or _("Unknown sender"),
                    email=mail.from_address if _valid(mail.from_address) else "",
                    source=Source.EMAIL,
                )
            occurred_at = mail.date if mail.date is not None and mail.date <= now else now
            interaction = interaction_log(
                company=company,
                kind=InteractionKind.EMAIL,
                direction=Direction.IN,
                occurred_at=occurred_at,
                subject=mail.subject,
                body=mail.body,
                party=party,
                lead=lead,
                opportunity=opportunity,
                message_id=mail.message_id,
                now=now,
            )
            Interaction.objects.filter(pk=interaction.pk).update(
                in_reply_to=mail.in_reply_to,
                email_from=mail.from_address,
                email_to=mail.to,
            )
            interaction.in_reply_to = mail.in_reply_to
            interaction.email_from, interaction.email_to = mail.from_address, mail.to
    except IntegrityError:
        # the same message arrived twice at once: the other one logged it
        existing = Interaction.objects.filter(company=company, message_id=mail.message_id).first()
        if existing is None:
            raise
        return MailInResult("duplicate", existing, "thread")
    return MailInResult(
        "logged",
        interaction,
        matched_by,
        party=interaction.party,
        lead=interaction.lead,
        opportunity=interaction.opportunity,
    )


def mail_in_maildir(*, company: Company, path: str) -> dict:
    """Log the new messages of a Maildir, then file each one under cur/ as seen; a message
    that fails stays new (and is counted) so the next run tries it again."""
    box = mailbox.Maildir(path, factory=None, create=False)
    counts = {"logged": 0, "duplicate": 0, "claimed": 0, "failed": 0}
    for key in sorted(box.iterkeys()):
        message = box.get_message(key)
        if message.get_subdir() != "new":
            continue
        try:
            result = mail_in(company=company, raw=box.get_bytes(key))
        except Exception:
            logger.exception("mail-in: message %s failed", key)
            counts["failed"] += 1
            continue
        counts[result.status] += 1
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
    return counts


# -- outbound --------------------------------------------------------------------------------


def _valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _recipients(to, *, field: str = "to") -> list[str]:
    items = [to] if isinstance(to, str) else list(to or [])
    found = [a.strip() for item in items for a in str(item).replace(";", ",").split(",")]
    found = list(dict.fromkeys(a for a in found if a))
    if not found or len(found) > 20 or not all(_valid(a) for a in found):
        raise ValidationFailed(
            _("Enter one or more valid email addresses."), code="validation.email", field=field
        )
    return found


def _deliver(
    message_id: str,
    subject: str,
    body: str,
    to: list[str],
    reply_to: list[str],
    cc: list[str] = (),
    attachments: list[tuple[str, bytes, str]] = (),
):
    message = EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        to,
        cc=list(cc) or None,
        reply_to=reply_to or None,
        headers={"Message-ID": message_id},
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    try:
        message.send()
    except Exception:  # logged as sent; the failure is for the operator's log
        logger.exception("sending email %s failed", message_id)


@transaction.atomic
def email_send(
    *,
    company: Company,
    to,
    subject: str,
    body: str,
    record,
    user,
    cc=None,
    attachments: list[tuple[str, bytes, str]] = (),
) -> Interaction:
    """Log an outbound email on `record` (a lead, an opportunity or a party) and send it once
    the transaction commits, with a generated Message-ID kept on the Interaction.

    `attachments` are (file name, content, MIME type); `cc` takes the same forms as `to`.
    """
    recipients = _recipients(to)
    copies = _recipients(cc, field="cc") if cc else []
    if not (subject or "").strip():
        raise ValidationFailed(_("Enter a subject."), code="validation.required", field="subject")
    links = {"party": None, "lead": None, "opportunity": None}
    if isinstance(record, Lead):
        links["lead"] = record
    elif isinstance(record, Opportunity):
        links["opportunity"] = record
    elif isinstance(record, Party):
        links["party"] = record
    else:
        raise ValidationFailed(_("Choose what the email is about."), field="record")
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "tandem.localhost"
    message_id = make_msgid(domain=domain)
    interaction = interaction_log(
        company=company,
        kind=InteractionKind.EMAIL,
        direction=Direction.OUT,
        subject=subject,
        body=body,
        user=user,
        message_id=message_id,
        **links,
    )
    sender = user.get_full_name() if user is not None else ""
    Interaction.objects.filter(pk=interaction.pk).update(
        email_from=formataddr((sender, settings.DEFAULT_FROM_EMAIL)),
        email_to=", ".join(recipients + copies)[:1000],
    )
    reply_to = [user.email] if user is not None and getattr(user, "email", "") else []
    args = (message_id, interaction.subject, interaction.body, recipients, reply_to, copies)
    transaction.on_commit(lambda: _deliver(*args, attachments=list(attachments)))
    interaction.refresh_from_db()
    return interaction
