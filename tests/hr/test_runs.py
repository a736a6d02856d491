"""Payroll runs: the posted entry, the integrity check, error isolation, refusals."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting.models import Entry, EntryLine
from tandem.core import integrity
from tandem.core.errors import DomainError
from tandem.hr import services
from tandem.hr.checks import posted_runs_match_entries
from tandem.hr.models import PayrollRun, Payslip, PayslipLine

pytestmark = pytest.mark.django_db
D = Decimal


def _by_role(entry):
    rows = EntryLine.objects.filter(entry=entry).values_list("account__role", "debit", "credit")
    result = {}
    for role, debit, credit in rows:
        result[role] = result.get(role, D(0)) + debit - credit
    return result


def test_posted_run_balances_and_its_payables_equal_the_payslips(prc, hire, run_month):
    hire("E1", 20000)
    hire("E2", 50000)
    hire("E3", 20000, special_deductions={"children_education": "2000"})
    run = run_month(prc, 1)
    slips = list(run.payslips.all())
    assert run.state == "posted" and run.entry.state == "posted"
    assert run.entry.date == date(2025, 1, 31) and run.entry.journal.code == "GEN"
    booked = _by_role(run.entry)
    # 50,000 at the 36,921 ceiling: 5,907.36 + 3,322.89 + 184.61 + 59.07 + 369.21 + 2,584
    assert sum(booked.values()) == 0  # balanced
    gross = sum(s.gross for s in slips)
    employer = sum(s.employer_cost for s in slips)
    assert booked["wages_expense"] == gross + employer == D("90000") + D("6732") * 2 + D("12427.14")
    assert -booked["salaries_payable"] == sum(s.net for s in slips)
    assert (
        -booked["income_tax_withheld"]
        == sum(s.tax for s in slips)
        == D("345.00") + D("1333.93") + D("285.00")
    )
    assert -booked["social_insurance_withheld"] == D("2100") * 2 + D("3876.71")
    assert -booked["housing_fund_withheld"] == D("1400") * 2 + D("2584")
    assert -booked["housing_fund_payable"] == D("1400") * 2 + D("2584")
    assert -booked["social_insurance_payable"] == employer - (D("1400") * 2 + D("2584"))
    assert list(posted_runs_match_entries()) == []
    assert integrity.run_all().ok, integrity.run_all().render()


def test_integrity_check_finds_a_payslip_that_disagrees_with_the_entry(prc, hire, run_month):
    hire("E1", 20000)
    run = run_month(prc, 1)
    PayslipLine.objects.filter(payslip__run=run, code="NET").update(amount=D("16154.00"))
    breaches = list(posted_runs_match_entries())
    assert len(breaches) == 1 and f"payroll run {run.pk} (2025-01)" in breaches[0]


def test_posting_twice_is_refused_and_changes_nothing(prc, hire, run_month):
    hire("E1", 20000)
    run = run_month(prc, 1)
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.payroll_run_post(run=run)
    assert refused.value.code == "payroll_run.posted" and refused.value.status == 409
    with pytest.raises(DomainError) as recompute:
        services.payroll_run_compute(run=run)
    assert recompute.value.code == "payroll_run.posted"
    assert Entry.objects.count() == entries
    assert PayrollRun.objects.get(pk=run.pk).entry_id == run.entry_id


def test_a_draft_run_is_not_posted(company, prc):
    run = services.payroll_run_create(company=company, period="2025-01", structure=prc)
    with pytest.raises(DomainError) as refused:
        services.payroll_run_post(run=run)
    assert refused.value.code == "payroll_run.not_computed"


def test_division_by_zero_fails_only_that_payslip(company, books, hire, run_month):
    structure = services.salary_structure_create(
        company=company,
        code="RATIO",
        name="Bonus ratio",
        rules=[
            {"code": "BASIC", "category": "gross", "formula": "base_salary"},
            {"code": "SHARE", "category": "gross", "formula": "bonus / overtime"},
            {"code": "NET", "category": "net", "formula": "total_gross"},
        ],
    )
    good, bad = hire("E1", 10000), hire("E2", 10000)
    services.payroll_input_set(
        company=company, employee=good, period="2025-01", kind="bonus", amount=100
    )
    services.payroll_input_set(
        company=company, employee=good, period="2025-01", kind="overtime", amount=50
    )
    run = run_month(structure, 1, post=False)
    slips = {s.employee_id: s for s in run.payslips.all()}
    assert slips[good.pk].state == "done" and slips[good.pk].net == D("10002.00")
    assert slips[bad.pk].state == "failed" and "division by zero" in slips[bad.pk].error
    assert not slips[bad.pk].lines.exists()
    with pytest.raises(DomainError) as refused:
        services.payroll_run_post(run=run)
    assert refused.value.code == "payroll_run.failed_payslips"
    assert PayrollRun.objects.get(pk=run.pk).state == "computed" and not Entry.objects.exists()
    # fixed input, computed again: both payslips, the old ones replaced
    services.payroll_input_set(
        company=company, employee=bad, period="2025-01", kind="overtime", amount=1
    )
    run = services.payroll_run_compute(run=run)
    assert sorted(run.payslips.values_list("state", flat=True)) == ["done", "done"]
    assert Payslip.objects.count() == 2


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("base_salary *", "does not parse"),
        ("base_salry * 2", "unknown name 'base_salry'"),
        ("NET + 1", "unknown name 'NET'"),  # a later rule
        ("__import__('os').system('true')", "unknown function"),
        ("base_salary ** 99", "only + - * /"),
        ("open('/etc/passwd')", "unknown function 'open'"),
    ],
)
def test_a_bad_formula_is_refused_when_the_structure_is_saved(company, formula, message):
    with pytest.raises(DomainError) as refused:
        services.salary_structure_create(
            company=company,
            code="BAD",
            name="Bad",
            rules=[
                {"code": "BASIC", "category": "gross", "formula": "base_salary"},
                {"code": "EXTRA", "category": "gross", "formula": formula},
                {"code": "NET", "category": "net", "formula": "total_gross"},
            ],
        )
    error = refused.value
    assert error.code == "salary_rule.invalid" and error.status == 422
    assert message in error.message and error.extra["rule"] == "EXTRA"
    assert error.field == "rules.1.formula" and error.extra["position"] >= 1
    from tandem.hr.models import SalaryStructure

    assert not SalaryStructure.objects.exists()


def test_version_overlap_is_refused(company, hire):
    employee = hire("E1", 10000)
    raise_ = services.employee_version_create(
        employee=employee, effective_from=date(2025, 4, 1), base_salary=12000
    )
    first = employee.versions.get(effective_from=date(2020, 1, 1))
    assert first.effective_to == date(2025, 3, 31)  # the open version closed before the raise
    on = {
        d: services.versions_on(company, d).get(employee=employee)
        for d in (date(2025, 3, 31), date(2025, 4, 1))
    }
    assert on[date(2025, 3, 31)].pk == first.pk and on[date(2025, 4, 1)].pk == raise_.pk
    with pytest.raises(DomainError) as refused:
        services.employee_version_create(
            employee=employee,
            effective_from=date(2025, 3, 1),
            effective_to=date(2025, 5, 31),
            base_salary=11000,
        )
    assert refused.value.code == "employee_version.overlap"
    assert employee.versions.count() == 2


def test_compute_reads_each_table_once(company, prc, hire, django_assert_max_num_queries):
    """Reads do not grow with the number of employees (one query per table); writes are bulk
    inserts, in as many batches as the database takes rows per statement."""

    def reads(captured):
        return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("INSERT")]

    for number in range(30):
        hire(f"E{number:02d}", 10000 + number * 1000)
    run = services.payroll_run_create(company=company, period="2025-01", structure=prc)
    services.payroll_run_compute(run=run)
    run = PayrollRun.objects.get(pk=run.pk)
    with django_assert_max_num_queries(40) as first:  # computed again: the old ones replaced
        services.payroll_run_compute(run=run)
    for number in range(30, 60):
        hire(f"E{number:02d}", 10000)
    run = PayrollRun.objects.get(pk=run.pk)
    with django_assert_max_num_queries(60) as second:
        services.payroll_run_compute(run=run)
    assert run.payslips.count() == 60 and PayslipLine.objects.count() == 60 * 24
    assert len(reads(second)) == len(reads(first)) <= 20
