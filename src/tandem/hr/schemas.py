"""HR API schemas: money as decimal strings, rates as decimals (0.07 for 7 %)."""

import datetime as _dt
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from tandem.inventory.schemas import Money
from tandem.purchasing.schemas import Id, Number, Text

City = Literal["shanghai", "beijing", ""]


class DepartmentOut(Schema):
    id: int
    name: str
    parent: int | None = Field(validation_alias="parent_id")
    manager: int | None = Field(validation_alias="manager_id")


class DepartmentIn(Schema):
    name: Text(200, min_length=1)
    parent: Id | None = None
    manager: Id | None = None


class DepartmentPatch(Schema):
    name: Text(200, min_length=1) | None = None
    parent: Id | None = None
    manager: Id | None = None


class PositionOut(Schema):
    id: int
    name: str


class PositionIn(Schema):
    name: Text(200, min_length=1)


class VersionOut(Schema):
    id: int
    effective_from: date
    effective_to: date | None
    department: int | None = Field(validation_alias="department_id")
    position: int | None = Field(validation_alias="position_id")
    manager: int | None = Field(validation_alias="manager_id")
    base_salary: Money
    social_insurance_city: str
    social_insurance_base: Money | None
    housing_fund_rate: Decimal
    special_deductions: dict[str, Decimal]
    calendar: int | None = Field(None, validation_alias="calendar_id")


class VersionIn(Schema):
    effective_from: date | None = None
    effective_to: date | None = None
    department: Id | None = None
    position: Id | None = None
    manager: Id | None = None
    base_salary: Number = Decimal(0)
    social_insurance_city: City = ""
    social_insurance_base: Number | None = None
    housing_fund_rate: Number = Decimal(0)
    special_deductions: dict[str, Number] = {}
    calendar: Id | None = None


class EmployeeOut(Schema):
    id: int
    number: str
    name: str
    user: int | None = Field(validation_alias="user_id")
    email: str
    hire_date: date
    leave_date: date | None
    department: int | None = None
    position: int | None = None
    manager: int | None = None
    versions: list[VersionOut]


class EmployeeIn(Schema):
    number: Text(30, min_length=1)
    name: Text(200, min_length=1)
    user: Id | None = None
    email: Text(254) = ""
    hire_date: date
    leave_date: date | None = None
    version: VersionIn | None = None


class EmployeePatch(Schema):
    name: Text(200, min_length=1) | None = None
    email: Text(254) | None = None
    leave_date: date | None = None


class RuleIO(Schema):
    code: Text(30, min_length=1)
    name: Text(200) = ""
    category: Literal["gross", "deduction", "taxable", "tax", "net", "employer_cost"]
    formula: Text(2000, min_length=1)
    rounding: Literal["0.01", "0.1", "1"] = "0.01"
    account_role: str = ""


class StructureOut(Schema):
    id: int
    code: str
    name: str
    active: bool
    rules: list[RuleIO]


class StructureIn(Schema):
    code: Text(30, min_length=1)
    name: Text(200, min_length=1)
    rules: list[RuleIO] = Field(..., max_length=200)


class StructurePatch(Schema):
    name: Text(200, min_length=1) | None = None
    active: bool | None = None
    rules: list[RuleIO] | None = Field(None, max_length=200)


class RunOut(Schema):
    id: int
    period: str
    structure: int = Field(validation_alias="structure_id")
    state: str
    entry: int | None = Field(validation_alias="entry_id")
    computed_at: datetime | None
    posted_at: datetime | None


class RunIn(Schema):
    period: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    structure: Id


class LineOut(Schema):
    code: str
    name: str
    category: str
    amount: Money


class PayslipOut(Schema):
    id: int
    run: int = Field(validation_alias="run_id")
    employee: int = Field(validation_alias="employee_id")
    period: str
    state: str
    error: str
    gross: Money
    deductions: Money
    tax: Money
    net: Money
    employer_cost: Money
    lines: list[LineOut]


class InputIn(Schema):
    employee: Id
    period: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    kind: str
    amount: Number
    note: Text(200) = ""


class InputOut(Schema):
    id: int
    employee: int = Field(validation_alias="employee_id")
    period: str
    kind: str
    amount: Money
    note: str


# -- leave -----------------------------------------------------------------------------------

Qty = Annotated[Decimal, Field(max_digits=9, decimal_places=2)]


class LeaveTypeOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    accrual: str
    accrual_amount: Decimal
    accrual_timing: str
    accrual_start: date | None
    pro_rata: bool
    cap: Decimal | None
    carry_over_limit: Decimal | None
    carry_over_expiry_months: int | None
    allow_negative: bool
    active: bool


class LeaveTypeIn(Schema):
    code: Text(30, min_length=1)
    name: Text(200, min_length=1)
    unit: Literal["day", "hour"] = "day"
    accrual: Literal["none", "monthly", "yearly"] = "none"
    accrual_amount: Qty = Decimal(0)
    accrual_timing: Literal["start", "end"] = "start"
    accrual_start: date | None = None
    pro_rata: bool = True
    cap: Qty | None = None
    carry_over_limit: Qty | None = None
    carry_over_expiry_months: int | None = Field(None, ge=1, le=60)
    allow_negative: bool = False


class LeaveTypePatch(Schema):
    name: Text(200, min_length=1) | None = None
    accrual: Literal["none", "monthly", "yearly"] | None = None
    accrual_amount: Qty | None = None
    accrual_timing: Literal["start", "end"] | None = None
    accrual_start: date | None = None
    pro_rata: bool | None = None
    cap: Qty | None = None
    carry_over_limit: Qty | None = None
    carry_over_expiry_months: int | None = Field(None, ge=1, le=60)
    allow_negative: bool | None = None
    active: bool | None = None


class LeaveAllocationOut(Schema):
    id: int
    employee: int = Field(validation_alias="employee_id")
    leave_type: int = Field(validation_alias="leave_type_id")
    amount: Decimal
    date: _dt.date
    note: str


class LeaveAllocationIn(Schema):
    employee: Id
    leave_type: Id
    amount: Qty
    date: _dt.date | None = None
    note: Text(200) = ""


class LeaveRequestOut(Schema):
    id: int
    employee: int = Field(validation_alias="employee_id")
    leave_type: int = Field(validation_alias="leave_type_id")
    start: date
    end: date
    start_half: str
    end_half: str
    days: Decimal
    state: str
    reason: str
    approver: int | None = Field(validation_alias="approver_id")
    decided_at: datetime | None
    decision_note: str


class LeaveRequestIn(Schema):
    employee: Id | None = None  # empty: the caller's own employee record
    leave_type: Id
    start: date
    end: date
    start_half: Literal["", "pm"] = ""
    end_half: Literal["", "am"] = ""
    hours: Qty | None = None
    reason: Text(300) = ""
    submit: bool = False


class DecisionIn(Schema):
    note: Text(300) = ""


class BalanceOut(Schema):
    employee: int
    leave_type: int
    code: str
    unit: str
    as_of: date
    balance: Decimal


class AttendanceOut(Schema):
    id: int
    employee: int = Field(validation_alias="employee_id")
    check_in: datetime
    check_out: datetime | None
    source: str


class AttendanceIn(Schema):
    employee: Id | None = None
    check_in: datetime | None = None
    check_out: datetime | None = None


# -- performance -----------------------------------------------------------------------------


class CycleOut(Schema):
    id: int
    name: str
    start: date
    end: date
    state: str


class CycleIn(Schema):
    name: Text(200, min_length=1)
    start: date
    end: date


class CycleStateIn(Schema):
    state: Literal["open", "closed"]


class KeyResult(Schema):
    title: Text(200, min_length=1)
    target: Number
    actual: Number = Decimal(0)


class GoalOut(Schema):
    id: int
    cycle: int = Field(validation_alias="cycle_id")
    employee: int = Field(validation_alias="employee_id")
    title: str
    weight: Decimal
    key_results: list[dict]
    source: str
    achievement: Decimal | None


class GoalIn(Schema):
    cycle: Id
    employee: Id
    title: Text(200) = ""
    weight: Number
    key_results: list[KeyResult] = []
    sales_target: bool = False  # achievement from the employee's CRM sales targets


class ReviewOut(Schema):
    id: int
    cycle: int = Field(validation_alias="cycle_id")
    employee: int = Field(validation_alias="employee_id")
    kind: str
    reviewer: int | None = Field(validation_alias="reviewer_id")
    rating: int | None
    comment: str
    state: str
    submitted_at: datetime | None


class ReviewIn(Schema):
    cycle: Id
    employee: Id
    kind: Literal["self", "manager"]
    rating: int = Field(ge=1, le=5)
    comment: Text(5000) = ""


# -- employee documents ------------------------------------------------------------------------


class EmployeeDocumentOut(Schema):
    id: int
    employee: int = Field(validation_alias="employee_id")
    kind: Literal["contract", "id", "certificate", "other"]
    title: str
    filename: str
    content_type: str
    size: int
    valid_from: date | None
    valid_to: date | None
    expiry: Literal["expired", "expiring", ""] = Field(
        "", description="`expiring`: valid_to within 30 days from today; `expired`: before today"
    )
    uploaded_by: int | None = Field(validation_alias="uploaded_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_expiry(obj) -> str:
        from .queries import expiry_state

        return expiry_state(obj)
