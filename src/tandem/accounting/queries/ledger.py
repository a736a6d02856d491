"""Accounting read side: trial balance, general ledger, balances, entry lists, the chart tree.

Reports read posted lines only (`EntryLine.posted`, kept in the posting transaction) and
aggregate in SQL, grouped per account, with the totals as window sums over the grouped rows;
Python only converts and labels the result. On SQLite the sums run over whole hundredths
(see expressions.py), so figures are exact to the cent on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.expressions import RowRange

from ..expressions import Cents, MoneySum
from ..models import (
    ZERO,
    Account,
    Entry,
    EntryLine,
    EntryState,
    FiscalYear,
    Journal,
    Period,
    account_display_name,
)

CENT = Decimal("0.01")
EARLIEST = date(1, 1, 1)


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def _money(value) -> Decimal:
    """A sum from the grouped query as a Decimal with two places (see balances())."""
    if value is None:
        return ZERO
    if _sqlite():
        return (Decimal(int(value)) / 100).quantize(CENT)
    return Decimal(value).quantize(CENT)


def _param(day: date):
    return day.isoformat() if _sqlite() else day


@dataclass
class BalanceRow:
    account_id: int
    code: str
    name: str
    name_en: str
    type: str
    opening: Decimal
    debit: Decimal
    credit: Decimal
    lines: int

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def display_name(self) -> str:
        return account_display_name(self.name, self.name_en)

    @staticmethod
    def sides(balance: Decimal) -> tuple[Decimal, Decimal]:
        return (balance, ZERO) if balance > 0 else (ZERO, -balance)

    def as_dict(self) -> dict:
        opening_debit, opening_credit = self.sides(self.opening)
        closing_debit, closing_credit = self.sides(self.closing)
        return {
            "account_id": self.account_id,
            "account": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "type": self.type,
            "opening_debit": opening_debit,
            "opening_credit": opening_credit,
            "opening_balance": self.opening,
            "debit": self.debit,
            "credit": self.credit,
            "closing_debit": closing_debit,
            "closing_credit": closing_credit,
            "balance": self.closing,
        }


@dataclass
class Balances:
    rows: list[BalanceRow] = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    def by_account(self) -> dict[int, BalanceRow]:
        return {row.account_id: row for row in self.rows}


TOTAL_KEYS = (
    "opening_debit",
    "opening_credit",
    "debit",
    "credit",
    "closing_debit",
    "closing_credit",
    "lines",
)


def balances(
    company,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    accounts: list[int] | None = None,
    party: int | None = None,
) -> Balances:
    """Per account: the balance before `date_from`, debits and credits from `date_from` to
    `date_to` (both inclusive; open ends mean the beginning / everything), and totals.

    One query: lines grouped per account (the covering index entry_line_report serves it),
    joined to the accounts, with the totals as window sums over the grouped rows.
    """
    line_table = EntryLine._meta.db_table
    account_table = Account._meta.db_table
    start = _param(date_from or EARLIEST)
    # Lines are scoped through the company's accounts (an account has one company), so the
    # covering index (account, date, debit, credit) WHERE posted serves the whole scan.
    scope = f"SELECT id FROM {account_table} WHERE company_id = %s"
    scope_params: list = [company.pk]
    if accounts is not None:
        ids = [int(pk) for pk in accounts] or [0]
        scope += f" AND id IN ({', '.join(['%s'] * len(ids))})"
        scope_params.extend(ids)
    where = [f"l.account_id IN ({scope})", "l.posted"]
    where_params: list = list(scope_params)
    if date_to is not None:
        where.append("l.date <= %s")
        where_params.append(_param(date_to))
    if party is not None:
        where.append("l.party_id = %s")
        where_params.append(int(party))
    if _sqlite():
        # SQLite keeps decimals as binary floats: sum each account's day in floats (a few
        # lines, far below half a cent of error), round that to whole cents, then add the
        # cents exactly. See expressions.py.
        grouped = f"""
            SELECT d.account_id AS account_id,
                   SUM(CASE WHEN d.day < %s THEN ROUND((d.debit - d.credit) * 100) ELSE 0 END)
                       AS opening,
                   SUM(CASE WHEN d.day >= %s THEN ROUND(d.debit * 100) ELSE 0 END) AS debit,
                   SUM(CASE WHEN d.day >= %s THEN ROUND(d.credit * 100) ELSE 0 END) AS credit,
                   SUM(CASE WHEN d.day >= %s THEN d.n ELSE 0 END) AS n
            FROM (
                SELECT l.account_id AS account_id, l.date AS day, SUM(l.debit) AS debit,
                       SUM(l.credit) AS credit, COUNT(*) AS n
                FROM {line_table} l
                WHERE {" AND ".join(where)}
                GROUP BY l.account_id, l.date
            ) d
            GROUP BY d.account_id
        """
        params = [start, start, start, start, *where_params]
    else:
        grouped = f"""
            SELECT l.account_id AS account_id,
                   SUM(CASE WHEN l.date < %s THEN l.debit - l.credit ELSE 0 END) AS opening,
                   SUM(CASE WHEN l.date >= %s THEN l.debit ELSE 0 END) AS debit,
                   SUM(CASE WHEN l.date >= %s THEN l.credit ELSE 0 END) AS credit,
                   SUM(CASE WHEN l.date >= %s THEN 1 ELSE 0 END) AS n
            FROM {line_table} l
            WHERE {" AND ".join(where)}
            GROUP BY l.account_id
        """
        params = [start, start, start, start, *where_params]
    closing = "(g.opening + g.debit - g.credit)"
    sql = f"""
        WITH g AS ({grouped})
        SELECT a.id, a.code, a.name, a.name_en, a.type, g.opening, g.debit, g.credit, g.n,
               SUM(CASE WHEN g.opening > 0 THEN g.opening ELSE 0 END) OVER (),
               SUM(CASE WHEN g.opening < 0 THEN -g.opening ELSE 0 END) OVER (),
               SUM(g.debit) OVER (),
               SUM(g.credit) OVER (),
               SUM(CASE WHEN {closing} > 0 THEN {closing} ELSE 0 END) OVER (),
               SUM(CASE WHEN {closing} < 0 THEN -{closing} ELSE 0 END) OVER (),
               SUM(g.n) OVER ()
        FROM g JOIN {account_table} a ON a.id = g.account_id
        WHERE g.opening <> 0 OR g.debit <> 0 OR g.credit <> 0
        ORDER BY a.code
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    result = Balances(totals={key: ZERO for key in TOTAL_KEYS})
    result.totals["lines"] = 0
    for row in fetched:
        result.rows.append(
            BalanceRow(
                account_id=row[0],
                code=row[1],
                name=row[2],
                name_en=row[3],
                type=row[4],
                opening=_money(row[5]),
                debit=_money(row[6]),
                credit=_money(row[7]),
                lines=int(row[8] or 0),
            )
        )
    if fetched:
        first = fetched[0]
        for index, key in enumerate(TOTAL_KEYS[:-1]):
            result.totals[key] = _money(first[9 + index])
        result.totals["lines"] = int(first[15] or 0)
    result.totals["opening_balance"] = (
        result.totals["opening_debit"] - (result.totals["opening_credit"])
    )
    result.totals["balance"] = result.totals["closing_debit"] - result.totals["closing_credit"]
    return result


def trial_balance(company, *, date_from: date | None = None, date_to: date | None = None) -> dict:
    """`{"rows": [...], "totals": {...}}` as API.md has it: per account with any balance or
    movement, opening and closing balance (split in debit and credit) and the debits and
    credits of the range. Totals: debit == credit and balance == 0 on a sound ledger.
    """
    found = balances(company, date_from=date_from, date_to=date_to)
    totals = {key: value for key, value in found.totals.items() if key != "lines"}
    return {
        "date_from": date_from,
        "date_to": date_to,
        "rows": [row.as_dict() for row in found.rows],
        "totals": totals,
    }


def account_balances(
    company,
    *,
    as_of: date | None = None,
    accounts: list[int] | None = None,
    party: int | None = None,
) -> dict[int, Decimal]:
    """{account id: balance (debit minus credit)} of posted lines up to `as_of`."""
    found = balances(company, date_to=as_of, accounts=accounts, party=party)
    return {row.account_id: row.closing for row in found.rows}


def balance_of(company, account, *, as_of: date | None = None, party=None) -> Decimal:
    account_id = getattr(account, "pk", account)
    party_id = getattr(party, "pk", party)
    return account_balances(company, as_of=as_of, accounts=[account_id], party=party_id).get(
        account_id, ZERO
    )


def _ledger_lines(account_ids: list[int], *, date_from, date_to, party) -> QuerySet:
    """Posted lines of accounts already known to be the company's (from balances()).

    The ids go in as literals: SQLite then walks the report index in date order instead of
    sorting the account's whole year (an IN (subquery) costs it a full sort).
    """
    qs = EntryLine.objects.filter(posted=True)
    if len(account_ids) == 1:
        qs = qs.filter(account_id=account_ids[0])
    else:
        qs = qs.filter(account_id__in=account_ids)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    if party is not None:
        qs = qs.filter(party_id=party)
    return qs


def _ledger_row(line: dict, running, by_account: dict) -> dict:
    account = by_account.get(line["account_id"])
    opening = account.opening if account else ZERO
    return {
        "line": line["id"],
        "date": line["date"],
        "entry": line["entry_id"],
        "number": line["entry__number"],
        "journal": line["entry__journal__code"],
        "reference": line["entry__reference"],
        "account_id": line["account_id"],
        "account": line["account__code"],
        "name": line["account__name"],
        "name_en": line["account__name_en"],
        "party": line["party_id"],
        "party_name": line["party__name"] or "",
        "description": line["description"],
        "debit": line["debit"],
        "credit": line["credit"],
        "balance": (opening + Decimal(running or 0) / 100).quantize(CENT),
        "currency": line["currency_id"],
        "amount_currency": line["amount_currency"],
    }


GL_VALUES = (
    "id",
    "date",
    "entry_id",
    "entry__number",
    "entry__journal__code",
    "entry__reference",
    "account_id",
    "account__code",
    "account__name",
    "account__name_en",
    "party_id",
    "party__name",
    "description",
    "debit",
    "credit",
    "currency_id",
    "amount_currency",
)


def general_ledger(
    company,
    *,
    accounts: list[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    party: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> dict:
    """Posted lines of `accounts` (all when None) in the range, by account then date, each
    with the account's running balance (a window sum, so a page of a long ledger costs the
    same as the first), and per account its opening, debits, credits and closing balance.

    With `limit`, `rows` is one page (a list); without, a generator over every line for
    exports, read from the database as it is consumed.
    """
    summary = balances(
        company, date_from=date_from, date_to=date_to, accounts=accounts, party=party
    )
    by_account = summary.by_account()
    account_ids = [row.account_id for row in summary.rows]  # the company's, with lines
    one_account = len(account_ids) == 1
    running = Window(
        Sum(Cents(F("debit") - F("credit"))),
        partition_by=None if one_account else [F("account_id")],
        order_by=[F("date").asc(), F("entry_id").asc(), F("id").asc()],
        frame=RowRange(start=None, end=0),
    )
    lines = _ledger_lines(account_ids, date_from=date_from, date_to=date_to, party=party)
    # one account (the drill-down): no join to order by account code
    order = (
        ("date", "entry_id", "id") if one_account else ("account__code", "date", "entry_id", "id")
    )
    lines = lines.order_by(*order)
    if limit is None:  # every line (exports): one streaming query with the details
        found = (
            (line, line["running"])
            for line in lines.annotate(running=running).values(*GL_VALUES, "running").iterator()
        )
    else:
        # a page: the window runs over the lines alone, then only the page gets its details
        page = list(
            lines.annotate(running=running).values_list("id", "running")[offset : offset + limit]
        )
        details = EntryLine.objects.filter(pk__in=[pk for pk, _ in page]).values(*GL_VALUES)
        by_id = {line["id"]: line for line in details}
        found = ((by_id[pk], total) for pk, total in page)
    rows = (_ledger_row(line, total, by_account) for line, total in found)
    if limit is not None:
        rows = list(rows)  # a page; exports stream the generator
    totals = {
        "opening_balance": summary.totals["opening_balance"],
        "debit": summary.totals["debit"],
        "credit": summary.totals["credit"],
        "balance": summary.totals["balance"],
    }
    return {
        "date_from": date_from,
        "date_to": date_to,
        "accounts": [
            {
                "account_id": row.account_id,
                "account": row.code,
                "name": row.name,
                "name_en": row.name_en,
                "opening_balance": row.opening,
                "debit": row.debit,
                "credit": row.credit,
                "balance": row.closing,
                "lines": row.lines,
            }
            for row in summary.rows
        ],
        "rows": rows,
        "count": summary.totals["lines"],
        "totals": totals,
    }


# -- lists and pages -----------------------------------------------------------------------


def entries_filtered(
    company,
    *,
    journal: int | None = None,
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    account: int | None = None,
    party: int | None = None,
    search: str = "",
) -> QuerySet:
    """The company's entries, newest first, with their debit total (one query per page)."""
    qs = Entry.objects.filter(company=company).select_related("journal", "company")
    if journal is not None:
        qs = qs.filter(journal_id=journal)
    if state:
        qs = qs.filter(state=state)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    if account is not None or party is not None:
        lines = EntryLine.objects.filter(entry=OuterRef("pk"))
        if account is not None:
            lines = lines.filter(account_id=account)
        if party is not None:
            lines = lines.filter(party_id=party)
        qs = qs.filter(Exists(lines))
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(reference__icontains=search)
            | Q(narration__icontains=search)
        )

    def total(column):
        return Subquery(
            EntryLine.objects.filter(entry=OuterRef("pk"))
            .order_by()
            .values("entry")
            .annotate(total=MoneySum(column))
            .values("total")
        )

    reversed_by = Entry.objects.filter(reversal_of=OuterRef("pk")).values("pk")[:1]
    return qs.annotate(
        total_debit=total("debit"),
        total_credit=total("credit"),
        reversed_by_id=Subquery(reversed_by),
    ).order_by("-date", "-id")


def entry_with_lines(company, pk) -> Entry | None:
    lines = EntryLine.objects.select_related("account", "party").order_by("id")
    from django.db.models import Prefetch

    return (
        entries_filtered(company)
        .select_related("period", "posted_by", "created_by", "reversal_of")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .filter(pk=pk)
        .first()
    )


def chart_tree(company, *, as_of: date | None = None) -> list[dict]:
    """Accounts in code order under their parents, with their balance and, for parents,
    the balance including sub-accounts (two queries: accounts, grouped balances)."""
    accounts = list(Account.objects.filter(company=company).order_by("code"))
    own = account_balances(company, as_of=as_of)
    children: dict[int | None, list[Account]] = {}
    ids = {a.pk for a in accounts}
    for account in accounts:
        parent = account.parent_id if account.parent_id in ids else None
        children.setdefault(parent, []).append(account)
    out: list[dict] = []
    seen: set[int] = set()

    def walk(parent, depth) -> Decimal:
        subtotal = ZERO
        for account in children.get(parent, []):
            if account.pk in seen:
                continue
            seen.add(account.pk)
            node = {"account": account, "depth": depth, "balance": own.get(account.pk, ZERO)}
            out.append(node)
            below = walk(account.pk, depth + 1)
            node["total"] = node["balance"] + below
            node["has_children"] = account.pk in children
            subtotal += node["total"]
        return subtotal

    walk(None, 0)
    return out


def fiscal_years_with_periods(company) -> list[FiscalYear]:
    from django.db.models import Prefetch

    return list(
        FiscalYear.objects.filter(company=company)
        .prefetch_related(
            Prefetch(
                "periods",
                queryset=Period.objects.select_related("closed_by").order_by("date_start"),
            )
        )
        .order_by("-date_start")
    )


def journals_of(company) -> QuerySet:
    return Journal.objects.filter(company=company).select_related("default_account")


def overview(company, *, today: date) -> dict:
    """Figures for the accounting home page (a handful of small queries)."""
    period = Period.objects.filter(
        company=company, date_start__lte=today, date_end__gte=today
    ).first()
    entries = Entry.objects.filter(company=company)
    return {
        "has_chart": Account.objects.filter(company=company).exists(),
        "accounts": Account.objects.filter(company=company, active=True).count(),
        "drafts": entries.filter(state=EntryState.DRAFT).count(),
        "posted_this_period": entries.filter(state=EntryState.POSTED, period=period).count()
        if period
        else 0,
        "period": period,
        "open_periods": Period.objects.filter(company=company, state="open").count(),
        "recent": list(entries_filtered(company)[:8]),
    }
