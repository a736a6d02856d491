"""Models of the manufacturing app: work centres, BOMs, manufacturing orders and their costs.

Stock never lives here: components consumed and outputs produced are inventory stock moves
to and from the company's production location (valued and posted by inventory), found by
the order's number in their `origin`. Every journal entry an order causes is linked through
`MoEntry`, so the order's WIP is the sum of those entries' WIP lines. Workflow lives in
services.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

QTY = {"max_digits": 24, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}
MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 7, "decimal_places": 3}
ZERO = Decimal(0)


class WorkCenter(CompanyScoped):
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    cost_per_hour = models.DecimalField(_("cost per hour"), default=ZERO, **PRICE)
    overhead_per_hour = models.DecimalField(_("overhead per hour"), default=ZERO, **PRICE)
    capacity_hours_per_day = models.DecimalField(
        _("capacity (hours per day)"), default=Decimal(8), max_digits=6, decimal_places=2
    )
    efficiency = models.DecimalField(_("efficiency %"), default=Decimal(100), **PERCENT)
    setup_minutes = models.DecimalField(
        _("set-up time (minutes)"), default=ZERO, max_digits=10, decimal_places=2
    )
    # the days it works (weekends, public holidays and the calendar's own days off have no
    # capacity); empty: the company's country calendar, Monday to Friday
    # (tandem.manufacturing.capacity.center_calendar)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working calendar"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("work centre")
        verbose_name_plural = _("work centres")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="work_center_unique_code"),
            models.CheckConstraint(
                condition=Q(
                    cost_per_hour__gte=0,
                    overhead_per_hour__gte=0,
                    capacity_hours_per_day__gte=0,
                    capacity_hours_per_day__lte=24,
                    setup_minutes__gte=0,
                    efficiency__gt=0,
                ),
                name="work_center_figures_valid",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class BomType(models.TextChoices):
    NORMAL = "normal", _("Manufacture")
    # a kit is never made: a sales delivery (and MRP) takes its components instead
    PHANTOM = "phantom", _("Kit")


class Bom(CompanyScoped):
    """Makes `quantity` `uom` of `product` from its lines; versions of a product's BOM are
    told apart by `version` and dated by `valid_from`/`valid_to`. A BOM of type `phantom`
    (a kit) is not manufactured: selling its product delivers its components."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), default=Decimal(1), **QTY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    type = models.CharField(_("type"), max_length=10, choices=BomType, default=BomType.NORMAL)
    scrap_percent = models.DecimalField(_("scrap %"), default=ZERO, **PERCENT)
    # working days of the company calendar from releasing an order of this BOM to its output
    # being ready (MRP's offset)
    lead_time_days = models.PositiveIntegerField(_("lead time (working days)"), default=1)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["product_id", "-version"]
        verbose_name = _("bill of materials")
        verbose_name_plural = _("bills of materials")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "product", "version"], name="bom_unique_version"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bom_quantity_positive"),
            models.CheckConstraint(condition=Q(type__in=BomType.values), name="bom_type_valid"),
            models.CheckConstraint(
                condition=Q(scrap_percent__gte=0, scrap_percent__lt=100), name="bom_scrap_valid"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="bom_validity_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.product} v{self.version}"


class BomLineKind(models.TextChoices):
    COMPONENT = "component", _("Component")
    PHANTOM = "phantom", _("Kit")


class BomLine(CompanyScoped):
    bom = models.ForeignKey(Bom, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=BomLineKind, default=BomLineKind.COMPONENT
    )

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="bom_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=BomLineKind.values), name="bom_line_kind_valid"
            ),
        ]


class BomByproduct(CompanyScoped):
    bom = models.ForeignKey(Bom, on_delete=models.CASCADE, related_name="byproducts")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    cost_share = models.DecimalField(_("cost share %"), default=ZERO, **PERCENT)

    class Meta:
        ordering = ["id"]
        verbose_name = _("by-product")
        verbose_name_plural = _("by-products")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="bom_byproduct_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(cost_share__gte=0, cost_share__lte=100),
                name="bom_byproduct_share_valid",
            ),
        ]


class BomOperation(CompanyScoped):
    bom = models.ForeignKey(Bom, on_delete=models.CASCADE, related_name="operations")
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    work_center = models.ForeignKey(
        WorkCenter, on_delete=models.PROTECT, related_name="+", verbose_name=_("work centre")
    )
    minutes = models.DecimalField(_("minutes"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=0), name="bom_operation_minutes_valid")
        ]


class MoState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


MO_TRANSITIONS = {
    MoState.DRAFT: {MoState.CONFIRMED, MoState.CANCELLED},
    MoState.CONFIRMED: {MoState.IN_PROGRESS, MoState.DONE, MoState.CANCELLED},
    MoState.IN_PROGRESS: {MoState.IN_PROGRESS, MoState.DONE},
    MoState.DONE: set(),
    MoState.CANCELLED: set(),
}


class ManufacturingOrder(CompanyScoped):
    number = models.CharField(_("number"), max_length=64)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    quantity_produced = models.DecimalField(_("quantity produced"), default=ZERO, **QTY)
    bom = models.ForeignKey(
        Bom, on_delete=models.PROTECT, related_name="orders", verbose_name=_("bill of materials")
    )
    state = models.CharField(_("state"), max_length=12, choices=MoState, default=MoState.DRAFT)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("warehouse"),
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    sales_order = models.ForeignKey(
        "sales.SalesOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sales order"),
    )
    backorder_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="backorders",
        verbose_name=_("backorder of"),
    )
    date_done = models.DateTimeField(_("date done"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["-planned_start", "-id"]
        verbose_name = _("manufacturing order")
        verbose_name_plural = _("manufacturing orders")
        permissions = [("overproduce", _("Can produce more than planned"))]
        indexes = [models.Index(fields=["company", "state", "planned_start"])]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="mo_unique_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mo_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_produced__gte=0), name="mo_produced_not_negative"
            ),
            models.CheckConstraint(condition=Q(state__in=MoState.values), name="mo_state_valid"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="mo_dates_ordered"
            ),
            models.CheckConstraint(condition=~Q(backorder_of=F("id")), name="mo_not_own_backorder"),
        ]

    def __str__(self):
        return self.number

    @property
    def quantity_left(self) -> Decimal:
        return max(self.quantity - self.quantity_produced, ZERO)


class MoComponent(CompanyScoped):
    """What the order plans to consume and has consumed, in the product's unit."""

    mo = models.ForeignKey(ManufacturingOrder, on_delete=models.CASCADE, related_name="components")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    quantity_consumed = models.DecimalField(_("quantity consumed"), default=ZERO, **QTY)
    value_consumed = models.DecimalField(_("value consumed"), default=ZERO, **MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("component")
        verbose_name_plural = _("components")
        constraints = [
            models.UniqueConstraint(fields=["mo", "product"], name="mo_component_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, quantity_consumed__gte=0),
                name="mo_component_quantities_valid",
            ),
        ]


class MoOutput(CompanyScoped):
    """The main product or a by-product, in the product's unit, with the value produced."""

    mo = models.ForeignKey(ManufacturingOrder, on_delete=models.CASCADE, related_name="outputs")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    is_byproduct = models.BooleanField(_("by-product"), default=False)
    quantity = models.DecimalField(_("quantity"), **QTY)
    quantity_produced = models.DecimalField(_("quantity produced"), default=ZERO, **QTY)
    cost_share = models.DecimalField(_("cost share %"), default=ZERO, **PERCENT)
    value = models.DecimalField(_("value"), default=ZERO, **MONEY)

    class Meta:
        ordering = ["is_byproduct", "id"]
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        constraints = [
            models.UniqueConstraint(fields=["mo", "product"], name="mo_output_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, quantity_produced__gte=0),
                name="mo_output_quantities_valid",
            ),
            models.CheckConstraint(
                condition=Q(cost_share__gte=0, cost_share__lte=100), name="mo_output_share_valid"
            ),
        ]

    @property
    def unit_cost(self) -> Decimal | None:
        if not self.quantity_produced:
            return None
        return (self.value / self.quantity_produced).quantize(Decimal("0.000001"))


class WorkLog(CompanyScoped):
    """Time spent on an operation: hours x the work centre's rates, absorbed into WIP."""

    mo = models.ForeignKey(ManufacturingOrder, on_delete=models.CASCADE, related_name="work_logs")
    operation = models.ForeignKey(
        BomOperation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operation"),
    )
    work_center = models.ForeignKey(
        WorkCenter, on_delete=models.PROTECT, related_name="+", verbose_name=_("work centre")
    )
    minutes = models.DecimalField(_("minutes"), max_digits=12, decimal_places=2)
    labour_cost = models.DecimalField(_("labour cost"), **MONEY)
    overhead_cost = models.DecimalField(_("overhead"), **MONEY)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        "accounting.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="work_log_minutes_positive"),
            models.CheckConstraint(
                condition=Q(labour_cost__gte=0, overhead_cost__gte=0),
                name="work_log_costs_valid",
            ),
        ]


class Scrap(CompanyScoped):
    mo = models.ForeignKey(ManufacturingOrder, on_delete=models.CASCADE, related_name="scraps")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    reason = models.CharField(_("reason"), max_length=200)
    value = models.DecimalField(_("value"), default=ZERO, **MONEY)
    entry = models.ForeignKey(
        "accounting.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("scrap")
        verbose_name_plural = _("scraps")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="scrap_quantity_positive")
        ]


class MoEntryKind(models.TextChoices):
    CONSUME = "consume", _("Components consumed")
    PRODUCE = "produce", _("Outputs produced")
    LABOUR = "labour", _("Work time")
    SCRAP = "scrap", _("Scrap")
    VARIANCE = "variance", _("Variance")
    CLOSE = "close", _("Completion")


class MoEntry(CompanyScoped):
    """A posted journal entry caused by the order (its WIP lines are the order's WIP)."""

    mo = models.ForeignKey(ManufacturingOrder, on_delete=models.CASCADE, related_name="entries")
    entry = models.ForeignKey(
        "accounting.Entry", on_delete=models.PROTECT, related_name="manufacturing_links"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MoEntryKind)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order entry")
        verbose_name_plural = _("order entries")
        constraints = [
            models.UniqueConstraint(fields=["mo", "entry"], name="mo_entry_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=MoEntryKind.values), name="mo_entry_kind_valid"
            ),
        ]


class PlannedKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    MANUFACTURE = "manufacture", _("Manufacture")


class PlannedState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    FIRMED = "firmed", _("Firmed")


class PlannedOrder(CompanyScoped):
    """What the last MRP run says to buy or make, by when, and for which demands. A new run
    replaces the planned ones; firming makes the draft purchase or manufacturing order,
    which later runs count as supply.

    A run writes tens of thousands of these at once, so the table keeps only the indexes
    its reads use ((company, state) and product); the other references are not indexed (a
    deleted BOM, supplier or order nulls its few planned orders by a scan)."""

    # (company, state) serves the company's look-ups; not indexed alone
    company = models.ForeignKey(
        "core.Company",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("company"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    kind = models.CharField(_("kind"), max_length=12, choices=PlannedKind)
    state = models.CharField(
        _("state"), max_length=10, choices=PlannedState, default=PlannedState.PLANNED
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    due_date = models.DateField(_("due date"))
    release_date = models.DateField(_("release date"))
    bom = models.ForeignKey(
        Bom,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("bill of materials"),
        db_index=False,
    )
    supplier = models.ForeignKey(
        "parties.Party",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("supplier"),
        db_index=False,
    )
    purchase_order = models.ForeignKey(
        "purchasing.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("purchase order"),
        db_index=False,
    )
    manufacturing_order = models.ForeignKey(
        ManufacturingOrder,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("manufacturing order"),
        db_index=False,
    )
    planned_at = models.DateTimeField(_("planned at"))

    class Meta:
        ordering = ["release_date", "id"]
        verbose_name = _("planned order")
        verbose_name_plural = _("planned orders")
        indexes = [models.Index(fields=["company", "state"], name="mrp_planned_state")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mrp_planned_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(kind__in=PlannedKind.values) & Q(state__in=PlannedState.values),
                name="mrp_planned_kind_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.product_id} x {self.quantity} by {self.due_date}"


class PeggingKind(models.TextChoices):
    SALES_ORDER_LINE = "sales_order_line", _("Sales order")
    MO_COMPONENT = "mo_component", _("Manufacturing order component")
    PLANNED_ORDER = "planned_order", _("Planned order")
    SAFETY_STOCK = "safety_stock", _("Safety stock")
    FORECAST = "forecast", _("Forecast")


class Pegging(CompanyScoped):
    """One demand a planned order serves, and how much of it. Read through its planned
    order only: the one index is on `planned_order` (a run writes ~40,000 of these)."""

    company = models.ForeignKey(
        "core.Company",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("company"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    planned_order = models.ForeignKey(
        PlannedOrder, on_delete=models.CASCADE, related_name="pegging"
    )
    demand_kind = models.CharField(_("demand"), max_length=20, choices=PeggingKind)
    demand_id = models.BigIntegerField(_("demand id"), null=True, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True, default="")
    date = models.DateField(_("date"))
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("pegging")
        verbose_name_plural = _("pegging")


class DemandForecast(CompanyScoped):
    """A manual forecast: how much of a product is expected to be ordered in a period. MRP
    plans for what the confirmed sales orders dated in the period have not yet taken of it."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    quantity = models.DecimalField(_("quantity"), **QTY)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["date_from", "product_id", "id"]
        verbose_name = _("demand forecast")
        verbose_name_plural = _("demand forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "product", "date_from"], name="mrp_forecast_unique_period"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="mrp_forecast_qty_valid"),
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")), name="mrp_forecast_dates_ordered"
            ),
        ]


class MrpMode(models.TextChoices):
    REGENERATIVE = "regenerative", _("Regenerative")
    NET_CHANGE = "net_change", _("Net change")


class MrpBucket(models.TextChoices):
    DAY = "day", _("Daily")
    WEEK = "week", _("Weekly")


class MrpRun(CompanyScoped):
    """One finished MRP run: how it ran and what it found (net change starts from the last)."""

    mode = models.CharField(_("mode"), max_length=12, choices=MrpMode)
    bucket = models.CharField(_("buckets"), max_length=4, choices=MrpBucket)
    today = models.DateField(_("planning date"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    items = models.PositiveIntegerField(_("items planned"), default=0)
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("MRP run")
        verbose_name_plural = _("MRP runs")


class MessageKind(models.TextChoices):
    RESCHEDULE_IN = "reschedule_in", _("Reschedule in")
    RESCHEDULE_OUT = "reschedule_out", _("Reschedule out")
    CANCEL = "cancel", _("Cancel")


class MrpMessage(CompanyScoped):
    """What the last run advises for an existing open purchase order line or manufacturing
    order: bring it in, push it out (to `suggested_date`) or cancel it."""

    kind = models.CharField(_("action"), max_length=16, choices=MessageKind)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    purchase_order_line = models.ForeignKey(
        "purchasing.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("purchase order line"),
    )
    manufacturing_order = models.ForeignKey(
        ManufacturingOrder,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("manufacturing order"),
    )
    label = models.CharField(_("document"), max_length=100, blank=True, default="")
    current_date = models.DateField(_("due now"))
    suggested_date = models.DateField(_("suggested date"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        ordering = ["kind", "current_date", "id"]
        verbose_name = _("MRP message")
        verbose_name_plural = _("MRP messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="mrp_message_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(purchase_order_line__isnull=False)
                | Q(manufacturing_order__isnull=False),
                name="mrp_message_has_document",
            ),
        ]


# the quality models refer to the ones above by name; imported here so Django finds them
from .quality import (  # noqa: E402, F401
    AlertState,
    CheckState,
    LotGenealogy,
    QualityAlert,
    QualityCheck,
    QualityPoint,
    QualityTest,
    QualityTrigger,
)
from .shop_floor import WorkTimer  # noqa: E402, F401
