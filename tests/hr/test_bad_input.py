"""Bad input through the API: a 4xx with a stable code, and nothing written."""

import pytest

from tandem.hr import services
from tandem.hr.models import Employee, EmployeeVersion, PayrollInput, PayrollRun, SalaryStructure

pytestmark = pytest.mark.django_db


def _refused(answer, status, code):
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    if code:
        assert answer.json()["code"] == code
    return answer.json()


@pytest.fixture
def employee(company, hire):
    return hire("E1", 20000)


@pytest.mark.parametrize(
    ("version", "status", "code"),
    [
        ({"effective_from": "2025-05-01", "effective_to": "2025-04-01"}, 422,
         "employee_version.end_before_start"),
        ({"effective_from": "2019-01-01"}, 422, "employee_version.before_hire"),
        ({"effective_from": "2025-05-01", "base_salary": "-1"}, 422, "validation.min_value"),
        ({"effective_from": "2025-05-01", "base_salary": "abc"}, 422, None),
        ({"effective_from": "2025-05-01", "housing_fund_rate": "7"}, 422, "validation.rate"),
        ({"effective_from": "2025-05-01", "special_deductions": {"yacht": "1"}}, 422,
         "validation.choice"),
        ({"effective_from": "2025-05-01", "social_insurance_city": "atlantis"}, 422, None),
        ({"effective_from": "2025-05-01", "department": 999999}, 422, "reference.invalid"),
    ],
)  # fmt: skip
def test_bad_versions_write_nothing(api, employee, version, status, code):
    answer = api.post(f"/employees/{employee.pk}/versions", version)
    _refused(answer, status, code)
    assert EmployeeVersion.objects.count() == 1


def test_bad_employees_write_nothing(api, employee):
    duplicate = api.post("/employees", {"number": "E1", "name": "Twin", "hire_date": "2024-01-01"})
    _refused(duplicate, 409, "employee.duplicate")
    leave = api.post(
        "/employees",
        {"number": "E2", "name": "X", "hire_date": "2024-01-01", "leave_date": "2023-01-01"},
    )
    _refused(leave, 422, "employee.leave_before_hire")
    assert Employee.objects.count() == 1


def test_bad_runs_and_inputs_write_nothing(api, company, prc, employee, run_month):
    _refused(api.post("/payroll-runs", {"period": "2025-13", "structure": prc.pk}), 422,
             "payroll_run.period_invalid")  # fmt: skip
    _refused(api.post("/payroll-runs", {"period": "2025-01", "structure": 999999}), 422,
             "reference.invalid")  # fmt: skip
    run_month(prc, 1)
    _refused(api.post("/payroll-runs", {"period": "2025-01", "structure": prc.pk}), 409,
             "payroll_run.duplicate")  # fmt: skip
    assert PayrollRun.objects.count() == 1
    posted = {"employee": employee.pk, "period": "2025-01", "kind": "bonus", "amount": "100"}
    _refused(api.post("/payroll-inputs", posted), 409, "payroll_run.posted")
    unknown = {"employee": employee.pk, "period": "2025-02", "kind": "yacht", "amount": "1"}
    _refused(api.post("/payroll-inputs", unknown), 422, "validation.choice")
    assert not PayrollInput.objects.exists()


def test_bad_structures_write_nothing(api, company, books):
    rules = [{"code": "NET", "category": "net", "formula": "base_salary"}]
    twice = rules + rules
    _refused(api.post("/salary-structures", {"code": "S", "name": "S", "rules": twice}), 422,
             "salary_rule.duplicate")  # fmt: skip
    lower = [{"code": "net", "category": "net", "formula": "base_salary"}]
    _refused(api.post("/salary-structures", {"code": "S", "name": "S", "rules": lower}), 422,
             "salary_rule.code_invalid")  # fmt: skip
    no_role = [{"code": "ER", "category": "employer_cost", "formula": "base_salary * 0.1"}]
    _refused(api.post("/salary-structures", {"code": "S", "name": "S", "rules": no_role}), 422,
             "salary_rule.account_role_required")  # fmt: skip
    services.salary_structure_install_generic(company=company)
    _refused(api.post("/salary-structures", {"code": "GENERIC", "name": "x", "rules": rules}),
             409, "salary_structure.duplicate")  # fmt: skip
    assert list(SalaryStructure.objects.values_list("code", flat=True)) == ["GENERIC"]
