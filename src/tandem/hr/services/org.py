"""Departments, positions, employees and their dated versions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q

from tandem.accounting.services._common import UNSET, amount, check_company, lock, text
from tandem.core.errors import Duplicate, ValidationFailed

from ..errors import VersionOverlap
from ..models import (
    Department,
    Employee,
    EmployeeVersion,
    Position,
    SocialInsuranceCity,
    SpecialDeduction,
)

VERSION_FIELDS = (
    "department",
    "position",
    "manager",
    "base_salary",
    "social_insurance_city",
    "social_insurance_base",
    "housing_fund_rate",
    "special_deductions",
    "calendar",
)


def _date(value, *, field: str, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{field}: not a date (YYYY-MM-DD)", field=field) from None


def _rate(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite() or not 0 <= number < 1 or number != number.quantize(Decimal("1e-4")):
        raise ValidationFailed(
            f"{field}: a fraction from 0 to 1 with at most 4 places (0.07 for 7 %)",
            code="validation.rate",
            field=field,
        )
    return number


def _special_deductions(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(
            "special_deductions: an object {kind: amount}", field="special_deductions"
        )
    cleaned = {}
    for kind, raw in value.items():
        if kind not in SpecialDeduction.values:
            raise ValidationFailed(
                f"special_deductions: unknown kind {kind!r}; one of "
                + ", ".join(SpecialDeduction.values),
                code="validation.choice",
                field="special_deductions",
            )
        cleaned[kind] = str(amount(raw, field=f"special_deductions.{kind}", currency="CNY"))
    return cleaned


# -- departments and positions -------------------------------------------------------------


def _save_unique(row, *, label: str):
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Duplicate(
            f"A {label} with this name exists", code=f"{label}.duplicate", field="name"
        ) from None
    return row


@transaction.atomic
def department_create(*, company, name, parent=None, manager=None) -> Department:
    check_company(company, parent, field="parent")
    check_company(company, manager, field="manager")
    department = Department(
        company=company,
        name=text(name, field="name", max_length=200, required=True),
        parent=parent,
        manager=manager,
    )
    return _save_unique(department, label="department")


@transaction.atomic
def department_update(*, department, name=UNSET, parent=UNSET, manager=UNSET) -> Department:
    department = lock(Department, [department.pk])[department.pk]
    company = department.company
    if name is not UNSET:
        department.name = text(name, field="name", max_length=200, required=True)
    if parent is not UNSET:
        check_company(company, parent, field="parent")
        ancestor = parent
        while ancestor is not None:  # the tree stays a tree
            if ancestor.pk == department.pk:
                raise ValidationFailed(
                    "parent: a department cannot sit under itself",
                    code="department.cycle",
                    field="parent",
                )
            ancestor = ancestor.parent
        department.parent = parent
    if manager is not UNSET:
        check_company(company, manager, field="manager")
        department.manager = manager
    return _save_unique(department, label="department")


@transaction.atomic
def position_create(*, company, name) -> Position:
    position = Position(
        company=company, name=text(name, field="name", max_length=200, required=True)
    )
    return _save_unique(position, label="position")


# -- employees and versions ----------------------------------------------------------------


@transaction.atomic
def employee_create(
    *, company, number, name, hire_date, user=None, leave_date=None, email="", version=None
) -> Employee:
    """An employee, and its first version from the hire date when `version` is given."""
    employee = Employee(
        company=company,
        number=text(number, field="number", max_length=30, required=True),
        name=text(name, field="name", max_length=200, required=True),
        user=user,
        hire_date=_date(hire_date, field="hire_date"),
        leave_date=_date(leave_date, field="leave_date", required=False),
        email=text(email, field="email", max_length=254),
    )
    _check_dates(employee)
    if Employee.objects.filter(company=company, number=employee.number).exists():
        raise Duplicate(
            "An employee with this number exists", code="employee.duplicate", field="number"
        )
    if user is not None and Employee.objects.filter(company=company, user=user).exists():
        raise Duplicate(
            "This user is linked to another employee", code="employee.user_taken", field="user"
        )
    employee.save()
    if version is not None:
        employee_version_create(
            employee=employee, **{"effective_from": employee.hire_date, **version}
        )
    return employee


def _check_dates(employee: Employee) -> None:
    if employee.leave_date and employee.leave_date < employee.hire_date:
        raise ValidationFailed(
            "leave_date: before the hire date",
            code="employee.leave_before_hire",
            field="leave_date",
        )


@transaction.atomic
def employee_update(
    *,
    employee,
    name=UNSET,
    leave_date=UNSET,
    email=UNSET,
    user=UNSET,
    bank_name=UNSET,
    bank_account=UNSET,
) -> Employee:
    employee = lock(Employee, [employee.pk])[employee.pk]
    if bank_name is not UNSET:
        employee.bank_name = text(bank_name, field="bank_name", max_length=100)
    if bank_account is not UNSET:
        employee.bank_account = text(bank_account, field="bank_account", max_length=40)
    if name is not UNSET:
        employee.name = text(name, field="name", max_length=200, required=True)
    if leave_date is not UNSET:
        employee.leave_date = _date(leave_date, field="leave_date", required=False)
        _check_dates(employee)
    if email is not UNSET:
        employee.email = text(email, field="email", max_length=254)
    if user is not UNSET:
        if user is not None and (
            Employee.objects.filter(company=employee.company, user=user)
            .exclude(pk=employee.pk)
            .exists()
        ):
            raise Duplicate(
                "This user is linked to another employee", code="employee.user_taken", field="user"
            )
        employee.user = user
    employee.save()
    return employee


@transaction.atomic
def employee_version_create(
    *, employee, effective_from, effective_to=None, **fields
) -> EmployeeVersion:
    """A dated version of the employee. It may not overlap another one, except that the
    latest open-ended version is closed the day before a later start (a raise from a date)."""
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"unknown fields: {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    employee = lock(Employee, [employee.pk])[employee.pk]
    company = employee.company
    start = _date(effective_from, field="effective_from")
    end = _date(effective_to, field="effective_to", required=False)
    if end is not None and end < start:
        raise ValidationFailed(
            "effective_to: before effective_from",
            code="employee_version.end_before_start",
            field="effective_to",
        )
    if start < employee.hire_date:
        raise ValidationFailed(
            "effective_from: before the hire date",
            code="employee_version.before_hire",
            field="effective_from",
        )
    for key in ("department", "position", "manager", "calendar"):
        check_company(company, fields.get(key), field=key)
    city = fields.get("social_insurance_city") or ""
    if city and city not in SocialInsuranceCity.values:
        raise ValidationFailed(
            "social_insurance_city: one of " + ", ".join(SocialInsuranceCity.values),
            code="validation.choice",
            field="social_insurance_city",
        )
    base = fields.get("social_insurance_base")
    version = EmployeeVersion(
        company=company,
        employee=employee,
        effective_from=start,
        effective_to=end,
        department=fields.get("department"),
        position=fields.get("position"),
        manager=fields.get("manager"),
        base_salary=amount(fields.get("base_salary"), field="base_salary", currency="CNY"),
        social_insurance_city=city,
        social_insurance_base=(
            None
            if base in (None, "")
            else amount(base, field="social_insurance_base", currency="CNY")
        ),
        housing_fund_rate=_rate(fields.get("housing_fund_rate"), field="housing_fund_rate"),
        special_deductions=_special_deductions(fields.get("special_deductions")),
        calendar=fields.get("calendar"),
    )
    others = list(
        EmployeeVersion.objects.filter(employee=employee).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=start)
        )
    )
    for other in others:
        if (
            other.effective_to is None
            and other.effective_from < start
            and not any(o.effective_from > other.effective_from for o in others)
        ):
            other.effective_to = start - timedelta(days=1)
            other.save(update_fields=["effective_to", "updated_at"])
            continue
        if end is None or other.effective_from <= end:
            raise VersionOverlap(
                f"effective_from: overlaps the version from {other.effective_from}",
                field="effective_from",
                extra={"version": other.pk},
            )
    version.save()
    return version


def versions_on(company, day: date, employees=None):
    """The version valid on `day` for each employee (one query)."""
    qs = EmployeeVersion.objects.filter(company=company, effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day)
    )
    if employees is not None:
        qs = qs.filter(employee__in=employees)
    return qs
