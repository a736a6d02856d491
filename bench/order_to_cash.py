"""Order-to-cash benchmark: N orders of 3 lines from quotation to paid, through the services.

Usage:
    python bench/order_to_cash.py [--orders 200] [--mode per-order|batched|batch-api]
                                  [--database-url URL] [--seed N]

A seeded company (PRC chart, one warehouse, 100 customers, 50 stocked FIFO products with
13 % VAT) is made first, untimed. Timed: for every order create the quotation, confirm it
(credit check, numbering, reservation), ship it (delivery transfer done: levels, FIFO
layers, the COGS entry), invoice and post it, register and post the payment.

- `per-order`: each service call commits on its own, as a user or API client drives it.
- `batched`: the same calls inside one transaction, and one payment per customer
  allocated to all of that customer's invoices.
- `batch-api`: the channel intake `sales_orders_intake(confirm=True)` (what
  `POST /sales-orders/batch` calls) for up to 1,000 orders per call, the batch ship
  `sales_orders_ship` (1,000 per call), period invoicing `sales_orders_invoice_period`,
  then one payment per customer as `batched` does. `--steps intake` times the intake and
  confirmation only.

Without --database-url it runs on SQLite in a fresh temporary data dir; a PostgreSQL URL is
flushed first (a scratch database). After the timed flow the script inserts the same number
of rows per table, with the same column counts, into a fresh SQLite file with executemany
in one transaction (`floor_seconds`), and prints one JSON line: orders, seconds,
orders_per_s, rows (per table), ledger_lines, peak_rss_mb, floor_seconds, x_floor.
"""

import argparse
import json
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal

CUSTOMERS = 100
PRODUCTS = 50
LINES = 3


def setup(database_url: str):
    os.environ["TANDEM_DATA_DIR"] = tempfile.mkdtemp(prefix="tandem-o2c-bench-")
    if database_url:
        os.environ["TANDEM_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)


def seed(rng: random.Random, orders: int):
    """The company, customers and stocked products (untimed)."""
    from tandem.accounting.models import Tax
    from tandem.accounting.services import chart_install, fiscal_year_create
    from tandem.catalog.services import product_create
    from tandem.core.services import company_create
    from tandem.inventory import services as inventory
    from tandem.parties.models import Party

    company = company_create(code="BENCH", name="Bench Trading", currency="CNY", country="CN")
    fiscal_year_create(company=company, date_start=date(date.today().year, 1, 1))
    chart_install(company=company, template="prc")
    vat = Tax.objects.get(company=company, scope="sale", name="销项税 13%")
    warehouse = inventory.warehouse_create(company=company, code="WH", name="Main")
    customers = Party.objects.bulk_create(
        Party(company=company, name=f"Customer {i:03d}", is_customer=True, currency_id="CNY")
        for i in range(CUSTOMERS)
    )
    products = []
    for i in range(PRODUCTS):
        product = product_create(
            company=company,
            sku=f"P{i:03d}",
            name=f"Product {i:03d}",
            type="goods",
            list_price=Decimal(rng.randrange(20, 500)),
            cost_price=Decimal(rng.randrange(5, 20)),
            valuation="fifo",
        )
        vat.products.add(product)
        products.append(product)
    supplier = Party.objects.create(
        company=company, name="Supplier", is_supplier=True, currency_id="CNY"
    )
    need = orders * LINES * 5 // PRODUCTS + 50  # plenty: the run never waits for stock
    receipt = inventory.transfer_create(
        company=company,
        kind="receipt",
        warehouse=warehouse,
        party=supplier,
        moves=[
            {"product": p, "quantity": Decimal(need), "unit_cost": p.cost_price} for p in products
        ],
        confirm=True,
    )
    inventory.transfer_done(transfer=receipt)
    return company, customers, products


def plan(rng: random.Random, customers, products, orders: int):
    return [
        (
            rng.choice(customers),
            [(p, Decimal(rng.randrange(1, 5))) for p in rng.sample(products, LINES)],
        )
        for _ in range(orders)
    ]


def one_order(company, customer, lines):
    """The user's path: every call its own transaction."""
    from tandem.accounting.services.payments import payment_create, payment_post
    from tandem.sales import services

    order = services.sales_order_create(
        company=company,
        party=customer,
        lines=[{"product": p, "quantity": q} for p, q in lines],
    )
    order = services.sales_order_confirm(order=order)
    services.delivery_step(order=order, step="ship")
    invoice = services.sales_order_invoice(orders=[order], post=True)
    payment = payment_create(
        company=company,
        direction="in",
        party=customer,
        amount=invoice.total_amount,
        date=invoice.date,
        allocations=[(invoice, invoice.total_amount)],
    )
    payment_post(payment=payment)


def run_per_order(company, work):
    for customer, lines in work:
        one_order(company, customer, lines)


def run_batched(company, work):
    from django.db import transaction

    from tandem.accounting.services.payments import payment_create, payment_post
    from tandem.sales import services

    with transaction.atomic():
        invoices = {}
        for customer, lines in work:
            order = services.sales_order_create(
                company=company,
                party=customer,
                lines=[{"product": p, "quantity": q} for p, q in lines],
            )
            order = services.sales_order_confirm(order=order)
            services.delivery_step(order=order, step="ship")
            invoice = services.sales_order_invoice(orders=[order], post=True)
            invoices.setdefault(customer.pk, (customer, []))[1].append(invoice)
        for customer, docs in invoices.values():
            total = sum((d.total_amount for d in docs), Decimal(0))
            payment = payment_create(
                company=company,
                direction="in",
                party=customer,
                amount=total,
                date=docs[0].date,
                allocations=[(d, d.total_amount) for d in docs],
            )
            payment_post(payment=payment)


def run_batch_api(company, work, steps="all"):
    from django.db import transaction

    from tandem.accounting.services.payments import payment_create, payment_post
    from tandem.sales import services

    bodies = [
        {
            "party": customer.pk,
            "channel": "bench",
            "external_reference": f"B{i:06d}",
            "lines": [{"product": p.pk, "quantity": q} for p, q in lines],
        }
        for i, (customer, lines) in enumerate(work)
    ]
    orders = []
    for start in range(0, len(bodies), 1000):
        results = services.sales_orders_intake(
            company=company, orders=bodies[start : start + 1000], confirm=True
        )
        bad = [(r.index, r.error.code) for r in results if r.error is not None]
        if bad:
            raise SystemExit(f"intake refused orders: {bad[:5]}")
        orders += [r.order for r in results]
    if steps == "intake":
        return
    with transaction.atomic():
        for start in range(0, len(orders), 1000):
            shipped = services.sales_orders_ship(
                company=company, orders=[o.pk for o in orders[start : start + 1000]]
            )
            bad = [(i, e.code) for i, (_o, e) in enumerate(shipped) if e is not None]
            if bad:
                raise SystemExit(f"batch ship refused orders: {bad[:5]}")
        today = orders[0].order_date
        answers = services.sales_orders_invoice_period(
            company=company, date_from=today, date_to=today, post=True
        )
        bad = [(o.pk, e.code) for o, _i, e in answers if e is not None]
        if bad:
            raise SystemExit(f"period invoicing refused orders: {bad[:5]}")
        invoices = {}
        for order, invoice, _e in answers:
            invoices.setdefault(order.party_id, (order.party, []))[1].append(invoice)
        for customer, docs in invoices.values():
            total = sum((d.total_amount for d in docs), Decimal(0))
            payment = payment_create(
                company=company,
                direction="in",
                party=customer,
                amount=total,
                date=docs[0].date,
                allocations=[(d, d.total_amount) for d in docs],
            )
            payment_post(payment=payment)


def table_counts() -> dict[str, int]:
    from django.apps import apps
    from django.db import connection

    names = set(connection.introspection.table_names())
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in names and model._meta.app_label in {
            "core",
            "parties",
            "catalog",
            "accounting",
            "inventory",
            "sales",
        }:
            counts[table] = model._base_manager.count()
    return counts


def columns_of(tables) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        return {t: len(connection.introspection.get_table_description(cursor, t)) for t in tables}


def floor(rows: dict[str, int], columns: dict[str, int]) -> float:
    """The same rows, same column counts, into a fresh SQLite file: one transaction."""
    path = os.path.join(tempfile.mkdtemp(prefix="tandem-o2c-floor-"), "floor.sqlite3")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for table in rows:
        cols = ", ".join(f"c{i} TEXT" for i in range(columns[table] - 1))
        db.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, {cols})')
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for table, n in rows.items():
        width = columns[table] - 1
        marks = ", ".join("?" * width)
        values = [tuple(f"v{r}-{c}" for c in range(width)) for r in range(n)]
        db.executemany(f'INSERT INTO "{table}" VALUES (NULL, {marks})', values)
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument(
        "--mode", choices=["per-order", "batched", "batch-api"], default="per-order"
    )
    parser.add_argument("--steps", choices=["all", "intake"], default="all")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection

    rng = random.Random(args.seed)
    company, customers, products = seed(rng, args.orders)
    work = plan(rng, customers, products, args.orders)
    before = table_counts()
    start = time.perf_counter()
    if args.mode == "batch-api":
        run_batch_api(company, work, args.steps)
    else:
        (run_batched if args.mode == "batched" else run_per_order)(company, work)
    seconds = time.perf_counter() - start
    after = table_counts()
    rows = {t: after[t] - before.get(t, 0) for t in sorted(after) if after[t] > before.get(t, 0)}
    floor_seconds = floor(rows, columns_of(rows))
    print(
        json.dumps(
            {
                "orders": args.orders,
                "mode": args.mode,
                "steps": args.steps,
                "database": connection.vendor,
                "seconds": round(seconds, 3),
                "orders_per_s": round(args.orders / seconds, 2),
                "rows": rows,
                "rows_total": sum(rows.values()),
                "ledger_lines": rows.get("accounting_entryline", 0),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "floor_seconds": round(floor_seconds, 4),
                "x_floor": round(seconds / floor_seconds, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
