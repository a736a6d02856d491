"""One test per HR page: it renders for HR, and the payslip only for HR and its employee."""

import pytest
from django.test import Client

from tandem.accounting.models import Entry
from tandem.core.models import Job
from tandem.core.services import membership_grant
from tandem.hr import services
from tandem.hr.models import Employee, PayrollRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(company, prc, hire):
    head = services.department_create(company=company, name="Head office")
    services.department_create(company=company, name="Finance", parent=head)
    employee = hire("E1", 20000)
    run = services.payroll_run_create(company=company, period="2025-01", structure=prc)
    return employee, services.payroll_run_compute(run=run)


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def test_home(web, payroll):
    page = web.get("/hr/")
    assert page.status_code == 200
    assert b'id="hr-employees">1<' in page.content


def test_departments_as_a_tree(web, payroll):
    page = web.get("/hr/departments/").content.decode()
    assert page.index("Head office") < page.index("└ Finance")


def test_employee_list_and_detail_with_versions(web, payroll):
    employee, _run = payroll
    assert "Employee E1" in web.get("/hr/employees/?q=E1").content.decode()
    page = web.get(f"/hr/employees/{employee.pk}/").content.decode()
    assert 'id="version-table"' in page and "20,000.00" in page


def test_run_list_create_compute_and_post(
    web, company, payroll, prc, django_capture_on_commit_callbacks
):
    _employee, run = payroll
    assert "2025-01" in web.get("/hr/payroll/").content.decode()
    answer = web.post("/hr/payroll/new/", {"period": "2025-02", "structure": prc.pk})
    second = PayrollRun.objects.get(period="2025-02")
    assert answer.status_code == 302 and answer["Location"] == f"/hr/payroll/{second.pk}/"
    bad = web.post("/hr/payroll/new/", {"period": "2025-13", "structure": prc.pk}, follow=True)
    assert "YYYY-MM" in bad.content.decode() and PayrollRun.objects.count() == 2
    detail = web.get(f"/hr/payroll/{run.pk}/").content.decode()
    assert 'id="run-post"' in detail and "16,155.00" in detail
    # compute is a job; the run's page follows it (the worker runs it on commit)
    with django_capture_on_commit_callbacks(execute=True):
        answer = web.post(f"/hr/payroll/{second.pk}/compute/")
    job = Job.objects.get(kind="hr.payroll_compute")
    assert answer["Location"] == f"/hr/payroll/{second.pk}/?job={job.pk}"
    job.refresh_from_db()
    assert job.state == "done" and job.result["payslips"] == 1
    followed = web.get(answer["Location"]).content.decode()
    assert 'id="run-job"' in followed and 'data-state="done"' in followed
    assert "16,155.00" in followed and 'id="run-post"' in followed
    # another run's job is not shown on this run's page
    assert 'id="run-job"' not in web.get(f"/hr/payroll/{run.pk}/?job={job.pk}").content.decode()
    web.post(f"/hr/payroll/{run.pk}/post/")
    assert PayrollRun.objects.get(pk=run.pk).state == "posted" and Entry.objects.count() == 1
    again = web.post(f"/hr/payroll/{run.pk}/post/", follow=True).content.decode()
    assert "already posted" in again and Entry.objects.count() == 1
    refused = web.post(f"/hr/payroll/{run.pk}/compute/", follow=True).content.decode()
    assert "cannot be computed again" in refused and Job.objects.count() == 1


def test_payslip_page_for_hr_and_the_employee_only(web, company, payroll):
    employee, run = payroll
    slip = run.payslips.get()
    assert "16,155.00" in web.get(f"/hr/payslips/{slip.pk}/").content.decode()
    own, stranger = UserFactory(), UserFactory()
    membership_grant(user=own, company=company, roles=["sales"])
    membership_grant(user=stranger, company=company, roles=["sales"])
    Employee.objects.filter(pk=employee.pk).update(user=own)
    assert _login(own).get(f"/hr/payslips/{slip.pk}/").status_code == 200
    assert _login(stranger).get(f"/hr/payslips/{slip.pk}/").status_code == 404
    assert _login(stranger).get("/hr/employees/").status_code == 403


def test_my_page_for_the_employee_and_404_without_a_record(company, payroll):
    employee, run = payroll
    own, stranger = UserFactory(), UserFactory()
    membership_grant(user=own, company=company, roles=["sales"])
    membership_grant(user=stranger, company=company, roles=["sales"])
    Employee.objects.filter(pk=employee.pk).update(user=own)
    cycle = services.review_cycle_create(
        company=company, name="H1 2025", start="2025-01-01", end="2025-06-30"
    )
    services.goal_create(cycle=cycle, employee=employee, title="Close the books", weight=40)
    page = _login(own).get("/hr/me/").content.decode()
    slip = run.payslips.get()
    assert "My page" in page and "Employee E1" in page
    assert f"/hr/payslips/{slip.pk}/" in page and "16,155.00" in page
    assert 'id="goal-table"' in page and "Close the books" in page and "H1 2025" in page
    assert 'id="leave-form"' in page and 'id="leave-balances"' in page
    assert _login(stranger).get("/hr/me/").status_code == 404
