"""Payroll runs: create, compute (set-based, per-employee error isolation) and post.

Computing reads each input table once for the whole run (employees, versions, inputs of the
year, earlier payslip lines of the year summed per code, rules, the PRC pack), evaluates the
compiled rules per employee in memory, and writes the payslips and their lines in bulk. A
formula that fails for one employee (division by zero) fails only that payslip.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from tandem.accounting.services import account_for_role, entry_create_posted
from tandem.accounting.services._common import check_company, lock
from tandem.accounting.services.revaluation import _journal as general_journal
from tandem.core.errors import Duplicate, InvalidTransition, ValidationFailed

from ..errors import PeriodInvalid, RunHasFailures, RunNotComputed, RunPosted
from ..formulas import FormulaFailed, evaluate, round_to
from ..models import (
    Employee,
    EmployeeVersion,
    InputKind,
    PayrollInput,
    PayrollRun,
    Payslip,
    PayslipLine,
    PayslipState,
    RuleCategory,
    RunState,
    SpecialDeduction,
    TaxTable,
)
from .pack import (
    SI_NAMES,
    ZERO,
    bonus_tax,
    prc_pack_ensure,
    si_rules_on,
    table_tax,
    tax_tables_on,
)
from .structures import compile_rules

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
BATCH = 2000


def period_bounds(period: str) -> tuple[date, date]:
    match = PERIOD.match(period or "")
    if not match:
        raise PeriodInvalid("period: YYYY-MM (2025-01)", field="period")
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def payroll_run_create(*, company, period, structure) -> PayrollRun:
    period = str(period or "").strip()
    period_bounds(period)
    if structure is None:
        raise ValidationFailed(
            "structure is required", code="validation.required", field="structure"
        )
    check_company(company, structure, field="structure")
    if PayrollRun.objects.filter(company=company, period=period, structure=structure).exists():
        raise Duplicate(
            "A run for this period and structure exists",
            code="payroll_run.duplicate",
            field="period",
        )
    return PayrollRun.objects.create(company=company, period=period, structure=structure)


# -- compute -------------------------------------------------------------------------------


def _months_employed(hire: date, start: date) -> int:
    first = hire.month if hire.year == start.year else 1
    return start.month - first + 1


def _version_names(version: EmployeeVersion) -> dict:
    names = {
        "base_salary": version.base_salary,
        "social_insurance_base": (
            version.social_insurance_base
            if version.social_insurance_base is not None
            else version.base_salary
        ),
        "housing_fund_rate": version.housing_fund_rate,
    }
    total = ZERO
    for kind in SpecialDeduction.values:
        value = Decimal(str((version.special_deductions or {}).get(kind, 0)))
        names[kind] = value
        total += value
    names["special_deduction"] = total
    return names


def _si_names(rule) -> dict:
    if rule is None:
        return dict.fromkeys(SI_NAMES, ZERO)
    return {name: getattr(rule, field) for name, field in SI_NAMES.items()}


def _functions(tables, rule) -> dict:
    si_step = rule.rounding if rule else Decimal("0.01")
    hf_step = rule.housing_fund_rounding if rule else Decimal("0.01")
    return {
        "annual_tax": lambda amount: table_tax(amount, tables[TaxTable.ANNUAL]),
        "monthly_tax": lambda amount: table_tax(amount, tables[TaxTable.MONTHLY]),
        "bonus_tax": lambda amount: bonus_tax(amount, tables[TaxTable.MONTHLY]),
        "si_round": lambda amount: round_to(amount, si_step),
        "hf_round": lambda amount: round_to(amount, hf_step),
    }


def _slip_figures(compiled, names: dict, functions: dict) -> tuple[list[tuple], dict]:
    """Evaluate the rules in order: (rule, amount) pairs and the category totals."""
    totals = dict.fromkeys(RuleCategory.values, ZERO)
    results = []
    for rule, formula in compiled:
        for category, value in totals.items():
            names[f"total_{category}"] = value
        value = round_to(evaluate(formula, names, functions), rule.rounding)
        names[rule.code] = value
        totals[rule.category] += value
        results.append((rule, value))
    return results, totals


def _read(run: PayrollRun, start: date, end: date):
    """Everything the run needs, one query per table."""
    company = run.company
    employees = list(
        Employee.objects.filter(company=company, hire_date__lte=end)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=start))
        .order_by("number")
    )
    versions: dict[int, EmployeeVersion] = {}
    in_period = EmployeeVersion.objects.filter(company=company, effective_from__lte=end).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=start)
    )
    for version in in_period.order_by("effective_from"):
        versions[version.employee_id] = version  # the latest one starting in or before the month
    year_start = f"{start.year}-01"
    inputs: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    rows = PayrollInput.objects.filter(
        company=company, period__gte=year_start, period__lte=run.period
    ).values_list("employee_id", "period", "kind", "amount")
    for employee_id, period, kind, value in rows:
        key = kind if period == run.period else f"ytd_{kind}"
        inputs[employee_id][key] += value
    ytd: dict[int, dict] = defaultdict(dict)
    earlier = (
        PayslipLine.objects.filter(
            company=company,
            payslip__state=PayslipState.DONE,
            payslip__period__gte=year_start,
            payslip__period__lt=run.period,
            payslip__run__state__in=[RunState.COMPUTED, RunState.POSTED],
        )
        .values("payslip__employee_id", "code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in earlier:
        ytd[row["payslip__employee_id"]][f"ytd_{row['code']}"] = row["total"]
    rules = list(run.structure.rules.all())
    return employees, versions, inputs, ytd, rules


def _compute(run: PayrollRun, progress=None):
    start, end = period_bounds(run.period)
    employees, versions, inputs, ytd, rules = _read(run, start, end)
    compiled = compile_rules(rules)
    codes = [rule.code for rule in rules]
    si_rules = si_rules_on(end)
    tables = tax_tables_on(end)
    # reference rows missing (a flushed database): put the shipped pack back, read again
    if (not tables[TaxTable.ANNUAL] or not si_rules) and any(prc_pack_ensure().values()):
        si_rules = si_rules_on(end)
        tables = tax_tables_on(end)
    base_names = {f"ytd_{code}": ZERO for code in codes}
    base_names.update({kind: ZERO for kind in InputKind.values})
    base_names.update({f"ytd_{kind}": ZERO for kind in InputKind.values})
    base_names["month"] = Decimal(start.month)
    slips = []
    for index, employee in enumerate(employees):
        version = versions.get(employee.pk)
        slip = Payslip(
            company=run.company, run=run, employee=employee, version=version, period=run.period
        )
        if version is None:
            slip.state, slip.error = PayslipState.FAILED, "no version valid in the period"
            slips.append((slip, []))
            continue
        rule = si_rules.get(version.social_insurance_city)
        names = dict(base_names)
        names.update(_version_names(version))
        names.update(_si_names(rule))
        names.update(inputs.get(employee.pk, {}))
        names.update(ytd.get(employee.pk, {}))
        names["months_employed"] = (
            Decimal(_months_employed(employee.hire_date, start))
            + names["previous_months"]
            + names["ytd_previous_months"]
        )
        try:
            if version.social_insurance_city and rule is None:
                raise FormulaFailed(
                    f"no social insurance rule for {version.social_insurance_city} on {end}"
                )
            results, totals = _slip_figures(compiled, names, _functions(tables, rule))
        except FormulaFailed as error:
            slip.state, slip.error = PayslipState.FAILED, str(error)
            slips.append((slip, []))
            continue
        slip.gross = totals[RuleCategory.GROSS]
        slip.deductions = totals[RuleCategory.DEDUCTION]
        slip.tax = totals[RuleCategory.TAX]
        slip.net = totals[RuleCategory.NET]
        slip.employer_cost = totals[RuleCategory.EMPLOYER_COST]
        if slip.net != slip.gross - slip.deductions - slip.tax:
            slip.state = PayslipState.FAILED
            slip.error = (
                f"net {slip.net} is not gross {slip.gross} - deductions {slip.deductions} "
                f"- tax {slip.tax}"
            )
            slips.append((slip, []))
            continue
        slip.state = PayslipState.DONE
        slips.append((slip, results))
        if progress is not None:
            progress(index + 1, len(employees))
    return slips


@transaction.atomic
def _store(run: PayrollRun, slips) -> PayrollRun:
    run = lock(PayrollRun, [run.pk])[run.pk]
    if run.state == RunState.POSTED:
        raise RunPosted("The run is posted: it cannot be computed again")
    PayslipLine.objects.filter(payslip__run=run).delete()
    Payslip.objects.filter(run=run).delete()
    Payslip.objects.bulk_create([slip for slip, _ in slips], batch_size=BATCH)
    lines = [
        PayslipLine(
            company=run.company,
            payslip=slip,
            sequence=rule.sequence,
            code=rule.code,
            name=rule.name,
            category=rule.category,
            account_role=rule.account_role,
            amount=value,
        )
        for slip, results in slips
        for rule, value in results
    ]
    PayslipLine.objects.bulk_create(lines, batch_size=BATCH)
    run.state = RunState.COMPUTED
    run.computed_at = timezone.now()
    run.save(update_fields=["state", "computed_at", "updated_at"])
    return run


def payroll_run_compute(*, run: PayrollRun, progress=None, user=None) -> PayrollRun:
    """Compute (or recompute) every payslip of the run; refused once posted. The figures are
    computed outside the write transaction (reads only, with `progress(done, total)`), then
    stored in one transaction that checks the run's state on the locked row."""
    if run.state == RunState.POSTED:
        raise RunPosted("The run is posted: it cannot be computed again")
    return _store(run, _compute(run, progress))


# -- post ----------------------------------------------------------------------------------


def posting_amounts(runs) -> dict[int, dict[tuple[str, str], Decimal]]:
    """Per run: {(account role, "debit"|"credit"): amount} its payslips' lines call for (one
    query). Gross and employer cost debit wages; a deduction without a payable reduces them."""
    result: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    rows = (
        PayslipLine.objects.filter(payslip__run__in=runs, payslip__state=PayslipState.DONE)
        .values("payslip__run_id", "category", "account_role")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        amounts = result[row["payslip__run_id"]]
        # SQLite sums decimals as floats: back to the fen (every line is a fen amount)
        total = Decimal(str(row["total"])).quantize(Decimal("0.01"))
        category, role = row["category"], row["account_role"]
        if category in (RuleCategory.GROSS, RuleCategory.EMPLOYER_COST):
            amounts[("wages_expense", "debit")] += total
        if category == RuleCategory.EMPLOYER_COST:
            amounts[(role, "credit")] += total
        elif category == RuleCategory.DEDUCTION:
            if role:
                amounts[(role, "credit")] += total
            else:
                amounts[("wages_expense", "debit")] -= total
        elif category == RuleCategory.TAX:
            amounts[(role or "income_tax_withheld", "credit")] += total
        elif category == RuleCategory.NET:
            amounts[("salaries_payable", "credit")] += total
    return result


@transaction.atomic
def payroll_run_post(*, run: PayrollRun, user=None) -> PayrollRun:
    """One balanced entry in the general journal on the period's last day: Dr wages expense
    (gross + employer social insurance and housing fund) / Cr salaries payable (net), the
    employee's and the employer's social insurance and housing fund, income tax withheld."""
    run = lock(PayrollRun, [run.pk])[run.pk]
    if run.state == RunState.POSTED:
        raise RunPosted("The run is already posted")
    if run.state != RunState.COMPUTED:
        raise RunNotComputed("Compute the run before posting it")
    failed = Payslip.objects.filter(run=run, state=PayslipState.FAILED).count()
    if failed:
        raise RunHasFailures(
            f"{failed} payslips failed: fix them and compute again", extra={"failed": failed}
        )
    _start, end = period_bounds(run.period)
    amounts = posting_amounts([run]).get(run.pk, {})
    reference = f"Payroll {run.period} {run.structure.code}"
    lines = []
    for (role, side), value in sorted(amounts.items()):
        if value == 0:
            continue
        if value < 0:
            side, value = ("credit" if side == "debit" else "debit"), -value
        account = account_for_role(run.company, role, field="account")
        lines.append({"account": account, side: value, "description": reference})
    if lines:
        run.entry = entry_create_posted(
            company=run.company,
            journal=general_journal(run.company),
            date=end,
            lines=lines,
            reference=reference[:100],
            user=user,
        )
    run.state = RunState.POSTED
    run.posted_at = timezone.now()
    run.save(update_fields=["state", "entry", "posted_at", "updated_at"])
    return run


@transaction.atomic
def payroll_input_set(*, company, employee, period, kind, amount, note="") -> PayrollInput | None:
    """Set (or clear with 0) one input of an employee for a period."""
    from tandem.accounting.services._common import amount as clean_amount
    from tandem.accounting.services._common import choice, text

    check_company(company, employee, field="employee")
    period_bounds(period)
    kind = choice(kind, InputKind, field="kind")
    value = clean_amount(amount, field="amount", currency="CNY")
    if PayrollRun.objects.filter(company=company, period=period, state=RunState.POSTED).exists():
        raise InvalidTransition(
            "The period's payroll is posted", code="payroll_run.posted", field="period"
        )
    if value == 0:
        PayrollInput.objects.filter(employee=employee, period=period, kind=kind).delete()
        return None
    row, _created = PayrollInput.objects.update_or_create(
        employee=employee,
        period=period,
        kind=kind,
        defaults={
            "company": company,
            "amount": value,
            "note": text(note, field="note", max_length=200),
        },
    )
    return row
