"""The leave, attendance and payslip PDF pages: HR asks, submits and approves from the
employee's page; an employee checks in and out; the PDF is for HR and the employee only."""

from datetime import date

import pytest
from django.test import Client

from tandem.core.services import membership_grant
from tandem.hr import services
from tandem.hr.models import Attendance, LeaveRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def test_ask_submit_and_approve_from_the_employee_page(web, company):
    li = services.employee_create(
        company=company,
        number="E1",
        name="Li Lei",
        hire_date=date(2020, 1, 1),
        version={"base_salary": "10000"},
    )
    annual = services.leave_type_create(company=company, code="ANNUAL", name="Annual")
    services.leave_allocation_create(
        company=company, employee=li, leave_type=annual, amount="5", date="2025-01-01"
    )
    page = web.get(f"/hr/employees/{li.pk}/")
    assert page.status_code == 200 and b'id="leave-balances"' in page.content
    answer = web.post(
        "/hr/leave/new/",
        {
            "employee": li.pk,
            "leave_type": annual.pk,
            "start": "2025-03-03",
            "end": "2025-03-04",
            "submit": "1",
            "next": f"/hr/employees/{li.pk}/",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == f"/hr/employees/{li.pk}/"
    request = LeaveRequest.objects.get()
    assert (request.state, request.days) == ("submitted", 2)
    web.post(f"/hr/leave/{request.pk}/approve/", {"next": "/hr/leave/"})
    assert LeaveRequest.objects.get().state == "approved"
    listing = web.get("/hr/leave/?state=approved").content.decode()
    assert "Li Lei" in listing
    # a request over the balance re-renders with the message and writes nothing
    web.post(
        "/hr/leave/new/",
        {
            "employee": li.pk,
            "leave_type": annual.pk,
            "start": "2025-04-01",
            "end": "2025-04-30",
            "submit": "1",
        },
    )
    assert LeaveRequest.objects.count() == 1


def test_check_in_and_out_on_the_page(company):
    user = UserFactory()
    membership_grant(user=user, company=company, roles=["sales"])
    services.employee_create(
        company=company, number="E1", name="Li Lei", hire_date=date(2020, 1, 1), user=user
    )
    client = _login(user)
    assert b"Check in" in client.get("/hr/attendance/").content
    client.post("/hr/attendance/", {"action": "in"})
    assert b"Check out" in client.get("/hr/attendance/").content
    client.post("/hr/attendance/", {"action": "out"})
    row = Attendance.objects.get()
    assert row.check_out is not None and row.source == "page"


def test_payslip_pdf_in_both_languages_for_hr_and_the_employee(web, company, prc, hire):
    employee = hire("E1", 20000)
    run = services.payroll_run_create(company=company, period="2025-01", structure=prc)
    slip = services.payroll_run_compute(run=run).payslips.get()
    for lang in ("en", "zh-hans"):
        answer = web.get(f"/hr/payslips/{slip.pk}/pdf/?lang={lang}")
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")
    own, stranger = UserFactory(), UserFactory()
    for user in (own, stranger):
        membership_grant(user=user, company=company, roles=["sales"])
    services.employee_update(employee=employee, user=own)
    assert _login(own).get(f"/hr/payslips/{slip.pk}/pdf/").status_code == 200
    assert _login(stranger).get(f"/hr/payslips/{slip.pk}/pdf/").status_code == 404


def test_an_employee_is_not_offered_the_approval_of_their_own_request(web, company):
    # given an employee with a user, and a submitted request of theirs
    user = UserFactory(username="li.lei")
    membership_grant(user=user, company=company, roles=["sales"])
    li = services.employee_create(
        company=company,
        number="E1",
        name="Li Lei",
        hire_date=date(2020, 1, 1),
        version={"base_salary": "10000"},
    )
    services.employee_update(employee=li, user=user)
    annual = services.leave_type_create(company=company, code="ANNUAL", name="Annual")
    services.leave_allocation_create(
        company=company, employee=li, leave_type=annual, amount="5", date="2025-01-01"
    )
    request = services.leave_request_create(
        company=company, employee=li, leave_type=annual, start="2025-03-03", end="2025-03-04"
    )
    services.leave_request_submit(request=request, notify=False)
    approve = f"/hr/leave/{request.pk}/approve/"
    # when the employee opens their own page and the leave list, then no Approve is offered
    own = _login(user)
    for path in ("/hr/me/", "/hr/leave/"):
        page = own.get(path).content.decode()
        assert f'data-request="{request.pk}"' in page and approve not in page, path
    # while HR sees it on the employee's page and the list
    for path in (f"/hr/employees/{li.pk}/", "/hr/leave/"):
        assert approve in web.get(path).content.decode(), path
