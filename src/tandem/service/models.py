"""Customer service: teams, SLA policies, tickets with their state log and messages, mail
quarantine, the knowledge base and quality issues."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

HOURS = {"max_digits": 8, "decimal_places": 2}


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    PHONE = "phone", _("Phone")


class TicketState(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


TICKET_TRANSITIONS = {
    TicketState.NEW: {TicketState.OPEN, TicketState.WAITING_CUSTOMER, TicketState.RESOLVED},
    TicketState.OPEN: {TicketState.WAITING_CUSTOMER, TicketState.RESOLVED},
    TicketState.WAITING_CUSTOMER: {TicketState.OPEN, TicketState.RESOLVED},
    TicketState.RESOLVED: {TicketState.OPEN, TicketState.CLOSED},
    TicketState.CLOSED: {TicketState.OPEN},
}
DONE_STATES = (TicketState.RESOLVED, TicketState.CLOSED)


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")


class AssignmentMethod(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LOAD_BALANCED = "load_balanced", _("Fewest open tickets")
    SKILLS = "skills", _("By skill")


class BadRatingAction(models.TextChoices):
    NONE = "none", _("Nothing")
    REOPEN = "reopen", _("Reopen the ticket")
    ALERT = "alert", _("Alert the team lead")


class ServiceTeam(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("calendar"),
    )
    # Mail to this address opens tickets of the team; replies go out from it.
    support_address = models.EmailField(_("support address"), blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("members")
    )
    active = models.BooleanField(_("active"), default=True)
    # How a new ticket of the team gets its agent (services.assignment).
    assignment = models.CharField(
        _("assignment"), max_length=15, choices=AssignmentMethod.choices, default="manual"
    )
    sticky = models.BooleanField(_("same agent for a returning customer"), default=False)
    # What a rating of 1 or 2 does: reopen the ticket, alert the team lead, or nothing.
    bad_rating = models.CharField(
        _("on a bad rating"), max_length=10, choices=BadRatingAction.choices, default="alert"
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last assigned"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="service_team_name_unique"),
            models.UniqueConstraint(
                fields=["company", "support_address"],
                condition=~Q(support_address=""),
                name="service_team_address_unique",
            ),
        ]

    def __str__(self):
        return self.name


class TeamAgent(CompanyScoped):
    """An agent's skills in a team: product lines (categories) and languages; an agent with
    none takes anything."""

    team = models.ForeignKey(ServiceTeam, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    categories = models.ManyToManyField(
        "catalog.ProductCategory", blank=True, related_name="+", verbose_name=_("product lines")
    )
    # the agent's own working hours for assignment; empty: the linked HR employee's
    # working calendar if one is set, else the team's calendar
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working hours"),
    )

    class Meta:
        verbose_name = _("team agent")
        verbose_name_plural = _("team agents")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="service_team_agent_unique"),
        ]


class AgentAbsence(CompanyScoped):
    """The team calendar of absences, for agents with no linked employee (HR leave decides
    for those who have one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("agent absence")
        verbose_name_plural = _("agent absences")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="service_absence_range"),
        ]


def default_pause_states() -> list:
    return ["waiting_customer"]


class SlaPolicy(CompanyScoped):
    """Targets in business hours of `calendar` (or the team's) for tickets of one priority,
    optionally of one team."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    team = models.ForeignKey(
        ServiceTeam,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policies",
        verbose_name=_("team"),
    )
    first_response_hours = models.DecimalField(_("first response (hours)"), **HOURS)
    next_response_hours = models.DecimalField(
        _("next response (hours)"), null=True, blank=True, **HOURS
    )
    resolution_hours = models.DecimalField(_("resolution (hours)"), **HOURS)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("calendar"),
    )
    pause_states = models.JSONField(_("pause states"), default=default_pause_states, blank=True)
    warn_percent = models.PositiveSmallIntegerField(_("warn at (%)"), default=80)
    # The escalation ladder: [{"action": ESCALATION_ACTIONS, "after_minutes": n}, ...], each
    # step fired n business minutes after a clock's due instant.
    escalation = models.JSONField(_("escalation ladder"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_hours__gt=Decimal(0), resolution_hours__gt=Decimal(0)),
                name="service_sla_targets_positive",
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=100),
                name="service_sla_warn_range",
            ),
        ]

    def __str__(self):
        return self.name


class Ticket(CompanyScoped):
    number = models.CharField(_("number"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    party = models.ForeignKey(
        "parties.Party",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "parties.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    customer_email = models.EmailField(_("customer email"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=20, choices=TicketState.choices, default=TicketState.NEW
    )
    team = models.ForeignKey(
        ServiceTeam,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        "inventory.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lot or serial"),
    )
    sales_order = models.ForeignKey(
        "sales.SalesOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sales order"),
    )
    defect_code = models.CharField(_("defect code"), max_length=40, blank=True)
    policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("SLA policy"),
    )
    # Addresses that took part in the thread (the customer, Cc'd people): a subject tag
    # threads a message only from one of them.
    participants = models.JSONField(_("participants"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The SLA clocks, recomputed from the state log by services.sla.ticket_sla_refresh.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(
        _("first response (business seconds)"), null=True, blank=True
    )
    resolution_seconds = models.PositiveIntegerField(
        _("resolution (business seconds)"), null=True, blank=True
    )
    sla_state = models.CharField(
        _("SLA"), max_length=10, choices=SlaState.choices, blank=True, db_index=True
    )
    sla_check_at = models.DateTimeField(_("next SLA check"), null=True, blank=True, db_index=True)
    # the instant of the last check handed to Celery (a check far ahead waits for the sweep)
    sla_check_sent = models.DateTimeField(_("SLA check queued for"), null=True, blank=True)
    # The next-response clock: runs from the first customer message not yet answered by a
    # public reply (after the first response); a window answered late stays breached.
    next_response_since = models.DateTimeField(_("awaiting reply since"), null=True, blank=True)
    next_response_due = models.DateTimeField(_("next response due"), null=True, blank=True)
    next_response_breached = models.BooleanField(_("next response breached"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    csat_sent_at = models.DateTimeField(_("rating request sent"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="service_ticket_number"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="service_ticket_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["company", "state"], name="service_ticket_state")]

    def __str__(self):
        return f"{self.number} {self.subject}"

    @property
    def is_done(self) -> bool:
        return self.state in DONE_STATES


class TicketTransition(CompanyScoped):
    """The ticket's state log, append-only: the SLA clocks are computed from it."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("ticket")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("ticket transition")
        verbose_name_plural = _("ticket transitions")


class EscalationAction(models.TextChoices):
    NOTIFY_LEAD = "notify_lead", _("Notify the team lead")
    REASSIGN = "reassign", _("Reassign")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")
    NOTIFY_OWNER = "notify_owner", _("Notify the account owner")


class SlaClock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class TicketEscalation(CompanyScoped):
    """The escalation audit trail, append-only: one row per ladder step fired for one clock
    window; the unique key makes a check that runs twice fire nothing twice."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("ticket")
    )
    clock = models.CharField(_("clock"), max_length=20, choices=SlaClock.choices)
    window_start = models.DateTimeField(_("clock started"))
    step = models.PositiveSmallIntegerField(_("step"))
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction.choices)
    due_at = models.DateTimeField(_("due at"))
    fired_at = models.DateTimeField(_("fired at"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["fired_at", "pk"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock", "window_start", "step"],
                name="service_escalation_once",
            ),
        ]


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    INBOUND = "inbound", _("Customer message")


class TicketMessage(CompanyScoped):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    to = models.TextField(_("to"), blank=True)
    cc = models.TextField(_("cc"), blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "message_id"],
                condition=~Q(message_id=""),
                name="service_message_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "at"], name="service_message_ticket_at")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.at}"


class CsatResponse(CompanyScoped):
    """The customer's one answer to a ticket's rating request (from the signed link)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="csat", verbose_name=_("ticket")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("satisfaction answer")
        verbose_name_plural = _("satisfaction answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="service_csat_rating_range"
            ),
        ]


class TicketAttachment(CompanyScoped):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    data = models.BinaryField(_("data"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class QuarantinedMail(CompanyScoped):
    """Inbound mail that could not become a ticket message as it is, kept whole."""

    reason = models.CharField(_("reason"), max_length=40)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    raw = models.BinaryField(_("raw message"))
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("quarantined mail")
        verbose_name_plural = _("quarantined mail")


class KbState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class KbArticle(CompanyScoped):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    language = models.CharField(
        _("language"), max_length=10, choices=[("en", "English"), ("zh-hans", "简体中文")]
    )
    public = models.BooleanField(_("public"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=KbState.choices, default=KbState.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    # portal visitors who read it while writing a ticket and left without opening one
    deflections = models.PositiveIntegerField(_("deflections"), default=0)
    source_ticket = models.ForeignKey(
        "Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drafted from"),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge-base articles")

    def __str__(self):
        return self.title


class KbArticleVersion(CompanyScoped):
    """Each saved version of an article (append-only)."""

    article = models.ForeignKey(KbArticle, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["article", "version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="service_kb_version"),
        ]


class CannedResponse(CompanyScoped):
    """A reply text with merge fields ({{ customer.name }}, {{ ticket.number }}, ...)."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("body"))
    team = models.ForeignKey(
        ServiceTeam, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="service_canned_name"),
        ]

    def __str__(self):
        return self.name


class Macro(CompanyScoped):
    """Set fields (priority, team, assignee, tags, state) and reply with a canned response,
    in one action."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    team = models.ForeignKey(
        ServiceTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    add_tags = models.JSONField(_("tags to add"), default=list, blank=True)
    reply = models.ForeignKey(
        CannedResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("then set state"),
        max_length=20,
        blank=True,
        choices=[
            ("open", _("Open")),
            ("waiting_customer", _("Waiting on customer")),
            ("resolved", _("Resolved")),
        ],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="service_macro_name"),
        ]

    def __str__(self):
        return self.name


class QualityState(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


QUALITY_TRANSITIONS = {
    QualityState.OPEN: {QualityState.INVESTIGATING, QualityState.RESOLVED, QualityState.CLOSED},
    QualityState.INVESTIGATING: {QualityState.RESOLVED, QualityState.CLOSED},
    QualityState.RESOLVED: {QualityState.CLOSED, QualityState.INVESTIGATING},
    QualityState.CLOSED: set(),
}


class QualityIssue(CompanyScoped):
    number = models.CharField(_("number"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lot = models.ForeignKey(
        "inventory.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lot"),
    )
    tickets = models.ManyToManyField(
        Ticket, blank=True, related_name="quality_issues", verbose_name=_("tickets")
    )
    state = models.CharField(
        _("state"), max_length=15, choices=QualityState.choices, default=QualityState.OPEN
    )
    defect_code = models.CharField(_("defect code"), max_length=40, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quality issue")
        verbose_name_plural = _("quality issues")
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="service_quality_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class QualityActionKind(models.TextChoices):
    RETURN = "return", _("Return")
    CREDIT_NOTE = "credit_note", _("Credit note")
    CORRECTIVE = "corrective", _("Corrective action")


class QualityAction(CompanyScoped):
    issue = models.ForeignKey(QualityIssue, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=15, choices=QualityActionKind.choices)
    description = models.CharField(_("description"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quality action")
        verbose_name_plural = _("quality actions")


class QualityAlertRule(CompanyScoped):
    """Raise an alert when `threshold` complaints (tickets with a defect code or in a quality
    issue) name one lot within `window_days`."""

    threshold = models.PositiveSmallIntegerField(_("complaints"), default=3)
    window_days = models.PositiveSmallIntegerField(_("within (days)"), default=30)
    notify = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("notify"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quality alert rule")
        verbose_name_plural = _("quality alert rules")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="service_quality_rule_one"),
            models.CheckConstraint(
                condition=Q(threshold__gte=2, window_days__gte=1), name="service_quality_rule_range"
            ),
        ]


class QualityAlert(CompanyScoped):
    """One alert per lot and window: the lot's complaints reached the rule's threshold."""

    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    complaints = models.PositiveIntegerField(_("complaints"))
    since = models.DateTimeField(_("since"))
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    acknowledged = models.BooleanField(_("acknowledged"), default=False)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("quality alert")
        verbose_name_plural = _("quality alerts")
