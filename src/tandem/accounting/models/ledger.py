"""The ledger: accounts, journals, fiscal years and periods, journal entries and their lines.

Posted entries and their lines are append-only. Three guards hold that line:
`save()`/`delete()` here, the QuerySets' `update()`/`delete()` here, and on PostgreSQL a
trigger (migration 0002). Workflow (posting, reversing, closing) lives in services.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyQuerySet, CompanyScoped

from ..errors import EntryPosted

MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal("0.00")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


# -- accounts ------------------------------------------------------------------------------


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class AccountRole(models.TextChoices):
    """What the system looks an account up by (an invoice's receivable, the FX loss, ...)."""

    RECEIVABLE = "receivable", _("Receivable")
    PAYABLE = "payable", _("Payable")
    BANK = "bank", _("Bank")
    CASH = "cash", _("Cash")
    INVENTORY = "inventory", _("Inventory")
    GRNI = "grni", _("Goods received not invoiced")
    TAX_PAYABLE = "tax_payable", _("Tax payable")
    TAX_RECEIVABLE = "tax_receivable", _("Tax receivable")
    RETAINED_EARNINGS = "retained_earnings", _("Retained earnings")
    CURRENT_YEAR_EARNINGS = "current_year_earnings", _("Current year earnings")
    FX_GAIN = "fx_gain", _("Exchange gain")
    FX_LOSS = "fx_loss", _("Exchange loss")
    ROUNDING = "rounding", _("Rounding")
    REVENUE = "revenue", _("Revenue")
    COGS = "cogs", _("Cost of goods sold")
    EXPENSE = "expense", _("Expense")
    # manufacturing: materials, labour and overhead gather in WIP until the order is done
    WIP = "wip", _("Work in progress")
    PRODUCTION_ABSORBED = "production_absorbed", _("Production costs absorbed")
    PRODUCTION_VARIANCE = "production_variance", _("Production variance")
    # payroll: the employer's cost, and what is owed to staff, the funds and the tax office
    WAGES_EXPENSE = "wages_expense", _("Wages expense")
    SALARIES_PAYABLE = "salaries_payable", _("Salaries payable")
    SOCIAL_INSURANCE_PAYABLE = "social_insurance_payable", _("Social insurance payable")
    SOCIAL_INSURANCE_WITHHELD = "social_insurance_withheld", _("Social insurance withheld")
    HOUSING_FUND_PAYABLE = "housing_fund_payable", _("Housing fund payable")
    HOUSING_FUND_WITHHELD = "housing_fund_withheld", _("Housing fund withheld")
    INCOME_TAX_WITHHELD = "income_tax_withheld", _("Income tax withheld")


# Roles held by at most one account of a company; the others (several bank accounts, a
# receivable per currency) may repeat, and services pick the lowest code as the default.
SINGLE_ROLES = (
    AccountRole.GRNI,
    AccountRole.RETAINED_EARNINGS,
    AccountRole.CURRENT_YEAR_EARNINGS,
    AccountRole.FX_GAIN,
    AccountRole.FX_LOSS,
    AccountRole.ROUNDING,
)

account_code_validator = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,29}$", _("Letters, digits, '.' and '-' only.")
)


class Account(CompanyScoped):
    code = models.CharField(_("code"), max_length=30, validators=[account_code_validator])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=AccountType)
    role = models.CharField(
        _("role"), max_length=30, choices=AccountRole, null=True, blank=True, default=None
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent account"),
    )
    reconcile = models.BooleanField(
        _("reconcile"),
        default=False,
        help_text=_("Lines are matched against invoices and payments (receivable, payable)."),
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="account_unique_code"),
            models.UniqueConstraint(
                fields=["company", "role"],
                condition=Q(role__in=[r.value for r in SINGLE_ROLES]),
                name="account_single_role",
            ),
            models.CheckConstraint(
                condition=Q(type__in=AccountType.values), name="account_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(role__isnull=True) | Q(role__in=AccountRole.values),
                name="account_role_valid",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="account_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def display_name(self, language: str | None = None) -> str:
        """The Chinese name under a Chinese UI when there is one, else the English name."""
        return account_display_name(self.name, self.name_en, language)


def account_display_name(name: str, name_en: str, language: str | None = None) -> str:
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or "en"
    if language.lower().startswith("zh") and _CJK.search(name or ""):
        return name
    return name_en or name


# -- journals ------------------------------------------------------------------------------


class JournalKind(models.TextChoices):
    SALES = "sales", _("Sales")
    PURCHASE = "purchase", _("Purchase")
    BANK = "bank", _("Bank")
    CASH = "cash", _("Cash")
    GENERAL = "general", _("General")
    STOCK = "stock", _("Stock")


journal_code_validator = RegexValidator(r"^[A-Z0-9]{1,10}$", _("Capital letters and digits only."))


class Journal(CompanyScoped):
    code = models.CharField(_("code"), max_length=10, validators=[journal_code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=JournalKind)
    default_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("default account"),
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="journal_unique_code"),
            models.CheckConstraint(
                condition=Q(kind__in=JournalKind.values), name="journal_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


# -- fiscal years and periods --------------------------------------------------------------


class FiscalYearState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


FISCAL_YEAR_TRANSITIONS = {
    FiscalYearState.OPEN: {FiscalYearState.CLOSED},
    FiscalYearState.CLOSED: set(),  # the year-end closing entry is final
}


class FiscalYear(CompanyScoped):
    name = models.CharField(_("name"), max_length=30)
    date_start = models.DateField(_("start date"))
    date_end = models.DateField(_("end date"))
    state = models.CharField(
        _("state"), max_length=10, choices=FiscalYearState, default=FiscalYearState.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        ordering = ["-date_start"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="fiscal_year_unique_name"),
            models.UniqueConstraint(
                fields=["company", "date_start"], name="fiscal_year_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(date_start__lte=F("date_end")), name="fiscal_year_dates"
            ),
            models.CheckConstraint(
                condition=Q(state__in=FiscalYearState.values), name="fiscal_year_state_valid"
            ),
        ]

    def __str__(self):
        return self.name


class PeriodState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


PERIOD_TRANSITIONS = {
    PeriodState.OPEN: {PeriodState.CLOSED},
    PeriodState.CLOSED: {PeriodState.OPEN},
}


class Period(CompanyScoped):
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="periods", verbose_name=_("fiscal year")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    date_start = models.DateField(_("start date"))
    date_end = models.DateField(_("end date"))
    state = models.CharField(
        _("state"), max_length=10, choices=PeriodState, default=PeriodState.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date_start"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        indexes = [
            models.Index(fields=["company", "date_start", "date_end"], name="period_company_dates")
        ]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "number"], name="period_unique_number"),
            models.UniqueConstraint(fields=["company", "date_start"], name="period_unique_start"),
            models.CheckConstraint(condition=Q(date_start__lte=F("date_end")), name="period_dates"),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True)
                | Q(state="closed", closed_at__isnull=False),
                name="period_closed_at",
            ),
        ]

    def __str__(self):
        return f"{self.date_start:%Y-%m}"


# -- journal entries -----------------------------------------------------------------------


class EntryState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")


ENTRY_TRANSITIONS = {
    EntryState.DRAFT: {EntryState.POSTED},
    EntryState.POSTED: set(),  # no "unpost": a correction is a reversal
}


class EntryQuerySet(CompanyQuerySet):
    """Refuses bulk changes that would touch a posted entry."""

    def update(self, **kwargs):
        if self.filter(state=EntryState.POSTED).exists():
            raise EntryPosted("Posted entries cannot be updated; post a reversal instead")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(state=EntryState.POSTED).exists():
            raise EntryPosted("Posted entries cannot be deleted; post a reversal instead")
        return super().delete()


class Entry(CompanyScoped):
    """A journal entry (记账凭证): balanced lines, a draft until posted, then never changed."""

    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="entries", verbose_name=_("journal")
    )
    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    date = models.DateField(_("date"))
    period = models.ForeignKey(
        Period,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("period"),
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    narration = models.TextField(_("narration"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=EntryState, default=EntryState.DRAFT
    )
    reversal_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reversal of"),
    )
    closing = models.BooleanField(
        _("year-end closing"),
        default=False,
        help_text=_("Moves the year's income and expenses to retained earnings."),
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    # PROTECT: a user who wrote ledger entries is deactivated, never deleted (and a
    # SET_NULL would be an UPDATE of posted rows, which the guards refuse).
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

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(fields=["company", "date"], name="entry_company_date"),
            models.Index(fields=["company", "journal", "date"], name="entry_journal_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], condition=~Q(number=""), name="entry_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(state__in=EntryState.values), name="entry_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="draft", number="", posted_at__isnull=True)
                | (
                    Q(state="posted", posted_at__isnull=False, period__isnull=False) & ~Q(number="")
                ),
                name="entry_posted_numbered",
            ),
            models.CheckConstraint(
                condition=~Q(reversal_of=F("id")), name="entry_not_own_reversal"
            ),
        ]

    def __str__(self):
        return self.number or f"{self.journal_id}/draft-{self.pk}"

    @property
    def is_posted(self) -> bool:
        return self.state == EntryState.POSTED

    def _posted_in_db(self) -> bool:
        return bool(self.pk) and Entry.objects.filter(pk=self.pk, state=EntryState.POSTED).exists()

    def save(self, *args, **kwargs):
        # Posting happens only in services.entry_post (an UPDATE of a locked draft row).
        if self.state == EntryState.POSTED or self._posted_in_db():
            raise EntryPosted("Posted entries cannot be saved; post a reversal instead")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.state == EntryState.POSTED or self._posted_in_db():
            raise EntryPosted("Posted entries cannot be deleted; post a reversal instead")
        return super().delete(*args, **kwargs)


class EntryLineQuerySet(CompanyQuerySet):
    """Refuses bulk changes that would touch a line of a posted entry."""

    def _touches_posted(self) -> bool:
        return self.filter(Q(posted=True) | Q(entry__state=EntryState.POSTED)).exists()

    def update(self, **kwargs):
        if self._touches_posted():
            raise EntryPosted("Lines of posted entries cannot be updated")
        return super().update(**kwargs)

    def delete(self):
        if self._touches_posted():
            raise EntryPosted("Lines of posted entries cannot be deleted")
        return super().delete()


class EntryLine(CompanyScoped):
    """One debit or credit, in the company currency; `amount_currency` in the line's currency.

    `date` and `posted` copy the entry's, so reports read this table alone (see the
    `entry_line_report` covering index).
    """

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="lines", verbose_name=_("entry")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="lines", verbose_name=_("account")
    )
    party = models.ForeignKey(
        "parties.Party",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entry_lines",
        verbose_name=_("party"),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    debit = models.DecimalField(_("debit"), default=ZERO, **MONEY)
    credit = models.DecimalField(_("credit"), default=ZERO, **MONEY)
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    amount_currency = models.DecimalField(_("amount in currency"), default=ZERO, **MONEY)
    date = models.DateField(_("date"))
    posted = models.BooleanField(_("posted"), default=False)

    objects = EntryLineQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("entry line")
        verbose_name_plural = _("entry lines")
        indexes = [
            # Balances and the trial balance read only this index (debit and credit are in
            # it): per account of the company, a date range of posted lines. An account
            # belongs to one company, so the company is not a column here.
            models.Index(
                fields=["account", "date", "debit", "credit"],
                condition=Q(posted=True),
                name="entry_line_report",
            ),
            models.Index(fields=["company", "party", "account"], name="entry_line_party"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(debit__gte=0), name="entry_line_debit_gte_0"),
            models.CheckConstraint(condition=Q(credit__gte=0), name="entry_line_credit_gte_0"),
            models.CheckConstraint(condition=Q(debit=0) | Q(credit=0), name="entry_line_one_side"),
            models.CheckConstraint(condition=~Q(debit=0, credit=0), name="entry_line_not_zero"),
            models.CheckConstraint(
                condition=(Q(debit=0) | Q(amount_currency__gte=0))
                & (Q(credit=0) | Q(amount_currency__lte=0)),
                name="entry_line_amount_currency_sign",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.debit}/{self.credit}"

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit

    def _posted_in_db(self) -> bool:
        entries = Q(pk=self.entry_id)
        if self.pk:
            entries |= Q(lines__pk=self.pk)  # the entry the line belongs to now
        return Entry.objects.filter(entries, state=EntryState.POSTED).exists()

    def save(self, *args, **kwargs):
        if self.posted or self._posted_in_db():
            raise EntryPosted("Lines of posted entries cannot be saved")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.posted or self._posted_in_db():
            raise EntryPosted("Lines of posted entries cannot be deleted")
        return super().delete(*args, **kwargs)
