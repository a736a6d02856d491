"""CRM: sales teams and their pipelines, leads, opportunities, activities and interactions.

Status fields are TextChoices with an explicit map of allowed transitions; the services check
a transition against the locked row, never against a stale instance.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped


class Source(models.TextChoices):
    """Where a lead or an opportunity came from."""

    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    MANUAL = "manual", _("Manual entry")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


# -- teams and pipelines ---------------------------------------------------------------------


class SalesTeam(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="sales_teams", verbose_name=_("members")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        constraints = [
            models.UniqueConstraint("company", Lower("name"), name="crm_sales_team_unique_name_ci"),
        ]

    def __str__(self):
        return self.name


class PipelineStage(CompanyScoped):
    """A column of a pipeline. `team` empty: the company's default pipeline, which every
    team without stages of its own uses."""

    team = models.ForeignKey(
        SalesTeam,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stages",
        verbose_name=_("sales team"),
    )
    name = models.CharField(_("name"), max_length=100)
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        default=0,
        help_text=_("The default probability of an opportunity in this stage."),
    )
    is_won = models.BooleanField(_("won stage"), default=False)
    is_lost = models.BooleanField(_("lost stage"), default=False)
    fold = models.BooleanField(_("folded on the board"), default=False)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="crm_stage_probability_range",
            ),
            models.CheckConstraint(
                condition=~Q(is_won=True, is_lost=True), name="crm_stage_not_won_and_lost"
            ),
            models.UniqueConstraint(
                "company",
                Lower("name"),
                condition=Q(team__isnull=True),
                name="crm_stage_unique_name_default",
            ),
            models.UniqueConstraint(
                "team",
                Lower("name"),
                condition=Q(team__isnull=False),
                name="crm_stage_unique_name_team",
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(team__isnull=True, is_won=True),
                name="crm_stage_one_won_default",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(team__isnull=False, is_won=True),
                name="crm_stage_one_won_team",
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(team__isnull=True, is_lost=True),
                name="crm_stage_one_lost_default",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(team__isnull=False, is_lost=True),
                name="crm_stage_one_lost_team",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_closing(self) -> bool:
        return self.is_won or self.is_lost


class LostReason(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        constraints = [
            models.UniqueConstraint("company", Lower("name"), name="crm_lost_reason_unique_ci"),
        ]

    def __str__(self):
        return self.name


# -- leads -----------------------------------------------------------------------------------


class LeadState(models.TextChoices):
    NEW = "new", _("New")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


LEAD_TRANSITIONS: dict[str, frozenset[str]] = {
    LeadState.NEW: frozenset({LeadState.QUALIFIED, LeadState.DISQUALIFIED}),
    LeadState.DISQUALIFIED: frozenset({LeadState.NEW}),
    LeadState.QUALIFIED: frozenset(),
}


class MatchOn(models.TextChoices):
    EMAIL = "email", _("email")
    PHONE = "phone", _("phone")
    COMPANY_NAME = "company_name", _("company name")


class Lead(CompanyScoped):
    name = models.CharField(_("title"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164"))
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.MANUAL)
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        SalesTeam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("sales team"),
    )
    state = models.CharField(_("state"), max_length=15, choices=LeadState, default=LeadState.NEW)
    disqualify_reason = models.CharField(_("disqualify reason"), max_length=500, blank=True)
    matched_party = models.ForeignKey(
        "parties.Party",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="crm_leads",
        verbose_name=_("matched party"),
    )
    matched_contact = models.ForeignKey(
        "parties.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched contact person"),
    )
    match_on = models.CharField(_("matched by"), max_length=15, choices=MatchOn, blank=True)
    opportunity = models.OneToOneField(
        "Opportunity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qualified_lead",
        verbose_name=_("opportunity"),
    )
    qualified_at = models.DateTimeField(_("qualified at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["company", "state", "created_at"], name="crm_lead_state"),
            models.Index(fields=["company", "email"], name="crm_lead_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["new", "qualified", "disqualified"]),
                name="crm_lead_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="qualified", opportunity__isnull=False)
                | (~Q(state="qualified") & Q(opportunity__isnull=True)),
                name="crm_lead_qualified_has_opportunity",
            ),
            models.CheckConstraint(
                condition=~Q(state="disqualified") | ~Q(disqualify_reason=""),
                name="crm_lead_disqualified_has_reason",
            ),
        ]

    def __str__(self):
        return self.name

    def can_become(self, state: str) -> bool:
        return state in LEAD_TRANSITIONS[self.state]


# -- opportunities ---------------------------------------------------------------------------


class OpportunityState(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPPORTUNITY_TRANSITIONS: dict[str, frozenset[str]] = {
    OpportunityState.OPEN: frozenset({OpportunityState.WON, OpportunityState.LOST}),
    OpportunityState.WON: frozenset(),
    OpportunityState.LOST: frozenset(),
}


class Opportunity(CompanyScoped):
    name = models.CharField(_("name"), max_length=200)
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "parties.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        SalesTeam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("sales team"),
    )
    stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("stage"),
    )
    expected_revenue = models.DecimalField(
        _("expected revenue"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=0)
    probability_manual = models.BooleanField(
        _("probability set by hand"),
        default=False,
        help_text=_("Otherwise the probability follows the stage."),
    )
    close_date = models.DateField(_("expected close date"), null=True, blank=True)
    products = models.ManyToManyField(
        "catalog.Product",
        blank=True,
        related_name="crm_opportunities",
        verbose_name=_("products of interest"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=OpportunityState, default=OpportunityState.OPEN
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("lost reason"),
    )
    lost_note = models.CharField(_("lost note"), max_length=500, blank=True)
    won_at = models.DateTimeField(_("won at"), null=True, blank=True)
    lost_at = models.DateTimeField(_("lost at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source, blank=True)
    lead = models.ForeignKey(
        Lead,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )
    # The order a win made. SET_NULL: sales may delete a draft order; the win stays.
    sales_order = models.ForeignKey(
        "sales.SalesOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales order"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["company", "state", "stage"], name="crm_opp_state_stage"),
            models.Index(fields=["company", "close_date"], name="crm_opp_close_date"),
            models.Index(fields=["company", "owner"], name="crm_opp_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_revenue__gte=0), name="crm_opp_revenue_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="crm_opp_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "won", "lost"]), name="crm_opp_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="won") | Q(won_at__isnull=False), name="crm_opp_won_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(state="lost") | Q(lost_at__isnull=False, lost_reason__isnull=False),
                name="crm_opp_lost_has_date_and_reason",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.state != OpportunityState.OPEN

    @property
    def weighted_revenue(self) -> Decimal:
        return (self.expected_revenue * self.probability / Decimal(100)).quantize(Decimal("0.01"))

    def can_become(self, state: str) -> bool:
        return state in OPPORTUNITY_TRANSITIONS[self.state]


class OpportunityStageChange(CompanyScoped):
    """One move of an opportunity (the first row: it entered its first stage), so the time
    spent in each stage and the stage-to-stage conversion can be derived."""

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="stage_changes",
        verbose_name=_("opportunity"),
    )
    from_stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from stage"),
    )
    to_stage = models.ForeignKey(
        PipelineStage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to stage")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["opportunity", "changed_at"], name="crm_stage_change_opp"),
        ]

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"


# -- activities and interactions -------------------------------------------------------------


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Task")


class ActivityState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVITY_TRANSITIONS: dict[str, frozenset[str]] = {
    ActivityState.PLANNED: frozenset({ActivityState.DONE, ActivityState.CANCELLED}),
    ActivityState.DONE: frozenset(),
    ActivityState.CANCELLED: frozenset(),
}

LINKED = Q(party__isnull=False) | Q(lead__isnull=False) | Q(opportunity__isnull=False)


class Activity(CompanyScoped):
    """A planned to-do (call, email, meeting, task) about a party, lead or opportunity."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind)
    summary = models.CharField(_("summary"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    due_at = models.DateTimeField(_("due"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="crm_activities",
        verbose_name=_("owner"),
    )
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crm_activities",
        verbose_name=_("party"),
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("opportunity"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ActivityState, default=ActivityState.PLANNED
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Set when a follow-up cadence planned it: at most one planned activity per rule and
    # record (the constraints below), whatever the engine's callers race to do.
    cadence = models.ForeignKey(
        "crm.Cadence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("follow-up cadence"),
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["company", "owner", "state", "due_at"], name="crm_activity_owner"),
            models.Index(fields=["state", "reminded_at", "due_at"], name="crm_activity_remind"),
        ]
        constraints = [
            models.CheckConstraint(condition=LINKED, name="crm_activity_linked"),
            models.CheckConstraint(
                condition=Q(kind__in=["call", "email", "meeting", "task"]),
                name="crm_activity_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["planned", "done", "cancelled"]),
                name="crm_activity_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(done_at__isnull=False),
                name="crm_activity_done_has_date",
            ),
            models.UniqueConstraint(
                fields=["cadence", "lead"],
                condition=Q(state="planned", cadence__isnull=False, lead__isnull=False),
                name="crm_activity_one_open_cadence_lead",
            ),
            models.UniqueConstraint(
                fields=["cadence", "opportunity"],
                condition=Q(state="planned", cadence__isnull=False, opportunity__isnull=False),
                name="crm_activity_one_open_cadence_opp",
            ),
            models.UniqueConstraint(
                fields=["cadence", "party"],
                condition=Q(
                    state="planned",
                    cadence__isnull=False,
                    lead__isnull=True,
                    opportunity__isnull=True,
                ),
                name="crm_activity_one_open_cadence_party",
            ),
        ]

    def __str__(self):
        return self.summary

    def can_become(self, state: str) -> bool:
        return state in ACTIVITY_TRANSITIONS[self.state]


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    IN = "in", _("Inbound")
    OUT = "out", _("Outbound")


class Interaction(CompanyScoped):
    """A touch that happened (a call, a meeting, an email, a note); never planned."""

    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction, default=Direction.OUT
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crm_interactions",
        verbose_name=_("party"),
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("opportunity"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    message_id = models.CharField(_("message ID"), max_length=255, blank=True, db_index=True)
    # Email headers, so a reply (In-Reply-To / References) threads back to this record.
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True)
    email_from = models.CharField(_("from"), max_length=320, blank=True)
    email_to = models.CharField(_("to"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["company", "occurred_at"], name="crm_interaction_when"),
        ]
        constraints = [
            models.CheckConstraint(condition=LINKED, name="crm_interaction_linked"),
            models.CheckConstraint(
                condition=Q(kind__in=["call", "email", "meeting", "note"]),
                name="crm_interaction_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["in", "out"]), name="crm_interaction_direction_valid"
            ),
            models.UniqueConstraint(
                fields=["company", "message_id"],
                condition=~Q(message_id=""),
                name="crm_interaction_unique_message_id",
            ),
        ]

    def __str__(self):
        return self.subject or self.get_kind_display()


class CalendarFeed(models.Model):
    """A user's secret calendar address. The token is kept as is (not hashed): it grants
    only reading that user's planned activities, and calendar apps need the address shown
    again; regenerating it revokes the old address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="crm_calendar_feed",
        verbose_name=_("user"),
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user} calendar"
