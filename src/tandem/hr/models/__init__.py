"""HR models: organisation and dated employee versions (org.py); the PRC pack, salary
structures, payroll runs, payslips and inputs (payroll.py)."""

from .org import (
    Department,
    Employee,
    EmployeeVersion,
    Position,
    SocialInsuranceCity,
    SpecialDeduction,
)
from .payroll import (
    POSTING_ROLES,
    RUN_TRANSITIONS,
    IncomeTaxBracket,
    InputKind,
    PayrollInput,
    PayrollRun,
    Payslip,
    PayslipLine,
    PayslipState,
    Rounding,
    RuleCategory,
    RunState,
    SalaryRule,
    SalaryStructure,
    SocialInsuranceRule,
    TaxTable,
)

__all__ = [
    "POSTING_ROLES",
    "RUN_TRANSITIONS",
    "Department",
    "Employee",
    "EmployeeVersion",
    "IncomeTaxBracket",
    "InputKind",
    "PayrollInput",
    "PayrollRun",
    "Payslip",
    "PayslipLine",
    "PayslipState",
    "Position",
    "Rounding",
    "RuleCategory",
    "RunState",
    "SalaryRule",
    "SalaryStructure",
    "SocialInsuranceCity",
    "SocialInsuranceRule",
    "SpecialDeduction",
    "TaxTable",
]
