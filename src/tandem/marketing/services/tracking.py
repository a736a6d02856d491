"""What recipients do: one-click unsubscribe, opens (human or machine), clicks, the
preference page, and bounces coming back through mail-in."""

from __future__ import annotations

import email
import logging
import re
from datetime import timedelta
from email import policy

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..errors import TokenInvalid
from ..models import (
    Campaign,
    CampaignLink,
    CampaignRecipient,
    CampaignTouch,
    ConsentState,
    Privacy,
    SuppressionReason,
    TouchKind,
    TraceState,
)
from ..tokens import token_read, token_read_int
from .consent import consent_record, consents_current, suppression_add
from .leads import lead_from_click

logger = logging.getLogger("tandem.marketing")

# Mail-privacy proxies and link scanners fetch images and links without a person: Apple Mail
# Privacy Protection, Gmail's image proxy, Yahoo's, and the security gateways' URL checkers.
MACHINE_AGENTS = re.compile(
    r"GoogleImageProxy|ggpht\.com|YahooMailProxy|Barracuda|Mimecast|Proofpoint|"
    r"Symantec|MessageLabs|SafeLinks|Microsoft Office Protection|Forcepoint|Trend ?Micro|"
    r"bot\b|crawler|spider|curl/|python-requests|Go-http-client|HeadlessChrome",
    re.IGNORECASE,
)
# Apple MPP fetches as a bare "Mozilla/5.0" without a platform; a person's client says more
BARE_AGENT = re.compile(r"^Mozilla/5\.0\s*$")
MACHINE_SECONDS = 10  # an open or click this soon after the send is a machine's


def is_machine(user_agent: str, *, sent_at=None, now=None) -> bool:
    agent = (user_agent or "").strip()
    if not agent or MACHINE_AGENTS.search(agent) or BARE_AGENT.match(agent):
        return True
    recent = timedelta(seconds=MACHINE_SECONDS)
    return sent_at is not None and now is not None and now - sent_at < recent


def _trace(trace_id: int) -> CampaignRecipient:
    trace = (
        CampaignRecipient.objects.select_related("campaign", "party", "company")
        .filter(pk=trace_id)
        .first()
    )
    if trace is None:
        raise TokenInvalid("bad token", code="token.invalid")
    return trace


@transaction.atomic
def unsubscribe(
    *, token: str, ip: str | None = None, user_agent: str = "", now=None, source: str = "one_click"
) -> CampaignRecipient:
    """Withdraw the recipient's consent for the campaign's purpose, at once. Idempotent: a
    second call (a retried POST, the mailto after the click) adds nothing."""
    now = now or timezone.now()
    trace = _trace(token_read_int("unsubscribe", token))
    locked = CampaignRecipient.objects.select_for_update().get(pk=trace.pk)
    if locked.unsubscribed_at is not None:
        return locked
    locked.unsubscribed_at = now
    locked.save(update_fields=["unsubscribed_at", "updated_at"])
    consent_record(
        company=trace.company,
        party=trace.party,
        state=ConsentState.WITHDRAWN,
        purpose=trace.campaign.purpose,
        email=trace.email,
        source=source,
        ip=ip,
        user_agent=user_agent,
        at=now,
    )
    return locked


def open_record(*, token: str, user_agent: str = "", now=None) -> None:
    """An open pixel fetched: the first human open is dated; machine opens are counted apart.
    A tampered token raises TokenInvalid (the view answers the same pixel anyway)."""
    now = now or timezone.now()
    who = token_read("open", token)
    if who.startswith("c") and who[1:].isdigit():  # anonymous campaign: a total only
        Campaign.objects.filter(pk=int(who[1:]), privacy=Privacy.ANONYMOUS).update(
            anonymous_opens=F("anonymous_opens") + 1
        )
        return
    if not (who.startswith("t") and who[1:].isdigit()):
        raise TokenInvalid("bad token", code="token.invalid")
    trace = CampaignRecipient.objects.filter(pk=int(who[1:])).first()
    if trace is None:
        return
    if is_machine(user_agent, sent_at=trace.sent_at, now=now):
        CampaignRecipient.objects.filter(pk=trace.pk).update(machine_opens=F("machine_opens") + 1)
        return
    with transaction.atomic():
        CampaignRecipient.objects.filter(pk=trace.pk, human_open=False).update(
            human_open=True, opened_at=now
        )
        _touch(trace, TouchKind.OPEN, now)


def _touch(trace: CampaignRecipient, kind: str, at) -> CampaignTouch:
    return CampaignTouch.objects.create(
        company_id=trace.company_id,
        campaign_id=trace.campaign_id,
        recipient_id=trace.pk,
        party_id=trace.party_id,
        kind=kind,
        at=at,
    )


def click_record(*, token: str, user_agent: str = "", now=None) -> str:
    """The URL a click token names (only a link stored for that campaign), recording the
    click; the caller appends the UTM parameters. TokenInvalid for anything else."""
    now = now or timezone.now()
    value = token_read("click", token)
    who, _sep, link_id = value.partition("-")
    if not (who.isdigit() and link_id.isdigit()):
        raise TokenInvalid("bad token", code="token.invalid")
    link = CampaignLink.objects.select_related("campaign").filter(pk=int(link_id)).first()
    if link is None:
        raise TokenInvalid("bad token", code="token.invalid")
    trace = None
    if who != "0":
        trace = CampaignRecipient.objects.filter(pk=int(who), campaign_id=link.campaign_id).first()
        if trace is None:  # a link of another campaign: no redirect
            raise TokenInvalid("bad token", code="token.invalid")
    with transaction.atomic():
        CampaignLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
        if trace is not None and not is_machine(user_agent, sent_at=trace.sent_at, now=now):
            first = CampaignRecipient.objects.filter(pk=trace.pk, clicked_at__isnull=True).update(
                clicked_at=now
            )
            # a click counts as an open
            CampaignRecipient.objects.filter(pk=trace.pk, human_open=False).update(
                human_open=True, opened_at=now
            )
            _touch(trace, TouchKind.CLICK, now)
            if first:  # the recipient's first click of this email: a lead (once per trace)
                lead_from_click(trace=trace, campaign=link.campaign, url=link.url, now=now)
    return link.url, link.campaign


# -- the preference page -----------------------------------------------------------------


def preferences_of(*, party) -> list[dict]:
    """Every purpose the company mails about, with the party's current state."""
    purposes = set(
        Campaign.objects.filter(company_id=party.company_id).values_list("purpose", flat=True)
    )
    current = {c.purpose: c.state for c in consents_current(party=party).filter(channel="email")}
    purposes |= set(current)
    return [
        {"purpose": p, "granted": current.get(p) == ConsentState.GRANTED} for p in sorted(purposes)
    ]


@transaction.atomic
def preferences_save(*, party, wanted: set[str], everything_off: bool, ip=None, user_agent=""):
    """Append a row for each purpose whose state changes; `everything_off` also suppresses
    the address for all marketing email."""
    for row in preferences_of(party=party):
        want = row["purpose"] in wanted and not everything_off
        if want != row["granted"]:
            consent_record(
                company=party.company,
                party=party,
                state=ConsentState.GRANTED if want else ConsentState.WITHDRAWN,
                purpose=row["purpose"],
                source="preference_page",
                ip=ip,
                user_agent=user_agent,
            )
    if everything_off and party.email:
        suppression_add(
            company=party.company,
            address=party.email,
            reason=SuppressionReason.UNSUBSCRIBED,
            note="preference page",
        )


# -- bounces -----------------------------------------------------------------------------

VERP_RE = re.compile(rb"bounce\+([0-9]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)@", re.IGNORECASE)
UNSUB_RE = re.compile(rb"unsubscribe\+([0-9]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)@", re.IGNORECASE)
STATUS_RE = re.compile(r"^\s*Status:\s*([245])\.\d{1,3}\.\d{1,3}", re.IGNORECASE | re.MULTILINE)
ACTION_RE = re.compile(r"^\s*Action:\s*(\w+)", re.IGNORECASE | re.MULTILINE)
MSGID_RE = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


def _soft_limit() -> int:
    return int(getattr(settings, "MARKETING_SOFT_BOUNCE_LIMIT", 3))


def _dsn(raw: bytes) -> tuple[str | None, str | None]:
    """(kind hard|soft|None, original Message-ID) from an RFC 3464 report."""
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception:  # noqa: BLE001  (a mangled message is simply not a DSN)
        return None, None
    if msg.get_content_type() != "multipart/report":
        return None, None
    kind, original = None, None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            text = "\n".join(
                str(sub) for sub in (part.get_payload() or []) if not isinstance(sub, str)
            ) or str(part.get_payload())
            status = STATUS_RE.search(text)
            action = ACTION_RE.search(text)
            if status and status.group(1) == "5":
                kind = "hard"
            elif status and status.group(1) == "4":
                kind = "soft"
            elif action and action.group(1).lower() == "failed":
                kind = "hard"
            elif action and action.group(1).lower() == "delayed":
                kind = "soft"
        elif ctype in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list):
                text = str(payload[0]) if payload else ""
            else:
                text = payload if isinstance(payload, str) else ""
            found = MSGID_RE.search(text)
            if found:
                original = found.group(1)
    return kind, original


def bounce_record(*, trace: CampaignRecipient, kind: str, now=None) -> CampaignRecipient:
    """A sent trace bounced: hard suppresses the address now, soft after the limit."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CampaignRecipient.objects.select_for_update().get(pk=trace.pk)
        if locked.bounced_at is None:
            locked.state = TraceState.BOUNCED
            locked.bounced_at = now
            locked.bounce_kind = kind
            locked.save(update_fields=["state", "bounced_at", "bounce_kind", "updated_at"])
        if kind == "hard":
            suppression_add(
                company=locked.company,
                address=locked.email,
                reason=SuppressionReason.HARD_BOUNCE,
                at=now,
            )
        else:
            soft = CampaignRecipient.objects.filter(
                company_id=locked.company_id, email=locked.email, bounce_kind="soft"
            ).count()
            if soft >= _soft_limit():
                suppression_add(
                    company=locked.company,
                    address=locked.email,
                    reason=SuppressionReason.SOFT_BOUNCE,
                    at=now,
                )
    return locked


def bounce_claimer(*, company, mail, raw: bytes, now=None):
    """A mail-in claimer: a DSN or a message to a VERP address is a bounce ("bounce"); a
    message to an unsubscribe+ address unsubscribes ("unsubscribe"); else None."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    unsub = UNSUB_RE.search(head)
    if unsub:
        try:
            unsubscribe(token=unsub.group(1).decode(), source="mailto", now=now)
        except TokenInvalid:
            logger.info("unsubscribe mail with a bad token ignored")
        return "unsubscribe"
    verp = VERP_RE.search(head)
    kind, original = _dsn(raw)
    if verp is None and kind is None and original is None:
        return None
    trace = None
    if verp is not None:
        try:
            trace_id = token_read_int("verp", verp.group(1).decode())
            trace = CampaignRecipient.objects.filter(pk=trace_id, company=company).first()
        except TokenInvalid:
            trace = None
    if trace is None and original:
        trace = CampaignRecipient.objects.filter(company=company, message_id=original).first()
    if trace is None:
        logger.info("bounce for an unknown message ignored (%s)", original or "no message id")
        return "bounce"
    auto = (mail_header(raw, "Auto-Submitted") or "").lower()
    if kind is None and auto.startswith("auto-replied"):
        return "auto_reply"
    bounce_record(trace=trace, kind=kind or "soft", now=now)
    return "bounce"


def mail_header(raw: bytes, name: str) -> str:
    head = raw.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    match = re.search(rf"^{re.escape(name)}:\s*(.*)$", head, re.IGNORECASE | re.MULTILINE)
    return match.group(1).strip() if match else ""
