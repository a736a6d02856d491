"""The leave and attendance API: an employee asks, their manager approves, HR sees all,
strangers see nothing; refusals answer problem+json with stable codes and change nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tandem.core.services import membership_grant
from tandem.hr import services
from tandem.hr.models import Attendance, LeaveEntry, LeaveRequest, PayrollInput
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _problem(answer, status, code):
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    return answer.json()


@pytest.fixture
def team(company):
    """A manager and an employee linked to users with the sales role (no HR permission)."""
    boss_user, li_user, stranger = UserFactory(), UserFactory(), UserFactory()
    for user in (boss_user, li_user, stranger):
        membership_grant(user=user, company=company, roles=["sales"])
    boss = services.employee_create(
        company=company,
        number="M1",
        name="Boss",
        hire_date=date(2020, 1, 1),
        user=boss_user,
        version={"base_salary": "30000"},
    )
    li = services.employee_create(
        company=company,
        number="E1",
        name="Li Lei",
        hire_date=date(2020, 1, 1),
        user=li_user,
        version={"base_salary": "21750", "manager": boss},
    )
    annual = services.leave_type_create(company=company, code="ANNUAL", name="Annual")
    services.leave_allocation_create(
        company=company, employee=li, leave_type=annual, amount="5", date="2025-01-01"
    )
    return {"boss": boss_user, "li": li_user, "stranger": stranger, "employee": li, "type": annual}


def test_ask_approve_and_the_balance(api, api_as, company, team):
    li, boss = api_as(team["li"], company), api_as(team["boss"], company)
    # when the employee asks for Monday 3 to Tuesday 4 March 2025 and submits
    answer = li.post(
        "/leave-requests",
        {"leave_type": team["type"].pk, "start": "2025-03-03", "end": "2025-03-04", "submit": True},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["state"], body["days"], body["employee"]) == (
        "submitted",
        "2.00",
        team["employee"].pk,
    )
    # then a stranger does not see it, the employee may not approve it, the manager does
    _problem(
        api_as(team["stranger"], company).get(f"/leave-requests/{body['id']}"),
        404,
        "leave_request.not_found",
    )
    _problem(
        li.post(f"/leave-requests/{body['id']}/approve", {}), 403, "leave_request.not_approver"
    )
    assert boss.get("/leave-requests").json()["count"] == 1
    approved = boss.post(f"/leave-requests/{body['id']}/approve", {"note": "ok"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    # and the balance on 3 March is 5 - 2, for the employee and for HR
    url = f"/employees/{team['employee'].pk}/leave-balance?as_of=2025-03-03&type={team['type'].pk}"
    for client in (li, api):
        assert [(r["code"], r["balance"]) for r in client.get(url).json()] == [("ANNUAL", "3.00")]
    _problem(api_as(team["stranger"], company).get(url), 404, "employee.not_found")
    # approving twice is a refused transition
    _problem(
        boss.post(f"/leave-requests/{body['id']}/approve", {}),
        409,
        "leave_request.invalid_transition",
    )


def test_bad_leave_requests_change_nothing(api_as, company, team):
    li = api_as(team["li"], company)
    entries, requests = LeaveEntry.objects.count(), LeaveRequest.objects.count()
    over = li.post(
        "/leave-requests",
        {"leave_type": team["type"].pk, "start": "2025-03-03", "end": "2025-03-10", "submit": True},
    )
    body = _problem(over, 409, "leave.insufficient_balance")
    assert (body["available"], body["requested"]) == ("5.00", "6.00")
    backwards = li.post(
        "/leave-requests",
        {"leave_type": team["type"].pk, "start": "2025-03-05", "end": "2025-03-03"},
    )
    _problem(backwards, 422, "leave_request.end_before_start")
    holiday = li.post(
        "/leave-requests",
        {"leave_type": team["type"].pk, "start": "2025-10-01", "end": "2025-10-03"},
    )
    _problem(holiday, 422, "leave_request.no_working_days")
    assert (
        li.post(
            "/leave-requests",
            {
                "leave_type": team["type"].pk,
                "start": "2025-03-03",
                "end": "2025-03-03",
                "submit": True,
            },
        ).status_code
        == 201
    )
    overlap = li.post(
        "/leave-requests",
        {"leave_type": team["type"].pk, "start": "2025-03-03", "end": "2025-03-04"},
    )
    _problem(overlap, 409, "leave.overlap")
    other = li.post(
        "/leave-requests",
        {
            "employee": team["employee"].pk + 1000,
            "leave_type": team["type"].pk,
            "start": "2025-03-03",
            "end": "2025-03-03",
        },
    )
    _problem(other, 403, "permission.denied")
    assert (LeaveEntry.objects.count(), LeaveRequest.objects.count()) == (entries, requests + 1)


def test_attendance_and_overtime_into_payroll(api, company, team):
    # given 21,750 a month: 21,750 / 21.75 / 8 = 125 an hour
    li = team["employee"]

    def shift(day, start, end):  # local Shanghai hours
        answer = api.post(
            "/attendance",
            {
                "employee": li.pk,
                "check_in": f"{day}T{start}:00+08:00",
                "check_out": f"{day}T{end}:00+08:00",
            },
        )
        assert answer.status_code == 201, answer.content

    shift(
        "2025-02-07", "09:20", "20:00"
    )  # Friday: 9.67 h worked (lunch out) of 8 -> 1.67 h at 150 %
    shift("2025-02-09", "10:00", "14:00")  # Sunday: 4 h at 200 %
    shift("2025-01-29", "09:00", "12:00")  # Spring Festival: 3 h at 300 %
    _problem(
        api.post(
            "/attendance",
            {
                "employee": li.pk,
                "check_in": "2025-02-07T19:00:00+08:00",
                "check_out": "2025-02-07T21:00:00+08:00",
            },
        ),
        409,
        "attendance.overlap",
    )
    _problem(
        api.post(
            "/attendance",
            {
                "employee": li.pk,
                "check_in": "2025-02-10T19:00:00+08:00",
                "check_out": "2025-02-10T18:00:00+08:00",
            },
        ),
        422,
        "attendance.out_before_in",
    )
    days = {
        row["date"]: row
        for row in services.attendance_days(
            company=company, employee=li, first=date(2025, 2, 7), last=date(2025, 2, 10)
        )
    }
    assert days[date(2025, 2, 7)]["late_minutes"] == 20
    assert days[date(2025, 2, 8)]["kind"] == "workday" and days[date(2025, 2, 8)]["absent"]
    assert days[date(2025, 2, 9)]["kind"] == "rest_day"
    assert days[date(2025, 2, 9)]["overtime_hours"] == D("4.00")
    february = services.attendance_overtime_to_payroll(company=company, period="2025-02")
    # 1.67 h x 125 x 1.5 = 313.125 -> 313.13; 4 h x 125 x 2 = 1,000
    assert february[li.pk] == D("1313.13")
    january = services.attendance_overtime_to_payroll(company=company, period="2025-01")
    assert january[li.pk] == D("1125.00")  # 3 h x 125 x 3
    assert PayrollInput.objects.get(employee=li, period="2025-02", kind="overtime").amount == D(
        "1313.13"
    )
    assert Attendance.objects.filter(employee=li).count() == 3


def test_check_in_and_out_as_the_employee(api_as, company, team):
    li = api_as(team["li"], company)
    opened = li.post("/attendance", {})
    assert opened.status_code == 201 and opened.json()["check_out"] is None
    _problem(li.post("/attendance", {}), 409, "attendance.already_checked_in")
    closed = li.post("/attendance/check-out", {})
    assert closed.status_code == 200 and closed.json()["check_out"] is not None
    _problem(li.post("/attendance/check-out", {}), 409, "attendance.not_checked_in")
    assert datetime.fromisoformat(closed.json()["check_out"]).tzinfo is not None
    assert UTC
