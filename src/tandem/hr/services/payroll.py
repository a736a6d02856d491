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
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from tandem.accounting.services import account_for_role, entry_create_posted
from tandem.accounting.services._common import check_company, lock
from tandem.accounting.services.revaluation import _journal as general_journal
from tandem.core.errors import Duplicate, InvalidTransition, ValidationFailed

from ..errors import PeriodInvalid, RunHasFailures, RunNotComputed, RunPosted
from ..formulas import FormulaFailed, round_to
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
CENT = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 16  # max_digits 18, 2 places


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
    si_step = rule.rounding if rule else CENT
    hf_step = rule.housing_fund_rounding if rule else CENT
    return {
        "annual_tax": lambda amount: table_tax(amount, tables[TaxTable.ANNUAL]),
        "monthly_tax": lambda amount: table_tax(amount, tables[TaxTable.MONTHLY]),
        "bonus_tax": lambda amount: bonus_tax(amount, tables[TaxTable.MONTHLY]),
        "si_round": lambda amount: round_to(amount, si_step),
        "hf_round": lambda amount: round_to(amount, hf_step),
    }


def _plan(compiled) -> list[tuple]:
    """Per rule, what evaluating it needs: (code, category, run, rounding step, the total_*
    names it reads with their categories)."""
    plan = []
    for rule, formula in compiled:
        totals = [
            (name, name.removeprefix("total_"))
            for name in sorted(formula.names)
            if name.startswith("total_")
        ]
        plan.append((rule.code, rule.category, formula.run, Decimal(rule.rounding), totals))
    return plan


def _slip_figures(plan, names: dict, functions: dict) -> tuple[list[Decimal], dict]:
    """Evaluate the rules in order: each rule's amount (in rule order) and the category
    totals. `FormulaFailed` names the rule that failed."""
    totals = dict.fromkeys(RuleCategory.values, ZERO)
    values = []
    code = ""
    try:
        for code, category, run, step, reads in plan:
            for name, total in reads:
                names[name] = totals[total]
            value = run(names, functions)
            if isinstance(value, bool):
                value = Decimal(int(value))
            value = round_to(value, step)
            if abs(value) >= MONEY_LIMIT:
                raise FormulaFailed(f"{code}: {value} is out of range", "salary_rule.out_of_range")
            names[code] = value
            totals[category] += value
            values.append(value)
    except (ZeroDivisionError, DivisionByZero):
        raise FormulaFailed(f"{code}: division by zero", "salary_rule.division_by_zero") from None
    except (InvalidOperation, TypeError, ValueError) as error:
        raise FormulaFailed(f"{code}: cannot evaluate: {error}") from None
    return values, totals


def _read(run: PayrollRun, start: date, end: date, ytd_codes):
    """Everything the run needs, one query per table."""
    company = run.company
    employees = list(
        Employee.objects.filter(company=company, hire_date__lte=end)
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gte=start))
        .order_by("number")
        .values_list("pk", "hire_date")
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
    if ytd_codes:  # only the rules some formula reads as ytd_<CODE>
        earlier = (
            PayslipLine.objects.filter(
                company=company,
                code__in=sorted(ytd_codes),
                payslip__state=PayslipState.DONE,
                payslip__period__gte=year_start,
                payslip__period__lt=run.period,
                payslip__run__state__in=[RunState.COMPUTED, RunState.POSTED],
            )
            .values_list("payslip__employee_id", "code")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for employee_id, code, total in earlier:
            # SQLite sums decimals as floats: back to the fen (every line is a fen amount)
            ytd[employee_id][f"ytd_{code}"] = Decimal(str(total)).quantize(CENT)
    return employees, versions, inputs, ytd


class Slip(NamedTuple):
    """One computed payslip before it is written: its amounts, or the reason it failed."""

    employee_id: int
    version_id: int | None
    state: str
    error: str = ""
    gross: Decimal = ZERO
    deductions: Decimal = ZERO
    tax: Decimal = ZERO
    net: Decimal = ZERO
    employer_cost: Decimal = ZERO
    values: tuple = ()  # each rule's amount, in rule order


def _compute(run: PayrollRun, progress=None) -> tuple[list, list[Slip]]:
    """The run's rules and its payslips, computed in memory (reads only)."""
    start, end = period_bounds(run.period)
    rules = sorted(run.structure.rules.all(), key=lambda rule: rule.sequence)
    compiled = compile_rules(rules)
    codes = [rule.code for rule in rules]
    read = set().union(*(formula.names for _rule, formula in compiled))
    ytd_codes = {code for code in codes if f"ytd_{code}" in read}
    employees, versions, inputs, ytd = _read(run, start, end, ytd_codes)
    plan = _plan(compiled)
    si_rules = si_rules_on(end)
    tables = tax_tables_on(end)
    # reference rows missing (a flushed database): put the shipped pack back, read again
    if (not tables[TaxTable.ANNUAL] or not si_rules) and any(prc_pack_ensure().values()):
        si_rules = si_rules_on(end)
        tables = tax_tables_on(end)
    functions = {city: _functions(tables, rule) for city, rule in si_rules.items()}
    no_city = _functions(tables, None)
    si_names = {city: _si_names(rule) for city, rule in si_rules.items()}
    base_names = {f"ytd_{code}": ZERO for code in codes}
    base_names.update({kind: ZERO for kind in InputKind.values})
    base_names.update({f"ytd_{kind}": ZERO for kind in InputKind.values})
    base_names["month"] = Decimal(start.month)
    base_names.update(_si_names(None))
    version_names: dict[int, dict] = {}
    slips = []
    total = len(employees)
    for index, (employee_id, hire_date) in enumerate(employees):
        if progress is not None and index % 100 == 0:
            progress(index, total)
        version = versions.get(employee_id)
        if version is None:
            error = "no version valid in the period"
            slips.append(Slip(employee_id, None, PayslipState.FAILED, error))
            continue
        city = version.social_insurance_city
        names = dict(base_names)
        if version.pk not in version_names:
            version_names[version.pk] = _version_names(version)
        names.update(version_names[version.pk])
        names.update(si_names.get(city, ()))
        names.update(inputs.get(employee_id, ()))
        names.update(ytd.get(employee_id, ()))
        names["months_employed"] = (
            Decimal(_months_employed(hire_date, start))
            + names["previous_months"]
            + names["ytd_previous_months"]
        )
        try:
            if city and city not in si_rules:
                raise FormulaFailed(
                    f"no social insurance rule for {city} on {end}: enter the city's bases "
                    "for that period with `tandem si-rule add`"
                )
            values, totals = _slip_figures(plan, names, functions.get(city, no_city))
        except FormulaFailed as error:
            slips.append(Slip(employee_id, version.pk, PayslipState.FAILED, str(error)))
            continue
        gross, deductions = totals[RuleCategory.GROSS], totals[RuleCategory.DEDUCTION]
        tax, net = totals[RuleCategory.TAX], totals[RuleCategory.NET]
        if net != gross - deductions - tax:
            error = f"net {net} is not gross {gross} - deductions {deductions} - tax {tax}"
            slips.append(Slip(employee_id, version.pk, PayslipState.FAILED, error))
            continue
        slips.append(
            Slip(
                employee_id,
                version.pk,
                PayslipState.DONE,
                "",
                gross,
                deductions,
                tax,
                net,
                totals[RuleCategory.EMPLOYER_COST],
                tuple(values),
            )
        )
    if progress is not None:
        progress(total, total)
    return rules, slips


def _take_ids(model, count: int) -> list[int]:
    """`count` primary keys for rows about to be inserted, taken up front so the lines can
    name their payslip without reading the payslips back. Inside the write transaction."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction is IMMEDIATE, it holds the database's write lock already;
        # above both the highest row and the highest id ever given (AUTOINCREMENT)
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {quoted}), 0),"
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        top = cursor.fetchone()[0]
        return list(range(top + 1, top + 1 + count))


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Rows written in one statement stream, values as the driver takes them (ints, strings,
    Decimals of the fen; both timestamps first): PostgreSQL's COPY, SQLite's executemany. The
    ORM's bulk_create compiled every value of every row and, on SQLite (999 parameters a
    statement), sent about 100 lines an INSERT: most of a 10,000-payslip run went there."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in ["created_at", "updated_at", *columns])
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((stamp, stamp, *row))
            return
        marks = ", ".join(["%s"] * (len(columns) + 2))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [(stamp, stamp, *row) for row in rows],
        )


def _analyze(*models) -> None:
    """Fresh planner statistics after a large bulk write on PostgreSQL: with none yet (a new
    database, or autovacuum not round yet) the next run's year-to-date read was planned as a
    nested loop over every line of the company, minutes at 10,000 employees."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


ANALYZE_ABOVE = 20_000  # payslip lines written by one compute


SLIP_COLUMNS = [
    "id",
    "company_id",
    "run_id",
    "employee_id",
    "version_id",
    "period",
    "state",
    "error",
    "gross",
    "deductions",
    "tax",
    "net",
    "employer_cost",
]
LINE_COLUMNS = [
    "company_id",
    "payslip_id",
    "sequence",
    "code",
    "name",
    "category",
    "account_role",
    "amount",
]


@transaction.atomic
def _store(run: PayrollRun, rules, slips: list[Slip]) -> PayrollRun:
    run = lock(PayrollRun, [run.pk])[run.pk]
    if run.state == RunState.POSTED:
        raise RunPosted("The run is posted: it cannot be computed again")
    PayslipLine.objects.filter(payslip__run=run)._raw_delete(connection.alias)
    Payslip.objects.filter(run=run)._raw_delete(connection.alias)
    ids = _take_ids(Payslip, len(slips))
    company_id, period = run.company_id, run.period
    _insert(
        Payslip,
        SLIP_COLUMNS,
        [
            (
                pk,
                company_id,
                run.pk,
                slip.employee_id,
                slip.version_id,
                period,
                slip.state,
                slip.error,
                slip.gross.quantize(CENT),
                slip.deductions.quantize(CENT),
                slip.tax.quantize(CENT),
                slip.net.quantize(CENT),
                slip.employer_cost.quantize(CENT),
            )
            for pk, slip in zip(ids, slips, strict=True)
        ],
    )
    heads = [
        (company_id, rule.sequence, rule.code, rule.name, rule.category, rule.account_role)
        for rule in rules
    ]
    _insert(
        PayslipLine,
        LINE_COLUMNS,
        [
            (company_id, pk, sequence, code, name, category, role, value.quantize(CENT))
            for pk, slip in zip(ids, slips, strict=True)
            for (company_id, sequence, code, name, category, role), value in zip(
                heads, slip.values, strict=False
            )
        ],
    )
    if len(slips) * len(rules) > ANALYZE_ABOVE:
        _analyze(Payslip, PayslipLine)
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
    return _store(run, *_compute(run, progress))


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
