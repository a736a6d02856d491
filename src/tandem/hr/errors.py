"""HR refusals with stable codes."""

from tandem.core.errors import Conflict, InvalidTransition, ValidationFailed

from .formulas import FormulaInvalid


class VersionOverlap(Conflict):
    code = "employee_version.overlap"
    title = "Overlaps another version of the employee"


class RunPosted(InvalidTransition):
    code = "payroll_run.posted"
    title = "The payroll run is posted"


class RunPaid(Conflict):
    code = "payroll_run.paid"
    title = "The payroll run is paid"


class RunNotPosted(InvalidTransition):
    code = "payroll_run.not_posted"
    title = "Post the payroll run before paying it"


class RunNotComputed(InvalidTransition):
    code = "payroll_run.not_computed"
    title = "The payroll run is not computed"


class RunHasFailures(Conflict):
    code = "payroll_run.failed_payslips"
    title = "Some payslips failed"


class PeriodInvalid(ValidationFailed):
    code = "payroll_run.period_invalid"
    title = "The period is YYYY-MM"


class LeaveInsufficient(Conflict):
    code = "leave.insufficient_balance"
    title = "Not enough leave"


class LeaveOverlap(Conflict):
    code = "leave.overlap"
    title = "Overlaps another leave request"


class DocumentTooLarge(ValidationFailed):
    code = "employee_document.too_large"
    status = 413
    title = "The file is too large"


class DocumentTypeRefused(ValidationFailed):
    code = "employee_document.type_refused"
    status = 415
    title = "The file is not a PDF, PNG or JPEG"


__all__ = [
    "DocumentTooLarge",
    "DocumentTypeRefused",
    "LeaveInsufficient",
    "LeaveOverlap",
    "FormulaInvalid",
    "PeriodInvalid",
    "RunHasFailures",
    "RunNotComputed",
    "RunNotPosted",
    "RunPaid",
    "RunPosted",
    "VersionOverlap",
]
