"""Financial statements and aged balances: profit and loss, balance sheet, aged receivables
and payables.

Like the ledger reports, every figure is summed in SQL (grouped per account or per party,
totals as window sums) and Python only arranges the grouped rows into sections and the
account hierarchy. Sums run in whole hundredths on SQLite (see expressions.py), so amounts
are exact to the cent on both databases.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from tandem.parties.models import Party

from ..models import (
    ZERO,
    Account,
    AccountType,
    Allocation,
    Entry,
    EntryLine,
    FiscalYear,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentDirection,
    VoidedAllocation,
    account_display_name,
)
from .ledger import _param, _sqlite, balances

# -- helpers -------------------------------------------------------------------------------


def _cents(column: str) -> str:
    """A money column as whole hundredths: exact on PostgreSQL, rounded floats on SQLite."""
    return f"ROUND({column} * 100)" if _sqlite() else f"({column} * 100)"


def _from_cents(value) -> Decimal:
    if value is None:
        return ZERO
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _accounts(company) -> list[dict]:
    return list(
        Account.objects.filter(company=company)
        .order_by("code")
        .values("id", "code", "name", "name_en", "type", "role", "parent_id")
    )


def _tree(accounts: list[dict], amounts: dict[int, list[Decimal]], width: int) -> list[dict]:
    """Rows in code order under their parents (only parents inside the same list), each with
    its own amounts plus those of its sub-accounts; subtrees that are all zero are left out.

    `amounts` maps an account id to `width` figures (the period and, optionally, the
    comparison period).
    """
    ids = {a["id"] for a in accounts}
    children: dict[int | None, list[dict]] = {}
    for account in accounts:
        parent = account["parent_id"] if account["parent_id"] in ids else None
        children.setdefault(parent, []).append(account)
    rows: list[dict] = []
    seen: set[int] = set()

    def walk(parent, depth) -> list[Decimal]:
        subtotal = [ZERO] * width
        for account in children.get(parent, []):
            if account["id"] in seen:  # a cycle in a damaged chart: show each account once
                continue
            seen.add(account["id"])
            own = amounts.get(account["id"], [ZERO] * width)
            position = len(rows)
            rows.append({})
            below = walk(account["id"], depth + 1)
            total = [a + b for a, b in zip(own, below, strict=True)]
            if any(total) or len(rows) > position + 1:
                rows[position] = {
                    "account_id": account["id"],
                    "account": account["code"],
                    "name": account["name"],
                    "name_en": account["name_en"],
                    "type": account["type"],
                    "depth": depth,
                    "has_children": len(rows) > position + 1,
                    "amounts": total,
                }
            else:
                rows.pop(position)
            subtotal = [a + b for a, b in zip(subtotal, total, strict=True)]
        return subtotal

    walk(None, 0)
    return rows


# -- profit and loss -----------------------------------------------------------------------

# (key, label key, account type the section holds). Labels are translated in the views.
PL_SECTIONS = (
    ("revenue", AccountType.INCOME),
    ("cost_of_sales", AccountType.EXPENSE),
    ("operating_expenses", AccountType.EXPENSE),
    ("financial", AccountType.EXPENSE),
    ("other_income", AccountType.INCOME),
    ("other_expenses", AccountType.EXPENSE),
    ("income_tax", AccountType.EXPENSE),
)

# Top-level accounts by code: the PRC chart (企业会计准则 利润表 lines) and the generic one.
_PL_BY_CODE = {
    "6001": "revenue",  # 主营业务收入
    "6051": "revenue",  # 其他业务收入
    "6111": "other_income",  # 投资收益
    "6301": "other_income",  # 营业外收入
    "6401": "cost_of_sales",  # 主营业务成本
    "6402": "cost_of_sales",  # 其他业务成本
    "6403": "operating_expenses",  # 税金及附加
    "6601": "operating_expenses",  # 销售费用
    "6602": "operating_expenses",  # 管理费用
    "6603": "financial",  # 财务费用 (interest, bank charges, exchange differences)
    "6711": "other_expenses",  # 营业外支出
    "6801": "income_tax",  # 所得税费用
    "4000": "revenue",
    "4100": "other_income",
}
_PL_BY_ROLE = {
    "revenue": "revenue",
    "cogs": "cost_of_sales",
    "fx_gain": "financial",
    "fx_loss": "financial",
    "rounding": "financial",
}
# Generic chart: the first digit of an expense account's code names its statement line.
_PL_EXPENSE_BY_DIGIT = {"5": "cost_of_sales", "7": "financial", "8": "income_tax"}


def pl_section(account: dict) -> str:
    """The profit-and-loss section of a top-level income or expense account."""
    if account["role"] in _PL_BY_ROLE:
        return _PL_BY_ROLE[account["role"]]
    code = account["code"]
    if code[:4] in _PL_BY_CODE and len(code) == 4:
        return _PL_BY_CODE[code]
    if account["type"] == AccountType.INCOME:
        return "revenue"
    return _PL_EXPENSE_BY_DIGIT.get(code[:1], "operating_expenses")


def _pl_amounts(company, ranges: list[tuple[date | None, date]]) -> dict[int, list[Decimal]]:
    """{account id: [credit minus debit in each range]} over income and expense accounts.

    Year-end closing entries are taken out: they move the result to retained earnings and
    would zero the year's statement. They are few, so their lines are summed apart and
    subtracted, which keeps the main scan on the covering index of posted lines.
    """
    line_table = EntryLine._meta.db_table
    account_table = Account._meta.db_table
    entry_table = Entry._meta.db_table
    low = min((start or date(1, 1, 1)) for start, _ in ranges)
    high = max(end for _, end in ranges)
    cents = _cents("(l.credit - l.debit)")
    columns, column_params = [], []
    for start, end in ranges:
        columns.append(f"SUM(CASE WHEN l.date >= %s AND l.date <= %s THEN {cents} ELSE 0 END)")
        column_params.extend([_param(start or date(1, 1, 1)), _param(end)])
    select = ", ".join(columns)
    scope = (
        f"SELECT id FROM {account_table} WHERE company_id = %s AND type IN ('income', 'expense')"
    )
    if _sqlite():
        # per account and day in floats first (a few lines a day), then whole cents exactly
        per_day = ", ".join(
            "SUM(CASE WHEN d.day >= %s AND d.day <= %s THEN ROUND(d.amount * 100) ELSE 0 END)"
            for _ in ranges
        )
        main = f"""
            SELECT d.account_id, {per_day}
            FROM (SELECT l.account_id AS account_id, l.date AS day,
                         SUM(l.credit) - SUM(l.debit) AS amount
                  FROM {line_table} l
                  WHERE l.account_id IN ({scope}) AND l.posted AND l.date >= %s AND l.date <= %s
                  GROUP BY l.account_id, l.date) d
            GROUP BY d.account_id
        """
    else:
        main = f"""
            SELECT l.account_id, {select}
            FROM {line_table} l
            WHERE l.account_id IN ({scope}) AND l.posted AND l.date >= %s AND l.date <= %s
            GROUP BY l.account_id
        """
    main_params = [*column_params, company.pk, _param(low), _param(high)]
    amounts: dict[int, list[Decimal]] = {}
    for row in _fetch(main, main_params):
        amounts[row[0]] = [_from_cents(v) for v in row[1:]]
    # A closing entry is dated the last day of a year it closed: only closed years' ends in
    # the range can hold one, and the (company, date) index finds them.
    ends = list(
        FiscalYear.objects.filter(
            company=company, state="closed", date_end__gte=low, date_end__lte=high
        ).values_list("date_end", flat=True)
    )
    if ends:
        closing = f"""
            SELECT l.account_id, {select}
            FROM {entry_table} e JOIN {line_table} l ON l.entry_id = e.id
            WHERE e.company_id = %s AND e.date IN ({", ".join(["%s"] * len(ends))})
              AND e.closing AND e.state = 'posted'
            GROUP BY l.account_id
        """
        closing_params = [*column_params, company.pk, *[_param(end) for end in ends]]
        for row in _fetch(closing, closing_params):
            if row[0] in amounts:
                amounts[row[0]] = [
                    a - _from_cents(v) for a, v in zip(amounts[row[0]], row[1:], strict=True)
                ]
    return amounts


def profit_and_loss(
    company,
    *,
    date_from: date | None,
    date_to: date,
    compare: tuple[date | None, date] | None = None,
) -> dict:
    """The income statement of a range, with an optional comparison range.

    `rows`: per section, its accounts in code order under their parents with `amount` (and
    `compare`), income as credit minus debit, expenses as debit minus credit. `sections`:
    each section's total. `totals`: revenue, cost_of_sales, gross_profit,
    operating_expenses, financial, operating_profit, other_income, other_expenses,
    profit_before_tax, income_tax, net_profit (and the same under `compare`).
    """
    ranges = [(date_from, date_to)] + ([compare] if compare else [])
    width = len(ranges)
    amounts = _pl_amounts(company, ranges)
    accounts = [a for a in _accounts(company) if a["type"] in (AccountType.INCOME, "expense")]
    by_id = {a["id"]: a for a in accounts}

    def root(account: dict) -> dict:
        seen = set()
        while account["parent_id"] in by_id and account["id"] not in seen:
            seen.add(account["id"])
            account = by_id[account["parent_id"]]
        return account

    sections: dict[str, list[dict]] = {key: [] for key, _ in PL_SECTIONS}
    section_of: dict[int, str] = {}
    for account in accounts:
        section_of[account["id"]] = pl_section(root(account))
        sections[section_of[account["id"]]].append(account)
    rows, section_totals = [], {}
    for key, kind in PL_SECTIONS:
        # expense sections read debit minus credit
        sign = Decimal(1) if kind == AccountType.INCOME else Decimal(-1)
        signed = {
            pk: [sign * v for v in values]
            for pk, values in amounts.items()
            if section_of.get(pk) == key
        }
        tree = _tree(sections[key], signed, width)
        total = [ZERO] * width
        for row in tree:
            if row["depth"] == 0:
                total = [a + b for a, b in zip(total, row["amounts"], strict=True)]
            row["section"] = key
        rows.extend(tree)
        section_totals[key] = total

    def figures(i: int) -> dict:
        t = {key: section_totals[key][i] for key, _ in PL_SECTIONS}
        t["gross_profit"] = t["revenue"] - t["cost_of_sales"]
        t["operating_profit"] = t["gross_profit"] - t["operating_expenses"] - t["financial"]
        t["profit_before_tax"] = t["operating_profit"] + t["other_income"] - t["other_expenses"]
        t["net_profit"] = t["profit_before_tax"] - t["income_tax"]
        return t

    for row in rows:
        values = row.pop("amounts")
        row["amount"] = values[0]
        if compare:
            row["compare"] = values[1]
    result = {
        "date_from": date_from,
        "date_to": date_to,
        "rows": rows,
        "totals": figures(0),
    }
    if compare:
        result["compare_from"], result["compare_to"] = compare
        result["compare_totals"] = figures(1)
    return result


# -- balance sheet -------------------------------------------------------------------------

BS_SECTIONS = ("assets", "liabilities", "equity")
_BS_TYPE = {
    AccountType.ASSET: "assets",
    AccountType.LIABILITY: "liabilities",
    AccountType.EQUITY: "equity",
}


def fiscal_year_start(company, on: date) -> date:
    """The first day of the fiscal year holding `on` (a FiscalYear row, else the calendar
    the company's fiscal start month makes)."""
    found = (
        FiscalYear.objects.filter(company=company, date_start__lte=on, date_end__gte=on)
        .values_list("date_start", flat=True)
        .first()
    )
    if found is not None:
        return found
    from ..services import fiscal_year_start_for

    return fiscal_year_start_for(company, on)


def balance_sheet(company, *, as_of: date) -> dict:
    """Assets, liabilities and equity at the end of `as_of`, assets as debit minus credit,
    the others as credit minus debit, under their parents.

    Income and expense not yet closed show in equity: the result since the fiscal year's
    start (`current_year_result`) and, when an earlier year was left open, the result
    before it (`prior_result`). Every posted line lands in exactly one figure, so
    assets == liabilities + equity to the cent on any balanced ledger.
    """
    year_start = fiscal_year_start(company, as_of)
    found = balances(company, date_from=year_start, date_to=as_of)
    accounts = _accounts(company)
    by_type: dict[str, list[dict]] = {key: [] for key in BS_SECTIONS}
    for account in accounts:
        if account["type"] in _BS_TYPE:
            by_type[_BS_TYPE[account["type"]]].append(account)
    amounts: dict[int, list[Decimal]] = {}
    prior = current = ZERO
    for row in found.rows:
        if row.type == AccountType.ASSET:
            amounts[row.account_id] = [row.closing]
        elif row.type in (AccountType.LIABILITY, AccountType.EQUITY):
            amounts[row.account_id] = [-row.closing]
        else:  # income and expense: credit minus debit is the result
            prior -= row.opening
            current -= row.debit - row.credit
    rows, totals = [], {}
    for key in BS_SECTIONS:
        tree = _tree(by_type[key], amounts, 1)
        total = ZERO
        for row in tree:
            row["section"] = key
            row["amount"] = row.pop("amounts")[0]
            if row["depth"] == 0:
                total += row["amount"]
        rows.extend(tree)
        totals[key] = total
    equity_accounts = totals["equity"]
    totals["prior_result"] = prior
    totals["current_year_result"] = current
    totals["equity"] = equity_accounts + prior + current
    totals["liabilities_and_equity"] = totals["liabilities"] + totals["equity"]
    totals["difference"] = totals["assets"] - totals["liabilities_and_equity"]
    return {
        "as_of": as_of,
        "fiscal_year_start": year_start,
        "rows": rows,
        "totals": totals,
    }


# -- aged receivables and payables ---------------------------------------------------------

AGE_BUCKETS = ("current", "1_30", "31_60", "61_90", "91_120", "over_120")
AGE_LIMITS = (0, 30, 60, 90, 120)  # upper bound (days overdue) of each bucket but the last

_SIDES = {
    "receivable": (
        InvoiceKind.CUSTOMER_INVOICE,
        InvoiceKind.CUSTOMER_CREDIT_NOTE,
        PaymentDirection.IN,
    ),
    "payable": (InvoiceKind.VENDOR_BILL, InvoiceKind.VENDOR_CREDIT_NOTE, PaymentDirection.OUT),
}


def aged_balances(company, *, as_of: date, side: str) -> dict:
    """Open amounts per party at the end of `as_of` in company currency, by days overdue.

    An invoice (or bill) counts when dated on or before `as_of` and not cancelled by then;
    what is open is its total less the allocations dated on or before `as_of`, aged from its
    due date. Credit notes and payments not yet allocated at `as_of` reduce the party's
    figure, aged from their own date. One query: the open items as a UNION, grouped per
    party with CASE on the date against the bucket boundaries, totals as window sums.

    Payments are on the receivable side when received and on the payable side when sent;
    a refund (money sent to a customer against a credit note) is allocated to that credit
    note at once, so only a refund left unallocated would show on the other side. A
    cancelled payment's allocations move to VoidedAllocation with the cancellation date, so
    an as-of date before the cancellation still sees them. A document counts until its
    `cancelled_on` (the reversal's date): no join to the entries.
    """
    invoice_kind, credit_kind, direction = _SIDES[side]
    invoice_table = Invoice._meta.db_table
    allocation_table = Allocation._meta.db_table
    payment_table = Payment._meta.db_table
    voided_table = VoidedAllocation._meta.db_table
    day = _param(as_of)
    # What allocations dated up to as_of took off each document: as the invoice settled
    # (invoice_id: by a payment or a credit note) and as the credit note used (credit_note_id).
    # A draft payment's planned allocations carry amount_company 0 and change nothing.
    settled = f"""
        SELECT x.ref AS ref, SUM(x.cents) AS cents FROM (
            SELECT invoice_id AS ref, {_cents("amount_company")} AS cents
            FROM {allocation_table}
            WHERE company_id = %s AND date <= %s
            UNION ALL
            SELECT credit_note_id, {_cents("amount_company")}
            FROM {allocation_table}
            WHERE company_id = %s AND date <= %s AND credit_note_id IS NOT NULL
            UNION ALL
            SELECT invoice_id, {_cents("amount_company")}
            FROM {voided_table}
            WHERE company_id = %s AND date <= %s AND cancelled_on > %s
        ) x GROUP BY x.ref
    """
    documents = f"""
        SELECT i.party_id AS party_id,
               CASE WHEN i.kind = %s THEN i.date ELSE COALESCE(i.due_date, i.date) END AS day,
               (CASE WHEN i.kind = %s THEN -1 ELSE 1 END)
                   * ({_cents("i.total_company")} - COALESCE(a.cents, 0)) AS cents
        FROM {invoice_table} i
        LEFT JOIN ({settled}) a ON a.ref = i.id
        WHERE i.company_id = %s AND i.kind IN (%s, %s) AND i.entry_id IS NOT NULL
          AND i.date <= %s AND (i.cancelled_on IS NULL OR i.cancelled_on > %s)
    """
    document_params = [
        credit_kind, credit_kind, company.pk, day, company.pk, day, company.pk, day, day,
        company.pk, invoice_kind, credit_kind, day, day,
    ]  # fmt: skip
    # The open part of a payment is worth round(unallocated x rate) in company currency
    # (see services.payments); in the company's own currency that is the amount itself.
    payments = f"""
        SELECT p.party_id AS party_id, p.date AS day,
               -(CASE WHEN p.currency_id = %s
                      THEN {_cents("p.amount")} - COALESCE(a.cents, 0)
                      ELSE ROUND((p.amount - COALESCE(a.amount, 0)) * p.rate * 100) END) AS cents
        FROM {payment_table} p
        LEFT JOIN (
            SELECT x.ref AS ref, SUM(x.cents) AS cents, SUM(x.amount) AS amount FROM (
                SELECT payment_id AS ref, {_cents("amount")} AS cents, amount
                FROM {allocation_table}
                WHERE company_id = %s AND payment_id IS NOT NULL AND date <= %s
                UNION ALL
                SELECT payment_id, {_cents("amount")}, amount
                FROM {voided_table}
                WHERE company_id = %s AND date <= %s AND cancelled_on > %s
            ) x GROUP BY x.ref
        ) a ON a.ref = p.id
        WHERE p.company_id = %s AND p.direction = %s AND p.entry_id IS NOT NULL
          AND p.date <= %s AND (p.cancelled_on IS NULL OR p.cancelled_on > %s)
    """
    payment_params = [
        company.currency_id, company.pk, day, company.pk, day, day,
        company.pk, direction, day, day,
    ]  # fmt: skip
    items = f"{documents} UNION ALL {payments}"
    item_params = [*document_params, *payment_params]
    # bucket n holds items aged up to AGE_LIMITS[n] days: due on or after as_of - limit
    bounds = [_param(as_of - timedelta(days=limit)) for limit in AGE_LIMITS]
    buckets = []
    for index in range(len(AGE_BUCKETS)):
        conditions = []
        if index < len(AGE_LIMITS):
            conditions.append("o.day >= %s")
        if index > 0:
            conditions.append("o.day < %s")
        buckets.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN o.cents ELSE 0 END)")
    bucket_params: list = []
    for index in range(len(AGE_BUCKETS)):
        if index < len(AGE_LIMITS):
            bucket_params.append(bounds[index])
        if index > 0:
            bucket_params.append(bounds[index - 1])
    party_table = Party._meta.db_table
    names = [f"b{n}" for n in range(len(AGE_BUCKETS))]
    grouped = ", ".join(f"{expr} AS {name}" for expr, name in zip(buckets, names, strict=True))
    sql = f"""
        WITH o AS ({items}),
        g AS (
            SELECT o.party_id AS party_id,
                   {grouped},
                   SUM(o.cents) AS total
            FROM o
            WHERE o.cents <> 0
            GROUP BY o.party_id
        )
        SELECT g.party_id, p.name, {", ".join(f"g.{n}" for n in names)}, g.total,
               {", ".join(f"SUM(g.{n}) OVER ()" for n in names)}, SUM(g.total) OVER ()
        FROM g JOIN {party_table} p ON p.id = g.party_id
        WHERE {" OR ".join(f"g.{n} <> 0" for n in names)}
        ORDER BY p.name, g.party_id
    """
    params = [*item_params, *bucket_params]
    fetched = _fetch(sql, params)
    width = len(AGE_BUCKETS)
    rows = []
    for row in fetched:
        figures = [_from_cents(v) for v in row[2 : 3 + width]]
        rows.append(
            {
                "party": row[0],
                "party_name": row[1],
                **dict(zip(AGE_BUCKETS, figures[:width], strict=True)),
                "total": figures[width],
            }
        )
    totals = {key: ZERO for key in (*AGE_BUCKETS, "total")}
    if fetched:
        first = fetched[0]
        figures = [_from_cents(v) for v in first[3 + width :]]
        totals = dict(zip((*AGE_BUCKETS, "total"), figures, strict=True))
    return {"as_of": as_of, "rows": rows, "totals": totals}


def aged_receivables(company, *, as_of: date) -> dict:
    """What customers owe at `as_of`, per party and by days overdue (see aged_balances)."""
    return aged_balances(company, as_of=as_of, side="receivable")


def aged_payables(company, *, as_of: date) -> dict:
    """What the company owes suppliers at `as_of` (see aged_balances)."""
    return aged_balances(company, as_of=as_of, side="payable")


def row_buckets(row: dict) -> list[Decimal]:
    """A row's (or the totals') bucket figures in column order, for templates and exports."""
    return [row[key] for key in AGE_BUCKETS]


__all__ = [
    "AGE_BUCKETS",
    "BS_SECTIONS",
    "PL_SECTIONS",
    "account_display_name",
    "aged_balances",
    "aged_payables",
    "aged_receivables",
    "balance_sheet",
    "fiscal_year_start",
    "pl_section",
    "profit_and_loss",
    "row_buckets",
]
