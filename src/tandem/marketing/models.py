"""Marketing: segments, the consent ledger, suppressions, email templates, campaigns and
their per-recipient traces and stored links."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

MONEY = {"max_digits": 18, "decimal_places": 2}


class Authored(CompanyScoped):
    """A row a user made (campaigns, automations): who, kept when the user goes."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        abstract = True


# -- segments ------------------------------------------------------------------------------


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic")
    STATIC = "static", _("Static")


class Segment(CompanyScoped):
    """Who a campaign goes to: a rule tree evaluated at use (dynamic) or a frozen list
    (static, its members in SegmentMember)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=SegmentKind, default="dynamic")
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="mkt_segment_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=["dynamic", "static"]), name="mkt_segment_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class SegmentMember(CompanyScoped):
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="members", verbose_name=_("segment")
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="+", verbose_name=_("party")
    )

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(fields=["segment", "party"], name="mkt_member_unique"),
        ]


# -- consent and suppression ---------------------------------------------------------------


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")


class ConsentState(models.TextChoices):
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentQuerySet(models.QuerySet):
    def current(self):
        """The latest row per (company, party, contact, purpose, channel): the consent in force.
        A row is current when no row of the same key comes after it (by time, then id)."""
        # contact is nullable: NULL = NULL is not true in SQL, so match the null case apart
        return self.filter(
            (Q(contact__isnull=False) & ~Exists(_later_rows(contact=OuterRef("contact"))))
            | (Q(contact__isnull=True) & ~Exists(_later_rows(contact__isnull=True)))
        )


def _later_rows(**contact):
    """Rows of the outer row's key (with `contact` matched as given) that come after it."""
    return Consent.objects.filter(
        company=OuterRef("company"),
        party=OuterRef("party"),
        purpose=OuterRef("purpose"),
        channel=OuterRef("channel"),
        **contact,
    ).filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")))


class Consent(CompanyScoped):
    """One entry of the append-only consent ledger, with its proof (source, IP, user agent,
    the version of the consent text shown). Never updated: a change is a new row."""

    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("party")
    )
    contact = models.ForeignKey(
        "parties.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    email = models.EmailField(_("email"), max_length=254, blank=True)
    purpose = models.CharField(_("purpose"), max_length=50)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel, default="email")
    state = models.CharField(_("state"), max_length=10, choices=ConsentState)
    source = models.CharField(_("source"), max_length=50)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    text_version = models.CharField(_("consent text version"), max_length=50, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        # The ledger holds personal data (IP, user agent, addresses): VIEW_ALL's
        # view_consent is not enough to read it; marketing roles are granted this by name.
        permissions = [("manage_consents", _("Can read and record the consent ledger"))]
        indexes = [
            # The consent in force is the latest row of (party, purpose, channel) with no
            # contact: `ORDER BY at DESC, id DESC LIMIT 1` is a backward scan of this index
            # (no sort: `contact` comes after `at`, `id`, since PostgreSQL does not order by
            # an `IS NULL` column), and `contact` and `state` in it make it index-only.
            models.Index(
                fields=["party", "purpose", "channel", "at", "id", "contact", "state"],
                name="mkt_consent_current",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["granted", "withdrawn"]), name="mkt_consent_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "phone"]),
                name="mkt_consent_channel_valid",
            ),
        ]

    def __str__(self):
        return f"{self.party_id} {self.purpose}/{self.channel}: {self.state}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCE = "soft_bounce", _("Repeated soft bounces")
    BLACKLISTED = "blacklisted", _("Blacklisted")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


class Suppression(CompanyScoped):
    """An address no marketing email goes to (one row per address; the first reason stays)."""

    address = models.CharField(_("address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=15, choices=SuppressionReason)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "address"], name="mkt_suppression_unique_address"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=SuppressionReason.values),
                name="mkt_suppression_reason_valid",
            ),
        ]

    def __str__(self):
        return f"{self.address} ({self.reason})"


# -- templates -----------------------------------------------------------------------------


class TemplateFormat(models.TextChoices):
    HTML = "html", _("HTML")
    MJML = "mjml", _("MJML")


class EmailTemplate(CompanyScoped):
    """One language of a marketing email; the versions of one email share its `name`. An
    MJML template keeps its `source`; `body_html` is what it compiles to (at save)."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=10, default="en")
    subject = models.CharField(_("subject"), max_length=300)
    format = models.CharField(
        _("format"), max_length=4, choices=TemplateFormat, default=TemplateFormat.HTML
    )
    source = models.TextField(_("MJML source"), blank=True)
    body_html = models.TextField(_("HTML body"))
    body_text = models.TextField(_("plain-text body"), blank=True)

    class Meta:
        ordering = ["name", "language", "id"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name", "language"], name="mkt_template_unique_language"
            ),
            models.CheckConstraint(
                condition=Q(format__in=["html", "mjml"]), name="mkt_template_format_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.language})"


# -- campaigns -----------------------------------------------------------------------------


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


CAMPAIGN_TRANSITIONS = {
    CampaignState.DRAFT: {CampaignState.SCHEDULED, CampaignState.SENDING, CampaignState.CANCELLED},
    CampaignState.SCHEDULED: {CampaignState.SENDING, CampaignState.CANCELLED, CampaignState.DRAFT},
    CampaignState.SENDING: {CampaignState.SENT, CampaignState.CANCELLED},
    CampaignState.SENT: set(),
    CampaignState.CANCELLED: set(),
}


class Privacy(models.TextChoices):
    IDENTIFIED = "identified", _("Identified (per recipient)")
    ANONYMOUS = "anonymous", _("Anonymous (totals only)")
    OFF = "off", _("Off (no tracking)")


class AbMetric(models.TextChoices):
    OPEN = "open", _("Human open rate")
    CLICK = "click", _("Click rate")


class Campaign(Authored):
    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=CampaignState, default="draft")
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("segment")
    )
    template = models.ForeignKey(
        EmailTemplate,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("template"),
    )
    purpose = models.CharField(_("consent purpose"), max_length=50, default="newsletter")
    cost = models.DecimalField(_("cost"), default=Decimal("0.00"), **MONEY)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    privacy = models.CharField(
        _("tracking"), max_length=10, choices=Privacy, default=Privacy.IDENTIFIED
    )
    sender = models.CharField(_("sender"), max_length=320, blank=True)
    job = models.ForeignKey(
        "core.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    anonymous_opens = models.PositiveIntegerField(_("anonymous opens"), default=0)
    # A/B test (with variants): `ab_share` percent of the reachable audience is split over
    # the variants; the rest is held until `ab_decide_at`, then gets the winner.
    ab_share = models.PositiveSmallIntegerField(_("test share (%)"), default=20)
    ab_metric = models.CharField(
        _("winning metric"), max_length=5, choices=AbMetric, default=AbMetric.OPEN
    )
    ab_wait_hours = models.PositiveIntegerField(_("wait before choosing (hours)"), default=4)
    ab_fallback = models.CharField(_("variant when not significant"), max_length=1, default="A")
    ab_decide_at = models.DateTimeField(_("winner chosen at"), null=True, blank=True)
    ab_winner = models.CharField(_("winning variant"), max_length=1, blank=True)
    ab_result = models.JSONField(_("A/B test result"), default=dict, blank=True)
    # recipients in their quiet hours wait: the send job starts again at this time
    resume_at = models.DateTimeField(_("resumes at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CampaignState.values), name="mkt_campaign_state_valid"
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="mkt_campaign_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(privacy__in=Privacy.values), name="mkt_campaign_privacy_valid"
            ),
            models.CheckConstraint(
                condition=Q(ab_share__gte=1, ab_share__lte=90), name="mkt_campaign_ab_share"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def utm_campaign(self) -> str:
        """The campaign's key in its links' `utm_campaign` and on the leads it brings."""
        return f"{slugify(self.name)[:80] or 'campaign'}-{self.pk}"


class CampaignVariant(CompanyScoped):
    """One arm of a campaign's A/B test: another subject and/or another template (by name, so
    each recipient still gets the version in their language)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="variants", verbose_name=_("campaign")
    )
    label = models.CharField(_("variant"), max_length=1)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    template = models.ForeignKey(
        EmailTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )

    class Meta:
        ordering = ["campaign", "label"]
        verbose_name = _("campaign variant")
        verbose_name_plural = _("campaign variants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="mkt_variant_unique"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.label}"


class TraceState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Suppressed")
    HELD = "held", _("Held for the A/B winner")


class CampaignRecipient(CompanyScoped):
    """The trace of one recipient of a campaign (frozen when the send starts)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("campaign")
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("party")
    )
    contact = models.ForeignKey(
        "parties.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TraceState, default="queued")
    variant = models.CharField(_("variant"), max_length=1, blank=True)
    reason = models.CharField(_("reason"), max_length=50, blank=True)
    message_id = models.CharField(_("message ID"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    human_open = models.BooleanField(_("opened by a person"), default=False)
    machine_opens = models.PositiveIntegerField(_("machine opens"), default=0)
    clicked_at = models.DateTimeField(_("clicked at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    bounce_kind = models.CharField(_("bounce"), max_length=4, blank=True)  # hard | soft

    class Meta:
        ordering = ["id"]
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        indexes = [
            models.Index(fields=["campaign", "state"], name="mkt_trace_campaign_state"),
            models.Index(fields=["company", "email"], name="mkt_trace_email"),
            models.Index(fields=["party", "clicked_at"], name="mkt_trace_party_click"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "party"], name="mkt_trace_unique_party"),
            models.CheckConstraint(
                condition=Q(state__in=TraceState.values), name="mkt_trace_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}: {self.email} ({self.state})"


class CampaignLink(CompanyScoped):
    """A URL of a campaign's email: the only places its click redirect goes."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="links", verbose_name=_("campaign")
    )
    url = models.URLField(_("URL"), max_length=2000)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("campaign link")
        verbose_name_plural = _("campaign links")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "url"], name="mkt_link_unique_url"),
        ]

    def __str__(self):
        return self.url


class TouchKind(models.TextChoices):
    SENT = "sent", _("Sent")
    OPEN = "open", _("Opened")
    CLICK = "click", _("Clicked")


class CampaignTouch(CompanyScoped):
    """One interaction of a recipient with a campaign's email, with its time: the message
    left (sent), a person opened it (open; machine opens are not touches) or clicked a link
    (click, every click). Attribution reads the clicks (queries.py)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="touches", verbose_name=_("campaign")
    )
    recipient = models.ForeignKey(
        CampaignRecipient,
        on_delete=models.CASCADE,
        related_name="touches",
        verbose_name=_("campaign recipient"),
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="+", verbose_name=_("party")
    )
    kind = models.CharField(_("kind"), max_length=5, choices=TouchKind)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("campaign touch")
        verbose_name_plural = _("campaign touches")
        indexes = [
            # attribution: the party's clicks in a window, latest / earliest first
            models.Index(fields=["party", "kind", "at"], name="mkt_touch_party_kind_at"),
            models.Index(fields=["campaign", "kind"], name="mkt_touch_campaign_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TouchKind.values), name="mkt_touch_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.party_id}: {self.kind}@{self.at:%Y-%m-%d %H:%M}"


# -- automations ---------------------------------------------------------------------------


class TriggerKind(models.TextChoices):
    SEGMENT_ENTRY = "segment_entry", _("Enters a segment")
    EVENT = "event", _("A domain event")
    DATE = "date", _("A date field")


class Reentry(models.TextChoices):
    ONCE = "once", _("Once per party")
    AFTER_DAYS = "after_days", _("Again after some days")


class Automation(Authored):
    """A flow: a trigger and a list of steps (wait, wait for an event, branch, actions), run
    per party (AutomationRun). Steps are JSON checked by `automations.steps_clean`."""

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=False)
    trigger = models.CharField(_("trigger"), max_length=15, choices=TriggerKind)
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
    )
    event = models.CharField(_("event"), max_length=60, blank=True)
    date_field = models.CharField(_("date field"), max_length=40, blank=True)
    date_offset_days = models.IntegerField(_("days from the date"), default=0)
    steps = models.JSONField(_("steps"), default=list, blank=True)
    purpose = models.CharField(_("consent purpose"), max_length=50, default="newsletter")
    reentry = models.CharField(_("re-entry"), max_length=10, choices=Reentry, default="once")
    reentry_days = models.PositiveIntegerField(_("re-entry after (days)"), default=30)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("automation")
        verbose_name_plural = _("automations")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="mkt_automation_name"),
            models.CheckConstraint(
                condition=Q(trigger__in=TriggerKind.values), name="mkt_automation_trigger"
            ),
        ]

    def __str__(self):
        return self.name


class RunState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class AutomationRun(CompanyScoped):
    """One party's way through an automation: the step it is at, when it is due, and a log."""

    automation = models.ForeignKey(
        Automation, on_delete=models.CASCADE, related_name="runs", verbose_name=_("automation")
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.CASCADE, related_name="+", verbose_name=_("party")
    )
    state = models.CharField(_("state"), max_length=10, choices=RunState, default="waiting")
    step = models.PositiveIntegerField(_("step"), default=0)
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    wait_until = models.DateTimeField(_("waiting until"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    log = models.JSONField(_("log"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("automation run")
        verbose_name_plural = _("automation runs")
        indexes = [
            models.Index(fields=["state", "due_at"], name="mkt_run_due"),
            models.Index(fields=["automation", "party"], name="mkt_run_party"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RunState.values), name="mkt_run_state"),
        ]

    def __str__(self):
        return f"{self.automation_id}/{self.party_id}: {self.state}@{self.step}"
