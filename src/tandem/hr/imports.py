"""Attendance from a clock device as an importable object (see tandem.core.imports): one row
per stretch of work, the employee's number, the day and the clock-in and clock-out times (in
the company's time zone; a clock-out before the clock-in is the next morning of a night
shift). The file is written whole or not at all: every row is recorded through
`attendance_record` (so an overlap with another stretch, in the file or already recorded, is
refused with its row); a row identical to a stretch already recorded is left as it is, so
importing the same file twice records nothing new. Preview, per-row errors and the error file
are the shared import machinery's (the import page and `POST /imports/attendance`)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.core.imports import ImportField, ImportObject, batches, import_register, text

from .models import Attendance, Employee

F = ImportField
ATTENDANCE_FIELDS = (
    F(
        "employee",
        gettext_lazy("Employee number"),
        required=True,
        aliases=("employee", "number", "badge", "staff id", "工号", "员工编号", "人员编号"),
        max_length=50,
    ),
    F("date", gettext_lazy("Date"), "date", required=True, aliases=("day", "日期", "考勤日期")),
    F(
        "check_in",
        gettext_lazy("Check-in"),
        required=True,
        aliases=("in", "clock in", "time in", "签到", "上班打卡", "签到时间"),
        max_length=8,
    ),
    F(
        "check_out",
        gettext_lazy("Check-out"),
        aliases=("out", "clock out", "time out", "签退", "下班打卡", "签退时间"),
        max_length=8,
    ),
)


def _time(text: str, *, field: str) -> time:
    try:
        parts = [int(p) for p in text.strip().split(":")]
        if len(parts) not in (2, 3):
            raise ValueError
        return time(*parts)
    except (ValueError, TypeError):
        raise ValidationFailed(
            _("Not a time of day (HH:MM)."), code="import.invalid_time", field=field
        ) from None


def attendance_row(run, values: dict, target_id=None):
    from .services import attendance_record

    employees = run.cached(
        "employees",
        lambda: {e.number: e for e in Employee.objects.filter(company=run.company)},
    )
    employee = employees.get(values["employee"])
    if employee is None:
        raise InvalidReference(
            _("No employee with number %(number)s.") % {"number": values["employee"]},
            field="employee",
        )
    zone = run.cached("zone", lambda: {"zone": ZoneInfo(run.company.time_zone)})["zone"]
    start = datetime.combine(values["date"], _time(values["check_in"], field="check_in"), zone)
    end = None
    if values.get("check_out"):
        end = datetime.combine(values["date"], _time(values["check_out"], field="check_out"), zone)
        if end <= start:  # a night shift ends the next morning
            end += timedelta(days=1)
    same = Attendance.objects.filter(employee=employee, check_in=start, check_out=end).first()
    if same is not None:
        return same.pk, False
    row = attendance_record(
        company=run.company, employee=employee, check_in=start, check_out=end, source="import"
    )
    return row.pk, True


# -- employees --------------------------------------------------------------------------------

EMPLOYEE_FIELDS = (
    F(
        "number",
        gettext_lazy("Employee number"),
        required=True,
        aliases=("employee number", "staff id", "工号", "员工编号", "人员编号"),
        max_length=30,
    ),
    F("name", gettext_lazy("Name"), required=True, aliases=("姓名", "员工姓名")),
    F("hire_date", gettext_lazy("Hire date"), "date", aliases=("入职日期",)),
    F("leave_date", gettext_lazy("Leave date"), "date", aliases=("离职日期",)),
    F("email", gettext_lazy("Email"), aliases=("e-mail", "邮箱"), max_length=254),
    F("bank_name", gettext_lazy("Bank"), aliases=("开户行", "银行"), max_length=100),
    F("bank_account", gettext_lazy("Bank account"), aliases=("银行账号", "账号"), max_length=40),
)
EMPLOYEE_UPDATES = ("name", "leave_date", "email", "bank_name", "bank_account")


def employee_row(run, values: dict, target_id=None):
    """An employee by its number: created (the hire date required then) or updated (the
    hire date, which starts its versions, stays; an empty cell clears a text field)."""
    from .services import employee_create, employee_update

    employee = Employee.objects.filter(company=run.company, number=values["number"]).first()
    changes = {
        n: values[n] if values[n] is not None else "" for n in EMPLOYEE_UPDATES[1:] if n in values
    }
    if "leave_date" in changes and changes["leave_date"] == "":
        changes["leave_date"] = None
    if employee is not None:
        return employee_update(employee=employee, name=values["name"], **changes).pk, False
    if values.get("hire_date") is None:
        raise ValidationFailed(
            _("A new employee needs a hire date."), code="import.required", field="hire_date"
        )
    employee = employee_create(
        company=run.company,
        number=values["number"],
        name=values["name"],
        hire_date=values["hire_date"],
        leave_date=changes.get("leave_date"),
        email=changes.get("email", ""),
    )
    bank = {n: changes[n] for n in ("bank_name", "bank_account") if changes.get(n)}
    if bank:
        employee = employee_update(employee=employee, **bank)
    return employee.pk, True


def employee_export(company):
    headers = [f.name for f in EMPLOYEE_FIELDS]

    def rows():
        for batch in batches(Employee.objects.filter(company=company)):
            for e in batch:
                yield [
                    e.number,
                    e.name,
                    text(e.hire_date),
                    text(e.leave_date),
                    e.email,
                    e.bank_name,
                    e.bank_account,
                ]

    return headers, rows()


def register():
    import_register(
        ImportObject(
            name="employees",
            label=gettext_lazy("Employees"),
            fields=EMPLOYEE_FIELDS,
            handler=employee_row,
            perms=("hr.add_employee", "hr.change_employee"),
            key="number",
            natural_key=True,
            export=employee_export,
            export_perm="hr.view_employee",
            description=gettext_lazy(
                "Employees by their number: name, hire and leave dates, email, bank details."
            ),
        )
    )
    import_register(
        ImportObject(
            name="attendance",
            label=gettext_lazy("Attendance"),
            fields=ATTENDANCE_FIELDS,
            handler=attendance_row,
            perms=("hr.add_attendance",),
            natural_key=True,
            key_of=lambda v: f"{v['employee']}|{v['date']}|{v['check_in']}",
            atomic=True,
            description=gettext_lazy(
                "Clock-device attendance: employee number, date, check-in and check-out "
                "times; the whole file or nothing."
            ),
        )
    )
