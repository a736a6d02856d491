"""Performance: review cycles, goals with weights and key results, self and manager reviews
with ratings."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .org import Employee


class CycleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


CYCLE_TRANSITIONS = {
    CycleState.DRAFT: {CycleState.OPEN},
    CycleState.OPEN: {CycleState.CLOSED},
    CycleState.CLOSED: set(),
}


class ReviewCycle(CompanyScoped):
    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    state = models.CharField(
        _("state"), max_length=10, choices=CycleState.choices, default=CycleState.DRAFT
    )

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="hr_cycle_end"),
            models.UniqueConstraint(fields=["company", "name"], name="hr_cycle_unique_name"),
        ]

    def __str__(self):
        return self.name


class GoalSource(models.TextChoices):
    MANUAL = "manual", _("Set by hand")
    SALES_TARGET = "sales_target", _("CRM sales target")


class Goal(CompanyScoped):
    cycle = models.ForeignKey(
        ReviewCycle, on_delete=models.CASCADE, related_name="goals", verbose_name=_("cycle")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="goals", verbose_name=_("employee")
    )
    title = models.CharField(_("title"), max_length=200)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    # [{"title": ..., "target": "100", "actual": "80"}]
    key_results = models.JSONField(_("key results"), default=list, blank=True)
    source = models.CharField(
        _("source"), max_length=15, choices=GoalSource.choices, default=GoalSource.MANUAL
    )
    # achievement in % (key results' actual / target, averaged; or the CRM figure)
    achievement = models.DecimalField(
        _("achievement (%)"), max_digits=7, decimal_places=1, null=True, blank=True
    )

    class Meta:
        ordering = ["cycle_id", "employee_id", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="hr_goal_weight"
            ),
        ]

    def __str__(self):
        return self.title


class ReviewKind(models.TextChoices):
    SELF = "self", _("Self review")
    MANAGER = "manager", _("Manager review")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Review(CompanyScoped):
    cycle = models.ForeignKey(
        ReviewCycle, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("cycle")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("employee")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReviewKind.choices)
    reviewer = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["cycle_id", "employee_id", "kind"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "employee", "kind"], name="hr_review_unique_kind"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="hr_review_rating",
            ),
        ]

    def __str__(self):
        return f"{self.cycle_id} {self.employee_id} {self.kind}"
