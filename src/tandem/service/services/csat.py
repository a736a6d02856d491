"""Customer satisfaction: on resolve, a mail with five signed one-click rating links (no
login) and an optional comment page; one answer per ticket; a bad rating (1 or 2) reopens the
ticket or alerts the team lead as the team says. A tampered, foreign or reused token only ever
gets a neutral page."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ..models import DONE_STATES, BadRatingAction, CsatResponse, Ticket

logger = logging.getLogger(__name__)

SALT = "tandem.service.csat"
MAX_AGE = 60 * 60 * 24 * 90  # a rating link works for 90 days
BAD = 2  # ratings at or below this are bad


def csat_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "c": ticket.company_id}, salt=SALT, compress=True)


def ticket_for_token(token: str) -> Ticket | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return Ticket.objects.filter(pk=data.get("t"), company_id=data.get("c")).first()


def rating_urls(ticket: Ticket) -> list[str]:
    token = csat_token(ticket)
    return [
        settings.BASE_URL + reverse("service:portal:rate", args=[token, n]) for n in range(1, 6)
    ]


def csat_request(ticket: Ticket, now: datetime) -> bool:
    """Queue the rating mail of a just-resolved ticket (once per ticket, on commit)."""
    if not ticket.customer_email or ticket.csat_sent_at is not None or ticket.merged_into_id:
        return False
    if CsatResponse.objects.filter(ticket=ticket).exists():
        return False
    ticket.csat_sent_at = now
    Ticket.objects.filter(pk=ticket.pk).update(csat_sent_at=now)
    urls = rating_urls(ticket)
    subject = f"[#{ticket.number}] How did we do? / 您对本次服务满意吗？"
    lines = [
        f"{ticket.number} {ticket.subject}",
        "",
        "Please rate our help with one click (1 = poor, 5 = excellent):",
        "请点击评分（1 = 很差，5 = 很好）：",
        "",
        *[f"{n}: {url}" for n, url in enumerate(urls, start=1)],
    ]
    address = ticket.customer_email
    sender = (ticket.team.support_address if ticket.team_id else "") or settings.DEFAULT_FROM_EMAIL

    def send():
        try:
            send_mail(subject, "\n".join(lines), sender, [address])
        except Exception:  # noqa: BLE001  logged; the ticket stays resolved
            logger.exception("the rating request for %s failed", ticket.number)

    transaction.on_commit(send)
    return True


def _alert(ticket: Ticket, rating: int) -> None:
    lead = ticket.team.lead if ticket.team_id else None
    if lead is None or not lead.email:
        return
    subject = f"[{ticket.number}] rated {rating}/5: {ticket.subject}"[:200]
    address = lead.email
    transaction.on_commit(
        lambda: send_mail(subject, subject, settings.DEFAULT_FROM_EMAIL, [address], True)
    )


def csat_answer(
    *, token: str, rating: int, now: datetime | None = None
) -> tuple[str, Ticket | None]:
    """Record a rating from the signed link. Returns ("recorded", ticket), ("already",
    ticket) when this ticket was rated before, ("invalid", None) for a bad token or
    rating; nothing is written unless recorded."""
    now = now or timezone.now()
    ticket = ticket_for_token(token)
    if ticket is None or not isinstance(rating, int) or not 1 <= rating <= 5:
        return "invalid", None
    try:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("team__lead")
                .get(pk=ticket.pk)
            )
            if CsatResponse.objects.filter(ticket=ticket).exists():
                return "already", ticket
            CsatResponse.objects.create(
                company_id=ticket.company_id, ticket=ticket, rating=rating, answered_at=now
            )
            Ticket.objects.filter(pk=ticket.pk).update(rating=rating)
            ticket.rating = rating
            if rating <= BAD and ticket.team_id:
                action = ticket.team.bad_rating
                if action == BadRatingAction.REOPEN and ticket.state in DONE_STATES:
                    from .tickets import ticket_reopen

                    ticket = ticket_reopen(ticket=ticket, now=now, note=f"rated {rating}/5")
                elif action == BadRatingAction.ALERT:
                    _alert(ticket, rating)
    except IntegrityError:  # a double click racing itself: the first one counts
        return "already", ticket
    return "recorded", ticket


@transaction.atomic
def csat_comment(*, token: str, comment: str) -> str:
    """The optional comment after a rating: once, at most 2,000 characters."""
    ticket = ticket_for_token(token)
    if ticket is None:
        return "invalid"
    comment = (comment or "").replace("\x00", "").strip()[:2000]
    if not comment:
        return "empty"
    updated = CsatResponse.objects.filter(ticket=ticket, comment="").update(comment=comment)
    return "recorded" if updated else "already"
