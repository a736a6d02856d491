"""Purchasing: supplier prices, requests for quotation / purchase orders, reorder rules.

An order goes draft (RFQ) -> sent (RFQ sent) -> confirmed (purchase order) -> done, or
cancelled. Confirming makes a receipt transfer in inventory; the order's receipts (and
their backorders) are linked through `PurchaseReceipt`. Received quantities are derived
from the receipts' done moves and billed quantities from the vendor bill lines whose
`origin_line` names the order line, less those of posted vendor credit notes; both are kept
on the line by the services.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped

QTY = {"max_digits": 24, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}
MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal(0)
# InvoiceLine.origin_line is shared with sales; the prefix keeps the two apart.
ORIGIN_LINE_PREFIX = "purchase.line:"


def origin_line_of(line_id: int) -> str:
    return f"{ORIGIN_LINE_PREFIX}{line_id}"


class SupplierPrice(CompanyScoped):
    """What a supplier charges for a product from a minimum quantity on, and how fast."""

    supplier = models.ForeignKey(
        "parties.Party",
        on_delete=models.CASCADE,
        related_name="supplier_prices",
        verbose_name=_("supplier"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="supplier_prices",
        verbose_name=_("product"),
    )
    product_code = models.CharField(_("supplier product code"), max_length=64, blank=True)
    product_name = models.CharField(_("supplier product name"), max_length=200, blank=True)
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    price = models.DecimalField(_("price"), **PRICE)
    min_quantity = models.DecimalField(_("minimum quantity"), default=ZERO, **QTY)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["product_id", "sequence", "price", "id"]
        verbose_name = _("supplier price")
        verbose_name_plural = _("supplier prices")
        indexes = [models.Index(fields=["company", "product"], name="supplier_price_product")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0, min_quantity__gte=0), name="supplier_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="supplier_price_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.supplier_id}/{self.product_id}: {self.price} {self.currency_id}"


class OrderState(models.TextChoices):
    DRAFT = "draft", _("RFQ")
    SENT = "sent", _("RFQ sent")
    CONFIRMED = "confirmed", _("Purchase order")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_TRANSITIONS = {
    OrderState.DRAFT: {OrderState.SENT, OrderState.CONFIRMED, OrderState.CANCELLED},
    OrderState.SENT: {OrderState.SENT, OrderState.CONFIRMED, OrderState.CANCELLED},
    OrderState.CONFIRMED: {OrderState.DONE, OrderState.CANCELLED},
    # no action leaves a done order: only a cancelled or credited bill reopens it, which
    # services.orders._refresh writes itself (the confirm action would order it all again)
    OrderState.DONE: set(),
    OrderState.CANCELLED: set(),
}
EDITABLE_STATES = (OrderState.DRAFT, OrderState.SENT)


class ReceiptStatus(models.TextChoices):
    NOTHING = "nothing", _("Nothing received")
    PARTIAL = "partial", _("Partially received")
    FULL = "full", _("Fully received")


class BillingStatus(models.TextChoices):
    NOTHING = "nothing", _("Nothing billed")
    TO_BILL = "to_bill", _("To bill")
    PARTIAL = "partial", _("Partially billed")
    FULL = "full", _("Fully billed")


class PurchaseOrder(CompanyScoped):
    """A request for quotation until confirmed, then a purchase order.

    The number is allocated from a gapless sequence when the RFQ is sent or confirmed, so
    a deleted draft never leaves a hole.
    """

    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    state = models.CharField(
        _("state"), max_length=10, choices=OrderState, default=OrderState.DRAFT
    )
    supplier = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("supplier"),
    )
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    order_date = models.DateField(_("order date"))
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("warehouse"),
    )
    location_dest = models.ForeignKey(
        "inventory.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destination location"),
        help_text=_("Empty: the warehouse's stock location."),
    )
    reference = models.CharField(_("supplier reference"), max_length=100, blank=True)
    origin = models.CharField(_("source document"), max_length=100, blank=True)
    notes = models.TextField(_("terms and notes"), blank=True)
    untaxed_amount = models.DecimalField(_("untaxed amount"), default=ZERO, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, **MONEY)
    total_amount = models.DecimalField(_("total"), default=ZERO, **MONEY)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        indexes = [
            models.Index(fields=["company", "state", "order_date"], name="po_state_date"),
            models.Index(fields=["company", "supplier", "state"], name="po_supplier_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="po_unique_number"
            ),
            models.CheckConstraint(condition=Q(state__in=OrderState.values), name="po_state_valid"),
            # an RFQ cancelled before it was sent keeps no number
            models.CheckConstraint(
                condition=Q(state__in=["draft", "cancelled"]) | ~Q(number=""),
                name="po_numbered_after_draft",
            ),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="po_total_gte_0"),
        ]

    def __str__(self):
        return self.number or f"{_('RFQ')} #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class PurchaseOrderLine(CompanyScoped):
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        related_name="purchase_lines",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **QTY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    unit_price = models.DecimalField(_("unit price"), default=ZERO, **PRICE)
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    taxes = models.ManyToManyField(
        "accounting.Tax", blank=True, related_name="+", verbose_name=_("taxes")
    )
    untaxed_amount = models.DecimalField(_("untaxed amount"), default=ZERO, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, **MONEY)
    total_amount = models.DecimalField(_("total"), default=ZERO, **MONEY)
    # in the line's unit, like `quantity`
    received_quantity = models.DecimalField(_("received quantity"), default=ZERO, **QTY)
    billed_quantity = models.DecimalField(_("billed quantity"), default=ZERO, **QTY)
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    reorder_rule = models.ForeignKey(
        "ReorderRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reorder rule"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0, received_quantity__gte=0, billed_quantity__gte=0),
                name="po_line_quantities_not_negative",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="po_line_price_gte_0"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=100),
                name="po_line_discount_0_100",
            ),
        ]

    def __str__(self):
        return self.description or str(self.product_id)

    @property
    def origin_line(self) -> str:
        return origin_line_of(self.pk)


class PurchaseReceipt(CompanyScoped):
    """A receipt transfer of an order: the one confirming made, and each backorder of it."""

    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("order")
    )
    transfer = models.OneToOneField(
        "inventory.Transfer",
        on_delete=models.PROTECT,
        related_name="purchase_receipt",
        verbose_name=_("transfer"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("purchase receipt")
        verbose_name_plural = _("purchase receipts")

    def __str__(self):
        return f"{self.order_id} -> {self.transfer_id}"


class PriceDifference(CompanyScoped):
    """One true-up of what an order's received units of a product cost against its bills.

    A bill at another price (or rate) than the receipt leaves the difference in GRNI; the
    services post it on to inventory and cost of goods sold and record it here, so the
    amounts of an (order, product) add up to what has been moved out of GRNI so far.
    """

    order = models.ForeignKey(
        PurchaseOrder,
        on_delete=models.PROTECT,
        related_name="price_differences",
        verbose_name=_("order"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    entry = models.ForeignKey(
        "accounting.Entry",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("journal entry"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("price difference")
        verbose_name_plural = _("price differences")

    def __str__(self):
        return f"{self.order_id}/{self.product_id}: {self.amount}"


class ReorderRule(CompanyScoped):
    """Keep a product's forecast in a warehouse between min and max, ordering in multiples."""

    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="reorder_rules",
        verbose_name=_("product"),
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.CASCADE,
        related_name="reorder_rules",
        verbose_name=_("warehouse"),
    )
    min_quantity = models.DecimalField(_("minimum"), **QTY)
    max_quantity = models.DecimalField(_("maximum"), **QTY)
    multiple = models.DecimalField(_("order in multiples of"), default=Decimal(1), **QTY)
    supplier = models.ForeignKey(
        "parties.Party",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("preferred supplier"),
        help_text=_("Empty: the cheapest supplier price valid for the quantity."),
    )
    active = models.BooleanField(_("active"), default=True)
    follows_forecast = models.BooleanField(
        _("follow the demand forecast"),
        default=False,
        help_text=_(
            "Each new demand forecast sets the minimum to its reorder point, keeping the gap "
            "to the maximum."
        ),
    )

    class Meta:
        ordering = ["warehouse_id", "product_id"]
        verbose_name = _("reorder rule")
        verbose_name_plural = _("reorder rules")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "product"], name="reorder_rule_unique_product"
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__gte=0, multiple__gte=0)
                & Q(max_quantity__gte=F("min_quantity")),
                name="reorder_rule_quantities_valid",
            ),
        ]

    def __str__(self):
        return f"{self.warehouse_id}/{self.product_id}: {self.min_quantity}-{self.max_quantity}"
