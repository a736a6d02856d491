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
from tandem.core.imports import ImportField, ImportObject, import_register

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


def register():
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
