"""Quality control points, the checks made when an order or a receipt reaches one, alerts,
and lot genealogy (which component lots went into a produced lot).

A failed check that is not released holds its lot: `services.quality.held_lots` names the
held lots, the order refuses to consume them, and inventory asks the same function through
the `inventory.held_lots` provider before reserving or shipping a lot.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

QTY = {"max_digits": 24, "decimal_places": 6}
MEASURE = {"max_digits": 18, "decimal_places": 6}


class QualityTrigger(models.TextChoices):
    PRODUCTION = "production", _("Production")
    RECEIPT = "receipt", _("Receipt")


class QualityTest(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    MEASURE = "measure", _("Measurement")


class QualityPoint(CompanyScoped):
    """Where a check is made: producing (any order of `product`, or of the BOM of
    `operation`) or receiving `product`; one time in `every` that the point is reached."""

    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("when"), max_length=12, choices=QualityTrigger)
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    operation = models.ForeignKey(
        "manufacturing.BomOperation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operation"),
    )
    test = models.CharField(
        _("test"), max_length=10, choices=QualityTest, default=QualityTest.PASS_FAIL
    )
    norm = models.DecimalField(_("norm"), null=True, blank=True, **MEASURE)
    tolerance_min = models.DecimalField(_("minimum"), null=True, blank=True, **MEASURE)
    tolerance_max = models.DecimalField(_("maximum"), null=True, blank=True, **MEASURE)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True, default="")
    instructions = models.TextField(_("instructions"), blank=True, default="")
    mandatory = models.BooleanField(_("mandatory"), default=True)
    every = models.PositiveIntegerField(_("check one in"), default=1)
    # how many times the point was reached: a check is made when (reached - 1) % every == 0
    reached = models.PositiveIntegerField(_("times reached"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("quality control point")
        verbose_name_plural = _("quality control points")
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=QualityTrigger.values) & Q(test__in=QualityTest.values),
                name="quality_point_kind_valid",
            ),
            models.CheckConstraint(condition=Q(every__gte=1), name="quality_point_every_valid"),
            models.CheckConstraint(
                condition=~Q(test=QualityTest.MEASURE)
                | Q(
                    tolerance_min__isnull=False,
                    tolerance_max__isnull=False,
                    tolerance_max__gte=F("tolerance_min"),
                ),
                name="quality_point_tolerance_valid",
            ),
            models.CheckConstraint(
                condition=Q(operation__isnull=True) | Q(trigger=QualityTrigger.PRODUCTION),
                name="quality_point_operation_production",
            ),
        ]

    def __str__(self):
        return self.name


class CheckState(models.TextChoices):
    TODO = "todo", _("To do")
    PASS = "pass", _("Passed")
    FAIL = "fail", _("Failed")


class QualityCheck(CompanyScoped):
    point = models.ForeignKey(
        QualityPoint, on_delete=models.PROTECT, related_name="checks", verbose_name=_("point")
    )
    mo = models.ForeignKey(
        "manufacturing.ManufacturingOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quality_checks",
        verbose_name=_("manufacturing order"),
    )
    move = models.ForeignKey(
        "inventory.StockMove",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("receipt move"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lot = models.ForeignKey(
        "inventory.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lot / serial"),
    )
    mandatory = models.BooleanField(_("mandatory"), default=True)
    state = models.CharField(_("state"), max_length=6, choices=CheckState, default=CheckState.TODO)
    measure = models.DecimalField(_("measured"), null=True, blank=True, **MEASURE)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")
        indexes = [models.Index(fields=["company", "state"], name="quality_check_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CheckState.values), name="quality_check_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(state=CheckState.FAIL),
                name="quality_check_release_failed",
            ),
            models.UniqueConstraint(
                fields=["point", "move"],
                condition=Q(move__isnull=False),
                name="quality_check_once_per_move",
            ),
        ]

    @property
    def holds(self) -> bool:
        return self.state == CheckState.FAIL and self.released_at is None


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QualityAlert(CompanyScoped):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
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
        verbose_name=_("lot / serial"),
    )
    check_row = models.ForeignKey(
        QualityCheck,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        verbose_name=_("quality check"),
        db_column="check_id",
    )
    state = models.CharField(_("state"), max_length=6, choices=AlertState, default=AlertState.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("quality alert")
        verbose_name_plural = _("quality alerts")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AlertState.values), name="quality_alert_state_valid"
            )
        ]


class LotGenealogy(CompanyScoped):
    """`quantity` of `component_lot` went into `lot` on order `mo` (summed over its steps)."""

    mo = models.ForeignKey(
        "manufacturing.ManufacturingOrder", on_delete=models.CASCADE, related_name="genealogy"
    )
    lot = models.ForeignKey(
        "inventory.Lot", on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    component_lot = models.ForeignKey(
        "inventory.Lot",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("component lot"),
    )
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("lot genealogy")
        verbose_name_plural = _("lot genealogy")
        constraints = [
            models.UniqueConstraint(
                fields=["mo", "lot", "component_lot"], name="lot_genealogy_unique"
            ),
            models.CheckConstraint(
                condition=~Q(lot=F("component_lot")), name="lot_genealogy_not_itself"
            ),
        ]
