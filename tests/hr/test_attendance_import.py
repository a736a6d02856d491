"""Attendance from a clock device's CSV through the shared import machinery: the preview,
errors per row, the whole file or nothing, a night shift, importing the same file twice."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tandem.core.imports import import_run
from tandem.hr import services
from tandem.hr.models import Attendance

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
FILE = (
    "工号,日期,签到时间,签退时间\n"
    "E1,2026-11-02,08:58,18:05\n"
    "E2,2026-11-02,09:20,18:00\n"
    "E1,2026-11-03,22:00,06:00\n"  # a night shift: out the next morning
)


def _import(company, content, **kwargs):
    return import_run(
        company=company,
        object_name="attendance",
        name="clock.csv",
        content=content.encode(),
        **kwargs,
    )


@pytest.fixture
def staff(company):
    return [
        services.employee_create(
            company=company, number=n, name=n, hire_date=date(2020, 1, 1), version={}
        )
        for n in ("E1", "E2")
    ]


def test_a_clock_file_is_recorded_in_the_company_time_zone(company, staff):
    preview = _import(company, FILE, dry_run=True)
    assert preview.ok and preview.rows == 3 and Attendance.objects.count() == 0
    assert preview.fields == ["employee", "date", "check_in", "check_out"]
    assert [p["action"] for p in preview.preview] == ["create"] * 3
    report = _import(company, FILE)
    assert report.ok and report.created == 3
    night = Attendance.objects.get(employee=staff[0], check_in__date=date(2026, 11, 3))
    assert night.check_in == datetime(2026, 11, 3, 22, 0, tzinfo=SH)
    assert night.check_out == datetime(2026, 11, 4, 6, 0, tzinfo=SH)
    assert set(Attendance.objects.values_list("source", flat=True)) == {"import"}
    # the same file again records nothing new
    again = _import(company, FILE)
    assert again.ok and (again.created, again.updated) == (0, 3)
    assert Attendance.objects.count() == 3


def test_bad_rows_are_named_and_nothing_is_written(company, staff):
    services.attendance_record(
        company=company,
        employee=staff[1],
        check_in=datetime(2026, 11, 2, 9, 0, tzinfo=SH),
        check_out=datetime(2026, 11, 2, 12, 0, tzinfo=SH),
    )
    bad = (
        "employee,date,check_in,check_out\n"
        "E1,2026-11-02,08:58,18:05\n"
        "E9,2026-11-02,09:00,18:00\n"  # no such employee
        "E1,2026-11-04,9h,18:00\n"  # not a time
        "E2,2026-11-02,11:00,18:00\n"  # overlaps the morning already recorded
        "E1,2026-11-02,08:58,17:00\n"  # the same key as row 2
    )
    report = _import(company, bad)
    assert not report.ok and report.created == 0
    codes = {(e["row"], e["code"]) for e in report.errors}
    assert codes == {
        (3, "reference.invalid"),
        (4, "import.invalid_time"),
        (5, "attendance.overlap"),
        (6, "import.duplicate_key"),
    }
    assert Attendance.objects.count() == 1  # only the one recorded before


def test_a_missing_required_column_refuses_the_file(company, staff):
    from tandem.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        _import(company, "employee,date\nE1,2026-11-02\n")
    assert Attendance.objects.count() == 0
