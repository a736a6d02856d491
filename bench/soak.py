"""SQLite soak: many writer processes and report readers on one embedded database.

Usage:
    python bench/soak.py [--writers 8] [--readers 4] [--seconds 600] [--seed N]

A company is seeded in a fresh data dir (PRC chart, one warehouse, 100 customers, 50 stocked
FIFO products with 13 % VAT; untimed). Then `--writers` processes each run the order-to-cash
flow through the services for `--seconds`, every call its own transaction as a user's request
makes it (create the quotation, confirm, ship, invoice and post, register and post the
payment), while `--readers` processes run the reports a manager opens (trial balance, stock
valuation, aged receivables, profit and loss). Each process opens its own connections with
the settings `tandem serve` uses (WAL, IMMEDIATE transactions, a 30 s busy timeout).

Prints one JSON line: orders completed, documents posted, write calls, write latency p50/p99/
max, "database is locked" errors, other errors by type, report latency p50/p99, and whether
`check-integrity` passed afterwards. The goal is zero lock errors and a green integrity check.
"""

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "src"))


def _django(data_dir: str) -> None:
    os.environ["TANDEM_DATA_DIR"] = data_dir
    os.environ.pop("TANDEM_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(latencies: list[float], call, *args, **kwargs):
    start = time.perf_counter()
    try:
        return call(*args, **kwargs)
    finally:
        latencies.append(time.perf_counter() - start)


def writer(data_dir: str, seed: int, seconds: float, results) -> None:
    _django(data_dir)
    from django.db import OperationalError

    from tandem.accounting.services.payments import payment_create, payment_post
    from tandem.core.models import Company
    from tandem.parties.models import Party
    from tandem.sales import services

    rng = random.Random(seed)
    company = Company.objects.get(code="BENCH")
    customers = list(Party.objects.filter(company=company, is_customer=True))
    from tandem.catalog.models import Product

    products = list(Product.objects.filter(company=company))
    latencies: list[float] = []
    locked, errors, orders = 0, {}, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        customer = rng.choice(customers)
        lines = [{"product": p, "quantity": rng.randrange(1, 5)} for p in rng.sample(products, 3)]
        try:
            order = _timed(
                latencies, services.sales_order_create, company=company, party=customer, lines=lines
            )
            order = _timed(latencies, services.sales_order_confirm, order=order)
            _timed(latencies, services.delivery_step, order=order, step="ship")
            invoice = _timed(latencies, services.sales_order_invoice, orders=[order], post=True)
            payment = _timed(
                latencies,
                payment_create,
                company=company,
                direction="in",
                party=customer,
                amount=invoice.total_amount,
                date=invoice.date,
                allocations=[(invoice, invoice.total_amount)],
            )
            _timed(latencies, payment_post, payment=payment)
            orders += 1
        except OperationalError as exc:
            if "locked" in str(exc):
                locked += 1
            else:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        except Exception as exc:  # counted and shown: the soak is there to find them
            name = type(exc).__name__
            if name not in errors:
                traceback.print_exc()
            errors[name] = errors.get(name, 0) + 1
    results.put(
        {
            "role": "writer",
            "latencies": latencies,
            "locked": locked,
            "errors": errors,
            "orders": orders,
        }
    )


def reader(data_dir: str, seconds: float, results) -> None:
    _django(data_dir)
    from django.db import OperationalError

    from tandem.accounting.queries import ledger, reports
    from tandem.core.models import Company
    from tandem.inventory import queries as stock

    company = Company.objects.get(code="BENCH")
    today = date.today()
    year_start = date(today.year, 1, 1)
    reads = [
        lambda: ledger.trial_balance(company),
        lambda: stock.valuation(company),
        lambda: reports.aged_receivables(company, as_of=today),
        lambda: reports.profit_and_loss(company, date_from=year_start, date_to=today),
    ]
    latencies: list[float] = []
    locked, errors = 0, {}
    deadline = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < deadline:
        try:
            _timed(latencies, reads[turn % len(reads)])
        except OperationalError as exc:
            locked += "locked" in str(exc)
        except Exception as exc:
            name = type(exc).__name__
            if name not in errors:
                traceback.print_exc()
            errors[name] = errors.get(name, 0) + 1
        turn += 1
    results.put({"role": "reader", "latencies": latencies, "locked": locked, "errors": errors})


def prepare(data_dir: str, seed: int) -> None:
    """Migrate and seed, in a process of its own (the soak processes start after it)."""
    _django(data_dir)
    from django.core.management import call_command
    from order_to_cash import seed as seed_company

    call_command("migrate", interactive=False, verbosity=0)
    # stock for ~20,000 orders: the soak never waits for goods
    seed_company(random.Random(seed), 20_000)


def integrity(data_dir: str, results) -> None:
    _django(data_dir)
    from tandem.core.integrity import run_all

    report = run_all()
    results.put({name: found[:3] for name, found in report.results if found})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="tandem-soak-")
    spawn = multiprocessing.get_context("spawn")
    step = spawn.Process(target=prepare, args=(data_dir, args.seed))
    step.start()
    step.join()
    if step.exitcode:
        return step.exitcode
    results = spawn.Queue()
    processes = [
        spawn.Process(target=writer, args=(data_dir, args.seed + n, args.seconds, results))
        for n in range(args.writers)
    ] + [
        spawn.Process(target=reader, args=(data_dir, args.seconds, results))
        for _ in range(args.readers)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    found = [results.get() for _ in processes]
    for process in processes:
        process.join()
    wall = time.perf_counter() - started
    check = spawn.Process(target=integrity, args=(data_dir, results))
    check.start()
    failed_checks = results.get()
    check.join()

    writes = [x for r in found if r["role"] == "writer" for x in r["latencies"]]
    reads = [x for r in found if r["role"] == "reader" for x in r["latencies"]]
    errors: dict[str, int] = {}
    for r in found:
        for name, count in r["errors"].items():
            errors[name] = errors.get(name, 0) + count
    orders = sum(r.get("orders", 0) for r in found)
    print(
        json.dumps(
            {
                "writers": args.writers,
                "readers": args.readers,
                "seconds": round(wall, 1),
                "orders": orders,
                # quotation, delivery, invoice and payment per order
                "documents_posted": orders * 4,
                "write_calls": len(writes),
                "write_p50_ms": round(_percentile(writes, 0.50) * 1000, 1),
                "write_p99_ms": round(_percentile(writes, 0.99) * 1000, 1),
                "write_max_ms": round(max(writes, default=0) * 1000, 1),
                "locked_errors": sum(r["locked"] for r in found),
                "other_errors": errors,
                "reports": len(reads),
                "report_p50_ms": round(_percentile(reads, 0.50) * 1000, 1),
                "report_p99_ms": round(_percentile(reads, 0.99) * 1000, 1),
                "integrity_failures": failed_checks,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )
    return 0 if not failed_checks else 1


if __name__ == "__main__":
    raise SystemExit(main())
