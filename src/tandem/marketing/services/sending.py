"""The send of a campaign (run by the `marketing.campaign_send` job).

1. Recover: a trace left `sending` by a killed worker may or may not have left; it is marked
   `failed` (`unknown_after_crash`) and never sent again (at most once). Sent ones stay.
2. Freeze (once): one trace row per segment member, inserted in bulk; a member without an
   address, without consent for the campaign's purpose, or with a suppressed address gets a
   `suppressed` row with the reason.
3. Send, in pk order: per trace, one conditional UPDATE claims it (`queued` -> `sending`)
   only if its address is still not suppressed and its consent still granted (the re-check
   right before the message leaves) and commits; the message goes out on ONE SMTP
   connection reused for the whole send; then the trace becomes `sent`.
   Before each claim, recipients the frequency cap stops (caps.py) become `suppressed` /
   `frequency_cap`, and recipients in their quiet hours stay queued for a later run. The
   sent mark also writes each message's `sent` touch (CampaignTouch).
4. Throttle: a global rate and a rate per recipient domain (messages per second; 0 = off).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from collections import deque

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tandem.crm.models import Opportunity

from ..models import (
    Campaign,
    CampaignLink,
    CampaignRecipient,
    CampaignState,
    EmailTemplate,
    Privacy,
    TraceState,
)
from ..quiet import quiet_hours, quiet_until, zone_of
from ..recommend import product_block, recommendations_map
from ..rendering import FIELD_RE, compile_template, links_of, merge_values
from ..tokens import bounce_domain, public_url, token_make, unsubscribe_mailto, verp_address
from .abtest import ab_test_done, split
from .campaigns import campaign_audience
from .caps import capped_parties
from .templates import template_for

logger = logging.getLogger("tandem.marketing")

CHUNK = 500
# traces claimed (and marked sent) per statement: at most this many are in doubt after a
# worker is killed outright
CLAIM_BATCH = 50
# tests interrupt a send after N messages by setting this to a callable(count)
after_send_hook = None


def _rate(name: str, default: float) -> float:
    return float(getattr(settings, name, default) or 0)


class Throttle:
    """A global pace and a pace per recipient domain, in messages per second (0: none)."""

    def __init__(self, rate: float, domain_rate: float, clock=time.monotonic, sleep=time.sleep):
        self.gap = 1.0 / rate if rate > 0 else 0.0
        self.domain_gap = 1.0 / domain_rate if domain_rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_global = 0.0
        self.next_domain: dict[str, float] = {}

    def ready_at(self, domain: str) -> float:
        return max(self.next_global, self.next_domain.get(domain, 0.0))

    def take(self, domain: str) -> None:
        now = self.clock()
        wait = self.ready_at(domain) - now
        if wait > 0:
            self.sleep(wait)
            now += wait
        self.next_global = now + self.gap
        if self.domain_gap:
            self.next_domain[domain] = now + self.domain_gap

    def order(self, items: list, domain_of) -> list:
        """Interleave `items` so one domain does not stall the others: a domain not yet
        ready goes behind the ones that are (a stable round-robin per domain)."""
        if not self.domain_gap:
            return items
        queues: dict[str, deque] = {}
        for item in items:
            queues.setdefault(domain_of(item), deque()).append(item)
        out = []
        while queues:
            for domain in list(queues):
                out.append(queues[domain].popleft())
                if not queues[domain]:
                    del queues[domain]
        return out


# -- steps -------------------------------------------------------------------------------


def traces_recover(*, campaign: Campaign) -> int:
    """Traces a killed worker left `sending`: failed, never sent again."""
    return CampaignRecipient.objects.filter(campaign=campaign, state=TraceState.SENDING).update(
        state=TraceState.FAILED, reason="unknown_after_crash"
    )


def recipients_freeze(*, campaign: Campaign) -> int:
    """One trace per segment member (done once; a resumed job keeps the first freeze)."""
    if CampaignRecipient.objects.filter(campaign=campaign).exists():
        return 0
    rows = campaign_audience(campaign).values_list(
        "pk", "email", "language", "consent_ok", "suppressed"
    )
    traces = []
    for party_id, email, language, consent_ok, suppressed in rows.iterator(chunk_size=5000):
        email = (email or "").strip().lower()
        if not email:
            state, reason = TraceState.SUPPRESSED, "no_address"
        elif suppressed:
            state, reason = TraceState.SUPPRESSED, "suppressed"
        elif not consent_ok:
            state, reason = TraceState.SUPPRESSED, "no_consent"
        else:
            state, reason = TraceState.QUEUED, ""
        traces.append(
            CampaignRecipient(
                company_id=campaign.company_id,
                campaign=campaign,
                party_id=party_id,
                email=email,
                language=language or "",
                state=state,
                reason=reason,
            )
        )
    variants = list(campaign.variants.select_related("template"))
    split(campaign, traces, [v.label for v in variants])
    with transaction.atomic():
        _traces_insert(traces)
        # the links of every language version of the template(s), for the click redirect
        names = {campaign.template.name} | {v.template.name for v in variants if v.template}
        templates = campaign.template.__class__.objects.filter(
            company_id=campaign.company_id, name__in=names
        )
        urls = []
        for template in templates:
            urls.extend(links_of(template.body_html))
        CampaignLink.objects.bulk_create(
            [
                CampaignLink(company_id=campaign.company_id, campaign=campaign, url=url)
                for url in dict.fromkeys(urls)
            ],
            ignore_conflicts=True,
        )
    return len(traces)


TRACE_INSERT = """
INSERT INTO marketing_campaignrecipient
  (company_id, campaign_id, party_id, email, language, state, variant, reason, message_id,
   human_open, machine_opens, bounce_kind, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', %s, 0, '', %s, %s)
"""


def _traces_insert(traces: list[CampaignRecipient]) -> None:
    """The frozen traces in executemany chunks. Django's bulk_create compiles every row's
    twenty fields and, on SQLite (999 parameters a statement), sends 50 rows per INSERT:
    about 25 s of the 30 s freeze of 100,000 recipients went there."""
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            t.company_id,
            t.campaign_id,
            t.party_id,
            t.email,
            t.language,
            t.state,
            t.variant,
            t.reason,
            False,
            at,
            at,
        )
        for t in traces
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(TRACE_INSERT, rows[start : start + 5000])


def _salespeople(party_ids) -> dict[int, str]:
    """The owner of each party's latest opportunity (one query per chunk)."""
    names: dict[int, str] = {}
    rows = (
        Opportunity.objects.filter(party_id__in=party_ids, owner__isnull=False)
        .order_by("party_id", "-created_at", "-pk")
        .values_list("party_id", "owner__first_name", "owner__last_name", "owner__username")
    )
    for party_id, first, last, username in rows:
        if party_id not in names:
            names[party_id] = " ".join(p for p in (first, last) if p) or username
    return names


def _uses_products(campaign: Campaign, variants: dict) -> bool:
    """Whether any language version of the campaign's templates (its own and its A/B
    variants') has the `{{ products }}` merge field."""
    names = {campaign.template.name} if campaign.template_id else set()
    names |= {v.template.name for v in variants.values() if v.template_id}
    if any(v.subject and "products" in FIELD_RE.findall(v.subject) for v in variants.values()):
        return True
    for fields in EmailTemplate.objects.filter(
        company_id=campaign.company_id, name__in=names
    ).values_list("subject", "body_html", "body_text"):
        if any("products" in FIELD_RE.findall(text or "") for text in fields):
            return True
    return False


class Sender:
    """Builds and sends the messages of one campaign on one connection."""

    def __init__(self, campaign: Campaign, connection):
        self.campaign = campaign
        self.connection = connection
        self.templates: dict = {}
        self.compiled: dict = {}
        self.links = dict(CampaignLink.objects.filter(campaign=campaign).values_list("url", "pk"))
        base = public_url()
        marker = "TOKEN"
        self.unsub_url = base + reverse("marketing:unsubscribe", args=[marker])
        self.open_url = base + reverse("marketing:open", args=[marker])
        self.click_url = base + reverse("marketing:click", args=[marker])
        self.prefs_url = base + reverse("marketing:preferences", args=[marker])
        self.marker = marker
        self.sender = campaign.sender or settings.DEFAULT_FROM_EMAIL
        self.company_name = campaign.company.name
        self.domain = bounce_domain()
        self.variants = {v.label: v for v in campaign.variants.select_related("template")}
        self.currency = campaign.company.currency_id or ""
        self.products: dict = {}
        self.wants_products = _uses_products(campaign, self.variants)

    def load_products(self, party_ids) -> None:
        """The recommendations of one chunk's parties (one query), when a template of the
        campaign has `{{ products }}`."""
        if self.wants_products:
            self.products = recommendations_map(self.campaign.company_id, party_ids)

    def _compiled(self, language: str, variant: str = ""):
        """The parsed email for a language and an A/B variant (its template by name in the
        recipient's language, its subject), built once per send."""
        spec = self.variants.get(variant)
        base = spec.template if spec is not None and spec.template else self.campaign.template
        template = template_for(template=base, language=language, cache=self.templates)
        key = (template.pk, variant)
        if key not in self.compiled:
            compiled = compile_template(template)
            if spec is not None and spec.subject:
                compiled.subject = spec.subject
            self.compiled[key] = compiled
        return self.compiled[key]

    def build(self, trace: CampaignRecipient, salesperson: str) -> EmailMultiAlternatives:
        campaign = self.campaign
        party = trace.party
        unsubscribe = self.unsub_url.replace(self.marker, token_make("unsubscribe", trace.pk))
        values = merge_values(
            party_name=party.name,
            kind=party.kind,
            email=trace.email,
            salesperson=salesperson,
            sender_company=self.company_name,
        )
        if self.wants_products:
            values["products"] = product_block(self.products.get(party.pk), self.currency)
        values["unsubscribe_url"] = unsubscribe
        values["preferences_url"] = self.prefs_url.replace(
            self.marker, token_make("preferences", party.pk)
        )
        link = None
        if campaign.privacy != Privacy.OFF:
            who = trace.pk if campaign.privacy == Privacy.IDENTIFIED else 0

            def link(url):
                link_id = self.links.get(url)
                if link_id is None:
                    return url
                return self.click_url.replace(self.marker, token_make("click", f"{who}-{link_id}"))

        subject, body_html, body_text = self._compiled(trace.language, trace.variant).render(
            values, link=link
        )
        if campaign.privacy != Privacy.OFF:
            who = f"t{trace.pk}" if campaign.privacy == Privacy.IDENTIFIED else f"c{campaign.pk}"
            pixel = self.open_url.replace(self.marker, token_make("open", who))
            img = f'<img src="{pixel}" width="1" height="1" alt="" style="display:none">'
            if "</body>" in body_html:
                body_html = body_html.replace("</body>", img + "</body>", 1)
            else:
                body_html += img
        message_id = f"<mkt.{trace.pk}.{secrets.token_hex(6)}@{self.domain}>"
        verp = verp_address(trace.pk)
        headers = {
            "From": self.sender,
            "Message-ID": message_id,
            "Return-Path": f"<{verp}>",
            "List-Unsubscribe": f"<{unsubscribe}>, <mailto:{unsubscribe_mailto(trace.pk)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Tandem-Campaign": str(campaign.pk),
            "Precedence": "bulk",
        }
        # the envelope sender (MAIL FROM) is the VERP address: bounces come back to it
        message = EmailMultiAlternatives(
            subject, body_text, verp, [trace.email], headers=headers, connection=self.connection
        )
        message.attach_alternative(body_html, "text/html")
        message.tandem_message_id = message_id
        return message


# The claim is the hot statement of a send (one per message): written once as SQL, so a
# message does not pay for the ORM compiling the same subqueries again. It is the same
# condition as `consent_current_for` and `suppressed_for` (the consent row in force is the
# latest by time, then id; suppressed addresses are stored lower-case).
CLAIM_SQL = """
UPDATE marketing_campaignrecipient SET state = 'sending'
WHERE id = %s AND state = 'queued'
  AND (
    SELECT c.state FROM marketing_consent c
    WHERE c.party_id = marketing_campaignrecipient.party_id AND c.contact_id IS NULL
      AND c.purpose = %s AND c.channel = 'email'
    ORDER BY c.at DESC, c.id DESC LIMIT 1) = 'granted'
  AND NOT EXISTS (
    SELECT 1 FROM marketing_suppression s
    WHERE s.company_id = marketing_campaignrecipient.company_id
      AND s.address = LOWER(marketing_campaignrecipient.email))
"""


def _claim(trace: CampaignRecipient, purpose: str) -> bool:
    """queued -> sending, only while the address is unsuppressed and consent granted
    (committed at once: autocommit)."""
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [trace.pk, purpose])
        return cursor.rowcount == 1


# The re-check right before each message leaves: a read (no commit) of the campaign's state,
# the consent in force and the suppression list for one claimed trace.
RECHECK_SQL = """
SELECT cmp.state,
  (SELECT c.state FROM marketing_consent c
   WHERE c.party_id = r.party_id AND c.contact_id IS NULL
     AND c.purpose = %s AND c.channel = 'email'
   ORDER BY c.at DESC, c.id DESC LIMIT 1),
  EXISTS (SELECT 1 FROM marketing_suppression s
          WHERE s.company_id = r.company_id AND s.address = LOWER(r.email))
FROM marketing_campaignrecipient r JOIN marketing_campaign cmp ON cmp.id = r.campaign_id
WHERE r.id = %s
"""


def _recheck(trace: CampaignRecipient, purpose: str) -> str:
    """ "ok", "cancelled" (stop the send) or "refused" (withdrawn or suppressed since)."""
    with connection.cursor() as cursor:
        cursor.execute(RECHECK_SQL, [purpose, trace.pk])
        row = cursor.fetchone()
    if row is None or row[0] != CampaignState.SENDING:
        return "cancelled"
    return "ok" if row[1] == "granted" and not row[2] else "refused"


class _Stop(Exception):
    """The campaign was cancelled mid-batch."""


def _claim_many(pks: list[int], purpose: str) -> set[int]:
    """The batch's queued -> sending in one committed statement, with the same re-check as
    `_claim`; returns the ids claimed."""
    if not pks:
        return set()
    marks = ", ".join(["%s"] * len(pks))
    sql = CLAIM_SQL.replace("WHERE id = %s AND", f"WHERE id IN ({marks}) AND") + " RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*pks, purpose])
        return {row[0] for row in cursor.fetchall()}


def _unclaimable_many(pks: list[int]) -> None:
    CampaignRecipient.objects.filter(pk__in=pks, state=TraceState.QUEUED).update(
        state=TraceState.SUPPRESSED, reason="suppressed_before_send"
    )


def _unclaimable(trace: CampaignRecipient) -> None:
    """A queued trace the claim refused: suppressed or withdrawn since the freeze."""
    CampaignRecipient.objects.filter(pk=trace.pk, state=TraceState.QUEUED).update(
        state=TraceState.SUPPRESSED, reason="suppressed_before_send"
    )


def campaign_run(*, campaign: Campaign, ctx=None, connection=None) -> dict:
    """Freeze (once) and send what is queued. Safe to run again after a crash."""
    recovered = traces_recover(campaign=campaign)
    recipients_freeze(campaign=campaign)
    queued = CampaignRecipient.objects.filter(campaign=campaign, state=TraceState.QUEUED)
    if ctx is not None:
        done_before = (
            CampaignRecipient.objects.filter(campaign=campaign)
            .exclude(state=TraceState.QUEUED)
            .count()
        )
        ctx.progress(done_before, done_before + queued.count())
    throttle = Throttle(_rate("MARKETING_RATE", 50), _rate("MARKETING_DOMAIN_RATE", 10))
    own_connection = connection is None
    connection = connection or get_connection()
    sender = Sender(campaign, connection)
    counts = {"sent": 0, "failed": 0, "suppressed": 0, "recovered": recovered}
    last_pk = 0
    stopped = False
    deferred: list = []  # the earliest end of a recipient's quiet hours
    connection.open()
    try:
        while True:
            if Campaign.objects.filter(pk=campaign.pk, state=CampaignState.CANCELLED).exists():
                break
            chunk = list(
                queued.filter(pk__gt=last_pk).select_related("party").order_by("pk")[:CHUNK]
            )
            if not chunk:
                break
            last_pk = chunk[-1].pk
            names = _salespeople([t.party_id for t in chunk])
            sender.load_products([t.party_id for t in chunk])
            chunk = _outside_quiet_hours(chunk, campaign, deferred)
            ordered = throttle.order(chunk, lambda t: t.email.rpartition("@")[2])
            for start in range(0, len(ordered), CLAIM_BATCH):
                batch = _under_cap(ordered[start : start + CLAIM_BATCH], counts, ctx)
                claimed = _claim_many([t.pk for t in batch], campaign.purpose)
                refused = [t.pk for t in batch if t.pk not in claimed]
                if refused:
                    _unclaimable_many(refused)
                    counts["suppressed"] += len(refused)
                    if ctx is not None:
                        for _pk in refused:
                            ctx.step()
                try:
                    _send_batch(
                        sender,
                        [t for t in batch if t.pk in claimed],
                        names,
                        throttle,
                        counts,
                        ctx,
                    )
                except _Stop:
                    stopped = True
                    break
            if stopped:
                break
    finally:
        if own_connection:
            connection.close()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        held = CampaignRecipient.objects.filter(campaign=campaign, state=TraceState.HELD)
        if locked.state == CampaignState.SENDING and deferred:
            # recipients in their quiet hours: the job starts again when the first ends
            locked.resume_at = min(deferred)
            locked.save(update_fields=["resume_at", "updated_at"])
        elif locked.state == CampaignState.SENDING and not locked.ab_winner and held.exists():
            ab_test_done(locked)  # the test group left; the rest waits for the winner
        elif locked.state == CampaignState.SENDING:
            locked.state = CampaignState.SENT
            locked.sent_at = timezone.now()
            locked.save(update_fields=["state", "sent_at", "updated_at"])
        elif locked.state == CampaignState.CANCELLED:
            CampaignRecipient.objects.filter(
                campaign=campaign, state__in=[TraceState.QUEUED, TraceState.HELD]
            ).update(state=TraceState.FAILED, reason="cancelled")
    return counts


def _under_cap(batch: list, counts: dict, ctx) -> list:
    """The batch without the recipients the frequency cap stops (messages already sent to
    them by campaigns and automations in the window, read right before the claim): those
    become `suppressed` / `frequency_cap` and are not sent."""
    capped = capped_parties({t.party_id for t in batch}, timezone.now())
    if not capped:
        return batch
    stopped = [t.pk for t in batch if t.party_id in capped]
    CampaignRecipient.objects.filter(pk__in=stopped, state=TraceState.QUEUED).update(
        state=TraceState.SUPPRESSED, reason="frequency_cap"
    )
    counts["suppressed"] += len(stopped)
    if ctx is not None:
        for _pk in stopped:
            ctx.step()
    return [t for t in batch if t.party_id not in capped]


def _outside_quiet_hours(chunk: list, campaign: Campaign, deferred: list) -> list:
    """The traces whose recipients are outside their quiet hours now; for the others, when
    their quiet hours end (appended to `deferred`). They stay queued."""
    hours = quiet_hours()
    if hours is None:
        return chunk
    now = timezone.now()
    default = campaign.company.time_zone or settings.TIME_ZONE
    ready = []
    for trace in chunk:
        until = quiet_until(now, zone_of(trace.party.country, default), hours)
        if until is None:
            ready.append(trace)
        else:
            deferred.append(until)
    return ready


def _send_one(sender: Sender, trace: CampaignRecipient, salesperson: str) -> tuple[str, str, str]:
    """Build and hand one message to the SMTP server: (state, reason, message_id); no
    database write (the caller marks its batch in one statement)."""
    message = sender.build(trace, salesperson)
    try:
        sent = sender.connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused:
        sent, reason = 0, "refused"
    except smtplib.SMTPServerDisconnected:
        # the server dropped us: whether this one left is unknown; reconnect for the next
        logger.warning("SMTP disconnected while sending trace %s", trace.pk)
        try:
            sender.connection.close()
        finally:
            sender.connection.open()
        sent, reason = 0, "unknown_disconnected"
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("SMTP error for trace %s: %s", trace.pk, exc)
        sent, reason = 0, "smtp_error"
    else:
        reason = "" if sent else "not_accepted"
    if sent:
        return "sent", "", message.tandem_message_id
    return "failed", reason, ""


def _send_batch(sender, traces, names, throttle, counts, ctx) -> None:
    """Send claimed traces, then mark them in bulk: the sent ones `sent` (one UPDATE), the
    failed ones `failed`; claimed ones never attempted (an error stopped the batch) go back
    to `queued`, since they surely did not leave. A worker killed outright leaves its batch
    `sending`, failed as unknown_after_crash by the next run: at most once."""
    done: list[tuple[int, str]] = []
    failed: dict[str, list[int]] = {}
    attempted: set[int] = set()
    refused: list[int] = []
    purpose = sender.campaign.purpose
    try:
        for trace in traces:
            throttle.take(trace.email.rpartition("@")[2])
            check = _recheck(trace, purpose)
            if check == "cancelled":
                raise _Stop
            attempted.add(trace.pk)
            if check == "refused":
                refused.append(trace.pk)
                counts["suppressed"] += 1
                if ctx is not None:
                    ctx.step()
                continue
            state, reason, message_id = _send_one(sender, trace, names.get(trace.party_id, ""))
            if state == "sent":
                done.append((trace.pk, message_id))
            else:
                failed.setdefault(reason, []).append(trace.pk)
            counts[state] += 1
            if ctx is not None:
                ctx.step()
            if after_send_hook is not None:
                after_send_hook(counts["sent"])
    finally:
        traces_mark(sent=done, failed=failed)
        if refused:
            CampaignRecipient.objects.filter(pk__in=refused).update(
                state=TraceState.SUPPRESSED, reason="suppressed_before_send"
            )
        untried = [t.pk for t in traces if t.pk not in attempted]
        if untried:
            CampaignRecipient.objects.filter(pk__in=untried, state=TraceState.SENDING).update(
                state=TraceState.QUEUED
            )


TOUCH_SQL = """
INSERT INTO marketing_campaigntouch
  (company_id, campaign_id, recipient_id, party_id, kind, at, created_at, updated_at)
SELECT company_id, campaign_id, id, party_id, 'sent', %s, %s, %s
FROM marketing_campaignrecipient WHERE id IN ({marks}) AND state = 'sent'
"""


def traces_mark(*, sent: list[tuple[int, str]], failed: dict[str, list[int]]) -> None:
    """Sent traces with their Message-ID and time, in one UPDATE; failures by reason."""
    if sent:
        # one UPDATE ... FROM (VALUES ...) (SQLite 3.33+, PostgreSQL): Django's bulk_update
        # writes a CASE per column, which PostgreSQL took ~90 ms per 50 rows to run
        at = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = ", ".join(["(%s, %s)"] * len(sent))
        sql = (
            "UPDATE marketing_campaignrecipient SET state = 'sent', sent_at = %s, "
            f"message_id = v.column2 FROM (VALUES {rows}) AS v "
            "WHERE marketing_campaignrecipient.id = v.column1"
        )
        ids = [pk for pk, _message_id in sent]
        with connection.cursor() as cursor:
            cursor.execute(sql, [at, *(x for pair in sent for x in pair)])
            # the `sent` touch of each, from the rows just marked (one INSERT ... SELECT)
            cursor.execute(TOUCH_SQL.format(marks=", ".join(["%s"] * len(ids))), [at, at, at, *ids])
    for reason, pks in failed.items():
        CampaignRecipient.objects.filter(pk__in=pks).update(state=TraceState.FAILED, reason=reason)


__all__ = ["Q", "Throttle", "campaign_run", "recipients_freeze", "traces_recover"]
