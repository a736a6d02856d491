"""HR API schemas: money as decimal strings, rates as decimals (0.07 for 7 %)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

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
