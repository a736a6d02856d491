"""The payment batch of a posted run (bank file, one entry clearing net pay payable, once) and
the yearly summary per employee for the annual reconciliation (汇算)."""

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Sum

from tandem.accounting.models import EntryLine
from tandem.core.errors import DomainError
from tandem.hr import checks, services
from tandem.hr.models import PayrollRun

pytestmark = pytest.mark.django_db
D = Decimal


def _balance(company, role):
    from tandem.accounting.services import account_for_role

    account = account_for_role(company, role, field="account")
    sums = EntryLine.objects.filter(account=account).aggregate(d=Sum("debit"), c=Sum("credit"))
    return D(str(sums["d"] or 0)).quantize(D("0.01")) - D(str(sums["c"] or 0)).quantize(D("0.01"))


def test_a_posted_run_is_paid_once_clearing_net_pay(company, prc, hire, run_month):
    first = hire("E1", 20000)
    services.employee_update(employee=first, bank_name="ICBC", bank_account="6222000011112222")
    hire("E2", 8000)
    run = run_month(prc, 1)
    net = sum(s.net for s in run.payslips.all())
    assert _balance(company, "salaries_payable") == -net
    header, rows = services.bank_file(run)
    assert header[:2] == ["employee", "name"]
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("E1", "6222000011112222", "16155.00"),
        ("E2", "", f"{run.payslips.get(employee__number='E2').net:.2f}"),
    ]
    paid = services.payroll_run_pay(run=run)
    assert paid.payment_entry is not None and paid.payment_entry.journal.kind == "bank"
    assert _balance(company, "salaries_payable") == 0
    lines = paid.payment_entry.lines.all()
    assert sum(line.debit for line in lines) == sum(line.credit for line in lines) == net
    # paying twice: 409, nothing new
    with pytest.raises(DomainError) as refused:
        services.payroll_run_pay(run=run)
    assert (refused.value.code, refused.value.status) == ("payroll_run.paid", 409)
    assert _balance(company, "salaries_payable") == 0
    assert list(checks.posted_runs_match_entries()) == []


def test_an_unposted_run_is_not_paid(company, prc, hire, run_month):
    hire("E1", 20000)
    run = run_month(prc, 1, post=False)
    with pytest.raises(DomainError) as refused:
        services.payroll_run_pay(run=run)
    assert (refused.value.code, refused.value.status) == ("payroll_run.not_posted", 409)
    assert PayrollRun.objects.get().payment_entry is None


def test_pay_and_the_bank_file_from_the_run_page(web, company, prc, hire, run_month):
    hire("E1", 20000)
    run = run_month(prc, 1)
    page = web.get(f"/hr/payroll/{run.pk}/").content.decode()
    assert 'id="run-pay"' in page and 'id="run-bank-file"' in page
    body = web.get(f"/hr/payroll/{run.pk}/bank-file/").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body)))[1][:2] == ["E1", "Employee E1"]
    web.post(f"/hr/payroll/{run.pk}/pay/")
    web.post(f"/hr/payroll/{run.pk}/pay/")  # the second is refused with a message
    run.refresh_from_db()
    assert run.paid_at is not None and _balance(company, "salaries_payable") == 0
    assert 'id="run-pay"' not in web.get(f"/hr/payroll/{run.pk}/").content.decode()


def test_the_yearly_summary_per_employee_and_month(web, company, prc, hire, run_month):
    # 20,000 a month in Shanghai: SI 2,100, HF 1,400, tax 345 in each of the first 3 months
    hire("E1", 20000, special_deductions={"children_education": "2000"})
    for month in (1, 2, 3):
        run_month(prc, month)
    rows = services.tax_summary(company=company, year=2025)
    assert [r["period"] for r in rows] == ["2025-01", "2025-02", "2025-03", "2025"]
    january = rows[0]
    assert (january["income"], january["social_insurance"], january["housing_fund"]) == (
        D("20000.00"),
        D("2100.00"),
        D("1400.00"),
    )
    assert january["other_deductions"] == D("2000.00")
    # taxable 20,000 - 5,000 - 3,500 - 2,000 = 9,500 a month: 3 % on the cumulative figure
    assert [r["tax"] for r in rows[:3]] == [D("285.00")] * 3
    year = rows[3]
    assert (year["income"], year["tax"], year["other_deductions"]) == (
        D("60000.00"),
        D("855.00"),
        D("6000.00"),
    )
    assert year["net"] == sum(r["net"] for r in rows[:3])
    body = web.get("/hr/payroll/tax-summary/?year=2025").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:4] == ["employee", "name", "period", "income"] and len(table) == 5
    assert table[4][2] == "2025" and table[4][8] == "855.00"
