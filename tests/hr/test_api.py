"""The HR API: employees with versions, structures, runs (compute, post), payslips' privacy."""

import pytest

from tandem.core.models import Job
from tandem.core.services import membership_grant
from tandem.hr.models import EmployeeVersion, PayrollRun, SalaryStructure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _problem(answer, status, code):
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    return answer.json()


@pytest.fixture
def staff(api, books):
    department = api.post("/departments", {"name": "Sales"}).json()
    position = api.post("/positions", {"name": "Rep"}).json()
    answer = api.post(
        "/employees",
        {
            "number": "E1",
            "name": "Li Lei",
            "hire_date": "2020-01-01",
            "version": {
                "department": department["id"],
                "position": position["id"],
                "base_salary": "20000",
                "social_insurance_city": "shanghai",
                "housing_fund_rate": "0.07",
                "special_deductions": {"children_education": "2000"},
            },
        },
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_employee_with_versions(api, staff):
    assert staff["department"] is not None and staff["versions"][0]["base_salary"] == "20000.00"
    assert staff["versions"][0]["effective_from"] == "2020-01-01"
    raise_ = api.post(
        f"/employees/{staff['id']}/versions",
        {
            "effective_from": "2025-04-01",
            "base_salary": "22000",
            "social_insurance_city": "shanghai",
        },
    )
    assert raise_.status_code == 201, raise_.content
    body = api.get(f"/employees/{staff['id']}").json()
    assert [v["effective_to"] for v in body["versions"]] == ["2025-03-31", None]
    overlap = api.post(
        f"/employees/{staff['id']}/versions",
        {"effective_from": "2025-03-01", "effective_to": "2025-05-01", "base_salary": "1"},
    )
    _problem(overlap, 409, "employee_version.overlap")
    assert EmployeeVersion.objects.count() == 2
    assert api.listed("/employees", search="Li")["count"] == 1


def test_bad_formula_is_refused_with_rule_and_position(api, books):
    answer = api.post(
        "/salary-structures",
        {
            "code": "BAD",
            "name": "Bad",
            "rules": [
                {"code": "BASIC", "category": "gross", "formula": "base_salary"},
                {"code": "NET", "category": "net", "formula": "BASIC + nope"},
            ],
        },
    )
    body = _problem(answer, 422, "salary_rule.invalid")
    assert body["errors"][0]["field"] == "rules.1.formula"
    assert "NET" in body["detail"] and "position 9" in body["detail"]
    assert not SalaryStructure.objects.filter(code="BAD").exists()


def test_run_compute_post_and_post_again(api, staff):
    from tandem.hr import services

    structure = services.salary_structure_install_prc(company=api.company)
    run = api.post("/payroll-runs", {"period": "2025-01", "structure": structure.pk}).json()
    computed = api.post(f"/payroll-runs/{run['id']}/compute")
    assert computed.status_code == 200 and computed.json()["state"] == "computed"
    slips = api.listed("/payslips", run=run["id"])
    assert slips["count"] == 1
    slip = slips["items"][0]
    assert (slip["gross"], slip["tax"], slip["net"]) == ("20000.00", "285.00", "16215.00")
    assert {"code": "NET", "name": "实发工资 Net pay", "category": "net", "amount": "16215.00"} in (
        slip["lines"]
    )
    posted = api.post(f"/payroll-runs/{run['id']}/post")
    assert posted.status_code == 200 and posted.json()["entry"] is not None
    _problem(api.post(f"/payroll-runs/{run['id']}/post"), 409, "payroll_run.posted")
    _problem(api.post(f"/payroll-runs/{run['id']}/compute"), 409, "payroll_run.posted")
    _problem(api.post(f"/payroll-runs/{run['id']}/compute?async=true"), 409, "payroll_run.posted")


def test_async_compute_answers_202_with_a_job(api, staff, django_capture_on_commit_callbacks):
    from tandem.hr import services

    structure = services.salary_structure_install_generic(company=api.company)
    run = api.post("/payroll-runs", {"period": "2025-02", "structure": structure.pk}).json()
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/payroll-runs/{run['id']}/compute?async=true")
    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["id"])
    assert job.kind == "hr.payroll_compute" and job.params == {"run": run["id"]}
    assert (job.state, job.progress, job.done, job.total) == ("done", 100, 1, 1)
    assert job.result == {
        "run": run["id"],
        "payslips": 1,
        "failed": 0,
        "links": [{"label": "Payslips", "url": f"/hr/payroll/{run['id']}/"}],
    }
    assert PayrollRun.objects.get(pk=run["id"]).state == "computed"
    polled = api.get(f"/jobs/{job.pk}").json()
    assert polled["state"] == "done"
    # generic: 20,000 gross, a flat 10 % tax
    assert api.listed("/payslips", run=run["id"])["items"][0]["net"] == "18000.00"


def test_payslips_are_for_hr_and_the_employee_only(api, api_as, company, staff):
    from tandem.hr import services
    from tandem.hr.models import Employee

    structure = services.salary_structure_install_prc(company=company)
    run = services.payroll_run_create(company=company, period="2025-01", structure=structure)
    services.payroll_run_compute(run=run)
    slip = run.payslips.get()
    employee_user, seller, hr_officer = UserFactory(), UserFactory(), UserFactory()
    membership_grant(user=employee_user, company=company, roles=["sales"])
    membership_grant(user=seller, company=company, roles=["sales"])
    membership_grant(user=hr_officer, company=company, roles=["hr"])
    Employee.objects.filter(pk=staff["id"]).update(user=employee_user)
    own = api_as(employee_user, company)
    assert own.get(f"/payslips/{slip.pk}").status_code == 200
    assert own.listed("/payslips")["count"] == 1
    other = api_as(seller, company)
    _problem(other.get(f"/payslips/{slip.pk}"), 404, "payslip.not_found")
    assert other.listed("/payslips")["count"] == 0
    _problem(other.get("/employees"), 403, "permission.denied")
    assert api_as(hr_officer, company).get(f"/payslips/{slip.pk}").json()["net"] == "16215.00"


def test_another_companys_employee_is_not_found(api, other_company, staff):
    from tandem.hr import services

    stranger = services.employee_create(
        company=other_company, number="Z1", name="Zed", hire_date="2021-01-01"
    )
    _problem(api.get(f"/employees/{stranger.pk}"), 404, "employee.not_found")
    answer = api.post(f"/employees/{stranger.pk}/versions", {"effective_from": "2025-01-01"})
    _problem(answer, 404, "employee.not_found")
    assert not EmployeeVersion.objects.filter(employee=stranger).exists()
