"""After posting: the payment batch of a run (the bank file of each employee's net pay and one
entry clearing the net pay payable against the bank) and the yearly summary per employee for
the annual reconciliation (汇算): income, social insurance and housing fund, the other
deductions for tax, the tax withheld, month by month and for the year."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import Journal, JournalKind
from tandem.accounting.services import account_for_role, entry_create_posted
from tandem.accounting.services._common import lock
from tandem.core.errors import ValidationFailed

from ..errors import RunNotPosted, RunPaid
from ..models import PayrollRun, Payslip, PayslipLine, PayslipState, RunState
from .payroll import period_bounds

CENT = Decimal("0.01")
SI_CODES = ("PENSION_EE", "MEDICAL_EE", "UNEMPLOYMENT_EE")


def _fen(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)  # SQLite sums decimals as floats


def _bank_journal(company, journal=None) -> Journal:
    qs = Journal.objects.filter(
        company=company, kind=JournalKind.BANK, active=True, default_account__isnull=False
    )
    found = qs.filter(pk=journal.pk).first() if journal is not None else qs.order_by("code").first()
    if found is None:
        raise ValidationFailed(
            "An active bank journal with a default account is needed",
            code="journal.missing",
            field="journal",
        )
    return found


def bank_file(run: PayrollRun) -> tuple[list[str], list[list[str]]]:
    """(header, rows): each computed payslip's net pay with the employee's bank details."""
    rows = [
        [
            slip.employee.number,
            slip.employee.name,
            slip.employee.bank_name,
            slip.employee.bank_account,
            f"{slip.net:.2f}",
            f"Salary {run.period}",
        ]
        for slip in Payslip.objects.filter(run=run, state=PayslipState.DONE, net__gt=0)
        .select_related("employee")
        .order_by("employee__number")
    ]
    return ["employee", "name", "bank", "account", "amount", "reference"], rows


@transaction.atomic
def payroll_run_pay(*, run: PayrollRun, journal=None, day=None, user=None) -> PayrollRun:
    """The payment batch of a posted run: one entry in the bank journal, Dr salaries payable
    / Cr the bank, for the run's net pay (the bank file's total). Once: a second payment is
    409 `payroll_run.paid`; an unposted run 409 `payroll_run.not_posted`."""
    run = lock(PayrollRun, [run.pk])[run.pk]
    if run.payment_entry_id is not None:
        raise RunPaid("The run is already paid")
    if run.state != RunState.POSTED:
        raise RunNotPosted("Post the run before paying it")
    bank = _bank_journal(run.company, journal)
    total = _fen(
        Payslip.objects.filter(run=run, state=PayslipState.DONE).aggregate(t=Sum("net"))["t"]
    )
    _start, end = period_bounds(run.period)
    reference = f"Salary payment {run.period} {run.structure.code}"
    if total > 0:
        payable = account_for_role(run.company, "salaries_payable", field="account")
        run.payment_entry = entry_create_posted(
            company=run.company,
            journal=bank,
            date=day or max(end, timezone.localdate()),
            lines=[
                {"account": payable, "debit": total, "description": reference},
                {"account": bank.default_account, "credit": total, "description": reference},
            ],
            reference=reference[:100],
            user=user,
        )
    run.paid_at = timezone.now()
    run.save(update_fields=["payment_entry", "paid_at", "updated_at"])
    return run


def tax_summary(*, company, year: int) -> list[dict]:
    """Per employee and month of `year` (posted runs only), then the year: income, the annual
    one-time bonus, social insurance and housing fund (employee), the other deductions for tax
    (special additional deductions and a previous employer's), the tax withheld on wages and
    on the bonus, net pay. Two queries whatever the number of employees."""
    periods = [f"{year}-{m:02d}" for m in range(1, 13)]
    slips = (
        Payslip.objects.filter(
            company=company,
            period__in=periods,
            state=PayslipState.DONE,
            run__state=RunState.POSTED,
        )
        .values("employee_id", "employee__number", "employee__name", "period")
        .annotate(gross=Sum("gross"), tax=Sum("tax"), net=Sum("net"))
        .order_by("employee__number", "period")
    )
    lines = (
        PayslipLine.objects.filter(
            company=company,
            payslip__period__in=periods,
            payslip__state=PayslipState.DONE,
            payslip__run__state=RunState.POSTED,
            code__in=(*SI_CODES, "HF_EE", "INCOME", "TAX_DEDUCTIBLE", "ANNUAL_BONUS", "BONUS_TAX"),
        )
        .values("payslip__employee_id", "payslip__period", "code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by = defaultdict(lambda: defaultdict(Decimal))
    for row in lines:
        by[(row["payslip__employee_id"], row["payslip__period"])][row["code"]] += _fen(row["total"])
    months: dict[int, list[dict]] = defaultdict(list)
    year_rows: dict[int, dict] = {}
    keys = ("income", "annual_bonus", "social_insurance", "housing_fund", "other_deductions")
    keys += ("tax", "bonus_tax", "net")
    for slip in slips:
        codes = by[(slip["employee_id"], slip["period"])]
        si = sum((codes[c] for c in SI_CODES), Decimal(0))
        hf = codes["HF_EE"]
        bonus = codes["ANNUAL_BONUS"]
        income = codes["INCOME"] if "INCOME" in codes else _fen(slip["gross"]) - bonus
        other = codes["TAX_DEDUCTIBLE"] - si - hf if "TAX_DEDUCTIBLE" in codes else Decimal(0)
        bonus_tax = codes["BONUS_TAX"]
        row = {
            "employee": slip["employee__number"],
            "name": slip["employee__name"],
            "period": slip["period"],
            "income": income,
            "annual_bonus": bonus,
            "social_insurance": si,
            "housing_fund": hf,
            "other_deductions": other,
            "tax": _fen(slip["tax"]) - bonus_tax,
            "bonus_tax": bonus_tax,
            "net": _fen(slip["net"]),
        }
        months[slip["employee_id"]].append(row)
        total = year_rows.setdefault(
            slip["employee_id"],
            {"employee": row["employee"], "name": row["name"], "period": str(year)}
            | {k: Decimal(0) for k in keys},
        )
        for key in keys:
            total[key] += row[key]
    result = []
    for employee_id, total in year_rows.items():
        result.extend(months[employee_id])
        result.append(total)
    return result
