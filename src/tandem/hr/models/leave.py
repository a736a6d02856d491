"""Leave: types with their rules, allocations, requests, and the append-only leave ledger
(a balance at any date is one SUM of its entries); attendance."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.models import CompanyScoped

from .org import Employee

QTY = {"max_digits": 9, "decimal_places": 2}


class LeaveUnit(models.TextChoices):
    DAY = "day", _("Days")
    HOUR = "hour", _("Hours")


class Accrual(models.TextChoices):
    NONE = "none", _("No accrual (allocations only)")
    MONTHLY = "monthly", _("Every month")
    YEARLY = "yearly", _("Every year")


class AccrualTiming(models.TextChoices):
    START = "start", _("At the start of the period")
    END = "end", _("At the end of the period")


class LeaveType(CompanyScoped):
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=5, choices=LeaveUnit.choices, default="day")
    accrual = models.CharField(
        _("accrual"), max_length=10, choices=Accrual.choices, default=Accrual.NONE
    )
    accrual_amount = models.DecimalField(_("accrued per period"), default=0, **QTY)
    accrual_timing = models.CharField(
        _("accrued"), max_length=5, choices=AccrualTiming.choices, default=AccrualTiming.START
    )
    # accrual counts periods from this date (or the hire date, whichever is later)
    accrual_start = models.DateField(_("accrues from"), null=True, blank=True)
    pro_rata = models.BooleanField(_("pro rata for new hires"), default=True)
    cap = models.DecimalField(_("balance cap"), null=True, blank=True, **QTY)
    carry_over_limit = models.DecimalField(_("carry-over limit"), null=True, blank=True, **QTY)
    carry_over_expiry_months = models.PositiveSmallIntegerField(
        _("carried leave expires after (months)"), null=True, blank=True
    )
    allow_negative = models.BooleanField(_("negative balance allowed"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("leave type")
        verbose_name_plural = _("leave types")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="hr_leave_type_unique_code"),
            models.CheckConstraint(
                condition=Q(accrual_amount__gte=0), name="hr_leave_type_accrual_positive"
            ),
        ]

    def __str__(self):
        return self.name


class LeaveAllocation(CompanyScoped):
    """Leave granted by hand (a marriage leave, an opening balance); posts one ledger entry."""

    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.PROTECT, related_name="+", verbose_name=_("leave type")
    )
    amount = models.DecimalField(_("amount"), **QTY)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("leave allocation")
        verbose_name_plural = _("leave allocations")

    def __str__(self):
        return f"{self.employee_id} {self.leave_type_id} {self.amount}"


class LeaveState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


LEAVE_TRANSITIONS = {
    LeaveState.DRAFT: {LeaveState.SUBMITTED, LeaveState.CANCELLED},
    LeaveState.SUBMITTED: {LeaveState.APPROVED, LeaveState.REFUSED, LeaveState.CANCELLED},
    LeaveState.APPROVED: {LeaveState.CANCELLED},
    LeaveState.REFUSED: set(),
    LeaveState.CANCELLED: set(),
}


class HalfDay(models.TextChoices):
    FULL = "", _("Whole day")
    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")


class LeaveRequest(CompanyScoped):
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        related_name="leave_requests",
        verbose_name=_("employee"),
    )
    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.PROTECT, related_name="+", verbose_name=_("leave type")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    # the first day from noon ("pm"), the last day until noon ("am")
    start_half = models.CharField(
        _("first day"), max_length=2, choices=HalfDay.choices, blank=True, default=""
    )
    end_half = models.CharField(
        _("last day"), max_length=2, choices=HalfDay.choices, blank=True, default=""
    )
    # the amount in the type's unit, counted on the employee's working calendar
    days = models.DecimalField(_("amount"), **QTY)
    state = models.CharField(
        _("state"), max_length=10, choices=LeaveState.choices, default=LeaveState.DRAFT
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    approver = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approver"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="hr_leave_end"),
        ]
        indexes = [models.Index(fields=["company", "employee", "start"])]

    def __str__(self):
        return f"{self.employee_id} {self.start}..{self.end}"


class LeaveEntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation")
    ACCRUAL = "accrual", _("Accrual")
    TAKEN = "taken", _("Taken")
    EXPIRY = "expiry", _("Expiry")
    CARRY_OVER = "carry_over", _("Carry-over")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LeaveEntry(CompanyScoped):
    """One movement of an employee's leave balance (append-only: a correction is another
    entry). `key` makes the accrual job idempotent: one accrual per type, employee and
    period, one carry-over and one expiry per year."""

    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.PROTECT, related_name="+", verbose_name=_("leave type")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=LeaveEntryKind.choices)
    amount = models.DecimalField(_("amount"), **QTY)
    key = models.CharField(_("key"), max_length=40, blank=True)
    request = models.ForeignKey(
        LeaveRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    allocation = models.ForeignKey(
        LeaveAllocation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("leave entry")
        verbose_name_plural = _("leave entries")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "leave_type", "key"],
                condition=~Q(key=""),
                name="hr_leave_entry_unique_key",
            ),
        ]
        indexes = [models.Index(fields=["company", "employee", "leave_type", "date"])]

    def __str__(self):
        return f"{self.date} {self.kind} {self.amount}"


class Attendance(CompanyScoped):
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("employee")
    )
    check_in = models.DateTimeField(_("check-in"))
    check_out = models.DateTimeField(_("check-out"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, blank=True)

    class Meta:
        ordering = ["-check_in", "-pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_out__gt=models.F("check_in")),
                name="hr_attendance_out_after_in",
            ),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(check_out__isnull=True),
                name="hr_attendance_one_open",
            ),
        ]
        indexes = [models.Index(fields=["company", "employee", "check_in"])]

    def __str__(self):
        return f"{self.employee_id} {self.check_in}"
