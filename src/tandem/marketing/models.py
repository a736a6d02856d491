"""Marketing: segments, the consent ledger, suppressions, email templates, campaigns and
their per-recipient traces and stored links."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

MONEY = {"max_digits": 18, "decimal_places": 2}


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
        later = Consent.objects.filter(
            company=OuterRef("company"),
            party=OuterRef("party"),
            contact=OuterRef("contact"),
            purpose=OuterRef("purpose"),
            channel=OuterRef("channel"),
        ).filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")))
        # contact is nullable: NULL = NULL is not true in SQL, so match the null case apart
        later_null = Consent.objects.filter(
            company=OuterRef("company"),
            party=OuterRef("party"),
            contact__isnull=True,
            purpose=OuterRef("purpose"),
            channel=OuterRef("channel"),
        ).filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")))
        return self.filter(
            (Q(contact__isnull=False) & ~Exists(later))
            | (Q(contact__isnull=True) & ~Exists(later_null))
        )


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
            models.Index(fields=["party", "purpose", "channel", "at"], name="mkt_consent_key"),
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


class EmailTemplate(CompanyScoped):
    """One language of a marketing email; the versions of one email share its `name`."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=10, default="en")
    subject = models.CharField(_("subject"), max_length=300)
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


class Campaign(CompanyScoped):
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

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
        ]

    def __str__(self):
        return self.name


class TraceState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Suppressed")


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
