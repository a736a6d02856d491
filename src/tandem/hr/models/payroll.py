"""The PRC pack (rates and tax tables with validity dates), salary structures and rules,
payroll runs, payslips and inputs."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .org import MONEY, Employee, EmployeeVersion, SocialInsuranceCity

RATE = {"max_digits": 7, "decimal_places": 5}


class SocialInsuranceRule(models.Model):
    """A city's contribution bases, rates and rounding over a validity range (reference data
    shared by every company, loaded by a data migration)."""

    city = models.CharField(_("city"), max_length=20, choices=SocialInsuranceCity.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    base_floor = models.DecimalField(_("base floor"), **MONEY)
    base_ceiling = models.DecimalField(_("base ceiling"), **MONEY)
    pension_employee = models.DecimalField(_("pension, employee"), **RATE)
    pension_employer = models.DecimalField(_("pension, employer"), **RATE)
    medical_employee = models.DecimalField(_("medical, employee"), **RATE)
    medical_employer = models.DecimalField(_("medical, employer"), **RATE)
    # a fixed monthly amount on top of the medical rate (Beijing's 3 yuan 大额医疗互助)
    medical_fixed_employee = models.DecimalField(_("medical, employee fixed"), default=0, **MONEY)
    unemployment_employee = models.DecimalField(_("unemployment, employee"), **RATE)
    unemployment_employer = models.DecimalField(_("unemployment, employer"), **RATE)
    injury_employer = models.DecimalField(_("work injury, employer"), **RATE)
    maternity_employer = models.DecimalField(_("maternity, employer"), **RATE)
    rounding = models.DecimalField(
        _("social insurance rounding"), max_digits=4, decimal_places=2, default=Decimal("0.01")
    )
    housing_fund_floor = models.DecimalField(_("housing fund base floor"), **MONEY)
    housing_fund_ceiling = models.DecimalField(_("housing fund base ceiling"), **MONEY)
    housing_fund_rate_min = models.DecimalField(_("housing fund rate, lowest"), **RATE)
    housing_fund_rate_max = models.DecimalField(_("housing fund rate, highest"), **RATE)
    housing_fund_rounding = models.DecimalField(
        _("housing fund rounding"), max_digits=4, decimal_places=2, default=Decimal("1")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["city", "valid_from"]
        verbose_name = _("social insurance rule")
        verbose_name_plural = _("social insurance rules")
        constraints = [
            models.UniqueConstraint(fields=["city", "valid_from"], name="hr_si_rule_unique_start"),
        ]

    def __str__(self):
        return f"{self.city} {self.valid_from}"


class TaxTable(models.TextChoices):
    ANNUAL = "annual", _("Annual comprehensive income")
    MONTHLY = "monthly", _("Monthly (one-time bonus)")


class IncomeTaxBracket(models.Model):
    """One bracket of an individual income tax table (reference data)."""

    table = models.CharField(_("table"), max_length=10, choices=TaxTable.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    upper = models.DecimalField(_("up to"), null=True, blank=True, **MONEY)  # empty: no limit
    rate = models.DecimalField(_("rate"), **RATE)
    quick_deduction = models.DecimalField(_("quick deduction"), **MONEY)

    class Meta:
        ordering = ["table", "valid_from", "rate"]
        verbose_name = _("income tax bracket")
        verbose_name_plural = _("income tax brackets")

    def __str__(self):
        return f"{self.table} {self.rate}"


class SalaryStructure(CompanyScoped):
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("salary structure")
        verbose_name_plural = _("salary structures")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="hr_structure_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class RuleCategory(models.TextChoices):
    GROSS = "gross", _("Gross")
    DEDUCTION = "deduction", _("Deduction")
    TAXABLE = "taxable", _("Taxable")
    TAX = "tax", _("Tax")
    NET = "net", _("Net")
    EMPLOYER_COST = "employer_cost", _("Employer cost")


class Rounding(models.TextChoices):
    FEN = "0.01", _("To the fen (0.01)")
    JIAO = "0.1", _("To the jiao (0.1)")
    YUAN = "1", _("To the yuan (1)")


# Where a rule's amount posts (account roles of the chart): deductions and employer costs
# name the payable they owe; gross and employer cost debit wages, net credits salaries payable.
POSTING_ROLES = [
    ("social_insurance_withheld", _("Social insurance withheld")),
    ("housing_fund_withheld", _("Housing fund withheld")),
    ("income_tax_withheld", _("Income tax withheld")),
    ("social_insurance_payable", _("Social insurance payable")),
    ("housing_fund_payable", _("Housing fund payable")),
]


class SalaryRule(CompanyScoped):
    structure = models.ForeignKey(
        SalaryStructure, on_delete=models.CASCADE, related_name="rules", verbose_name=_("structure")
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=RuleCategory.choices)
    formula = models.TextField(_("formula"))
    rounding = models.CharField(
        _("rounding"), max_length=5, choices=Rounding.choices, default=Rounding.FEN
    )
    account_role = models.CharField(_("posts to"), max_length=40, choices=POSTING_ROLES, blank=True)

    class Meta:
        ordering = ["structure_id", "sequence"]
        verbose_name = _("salary rule")
        verbose_name_plural = _("salary rules")
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="hr_rule_unique_code"),
            models.UniqueConstraint(fields=["structure", "sequence"], name="hr_rule_unique_seq"),
        ]

    def __str__(self):
        return self.code


class RunState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPUTED = "computed", _("Computed")
    POSTED = "posted", _("Posted")


RUN_TRANSITIONS = {
    RunState.DRAFT: {RunState.COMPUTED},
    RunState.COMPUTED: {RunState.COMPUTED, RunState.POSTED},
    RunState.POSTED: set(),
}


class PayrollRun(CompanyScoped):
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM
    structure = models.ForeignKey(
        SalaryStructure, on_delete=models.PROTECT, related_name="runs", verbose_name=_("structure")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.DRAFT
    )
    entry = models.ForeignKey(
        "accounting.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entry"),
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    # the payment batch: one entry clearing the net pay payable against the bank
    payment_entry = models.ForeignKey(
        "accounting.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment entry"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "-pk"]
        verbose_name = _("payroll run")
        verbose_name_plural = _("payroll runs")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period", "structure"], name="hr_run_unique_period"
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.structure.code}"


class PayslipState(models.TextChoices):
    DONE = "done", _("Computed")
    FAILED = "failed", _("Failed")


class Payslip(CompanyScoped):
    run = models.ForeignKey(
        PayrollRun, on_delete=models.CASCADE, related_name="payslips", verbose_name=_("run")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="payslips", verbose_name=_("employee")
    )
    version = models.ForeignKey(
        EmployeeVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("version"),
    )
    period = models.CharField(_("period"), max_length=7)
    state = models.CharField(_("state"), max_length=10, choices=PayslipState.choices)
    error = models.TextField(_("error"), blank=True)
    gross = models.DecimalField(_("gross"), default=0, **MONEY)
    deductions = models.DecimalField(_("deductions"), default=0, **MONEY)
    tax = models.DecimalField(_("tax"), default=0, **MONEY)
    net = models.DecimalField(_("net"), default=0, **MONEY)
    employer_cost = models.DecimalField(_("employer cost"), default=0, **MONEY)

    class Meta:
        ordering = ["run_id", "employee__number"]
        verbose_name = _("payslip")
        verbose_name_plural = _("payslips")
        constraints = [
            models.UniqueConstraint(fields=["run", "employee"], name="hr_payslip_unique"),
        ]
        indexes = [models.Index(fields=["company", "employee", "period"])]

    def __str__(self):
        return f"{self.period} {self.employee_id}"


class PayslipLine(CompanyScoped):
    payslip = models.ForeignKey(
        Payslip, on_delete=models.CASCADE, related_name="lines", verbose_name=_("payslip")
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=RuleCategory.choices)
    account_role = models.CharField(_("posts to"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["payslip_id", "sequence"]
        verbose_name = _("payslip line")
        verbose_name_plural = _("payslip lines")

    def __str__(self):
        return f"{self.code} {self.amount}"


class InputKind(models.TextChoices):
    BONUS = "bonus", _("Bonus")
    OVERTIME = "overtime", _("Overtime")
    ALLOWANCE = "allowance", _("Allowance")
    DEDUCTION = "deduction", _("Deduction")
    # the annual one-time bonus taxed separately by the monthly table (财税〔2018〕164号)
    ANNUAL_BONUS = "annual_bonus", _("Annual one-time bonus")
    # a previous employer's figures for the same year (cumulative withholding)
    PREVIOUS_INCOME = "previous_income", _("Previous employer's income")
    PREVIOUS_DEDUCTIONS = "previous_deductions", _("Previous employer's deductions")
    PREVIOUS_TAX = "previous_tax", _("Previous employer's tax withheld")
    PREVIOUS_MONTHS = "previous_months", _("Months employed before")


class PayrollInput(CompanyScoped):
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="inputs", verbose_name=_("employee")
    )
    period = models.CharField(_("period"), max_length=7)
    kind = models.CharField(_("kind"), max_length=30, choices=InputKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["period", "employee_id", "kind"]
        verbose_name = _("payroll input")
        verbose_name_plural = _("payroll inputs")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "period", "kind"], name="hr_input_unique_kind"
            ),
        ]
        indexes = [models.Index(fields=["company", "period"])]

    def __str__(self):
        return f"{self.period} {self.kind} {self.amount}"
