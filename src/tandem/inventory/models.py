"""Warehouses, locations, lots, stock moves and transfers, stock levels, valuation, counts.

Done stock moves are append-only: `save()`/`delete()` and the QuerySet's `update()`/
`delete()` refuse them here, and on PostgreSQL a trigger (migration 0002) stops raw SQL too.
Stock levels and per-product valuation totals are summaries kept in the transaction of the
done move and verified by `tandem check-integrity`. Workflow lives in services.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import Conflict
from tandem.core.models import CompanyQuerySet, CompanyScoped

QTY = {"max_digits": 24, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}
MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal(0)


class MoveDone(Conflict):
    code = "move.done"
    title = "Done stock moves never change"


# -- settings ------------------------------------------------------------------------------


class InventorySettings(CompanyScoped):
    """Accounts for count differences and scrap (unset: the `expense` role's account), and
    the default warehouse of documents that name none (see `services.warehouse_default`)."""

    loss_account = models.ForeignKey(
        "accounting.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inventory loss account"),
    )
    gain_account = models.ForeignKey(
        "accounting.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inventory gain account"),
    )
    # explicit, so that adding a warehouse never re-routes receipts, orders and deliveries
    default_warehouse = models.ForeignKey(
        "Warehouse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default warehouse"),
    )

    class Meta:
        verbose_name = _("inventory settings")
        verbose_name_plural = _("inventory settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="inventory_settings_one_per_company")
        ]


class ProductStock(CompanyScoped):
    """Per product: whether stock may go negative, and the valued totals (sum of layers).

    The row is also the product's valuation lock: every done move that values stock
    locks it (after the level rows), so FIFO layers and the running average never race.
    """

    product = models.OneToOneField(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="stock_setting",
        verbose_name=_("product"),
    )
    allow_negative = models.BooleanField(_("allow negative stock"), default=False)
    quantity = models.DecimalField(_("valued quantity"), default=ZERO, **QTY)
    value = models.DecimalField(_("value"), default=ZERO, **MONEY)

    class Meta:
        verbose_name = _("product stock")
        verbose_name_plural = _("product stock")
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(quantity__gte=0),
                name="product_stock_quantity_not_negative",
            )
        ]


# -- warehouses and locations --------------------------------------------------------------


class LocationUsage(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    SUPPLIER = "supplier", _("Supplier")
    CUSTOMER = "customer", _("Customer")
    INVENTORY = "inventory", _("Inventory loss")
    PRODUCTION = "production", _("Production")
    SCRAP = "scrap", _("Scrap")
    TRANSIT = "transit", _("Transit")
    VIEW = "view", _("View")


# Stock in these locations is the company's and carries value; levels are kept for them.
VALUED_USAGES = (LocationUsage.INTERNAL, LocationUsage.TRANSIT)


class Location(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent location"),
    )
    full_name = models.CharField(_("full name"), max_length=400, blank=True)
    usage = models.CharField(_("usage"), max_length=12, choices=LocationUsage)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, default="")
    warehouse = models.ForeignKey(
        "Warehouse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="locations",
        verbose_name=_("warehouse"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(usage__in=LocationUsage.values), name="location_usage_valid"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="location_not_own_parent"),
            models.UniqueConstraint(
                fields=["company", "barcode"],
                condition=~Q(barcode=""),
                name="location_unique_barcode",
            ),
            # the company's virtual locations exist once each
            models.UniqueConstraint(
                fields=["company", "usage"],
                condition=Q(warehouse__isnull=True) & ~Q(usage__in=["internal", "view"]),
                name="location_one_virtual_per_usage",
            ),
        ]

    def __str__(self):
        return self.full_name or self.name

    @property
    def is_valued(self) -> bool:
        return self.usage in VALUED_USAGES


class Warehouse(CompanyScoped):
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=100)
    view_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("view location")
    )
    stock_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("stock location")
    )
    input_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("input location")
    )
    output_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("output location")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="warehouse_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


# -- lots ----------------------------------------------------------------------------------


class Lot(CompanyScoped):
    """A lot or, for serial-tracked products, a serial number (a lot of quantity one)."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="lots", verbose_name=_("product")
    )
    name = models.CharField(_("name"), max_length=100)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        ordering = ["product_id", "name"]
        verbose_name = _("lot / serial")
        verbose_name_plural = _("lots / serials")
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="lot_unique_name"),
        ]

    def __str__(self):
        return self.name


# -- transfers and moves -------------------------------------------------------------------


class TransferKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    DELIVERY = "delivery", _("Delivery")
    INTERNAL = "internal", _("Internal transfer")


class MoveState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Waiting")
    ASSIGNED = "assigned", _("Ready")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


TRANSFER_TRANSITIONS = {
    MoveState.DRAFT: {MoveState.CONFIRMED, MoveState.CANCELLED},
    MoveState.CONFIRMED: {MoveState.ASSIGNED, MoveState.DONE, MoveState.CANCELLED},
    MoveState.ASSIGNED: {MoveState.ASSIGNED, MoveState.DONE, MoveState.CANCELLED},
    MoveState.DONE: set(),
    MoveState.CANCELLED: set(),
}


class Transfer(CompanyScoped):
    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind)
    state = models.CharField(_("state"), max_length=10, choices=MoveState, default=MoveState.DRAFT)
    party = models.ForeignKey(
        "parties.Party",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner"),
    )
    # where the goods go (a delivery) or come from: the order's delivery address; empty means
    # the party's own shipping address
    address = models.ForeignKey(
        "parties.Address",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("address"),
    )
    origin = models.CharField(_("source document"), max_length=100, blank=True, default="")
    scheduled_date = models.DateField(_("scheduled date"))
    date_done = models.DateTimeField(_("date done"), null=True, blank=True)
    warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("warehouse"),
    )
    location_src = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("source location")
    )
    location_dest = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destination location"),
    )
    backorder_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="backorders",
        verbose_name=_("backorder of"),
    )
    entry = models.ForeignKey(
        "accounting.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("journal entry"),
    )
    notes = models.TextField(_("notes"), blank=True, default="")

    class Meta:
        ordering = ["-scheduled_date", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [models.Index(fields=["company", "state", "scheduled_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TransferKind.values), name="transfer_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=MoveState.values), name="transfer_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(backorder_of=F("id")), name="transfer_not_own_backorder"
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    @property
    def can_cancel(self) -> bool:
        return MoveState.CANCELLED in TRANSFER_TRANSITIONS[MoveState(self.state)]


class StockMoveQuerySet(CompanyQuerySet):
    """Refuses bulk changes that would touch a done move."""

    def update(self, **kwargs):
        if self.filter(state=MoveState.DONE).exists():
            raise MoveDone("Done stock moves cannot be changed; move the stock back instead")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(state=MoveState.DONE).exists():
            raise MoveDone("Done stock moves cannot be deleted; move the stock back instead")
        return super().delete()


class StockMove(CompanyScoped):
    """Quantities are in the product's unit; `uom`/`uom_quantity` keep the document's."""

    transfer = models.ForeignKey(
        Transfer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
        verbose_name=_("transfer"),
    )
    count = models.ForeignKey(
        "InventoryCount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
        verbose_name=_("inventory count"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    quantity_done = models.DecimalField(_("quantity done"), default=ZERO, **QTY)
    quantity_reserved = models.DecimalField(_("quantity reserved"), default=ZERO, **QTY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    uom_quantity = models.DecimalField(_("quantity in the document's unit"), **QTY)
    location_src = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("source location")
    )
    location_dest = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destination location"),
    )
    lot = models.ForeignKey(
        Lot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
        verbose_name=_("lot / serial"),
    )
    state = models.CharField(_("state"), max_length=10, choices=MoveState, default=MoveState.DRAFT)
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, **PRICE)
    value = models.DecimalField(_("value"), default=ZERO, **MONEY)
    date = models.DateField(_("date"))
    date_done = models.DateTimeField(_("date done"), null=True, blank=True)
    origin = models.CharField(_("source document"), max_length=100, blank=True, default="")

    objects = StockMoveQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        indexes = [
            models.Index(fields=["product", "state", "date"], name="move_product_state"),
            # the move drill-down of a product, newest first
            models.Index(fields=["product", "date", "id"], name="move_product_date"),
            # check-integrity and the reservation checks look for these few rows only
            models.Index(
                fields=["product", "location_src"],
                condition=Q(quantity_reserved__gt=0),
                name="move_reserved",
            ),
            models.Index(fields=["location_src", "state"], name="move_src_state"),
            models.Index(fields=["location_dest", "state"], name="move_dest_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0, quantity_done__gte=0, quantity_reserved__gte=0),
                name="move_quantities_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity")),
                name="move_reserved_within_quantity",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(quantity_reserved=0, date_done__isnull=False),
                name="move_done_settled",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="move_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(location_src=F("location_dest")), name="move_locations_differ"
            ),
            models.CheckConstraint(
                condition=Q(state__in=MoveState.values), name="move_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.product_id}: {self.quantity} {self.location_src_id}->{self.location_dest_id}"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, state=MoveState.DONE).exists():
            raise MoveDone("Done stock moves cannot be changed; move the stock back instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, state=MoveState.DONE).exists():
            raise MoveDone("Done stock moves cannot be deleted; move the stock back instead")
        return super().delete(*args, **kwargs)


# -- the stock summary ---------------------------------------------------------------------


class StockLevel(CompanyScoped):
    """On hand and reserved per product, valued location and lot (a quant).

    Maintained under a row lock in the transaction of each done move or reservation;
    `on_hand` always equals the sum of done moves (check-integrity verifies it).
    """

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="levels", verbose_name=_("location")
    )
    lot = models.ForeignKey(
        Lot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="levels",
        verbose_name=_("lot / serial"),
    )
    on_hand = models.DecimalField(_("on hand"), default=ZERO, **QTY)
    reserved = models.DecimalField(_("reserved"), default=ZERO, **QTY)
    # copied from ProductStock.allow_negative so the database can check the invariant
    allow_negative = models.BooleanField(_("allow negative stock"), default=False)

    class Meta:
        ordering = ["product_id", "location_id", "lot_id"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        indexes = [models.Index(fields=["location", "product"], name="level_location_product")]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "location", "lot"],
                condition=Q(lot__isnull=False),
                name="level_unique_with_lot",
            ),
            models.UniqueConstraint(
                fields=["product", "location"],
                condition=Q(lot__isnull=True),
                name="level_unique_without_lot",
            ),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="level_reserved_positive"),
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(on_hand__gte=0, reserved__lte=F("on_hand")),
                name="level_within_on_hand",
            ),
        ]

    def __str__(self):
        return f"{self.product_id}@{self.location_id}: {self.on_hand}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class ValuationLayer(CompanyScoped):
    """Value entering (quantity > 0) or leaving (< 0) the company's stock of a product.

    Incoming layers keep what is left of them in `remaining_*`; FIFO consumes them oldest
    first. The product's value is the sum of its layers' values.
    """

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    move = models.ForeignKey(
        StockMove,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="layers",
        verbose_name=_("stock move"),
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_cost = models.DecimalField(_("unit cost"), **PRICE)
    value = models.DecimalField(_("value"), **MONEY)
    remaining_quantity = models.DecimalField(_("remaining quantity"), default=ZERO, **QTY)
    remaining_value = models.DecimalField(_("remaining value"), default=ZERO, **MONEY)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("valuation layer")
        verbose_name_plural = _("valuation layers")
        indexes = [
            models.Index(
                fields=["product", "id"],
                condition=Q(remaining_quantity__gt=0),
                name="layer_open_fifo",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining_quantity__gte=0), name="layer_remaining_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(remaining_quantity=0) | Q(quantity__gte=F("remaining_quantity")),
                name="layer_remaining_within_quantity",
            ),
        ]


# -- inventory counts ----------------------------------------------------------------------


class CountState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class InventoryCount(CompanyScoped):
    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    state = models.CharField(_("state"), max_length=10, choices=CountState, default="draft")
    date = models.DateField(_("date"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    entry = models.ForeignKey(
        "accounting.Entry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("journal entry"),
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("inventory count")
        verbose_name_plural = _("inventory counts")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CountState.values), name="count_state_valid"
            )
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"


class InventoryCountLine(CompanyScoped):
    count = models.ForeignKey(
        InventoryCount, on_delete=models.CASCADE, related_name="lines", verbose_name=_("count")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    lot = models.ForeignKey(
        Lot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lot / serial"),
    )
    expected = models.DecimalField(_("expected"), default=ZERO, **QTY)
    counted = models.DecimalField(_("counted"), **QTY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="count_line_not_negative"),
            models.UniqueConstraint(
                fields=["count", "product", "lot"],
                condition=Q(lot__isnull=False),
                name="count_line_unique_lot",
            ),
            models.UniqueConstraint(
                fields=["count", "product"],
                condition=Q(lot__isnull=True),
                name="count_line_unique",
            ),
        ]

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected
