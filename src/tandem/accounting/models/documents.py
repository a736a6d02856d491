"""Documents that post to the ledger: taxes, invoices (and credit notes, vendor bills),
payments and the allocations that match payments and credit notes to invoices.

Amounts on a document are in the document's currency; `*_company` fields are the same
amounts in the company currency at the document's rate, as they were posted. Residuals are
kept on the row and change only in services, under the invoice's row lock.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped

from ..errors import InvoiceNotDraft, PaymentNotDraft
from .immutability import (
    INVOICE_MUTABLE,
    PAYMENT_MUTABLE,
    AllocationGuard,
    AllocationQuerySet,
    InvoiceLineGuard,
    InvoiceLineQuerySet,
    PostedDocumentGuard,
    PostedDocumentQuerySet,
)
from .ledger import MONEY, ZERO, Account, Entry, Journal

RATE = {"max_digits": 18, "decimal_places": 8}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
UNIT_PRICE = {"max_digits": 20, "decimal_places": 6}
# An allocation in a foreign currency may leave a company-currency remainder below one minor
# unit on a fully paid invoice; it goes to the rounding account, never silently dropped.
ALLOCATION_ROUNDING = Decimal("0.01")


# -- settings ------------------------------------------------------------------------------


class TaxRounding(models.TextChoices):
    PER_LINE = "line", _("Round per line")
    PER_DOCUMENT = "document", _("Round per document")


class AccountingSettings(CompanyScoped):
    """One row per company: the accounting choices that are not accounts or journals."""

    tax_rounding = models.CharField(
        _("tax rounding"), max_length=10, choices=TaxRounding, default=TaxRounding.PER_LINE
    )

    class Meta:
        verbose_name = _("accounting settings")
        verbose_name_plural = _("accounting settings")
        constraints = [
            models.UniqueConstraint(fields=["company"], name="accounting_settings_one"),
            models.CheckConstraint(
                condition=Q(tax_rounding__in=TaxRounding.values),
                name="accounting_settings_rounding_valid",
            ),
        ]

    def __str__(self):
        return str(self.company)


# -- taxes ---------------------------------------------------------------------------------


class TaxAmountType(models.TextChoices):
    PERCENT = "percent", _("Percentage of price")
    FIXED = "fixed", _("Fixed amount per unit")


class TaxScope(models.TextChoices):
    SALE = "sale", _("Sales")
    PURCHASE = "purchase", _("Purchases")


class TaxGroup(CompanyScoped):
    """Groups taxes on documents and in the tax report (e.g. 增值税 VAT)."""

    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tax group")
        verbose_name_plural = _("tax groups")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="tax_group_unique_name"),
        ]

    def __str__(self):
        return self.name


class Tax(CompanyScoped):
    """A sales or purchase tax. `rate` is a percentage, or the amount per unit when fixed."""

    name = models.CharField(_("name"), max_length=100)
    label = models.CharField(_("label on documents"), max_length=100, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=TaxScope)
    amount_type = models.CharField(
        _("amount type"), max_length=10, choices=TaxAmountType, default=TaxAmountType.PERCENT
    )
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4)
    price_include = models.BooleanField(
        _("included in price"),
        default=False,
        help_text=_("Unit prices already contain this tax."),
    )
    group = models.ForeignKey(
        TaxGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taxes",
        verbose_name=_("tax group"),
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="taxes",
        verbose_name=_("tax account"),
        help_text=_("Output tax payable for sales, input tax receivable for purchases."),
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    # Default taxes of a product (its sales taxes and its purchase taxes, told apart by
    # scope). Declared here so the catalog never imports accounting: `product.taxes`.
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="taxes", verbose_name=_("products")
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["products"])

    class Meta:
        ordering = ["scope", "sequence", "name"]
        verbose_name = _("tax")
        verbose_name_plural = _("taxes")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "scope", "name"], name="tax_unique_scope_name"
            ),
            models.CheckConstraint(condition=Q(scope__in=TaxScope.values), name="tax_scope_valid"),
            models.CheckConstraint(
                condition=Q(amount_type__in=TaxAmountType.values), name="tax_amount_type_valid"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="tax_rate_gte_0"),
            # A fixed amount per unit cannot be "included" in a price in any well-defined way
            # once discounts apply; refuse the combination instead of guessing.
            models.CheckConstraint(
                condition=Q(amount_type="percent") | Q(price_include=False),
                name="tax_fixed_not_included",
            ),
        ]

    def __str__(self):
        return self.name


# -- invoices ------------------------------------------------------------------------------


class InvoiceKind(models.TextChoices):
    CUSTOMER_INVOICE = "customer_invoice", _("Customer invoice")
    CUSTOMER_CREDIT_NOTE = "customer_credit_note", _("Customer credit note")
    VENDOR_BILL = "vendor_bill", _("Vendor bill")
    VENDOR_CREDIT_NOTE = "vendor_credit_note", _("Vendor credit note")


# Customer and vendor documents are separate duties: a buyer books vendor bills but must not
# write, post, cancel or credit what the company bills its customers. Every caller that writes
# an invoice checks this permission of the document's kind beside the model's add/change/delete.
KIND_PERMISSIONS = {
    InvoiceKind.CUSTOMER_INVOICE: "accounting.manage_customer_invoices",
    InvoiceKind.CUSTOMER_CREDIT_NOTE: "accounting.manage_customer_invoices",
    InvoiceKind.VENDOR_BILL: "accounting.manage_vendor_bills",
    InvoiceKind.VENDOR_CREDIT_NOTE: "accounting.manage_vendor_bills",
}

# Money in from customers and money out to suppliers follow the same split of duties:
# a payment also needs the permission of its side.
DIRECTION_PERMISSIONS = {
    "in": "accounting.manage_customer_invoices",
    "out": "accounting.manage_vendor_bills",
}


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


INVOICE_TRANSITIONS = {
    InvoiceState.DRAFT: {InvoiceState.POSTED},
    # cancel of a posted document posts the reversal entry; refused once allocated
    InvoiceState.POSTED: {InvoiceState.CANCELLED},
    InvoiceState.CANCELLED: set(),
}


class PaymentStateOfInvoice(models.TextChoices):
    NOT_PAID = "not_paid", _("Not paid")
    PARTIAL = "partial", _("Partially paid")
    PAID = "paid", _("Paid")


class Invoice(PostedDocumentGuard, CompanyScoped):
    """A customer invoice or credit note, a vendor bill or credit note.

    Past draft, only the columns in `INVOICE_MUTABLE` change (see immutability.py).
    """

    mutable_after_posting = INVOICE_MUTABLE
    posted_error = InvoiceNotDraft

    kind = models.CharField(_("kind"), max_length=24, choices=InvoiceKind)
    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    state = models.CharField(
        _("state"), max_length=10, choices=InvoiceState, default=InvoiceState.DRAFT
    )
    payment_state = models.CharField(
        _("payment state"),
        max_length=10,
        choices=PaymentStateOfInvoice,
        default=PaymentStateOfInvoice.NOT_PAID,
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("party")
    )
    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("journal")
    )
    date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    payment_term = models.ForeignKey(
        "parties.PaymentTerm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment term"),
    )
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    rate = models.DecimalField(
        _("exchange rate"),
        default=Decimal("1"),
        help_text=_("Company currency per one unit of the invoice currency, at posting."),
        **RATE,
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    origin = models.CharField(
        _("origin"), max_length=100, blank=True, help_text=_("The order this invoice bills.")
    )
    narration = models.TextField(_("terms and notes"), blank=True)
    untaxed_amount = models.DecimalField(_("untaxed amount"), default=ZERO, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, **MONEY)
    total_amount = models.DecimalField(_("total"), default=ZERO, **MONEY)
    residual_amount = models.DecimalField(_("amount due"), default=ZERO, **MONEY)
    total_company = models.DecimalField(_("total in company currency"), default=ZERO, **MONEY)
    residual_company = models.DecimalField(
        _("amount due in company currency"), default=ZERO, **MONEY
    )
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("credit note of"),
    )
    entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice",
        verbose_name=_("journal entry"),
    )
    cancel_entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancelled_invoice",
        verbose_name=_("reversal entry"),
    )
    # The reversal entry's date, kept on the row so "as of" reports need no join to entries.
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("posted by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    objects = PostedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        permissions = [
            (
                "manage_customer_invoices",
                "Can write, post, cancel and credit customer invoices and credit notes",
            ),
            (
                "manage_vendor_bills",
                "Can write, post, cancel and credit vendor bills and vendor credit notes",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "kind", "state", "date"], name="invoice_kind_date"),
            models.Index(
                fields=["company", "party", "due_date"],
                condition=Q(state="posted") & ~Q(residual_amount=0),
                name="invoice_open_by_party",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "number"],
                condition=~Q(number=""),
                name="invoice_unique_number",
            ),
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind"),
            models.CheckConstraint(
                condition=Q(state__in=InvoiceState.values), name="invoice_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(payment_state__in=PaymentStateOfInvoice.values),
                name="invoice_payment_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="draft", number="") | (~Q(state="draft") & ~Q(number="")),
                name="invoice_posted_numbered",
            ),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=Q(residual_amount__gte=0)
                & Q(residual_amount__lte=models.F("total_amount")),
                name="invoice_residual_in_range",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="invoice_rate_gt_0"),
        ]

    def __str__(self):
        return self.number or f"{self.get_kind_display()} ({_('draft')} {self.pk})"

    @property
    def is_outbound(self) -> bool:
        """Customer side: the party owes us on an invoice, we owe on a credit note."""
        return self.kind in (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.CUSTOMER_CREDIT_NOTE)

    @property
    def is_credit_note(self) -> bool:
        return self.kind in (InvoiceKind.CUSTOMER_CREDIT_NOTE, InvoiceKind.VENDOR_CREDIT_NOTE)

    @property
    def available_actions(self) -> list[str]:
        """The workflow actions the state allows, named as the API's
        `POST /invoices/{id}/<action>`: the page offers these buttons and no others (no credit
        note once the whole amount is credited, no cancel while payments or credit notes are
        allocated), and the services refuse the rest with 409."""
        if self.state == InvoiceState.DRAFT:
            return ["post"]
        if self.state != InvoiceState.POSTED:
            return []
        actions = []
        credited = Invoice.objects.filter(
            credited_invoice_id=self.pk, state=InvoiceState.POSTED
        ).aggregate(total=models.Sum("total_amount"))["total"] or Decimal(0)
        if self.total_amount - credited > 0:
            actions.append("credit")
        allocated = Allocation.objects.filter(
            models.Q(invoice_id=self.pk) | models.Q(credit_note_id=self.pk)
        ).exists()
        if not allocated:
            actions.append("cancel")
        return actions


class InvoiceLine(InvoiceLineGuard, CompanyScoped):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=10)
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name=_("account")
    )
    quantity = models.DecimalField(_("quantity"), default=Decimal("1"), **QUANTITY)
    uom = models.ForeignKey(
        "catalog.Uom",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    unit_price = models.DecimalField(_("unit price"), default=ZERO, **UNIT_PRICE)
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    taxes = models.ManyToManyField(Tax, blank=True, related_name="+", verbose_name=_("taxes"))
    untaxed_amount = models.DecimalField(_("untaxed amount"), default=ZERO, **MONEY)
    tax_amount = models.DecimalField(_("tax"), default=ZERO, **MONEY)
    total_amount = models.DecimalField(_("total"), default=ZERO, **MONEY)
    # The order line this bills (sales/purchasing set it; accounting never reads it).
    origin_line = models.CharField(_("origin line"), max_length=64, blank=True)

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="invoice_line_qty_gte_0"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=100),
                name="invoice_line_discount_0_100",
            ),
        ]

    def __str__(self):
        return self.description or str(self.product_id or "")


class InvoiceTax(CompanyScoped):
    """The invoice's tax summary: one row per tax with its base and amount (document currency).

    Per-document rounding rounds here; the tax report and the posted tax lines read it.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="tax_lines", verbose_name=_("invoice")
    )
    tax = models.ForeignKey(Tax, on_delete=models.PROTECT, related_name="+", verbose_name=_("tax"))
    base = models.DecimalField(_("base"), default=ZERO, **MONEY)
    amount = models.DecimalField(_("amount"), default=ZERO, **MONEY)

    class Meta:
        ordering = ["tax__sequence", "tax_id"]
        verbose_name = _("invoice tax")
        verbose_name_plural = _("invoice taxes")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "tax"], name="invoice_tax_unique"),
        ]

    def __str__(self):
        return f"{self.tax_id}: {self.amount}"


# -- payments ------------------------------------------------------------------------------


class PaymentDirection(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class PaymentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


PAYMENT_TRANSITIONS = {
    PaymentState.DRAFT: {PaymentState.POSTED},
    PaymentState.POSTED: {PaymentState.CANCELLED},
    PaymentState.CANCELLED: set(),
}


class Payment(PostedDocumentGuard, CompanyScoped):
    """Money in from or out to a party through a bank or cash journal.

    What is not allocated stays open on the party (`unallocated_amount`) as a credit that
    later allocations can use. Past draft, only the columns in `PAYMENT_MUTABLE` change.
    """

    mutable_after_posting = PAYMENT_MUTABLE
    posted_error = PaymentNotDraft

    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    state = models.CharField(
        _("state"), max_length=10, choices=PaymentState, default=PaymentState.DRAFT
    )
    direction = models.CharField(_("direction"), max_length=3, choices=PaymentDirection)
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="payments", verbose_name=_("party")
    )
    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="payments", verbose_name=_("journal")
    )
    date = models.DateField(_("date"))
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    rate = models.DecimalField(_("exchange rate"), default=Decimal("1"), **RATE)
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), default=ZERO, **MONEY)
    unallocated_amount = models.DecimalField(_("unallocated"), default=ZERO, **MONEY)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    memo = models.TextField(_("memo"), blank=True)
    entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("journal entry"),
    )
    cancel_entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancelled_payment",
        verbose_name=_("reversal entry"),
    )
    # The reversal entry's date, kept on the row so "as of" reports need no join to entries.
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    objects = PostedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["company", "party", "date"], name="payment_party_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="payment_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=PaymentDirection.values), name="payment_direction"
            ),
            models.CheckConstraint(
                condition=Q(state__in=PaymentState.values), name="payment_state_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(unallocated_amount__gte=0)
                & Q(unallocated_amount__lte=models.F("amount")),
                name="payment_unallocated_in_range",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="payment_rate_gt_0"),
        ]

    def __str__(self):
        return self.number or f"{_('Payment')} ({_('draft')} {self.pk})"


class Allocation(AllocationGuard, CompanyScoped):
    """Matches part of an invoice with a payment or with a credit note of the same party.

    `amount` is in the invoice's currency; `amount_company` is what it cleared from the
    receivable or payable at the invoice's rate. A realized exchange difference, when the
    payment's rate differs, is posted as `fx_entry`.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("invoice")
    )
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("payment"),
    )
    credit_note = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations_as_credit",
        verbose_name=_("credit note"),
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), default=ZERO, **MONEY)
    fx_entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fx_allocation",
        verbose_name=_("exchange difference entry"),
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            models.Index(fields=["invoice", "date"], name="allocation_invoice_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(payment__isnull=False, credit_note__isnull=True)
                | Q(payment__isnull=True, credit_note__isnull=False),
                name="allocation_one_source",
            ),
        ]

    def __str__(self):
        return f"{self.invoice_id} ← {self.payment_id or self.credit_note_id}: {self.amount}"


class VoidedAllocation(CompanyScoped):
    """An allocation undone by the cancellation of its payment, kept for "as of" reports.

    `Allocation` holds only what is in force (every reader relies on that); a cancelled
    payment's rows move here, so the aged balances at a date before the cancellation still
    see the invoices as settled and the payment as allocated.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="+", verbose_name=_("invoice")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="voided_allocations",
        verbose_name=_("payment"),
    )  # fmt: skip
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), default=ZERO, **MONEY)
    cancelled_on = models.DateField(_("cancelled on"))

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("voided allocation")
        verbose_name_plural = _("voided allocations")
        indexes = [
            models.Index(fields=["company", "cancelled_on"], name="voided_allocation_cancelled"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voided_allocation_amount_gt_0"),
        ]

    def __str__(self):
        return f"{self.invoice_id} ← {self.payment_id}: {self.amount} (void {self.cancelled_on})"
