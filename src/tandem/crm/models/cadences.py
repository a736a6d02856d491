"""Follow-up cadences (rules that keep a record touched), sales targets and CRM settings."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .pipeline import ActivityKind, PipelineStage, SalesTeam


class CrmSettings(CompanyScoped):
    """One row per company, made on first use."""

    team_visibility = models.BooleanField(
        _("reps see only their own team's leads and opportunities"),
        default=False,
        help_text=_("Sales team leaders see their teams; owners and admins see everything."),
    )
    # Authenticates POST /crm/mail-in/ (a mail server's pipe); kept as is so it can be shown
    # again, and it grants nothing but logging an inbound email.
    mail_in_token = models.CharField(_("inbound email token"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("CRM settings")
        verbose_name_plural = _("CRM settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="crm_settings_one"),
        ]

    def __str__(self):
        return str(self.company)


class CadenceTarget(models.TextChoices):
    LEAD = "lead", _("New leads")
    OPPORTUNITY = "opportunity", _("Open opportunities")
    PARTY = "party", _("Customers")


class IntervalUnit(models.TextChoices):
    DAYS = "days", _("days")
    BUSINESS_DAYS = "business_days", _("business days")


class Cadence(CompanyScoped):
    """A follow-up rule: records it applies to get a planned activity `interval` after their
    last touch, for their owner (else the rule's owner).

    Leads: new leads. Opportunities: open ones, in `stage` if set. Customers: active
    customers. `tag` narrows opportunities and customers to a segment (the party's tag).
    """

    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(_("applies to"), max_length=12, choices=CadenceTarget)
    stage = models.ForeignKey(
        PipelineStage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cadences",
        verbose_name=_("stage"),
    )
    tag = models.ForeignKey(
        "parties.Tag",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="crm_cadences",
        verbose_name=_("segment (tag)"),
    )
    kind = models.CharField(
        _("activity kind"), max_length=10, choices=ActivityKind, default=ActivityKind.CALL
    )
    interval = models.PositiveSmallIntegerField(_("interval"), default=3)
    interval_unit = models.CharField(
        _("interval unit"), max_length=15, choices=IntervalUnit, default=IntervalUnit.DAYS
    )
    summary_template = models.CharField(
        _("summary"),
        max_length=200,
        default="Follow up: {record}",
        help_text=_("{record}, {stage} and {owner} are replaced."),
    )
    repeat = models.BooleanField(
        _("repeat"),
        default=True,
        help_text=_("Otherwise the rule plans one activity per record, ever."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner when the record has none"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["applies_to", "name", "id"]
        verbose_name = _("follow-up cadence")
        verbose_name_plural = _("follow-up cadences")
        constraints = [
            models.UniqueConstraint("company", Lower("name"), name="crm_cadence_unique_name_ci"),
            models.CheckConstraint(
                condition=Q(applies_to__in=CadenceTarget.values), name="crm_cadence_target_valid"
            ),
            models.CheckConstraint(
                condition=Q(interval_unit__in=IntervalUnit.values), name="crm_cadence_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(interval__gte=1, interval__lte=366), name="crm_cadence_interval_range"
            ),
            models.CheckConstraint(
                condition=Q(stage__isnull=True) | Q(applies_to="opportunity"),
                name="crm_cadence_stage_only_opportunity",
            ),
            models.CheckConstraint(
                condition=Q(tag__isnull=True) | ~Q(applies_to="lead"),
                name="crm_cadence_tag_not_lead",
            ),
        ]

    def __str__(self):
        return self.name


class TargetPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class TargetMeasure(models.TextChoices):
    WON_REVENUE = "won_revenue", _("Won revenue")
    INVOICED_REVENUE = "invoiced_revenue", _("Invoiced revenue")


class SalesTarget(CompanyScoped):
    """业绩目标: an amount in the company currency for one rep or one team in one period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="crm_targets",
        verbose_name=_("sales rep"),
    )
    team = models.ForeignKey(
        SalesTeam,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("sales team"),
    )
    period = models.CharField(
        _("period"), max_length=10, choices=TargetPeriod, default=TargetPeriod.MONTH
    )
    period_start = models.DateField(_("period start"))
    measure = models.CharField(
        _("measure"), max_length=20, choices=TargetMeasure, default=TargetMeasure.WON_REVENUE
    )
    amount = models.DecimalField(
        _("target amount"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["-period_start", "id"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="crm_target_rep_or_team",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="crm_target_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(period__in=TargetPeriod.values), name="crm_target_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(measure__in=TargetMeasure.values), name="crm_target_measure_valid"
            ),
            models.UniqueConstraint(
                fields=["company", "user", "period", "period_start", "measure"],
                condition=Q(user__isnull=False),
                name="crm_target_unique_rep",
            ),
            models.UniqueConstraint(
                fields=["company", "team", "period", "period_start", "measure"],
                condition=Q(team__isnull=False),
                name="crm_target_unique_team",
            ),
        ]

    def __str__(self):
        return f"{self.user or self.team} {self.period_start} {self.amount}"
