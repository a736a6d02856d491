"""Departments, positions, employees and their dated versions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

MONEY = {"max_digits": 18, "decimal_places": 2}


class Department(CompanyScoped):
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    manager = models.ForeignKey(
        "hr.Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_departments",
        verbose_name=_("manager"),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "parent", "name"], name="hr_department_unique_name"
            ),
        ]

    def __str__(self):
        return self.name


class Position(CompanyScoped):
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="hr_position_unique_name"),
        ]

    def __str__(self):
        return self.name


class Employee(CompanyScoped):
    number = models.CharField(_("number"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    hire_date = models.DateField(_("hire date"))
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # where net pay goes (the payment batch's bank file)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)

    class Meta:
        ordering = ["number", "pk"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="hr_employee_unique_number"),
            models.UniqueConstraint(
                fields=["company", "user"],
                condition=Q(user__isnull=False),
                name="hr_employee_unique_user",
            ),
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True) | Q(leave_date__gte=models.F("hire_date")),
                name="hr_employee_leave_after_hire",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


class SocialInsuranceCity(models.TextChoices):
    SHANGHAI = "shanghai", _("Shanghai")
    BEIJING = "beijing", _("Beijing")


class SpecialDeduction(models.TextChoices):
    """The special additional deductions (专项附加扣除), amounts per month."""

    CHILDREN_EDUCATION = "children_education", _("Children's education")
    CONTINUING_EDUCATION = "continuing_education", _("Continuing education")
    HOUSING_LOAN_INTEREST = "housing_loan_interest", _("Housing loan interest")
    HOUSING_RENT = "housing_rent", _("Housing rent")
    ELDERLY_SUPPORT = "elderly_support", _("Elderly support")
    INFANT_CARE = "infant_care", _("Infant care")


class EmployeeVersion(CompanyScoped):
    """What held for an employee from `effective_from` to `effective_to` (inclusive; open
    when empty). Versions of one employee never overlap, so one row answers "on date D"."""

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="versions", verbose_name=_("employee")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position"),
    )
    manager = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manager"),
    )
    base_salary = models.DecimalField(_("base salary"), default=0, **MONEY)
    social_insurance_city = models.CharField(
        _("social insurance city"), max_length=20, choices=SocialInsuranceCity.choices, blank=True
    )
    # the declared contribution base; empty means the base salary
    social_insurance_base = models.DecimalField(
        _("social insurance base"), null=True, blank=True, **MONEY
    )
    housing_fund_rate = models.DecimalField(
        _("housing fund rate"), max_digits=6, decimal_places=4, default=0
    )
    special_deductions = models.JSONField(_("special deductions"), default=dict, blank=True)
    # the working calendar leave and attendance count on; empty: the company's country
    # calendar, Monday to Friday (hr.services.employee_calendar)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working calendar"),
    )

    class Meta:
        ordering = ["employee_id", "effective_from"]
        verbose_name = _("employee version")
        verbose_name_plural = _("employee versions")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "effective_from"], name="hr_version_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="hr_version_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["company", "employee", "effective_from"])]

    def __str__(self):
        return f"{self.employee_id} @ {self.effective_from}"

    @property
    def special_deduction_total(self):
        from decimal import Decimal

        return sum((Decimal(str(v)) for v in (self.special_deductions or {}).values()), Decimal(0))
