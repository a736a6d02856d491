"""Period-end revaluation of open foreign-currency items, and per-category accounts.

A revaluation restates, at one period end, what the open invoices, bills and unallocated
payments in a foreign currency are worth at that day's rate. It posts the unrealized
difference against each party's receivable or payable and reverses it on the first day of
the next period, so the documents keep their carrying value (`residual_company`) and a
later payment still realizes the whole difference against the original rate.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .documents import RATE, Invoice, Payment
from .ledger import MONEY, ZERO, Account, Entry


class FxRevaluation(CompanyScoped):
    """One run per company and period end; a second run for that date is refused."""

    date = models.DateField(_("revaluation date"))
    entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fx_revaluation",
        verbose_name=_("revaluation entry"),
    )
    reversal_entry = models.OneToOneField(
        Entry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fx_revaluation_reversed",
        verbose_name=_("reversal entry"),
    )
    gain = models.DecimalField(_("unrealized gain"), default=ZERO, **MONEY)
    loss = models.DecimalField(_("unrealized loss"), default=ZERO, **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("exchange revaluation")
        verbose_name_plural = _("exchange revaluations")
        constraints = [
            models.UniqueConstraint(fields=["company", "date"], name="fx_revaluation_one_per_date"),
            models.CheckConstraint(
                condition=Q(entry__isnull=True, reversal_entry__isnull=True)
                | Q(entry__isnull=False, reversal_entry__isnull=False),
                name="fx_revaluation_reversed",
            ),
        ]

    def __str__(self):
        return f"FX {self.date:%Y-%m-%d}"


class FxRevaluationLine(CompanyScoped):
    """One open item as revalued: residual in its currency, carrying and revalued value."""

    revaluation = models.ForeignKey(
        FxRevaluation, on_delete=models.CASCADE, related_name="lines", verbose_name=_("run")
    )
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invoice"),
    )
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payment"),
    )
    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("party")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    residual = models.DecimalField(_("open amount"), **MONEY)
    carrying = models.DecimalField(_("carrying value"), **MONEY)
    rate = models.DecimalField(_("rate"), **RATE)
    revalued = models.DecimalField(_("revalued"), **MONEY)
    difference = models.DecimalField(
        _("difference"), help_text=_("Change of the debit balance."), **MONEY
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("revaluation line")
        verbose_name_plural = _("revaluation lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice__isnull=False, payment__isnull=True)
                | Q(invoice__isnull=True, payment__isnull=False),
                name="fx_revaluation_line_one_source",
            ),
        ]

    def __str__(self):
        return f"{self.revaluation_id}: {self.difference}"


class CategoryAccounts(CompanyScoped):
    """Income and expense accounts for the products of a catalog category (and its children
    without their own row). Kept on the accounting side: the catalog never imports it."""

    category = models.ForeignKey(
        "catalog.ProductCategory",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product category"),
    )
    income_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("income account"),
    )
    expense_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("expense account"),
    )

    class Meta:
        ordering = ["category__name"]
        verbose_name = _("category accounts")
        verbose_name_plural = _("category accounts")
        constraints = [
            models.UniqueConstraint(fields=["category"], name="category_accounts_one"),
        ]

    def __str__(self):
        return str(self.category_id)
