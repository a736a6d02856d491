"""Sales: quotations and orders, their fulfilment stages, SLA policies, calendars, exceptions.

Numbering: a quotation gets `quotation_number` (SQ/<year>/<n>) when it is created; the order
number (SO/<year>/<n>) is allocated when it is confirmed, inside the confirming transaction,
so confirmed orders are gapless per year while deleted drafts leave only quotation gaps.

Invoicing policy: the catalog is not sales' to change, so the policy lives here — a
`SalesProductSettings` row per product, else the company's `SalesSettings` default; it is
copied onto each line when the line is written, so a later change never moves old orders.
"""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

ZERO = Decimal("0")
MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
UNIT_PRICE = {"max_digits": 20, "decimal_places": 6}


class OrderState(models.TextChoices):
    DRAFT = "draft", _("Quotation")
    SENT = "sent", _("Quotation sent")
    CONFIRMED = "confirmed", _("Sales order")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Checked against the locked row in every service that moves an order.
ORDER_TRANSITIONS = {
    OrderState.DRAFT: {OrderState.SENT, OrderState.CONFIRMED, OrderState.CANCELLED},
    OrderState.SENT: {OrderState.SENT, OrderState.CONFIRMED, OrderState.CANCELLED},
    OrderState.CONFIRMED: {OrderState.DONE, OrderState.CANCELLED},
    OrderState.DONE: set(),
    OrderState.CANCELLED: set(),
}


class DeliveryStatus(models.TextChoices):
    NOTHING = "nothing", _("Nothing to deliver")
    PENDING = "pending", _("Not delivered")
    PARTIAL = "partial", _("Partially delivered")
    DELIVERED = "delivered", _("Delivered")


class InvoiceStatus(models.TextChoices):
    NOTHING = "nothing", _("Nothing to invoice")
    TO_INVOICE = "to_invoice", _("To invoice")
    PARTIAL = "partial", _("Partially invoiced")
    INVOICED = "invoiced", _("Fully invoiced")


class PaymentStatus(models.TextChoices):
    NOT_PAID = "not_paid", _("Not paid")
    PARTIAL = "partial", _("Partially paid")
    PAID = "paid", _("Paid")


class InvoicePolicy(models.TextChoices):
    ORDERED = "ordered", _("Ordered quantities")
    DELIVERED = "delivered", _("Delivered quantities")


class Stage(models.TextChoices):
    RECEIVED = "received", _("Received")
    PAYMENT_VERIFIED = "payment_verified", _("Payment verified")
    ALLOCATED = "allocated", _("Allocated")
    PICKED = "picked", _("Picked")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")


STAGE_ORDER = [s.value for s in Stage]


class ExceptionKind(models.TextChoices):
    STOCK_SHORTAGE = "stock_shortage", _("Stock shortage")
    CREDIT_HOLD = "credit_hold", _("Credit hold")
    PAYMENT_OVERDUE = "payment_overdue", _("Payment overdue")
    SLA_BREACH = "sla_breach", _("SLA breach")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")


class ExceptionState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class SalesSettings(CompanyScoped):
    """One row per company: the sales defaults."""

    invoice_policy = models.CharField(
        _("default invoicing policy"),
        max_length=10,
        choices=InvoicePolicy,
        default=InvoicePolicy.ORDERED,
    )

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="sales_settings_one"),
        ]

    def __str__(self):
        return str(self.company)


class SalesProductSettings(CompanyScoped):
    """The sales side of a product: how it is invoiced."""

    product = models.OneToOneField(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="sales_settings",
        verbose_name=_("product"),
    )
    invoice_policy = models.CharField(
        _("invoicing policy"), max_length=10, choices=InvoicePolicy, default=InvoicePolicy.ORDERED
    )

    class Meta:
        verbose_name = _("product sales settings")
        verbose_name_plural = _("product sales settings")

    def __str__(self):
        return f"{self.product} ({self.invoice_policy})"


class SalesOrder(CompanyScoped):
    quotation_number = models.CharField(_("quotation number"), max_length=64, blank=True)
    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    state = models.CharField(
        _("state"), max_length=10, choices=OrderState, default=OrderState.DRAFT
    )
    party = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="sales_orders",
        verbose_name=_("customer"),
    )
    invoice_address = models.ForeignKey(
        "parties.Address",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invoice address"),
    )
    delivery_address = models.ForeignKey(
        "parties.Address",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery address"),
    )
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    payment_term = models.ForeignKey(
        "parties.PaymentTerm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment term"),
    )
    price_list = models.ForeignKey(
        "catalog.PriceList",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("price list"),
    )
    channel = models.CharField(_("channel"), max_length=30, blank=True, default="")
    external_reference = models.CharField(
        _("external reference"), max_length=100, blank=True, default=""
    )
    # SHA-256 of the body a channel sent through the batch intake: a re-sent order is
    # answered with this one when the digests match, refused when they differ
    intake_digest = models.CharField(_("intake digest"), max_length=64, blank=True, default="")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    order_date = models.DateField(_("order date"))
    validity_date = models.DateField(_("valid until"), null=True, blank=True)
    commitment_date = models.DateField(_("delivery date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    note = models.TextField(_("terms and notes"), blank=True)
    on_hold = models.BooleanField(_("on credit hold"), default=False)
    # Explicit, not read off the payment term at shipping time: the order says whether its
    # invoice must be paid before anything ships (defaulted from an immediate term).
    prepaid = models.BooleanField(_("payment before delivery"), default=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    delivery_status = models.CharField(
        _("delivery status"),
        max_length=10,
        choices=DeliveryStatus,
        default=DeliveryStatus.NOTHING,
    )
    invoice_status = models.CharField(
        _("invoice status"), max_length=12, choices=InvoiceStatus, default=InvoiceStatus.NOTHING
    )
    payment_status = models.CharField(
        _("payment status"), max_length=10, choices=PaymentStatus, default=PaymentStatus.NOT_PAID
    )
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_reference = models.CharField(_("tracking reference"), max_length=100, blank=True)
    untaxed_amount = models.DecimalField(_("untaxed amount"), default=ZERO, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, **MONEY)
    total_amount = models.DecimalField(_("total"), default=ZERO, **MONEY)
    transfers = models.ManyToManyField(
        "inventory.Transfer", blank=True, related_name="sales_orders", verbose_name=_("deliveries")
    )
    invoices = models.ManyToManyField(
        "accounting.Invoice", blank=True, related_name="sales_orders", verbose_name=_("invoices")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        permissions = [
            ("override_price_floor", "Can sell below the price-list price"),
            ("override_credit_limit", "Can confirm an order over the credit limit"),
        ]
        indexes = [
            models.Index(fields=["company", "state", "order_date"], name="so_company_state_date"),
            models.Index(fields=["company", "party"], name="so_company_party"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "channel", "external_reference"],
                condition=~Q(external_reference=""),
                name="so_unique_channel_reference",
            ),
            models.UniqueConstraint(
                fields=["company", "number"],
                condition=~Q(number=""),
                name="so_unique_number",
            ),
            models.CheckConstraint(condition=Q(state__in=OrderState.values), name="so_state_valid"),
        ]

    def __str__(self):
        return self.number or self.quotation_number or f"#{self.pk}"

    @property
    def display_number(self) -> str:
        return str(self)

    @property
    def has_to_invoice(self) -> bool:
        """Something is left to invoice: what "Create invoice" needs (the service refuses
        the rest with `sales.nothing_to_invoice`)."""
        if self.state not in (OrderState.CONFIRMED, OrderState.DONE) or self.on_hold:
            return False
        return self.lines.filter(
            models.Q(invoice_policy=InvoicePolicy.ORDERED, quantity__gt=models.F("qty_invoiced"))
            | models.Q(
                invoice_policy=InvoicePolicy.DELIVERED, qty_delivered__gt=models.F("qty_invoiced")
            )
        ).exists()

    @property
    def is_draft(self) -> bool:
        return self.state in (OrderState.DRAFT, OrderState.SENT)

    @property
    def available_actions(self) -> list[str]:
        """The workflow actions the order's state allows, named as the API's
        `POST /sales-orders/{id}/<action>`: the page offers these buttons and no others, the
        API lists them on the order, and the services refuse the rest with 409."""
        actions = []
        if self.is_draft:
            actions += ["send", "confirm"]
        if self.state == OrderState.CONFIRMED:
            actions += ["reserve", "pick", "pack", "ship", "deliver"]
        shipped = self.delivery_status in (DeliveryStatus.PARTIAL, DeliveryStatus.DELIVERED)
        if self.state in (OrderState.CONFIRMED, OrderState.DONE) and shipped:
            actions += ["delivery-failed", "return"]
        if self.has_to_invoice:
            actions.append("invoice")
        if self.state not in (OrderState.CANCELLED, OrderState.DONE):
            actions.append("cancel")
        return actions


class SalesOrderLine(CompanyScoped):
    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), default=Decimal("1"), **QUANTITY)
    uom = models.ForeignKey(
        "catalog.Uom", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    unit_price = models.DecimalField(_("unit price"), default=ZERO, **UNIT_PRICE)
    price_floor = models.DecimalField(
        _("price-list price"),
        default=ZERO,
        help_text=_("The price from the price list."),
        **UNIT_PRICE,
    )
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    taxes = models.ManyToManyField(
        "accounting.Tax", blank=True, related_name="+", verbose_name=_("taxes")
    )
    untaxed_amount = models.DecimalField(_("untaxed amount"), default=ZERO, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, **MONEY)
    total_amount = models.DecimalField(_("total"), default=ZERO, **MONEY)
    qty_delivered = models.DecimalField(_("delivered"), default=ZERO, **QUANTITY)
    qty_invoiced = models.DecimalField(_("invoiced"), default=ZERO, **QUANTITY)
    invoice_policy = models.CharField(
        _("invoicing policy"), max_length=10, choices=InvoicePolicy, default=InvoicePolicy.ORDERED
    )

    class Meta:
        ordering = ["order", "sequence", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sol_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="sol_price_gte_0"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=100), name="sol_discount_range"
            ),
            models.CheckConstraint(condition=Q(qty_invoiced__gte=0), name="sol_invoiced_gte_0"),
            models.CheckConstraint(condition=Q(qty_delivered__gte=0), name="sol_delivered_gte_0"),
        ]

    def __str__(self):
        return f"{self.order} · {self.description}"

    @property
    def qty_to_invoice(self) -> Decimal:
        basis = (
            self.quantity if self.invoice_policy == InvoicePolicy.ORDERED else self.qty_delivered
        )
        return max(basis - self.qty_invoiced, ZERO)


# what a page shows for a log's stored action code
LOG_ACTIONS = {"price_below_floor": _("Sold below the price-list price")}


class SalesOrderLog(CompanyScoped):
    """Who overrode what: prices below the floor, credit holds lifted."""

    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="logs", verbose_name=_("order")
    )
    action = models.CharField(_("action"), max_length=40)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order log entry")
        verbose_name_plural = _("order log")

    @property
    def action_label(self) -> str:
        return str(LOG_ACTIONS.get(self.action, self.action))

    def __str__(self):
        return f"{self.order}: {self.action}"


class OrderStageEvent(CompanyScoped):
    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="stage_events", verbose_name=_("order")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        indexes = [models.Index(fields=["company", "stage", "at"], name="ose_company_stage_at")]
        constraints = [
            # an order enters a stage once; a re-entry would double-count cycle times
            models.UniqueConstraint(fields=["order", "stage"], name="ose_unique_order_stage"),
        ]

    def __str__(self):
        return f"{self.order} {self.stage} {self.at:%Y-%m-%d %H:%M}"


class BusinessCalendar(CompanyScoped):
    """When the company works: weekdays, hours, and a country's public holidays."""

    country = models.CharField(_("country"), max_length=2, blank=True)
    subdivision = models.CharField(_("subdivision"), max_length=10, blank=True)
    # Monday is 0, as in date.weekday()
    working_days = models.CharField(_("working days"), max_length=20, default="0,1,2,3,4")
    work_start = models.TimeField(_("work starts"), default=time(9, 0))
    work_end = models.TimeField(_("work ends"), default=time(18, 0))
    time_zone = models.CharField(_("time zone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="business_calendar_one"),
            models.CheckConstraint(
                condition=Q(work_end__gt=models.F("work_start")), name="calendar_hours_order"
            ),
        ]

    def __str__(self):
        return f"{self.company} ({self.country or '-'})"

    @property
    def weekdays(self) -> set[int]:
        return {int(d) for d in self.working_days.split(",") if d.strip().isdigit()}


class SlaPolicy(CompanyScoped):
    """An order must reach `stage` within `target_hours` of entering `start_stage`."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage)
    start_stage = models.CharField(
        _("counted from"), max_length=20, choices=Stage, default=Stage.RECEIVED
    )
    target_hours = models.DecimalField(_("target (hours)"), max_digits=8, decimal_places=2)
    business_hours = models.BooleanField(_("business hours"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["company", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["company", "stage"], name="sla_policy_one_per_stage"),
            models.CheckConstraint(condition=Q(target_hours__gt=0), name="sla_target_gt_0"),
        ]

    def __str__(self):
        return self.name or f"{self.stage} ≤ {self.target_hours} h"


class OrderException(CompanyScoped):
    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ExceptionState, default=ExceptionState.OPEN
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    @property
    def stage_label(self) -> str:
        """The fulfilment stage it is about, translated (stored as a bare code)."""
        return Stage(self.stage).label if self.stage in Stage.values else self.stage

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")
        indexes = [models.Index(fields=["company", "state", "kind"], name="oexc_company_state")]
        constraints = [
            # the breach scan opens one breach per order stage, ever (idempotent re-runs)
            models.UniqueConstraint(
                fields=["order", "stage"],
                condition=Q(kind="sla_breach"),
                name="oexc_one_breach_per_stage",
            ),
            # at most one open exception of a kind per order (sla breaches go by stage)
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(state="open") & ~Q(kind="sla_breach"),
                name="oexc_one_open_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.order}: {self.kind}"


# -- returns -------------------------------------------------------------------------------


class ReturnState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# received -> done when the credit note needs no refund (it settled an unpaid invoice)
RETURN_TRANSITIONS = {
    ReturnState.DRAFT: {ReturnState.RECEIVED, ReturnState.CANCELLED},
    ReturnState.RECEIVED: {ReturnState.REFUNDED, ReturnState.DONE},
    ReturnState.REFUNDED: set(),
    ReturnState.DONE: set(),
    ReturnState.CANCELLED: set(),
}


class SalesReturn(CompanyScoped):
    """A return authorisation: goods of a shipped order coming back, credited, maybe refunded."""

    number = models.CharField(_("number"), max_length=64)
    order = models.ForeignKey(
        SalesOrder, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order")
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ReturnState, default=ReturnState.DRAFT
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    transfer = models.ForeignKey(
        "inventory.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receipt"),
    )
    scrap_transfer = models.ForeignKey(
        "inventory.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scrap transfer"),
    )
    credit_note = models.ForeignKey(
        "accounting.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credit note"),
    )
    refund = models.ForeignKey(
        "accounting.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        indexes = [models.Index(fields=["company", "order"], name="sret_company_order")]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="sret_unique_number"),
            models.CheckConstraint(
                condition=Q(state__in=ReturnState.values), name="sret_state_valid"
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"


class SalesReturnLine(CompanyScoped):
    sales_return = models.ForeignKey(
        SalesReturn, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        SalesOrderLine,
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("order line"),
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    to_scrap = models.BooleanField(_("to scrap"), default=False)
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, **UNIT_PRICE)

    class Meta:
        ordering = ["sales_return", "id"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sretl_quantity_gt_0"),
        ]

    def __str__(self):
        return f"{self.sales_return} · {self.quantity}"
