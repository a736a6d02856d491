"""Ledger reports benchmark: a company with a million posted entry lines, then the reports.

Usage:
    python bench/ledger_reports.py [--lines 1000000] [--invoices 50000] [--repeat 5]
                                   [--database-url URL] [--data-dir DIR] [--reuse]

Without --database-url it runs on SQLite in a fresh temporary data dir. With a PostgreSQL
URL the database is flushed first (like bench/foundation.py: it is a scratch database).

The ledger is generated in bulk (executemany on SQLite, COPY on PostgreSQL), not through
the services: entries are written as drafts, their lines after them, then one UPDATE posts
them all, which is the order the append-only trigger allows. Two fiscal years (2025 and
2026), a sales / receipts / purchases / payments / expenses / cost-of-sales mix on 200
parties; 1122 (receivable) is the busiest account.

Documents for the aged receivables are made from that ledger with bulk_create: the first
--invoices sales entries become posted customer invoices (due 30 days after their date),
receipts become posted payments, allocated to the same party's oldest open invoices.

Each report is timed next to a hand-written SQL "floor" over the same rows: the trial
balance, profit and loss and balance sheet against a bare GROUP BY account, the general
ledger page against a bare window query, the aged receivables against a bare GROUP BY party
of invoices less allocations and payments less allocations.

--reuse (with --data-dir on SQLite, or a --database-url) times the reports again on a
database an earlier run loaded, without flushing it. Prints the load time and a Markdown
table (median and p95 over --repeat runs after one warm-up).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

SEED = 20260101
PARTIES = 200
START, END = date(2025, 1, 1), date(2026, 12, 31)
STAMP = "2026-01-01 00:00:00"


def setup(database_url: str, data_dir: str = "", reuse: bool = False):
    os.environ["TANDEM_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="tandem-ledger-bench-")
    if database_url:
        os.environ["TANDEM_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql" and not reuse:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)


def cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def generate(company, target_lines: int, rng: random.Random):
    """Yield (entry row, [line rows]) until about `target_lines` lines are made."""
    from tandem.accounting.models import Account, Journal, Period
    from tandem.parties.models import Party

    acct = dict(Account.objects.filter(company=company).values_list("code", "pk"))
    journal = dict(Journal.objects.filter(company=company).values_list("code", "pk"))
    periods = {
        (p.date_start.year, p.date_start.month): p.pk
        for p in Period.objects.filter(company=company)
    }
    parties = list(Party.objects.filter(company=company).values_list("pk", flat=True))
    expense_codes = ["6601", "6602", "660301", "660302", "6403", "6711"]
    days = (END - START).days
    made = 0
    while made < target_lines:
        on = START + timedelta(days=rng.randrange(days + 1))
        kind = rng.random()
        party = rng.choice(parties)
        if kind < 0.30:  # a sale with 13% VAT
            net = rng.randrange(1_000, 5_000_000)
            tax = (net * 13 + 50) // 100
            code, lines = (
                "SAL",
                [
                    (acct["1122"], party, net + tax, 0),
                    (acct["6001"], None, 0, net),
                    (acct["222102"], None, 0, tax),
                ],
            )
        elif kind < 0.55:  # a receipt
            amount = rng.randrange(1_000, 5_000_000)
            code, lines = "BNK", [(acct["1002"], None, amount, 0), (acct["1122"], party, 0, amount)]
        elif kind < 0.70:  # a purchase with input VAT
            net = rng.randrange(1_000, 3_000_000)
            tax = (net * 13 + 50) // 100
            code, lines = (
                "PUR",
                [
                    (acct["1405"], None, net, 0),
                    (acct["222101"], None, tax, 0),
                    (acct["2202"], party, 0, net + tax),
                ],
            )
        elif kind < 0.80:  # a payment
            amount = rng.randrange(1_000, 3_000_000)
            code, lines = "BNK", [(acct["2202"], party, amount, 0), (acct["1002"], None, 0, amount)]
        elif kind < 0.92:  # expenses, paid from the bank
            parts = [rng.randrange(100, 200_000) for _ in range(rng.randrange(1, 5))]
            code = "GEN"
            lines = [(acct[rng.choice(expense_codes)], None, p, 0) for p in parts]
            lines.append((acct["1002"], None, 0, sum(parts)))
        else:  # cost of sales
            amount = rng.randrange(1_000, 2_000_000)
            code, lines = "STK", [(acct["6401"], None, amount, 0), (acct["1405"], None, 0, amount)]
        made += len(lines)
        yield (journal[code], on, periods[(on.year, on.month)]), lines


def load(company, target_lines: int, rng: random.Random) -> tuple[int, int, float]:
    from django.db import connection, transaction

    from tandem.accounting.models import Entry

    started = time.perf_counter()
    first_id = (Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    entries, lines = [], []
    entry_id = first_id
    for (journal_id, on, period_id), rows in generate(company, target_lines, rng):
        day = on.isoformat()
        entries.append(
            (entry_id, company.pk, journal_id, "", day, period_id, "", "", "draft", False,
             STAMP, STAMP)
        )  # fmt: skip
        for account_id, party_id, debit, credit in rows:
            lines.append(
                (company.pk, entry_id, account_id, party_id, "", cents(debit), cents(credit),
                 company.currency_id, cents(debit - credit) if debit >= credit
                 else "-" + cents(credit - debit), day, True, STAMP, STAMP)
            )  # fmt: skip
        entry_id += 1
    entry_columns = (
        "id, company_id, journal_id, number, date, period_id, reference, narration, state, "
        "closing, created_at, updated_at"
    )
    line_columns = (
        "company_id, entry_id, account_id, party_id, description, debit, credit, currency_id, "
        "amount_currency, date, posted, created_at, updated_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor: COPY
            for table, columns, rows in (
                ("accounting_entry", entry_columns, entries),
                ("accounting_entryline", line_columns, lines),
            ):
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('accounting_entry', 'id'), "
                "(SELECT MAX(id) FROM accounting_entry))"
            )
        else:
            cursor.executemany(
                f"INSERT INTO accounting_entry ({entry_columns}) VALUES ({', '.join(['%s'] * 12)})",
                entries,
            )
            cursor.executemany(
                f"INSERT INTO accounting_entryline ({line_columns}) "
                f"VALUES ({', '.join(['%s'] * 13)})",
                lines,
            )
        # one UPDATE posts them all (drafts -> posted is what the trigger allows)
        cursor.execute(
            "UPDATE accounting_entry SET state = 'posted', number = 'B/' || id, "
            "posted_at = created_at WHERE company_id = %s AND state = 'draft'",
            [company.pk],
        )
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(entries), len(lines), time.perf_counter() - started


def load_documents(company, invoices: int) -> tuple[int, int, int, float]:
    """Invoices from the first `invoices` sales entries, payments from receipts, and
    allocations of each payment to its party's oldest open invoices (bulk_create)."""
    from collections import defaultdict, deque
    from decimal import Decimal

    from django.db import connection, transaction

    from tandem.accounting.models import Account, Allocation, Invoice, Journal, Payment

    started = time.perf_counter()
    receivable = Account.objects.get(company=company, code="1122").pk
    journals = dict(Journal.objects.filter(company=company).values_list("code", "pk"))

    def entries_with(journal: str, side: str, limit: int):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.id, e.date, l.party_id, l.{side} FROM accounting_entry e "
                "JOIN accounting_entryline l ON l.entry_id = e.id AND l.account_id = %s "
                f"WHERE e.company_id = %s AND e.journal_id = %s AND l.{side} > 0 "
                "ORDER BY e.id LIMIT %s",
                [receivable, company.pk, journals[journal], limit],
            )
            return cursor.fetchall()

    def as_date(value):
        return date.fromisoformat(value) if isinstance(value, str) else value

    cent = Decimal("0.01")
    sales = [
        (pk, as_date(on), party, Decimal(str(amount)).quantize(cent))
        for pk, on, party, amount in entries_with("SAL", "debit", invoices)
    ]
    receipts = [
        (pk, as_date(on), party, Decimal(str(amount)).quantize(cent))
        for pk, on, party, amount in entries_with("BNK", "credit", invoices)
    ]
    open_by_party: dict[int, deque] = defaultdict(deque)
    residual = {}
    for pk, on, party, amount in sorted(sales, key=lambda s: (s[1], s[0])):
        open_by_party[party].append((pk, on))
        residual[pk] = amount
    unallocated, matches = {}, []
    for pk, on, party, amount in sorted(receipts, key=lambda r: (r[1], r[0])):
        left = amount
        queue = open_by_party[party]
        while left and queue and queue[0][1] <= on:
            invoice_entry = queue[0][0]
            used = min(left, residual[invoice_entry])
            matches.append((invoice_entry, pk, on, used))
            residual[invoice_entry] -= used
            left -= used
            if not residual[invoice_entry]:
                queue.popleft()
        unallocated[pk] = left
    common = {"company": company, "currency_id": company.currency_id}
    with transaction.atomic():
        invoice_rows = Invoice.objects.bulk_create(
            (
                Invoice(
                    **common,
                    kind="customer_invoice",
                    number=f"INV/{n:06d}",
                    state="posted",
                    payment_state="not_paid",
                    party_id=party,
                    journal_id=journals["SAL"],
                    date=on,
                    due_date=on + timedelta(days=30),
                    total_amount=amount,
                    residual_amount=residual[pk],
                    total_company=amount,
                    residual_company=residual[pk],
                    entry_id=pk,
                )
                for n, (pk, on, party, amount) in enumerate(sales, start=1)
            ),
            batch_size=2000,
        )
        payment_rows = Payment.objects.bulk_create(
            (
                Payment(
                    **common,
                    number=f"PAY/{n:06d}",
                    state="posted",
                    direction="in",
                    party_id=party,
                    journal_id=journals["BNK"],
                    date=on,
                    amount=amount,
                    amount_company=amount,
                    unallocated_amount=unallocated[pk],
                    entry_id=pk,
                )
                for n, (pk, on, party, amount) in enumerate(receipts, start=1)
            ),
            batch_size=2000,
        )
        invoice_of = {row.entry_id: row.pk for row in invoice_rows}
        payment_of = {row.entry_id: row.pk for row in payment_rows}
        Allocation.objects.bulk_create(
            (
                Allocation(
                    company=company,
                    invoice_id=invoice_of[invoice_entry],
                    payment_id=payment_of[payment_entry],
                    date=on,
                    amount=used,
                    amount_company=used,
                )
                for invoice_entry, payment_entry, on, used in matches
            ),
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(sales), len(receipts), len(matches), time.perf_counter() - started


AGED_FLOOR = """
    SELECT o.party_id,
           SUM(CASE WHEN o.day >= %s THEN o.amount ELSE 0 END),
           SUM(CASE WHEN o.day < %s AND o.day >= %s THEN o.amount ELSE 0 END),
           SUM(CASE WHEN o.day < %s AND o.day >= %s THEN o.amount ELSE 0 END),
           SUM(CASE WHEN o.day < %s AND o.day >= %s THEN o.amount ELSE 0 END),
           SUM(CASE WHEN o.day < %s AND o.day >= %s THEN o.amount ELSE 0 END),
           SUM(CASE WHEN o.day < %s THEN o.amount ELSE 0 END),
           SUM(o.amount)
    FROM (
        SELECT i.party_id, COALESCE(i.due_date, i.date) AS day,
               i.total_company - COALESCE(a.paid, 0) AS amount
        FROM accounting_invoice i
        LEFT JOIN (SELECT invoice_id, SUM(amount_company) AS paid FROM accounting_allocation
                   WHERE company_id = %s AND date <= %s GROUP BY invoice_id) a
               ON a.invoice_id = i.id
        WHERE i.company_id = %s AND i.kind = 'customer_invoice' AND i.state = 'posted'
          AND i.date <= %s
        UNION ALL
        SELECT p.party_id, p.date, -(p.amount_company - COALESCE(a.used, 0))
        FROM accounting_payment p
        LEFT JOIN (SELECT payment_id, SUM(amount_company) AS used FROM accounting_allocation
                   WHERE company_id = %s AND date <= %s GROUP BY payment_id) a
               ON a.payment_id = p.id
        WHERE p.company_id = %s AND p.direction = 'in' AND p.state = 'posted' AND p.date <= %s
    ) o
    GROUP BY o.party_id
"""


def aged_floor_params(company_id: int, as_of: date, day) -> list:
    bounds = [day(as_of - timedelta(days=n)) for n in (0, 30, 60, 90, 120)]
    return [
        bounds[0], bounds[0], bounds[1], bounds[1], bounds[2], bounds[2], bounds[3],
        bounds[3], bounds[4], bounds[4],
        company_id, day(as_of), company_id, day(as_of),
        company_id, day(as_of), company_id, day(as_of),
    ]  # fmt: skip


GL_FLOOR = """
    SELECT p.running, l.id, l.date, l.debit, l.credit, l.description, e.number, j.code,
           e.reference, a.code, a.name, pa.name
    FROM (
        SELECT id, SUM(debit - credit) OVER (
            ORDER BY date, entry_id, id ROWS UNBOUNDED PRECEDING) AS running
        FROM accounting_entryline
        WHERE account_id = %s AND posted AND date >= %s AND date <= %s
        ORDER BY date, entry_id, id LIMIT 500 OFFSET %s
    ) p
    JOIN accounting_entryline l ON l.id = p.id
    JOIN accounting_entry e ON e.id = l.entry_id
    JOIN accounting_journal j ON j.id = e.journal_id
    JOIN accounting_account a ON a.id = l.account_id
    LEFT JOIN parties_party pa ON pa.id = l.party_id
    ORDER BY l.date, l.entry_id, l.id
"""


def timed(func, repeat: int) -> tuple[float, float, object]:
    result = func()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95, result


def raw(sql: str, params: list):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--only", default="", help="run the cases whose label has this text")
    args = parser.parse_args()
    setup(args.database_url, args.data_dir, args.reuse)

    from django.db import connection
    from django.test import Client

    from tandem.accounting import queries, services
    from tandem.accounting.models import Account, EntryLine, Invoice
    from tandem.accounting.queries import reports
    from tandem.cli import ensure_admin
    from tandem.core.models import Company, User
    from tandem.core.services import company_create, membership_grant, token_create
    from tandem.parties.models import Party

    rng = random.Random(SEED)
    vendor = connection.vendor
    company = Company.objects.filter(code="LEDGER").first() if args.reuse else None
    if company is None:
        company = company_create(code="LEDGER", name="Ledger Bench Co")
        services.fiscal_year_create(company=company, date_start=START)
        services.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
        services.chart_install(company=company, template="prc")
        Party.objects.bulk_create(
            Party(company=company, name=f"Party {n:03d}", is_customer=True, currency_id="CNY")
            for n in range(PARTIES)
        )
        entries, lines, load_seconds = load(company, args.lines, rng)
        print(
            f"# {vendor}: {entries:,} posted entries, {lines:,} lines, "
            f"loaded in {load_seconds:.1f} s"
        )
        made, paid, matched, seconds = load_documents(company, args.invoices)
        print(
            f"# {made:,} posted invoices, {paid:,} payments, {matched:,} allocations, "
            f"made in {seconds:.1f} s"
        )
        ensure_admin("bench-password-1")
        admin = User.objects.get(username="admin")
        membership_grant(user=admin, company=company, roles=["owner"])
    else:
        lines = EntryLine.objects.filter(company=company).count()
        print(
            f"# {vendor}: reusing {lines:,} lines, "
            f"{Invoice.objects.filter(company=company).count():,} invoices"
        )
        admin = User.objects.get(username="admin")
    _token, token = token_create(user=admin)
    client = Client()
    headers = {"Authorization": f"Bearer {token}", "X-Company": company.code}

    busy = Account.objects.get(company=company, code="1122")
    year_from, year_to = date(2026, 1, 1), date(2026, 12, 31)
    busy_lines = busy.lines.filter(posted=True, date__gte=year_from, date__lte=year_to).count()
    day = (lambda d: d.isoformat()) if vendor == "sqlite" else (lambda d: d)

    def api(path):
        def run():
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.content[:300]
            return response

        return run

    cases = [
        (
            "trial balance 2026 (opening 2025), queries.trial_balance",
            lambda: queries.trial_balance(company, date_from=year_from, date_to=year_to),
            "floor: SELECT account_id, SUM(debit), SUM(credit) FROM lines WHERE account_id IN "
            "(the company's accounts) AND posted AND date <= ? GROUP BY account_id",
            raw(
                "SELECT account_id, SUM(debit), SUM(credit) FROM accounting_entryline "
                "WHERE account_id IN (SELECT id FROM accounting_account WHERE company_id = %s) "
                "AND posted AND date <= %s GROUP BY account_id",
                [company.pk, day(year_to)],
            ),
        ),
        (
            "trial balance as of 2026-12-31, API GET /reports/trial-balance",
            api("/api/v1/reports/trial-balance?as_of=2026-12-31"),
            "floor: same GROUP BY",
            raw(
                "SELECT account_id, SUM(debit), SUM(credit) FROM accounting_entryline "
                "WHERE account_id IN (SELECT id FROM accounting_account WHERE company_id = %s) "
                "AND posted AND date <= %s GROUP BY account_id",
                [company.pk, day(year_to)],
            ),
        ),
        (
            f"general ledger 1122 2026 ({busy_lines:,} lines), first 500, running balance",
            lambda: queries.general_ledger(
                company, accounts=[busy.pk], date_from=year_from, date_to=year_to, limit=500
            ),
            "floor: window SUM(debit - credit) OVER (ORDER BY date, entry, id) LIMIT 500, "
            "then joined to entry, journal, account and party",
            raw(GL_FLOOR, [busy.pk, day(year_from), day(year_to), 0]),
        ),
        (
            "general ledger 1122 2026, last page (offset n-500)",
            lambda: queries.general_ledger(
                company,
                accounts=[busy.pk],
                date_from=year_from,
                date_to=year_to,
                limit=500,
                offset=max(0, busy_lines - 500),
            ),
            "floor: same, OFFSET n-500",
            raw(GL_FLOOR, [busy.pk, day(year_from), day(year_to), max(0, busy_lines - 500)]),
        ),
        (
            "profit and loss 2026, queries.profit_and_loss",
            lambda: reports.profit_and_loss(company, date_from=year_from, date_to=year_to),
            "floor: SELECT account_id, SUM(credit - debit) FROM lines WHERE account_id IN "
            "(income and expense accounts) AND posted AND date in 2026 GROUP BY account_id",
            raw(
                "SELECT account_id, SUM(credit - debit) FROM accounting_entryline "
                "WHERE account_id IN (SELECT id FROM accounting_account WHERE company_id = %s "
                "AND type IN ('income', 'expense')) AND posted AND date >= %s AND date <= %s "
                "GROUP BY account_id",
                [company.pk, day(year_from), day(year_to)],
            ),
        ),
        (
            "profit and loss 2026 compared with 2025",
            lambda: reports.profit_and_loss(
                company,
                date_from=year_from,
                date_to=year_to,
                compare=(date(2025, 1, 1), date(2025, 12, 31)),
            ),
            "floor: the same GROUP BY over both years with a CASE per year",
            raw(
                "SELECT account_id, "
                "SUM(CASE WHEN date >= %s THEN credit - debit ELSE 0 END), "
                "SUM(CASE WHEN date < %s THEN credit - debit ELSE 0 END) "
                "FROM accounting_entryline "
                "WHERE account_id IN (SELECT id FROM accounting_account WHERE company_id = %s "
                "AND type IN ('income', 'expense')) AND posted AND date >= %s AND date <= %s "
                "GROUP BY account_id",
                [day(year_from), day(year_from), company.pk, day(date(2025, 1, 1)), day(year_to)],
            ),
        ),
        (
            "balance sheet as of 2026-12-31, queries.balance_sheet",
            lambda: reports.balance_sheet(company, as_of=year_to),
            "floor: the trial balance GROUP BY account_id up to the date",
            raw(
                "SELECT account_id, SUM(debit), SUM(credit) FROM accounting_entryline "
                "WHERE account_id IN (SELECT id FROM accounting_account WHERE company_id = %s) "
                "AND posted AND date <= %s GROUP BY account_id",
                [company.pk, day(year_to)],
            ),
        ),
        (
            "aged receivables as of 2026-12-31, queries.aged_receivables",
            lambda: reports.aged_receivables(company, as_of=year_to),
            "floor: invoices less allocations UNION ALL payments less allocations, "
            "GROUP BY party with a CASE per bucket",
            raw(AGED_FLOOR, aged_floor_params(company.pk, year_to, day)),
        ),
        (
            "aged receivables as of 2026-06-30 (later payments ignored)",
            lambda: reports.aged_receivables(company, as_of=date(2026, 6, 30)),
            "floor: same, at 2026-06-30",
            raw(AGED_FLOOR, aged_floor_params(company.pk, date(2026, 6, 30), day)),
        ),
        (
            "aged receivables, API GET /reports/aged-receivables?as_of=2026-12-31",
            api("/api/v1/reports/aged-receivables?as_of=2026-12-31"),
            "floor: same",
            raw(AGED_FLOOR, aged_floor_params(company.pk, year_to, day)),
        ),
    ]
    if args.only:
        cases = [case for case in cases if args.only in case[0]]
    print()
    print(f"| {vendor}, {lines:,} lines | median ms | p95 ms | floor median ms | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, report, _floor_label, floor in cases:
        median, p95, result = timed(report, args.repeat)
        floor_median, _floor_p95, _ = timed(floor, args.repeat)
        print(
            f"| {label} | {median:.0f} | {p95:.0f} | {floor_median:.0f} | "
            f"{median / floor_median:.2f}x |"
        )
        if isinstance(result, dict) and "totals" in result and "rows" in result:
            totals = result["totals"]
            assert totals.get("debit") == totals.get("credit") or "opening_balance" in totals
        sys.stdout.flush()
    tb = queries.trial_balance(company, date_to=year_to)
    assert tb["totals"]["debit"] == tb["totals"]["credit"], tb["totals"]
    bs = reports.balance_sheet(company, as_of=year_to)
    assert bs["totals"]["difference"] == 0, bs["totals"]
    aged = reports.aged_receivables(company, as_of=year_to)
    print(
        f"Balance sheet check: assets {bs['totals']['assets']:,} = liabilities and equity "
        f"{bs['totals']['liabilities_and_equity']:,}; aged receivables total "
        f"{aged['totals']['total']:,} over {len(aged['rows'])} parties"
    )
    print()
    print(
        f"Trial balance check: debit {tb['totals']['debit']:,} = credit "
        f"{tb['totals']['credit']:,}, balance {tb['totals']['balance']}"
    )
    print("Floors: " + "; ".join(c[2] for c in cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
