"""Crash safety: a worker killed with SIGKILL in the middle of posting leaves nothing half done.

Two copies of one database are posted by tests/integration/crash_worker.py in another
process: one straight through, the other by a worker that is killed with SIGKILL inside a
posting (shipping a delivery, posting an invoice, a payment or a payroll run, producing or
finishing a manufacturing order, an MRP run) at seeded random points, and restarted to retry
what is left, again and again, until a run gets through. After the crashes the books, stock,
documents, legal numbers and MRP plan must be the same as after the straight run, with every
integrity check green: no partial entry, no duplicate, no gap in a sequence. On SQLite and on
PostgreSQL (the copy is a scratch database made from the test database as a template).
"""

import json
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tandem.accounting.services import invoices as invoicing
from tandem.accounting.services.payments import payment_create
from tandem.hr import services as hr
from tandem.manufacturing import services as manufacturing
from tandem.sales import services as sales

from .conftest import YEAR
from .test_backup_restore import fresh_env

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)
# the postings of tests/integration/crash_worker.py, in the order it does them (it produces
# and finishes one manufacturing order before the next: one phase)
PHASE = {"transfer": 0, "invoice": 1, "payment": 2, "payroll": 3, "produce": 4, "finish": 4}
PHASE["mrp"] = 5
KINDS = tuple(PHASE)


def documents_to_post(shop) -> int:
    """Deliveries, invoices, payments, payroll runs and manufacturing orders left to post;
    returns how many postings the worker has to do (each prints one `begin` line)."""
    customer, products = shop["customer"], shop["products"]
    company = customer.company
    for index in range(4):
        order = sales.sales_order_create(
            company=company,
            party=customer,
            lines=[{"product": products[index % 3], "quantity": 1}],
        )
        sales.sales_order_confirm(order=order)

    def invoice(amount, post):
        return invoicing.invoice_create(
            company=company,
            kind="customer_invoice",
            party=customer,
            date=date.today(),
            lines=[{"description": "Service", "quantity": D(1), "unit_price": D(amount)}],
            post=post,
        )

    for amount in ("100.00", "250.00", "75.50", "19.99"):
        invoice(amount, post=False)
    for amount in ("300.00", "120.00", "80.00"):
        paid = invoice(amount, post=True)
        payment_create(
            company=company,
            direction="in",
            party=customer,
            amount=D(amount) / 2,
            date=date.today(),
            allocations=[(paid, D(amount) / 2)],
        )

    hr.prc_pack_ensure()
    structure = hr.salary_structure_install_prc(company=company)
    for number, salary in (("E1", "12000"), ("E2", "18500")):
        hr.employee_create(
            company=company,
            number=number,
            name=f"Employee {number}",
            hire_date=date(2020, 1, 1),
            version={
                "base_salary": D(salary),
                "social_insurance_city": "beijing",
                "housing_fund_rate": D("0.07"),
            },
        )
    for month in (7, 8):
        run = hr.payroll_run_create(
            company=company, period=f"{YEAR}-{month:02d}", structure=structure
        )
        hr.payroll_run_compute(run=run)

    kit = manufacturing_product(company)
    bom = manufacturing.bom_create(
        company=company, product=kit, lines=[{"product": products[2], "quantity": "1"}]
    )
    for _ in range(2):
        manufacturing.mo_confirm(mo=manufacturing.mo_create(company=company, bom=bom, quantity=1))
    # 4 deliveries + 4 invoices + 3 payments + 2 payroll runs + 2 x (produce, finish) + MRP
    return 4 + 4 + 3 + 2 + 4 + 1


def manufacturing_product(company):
    from tandem.catalog.services import product_create

    return product_create(company=company, sku="KIT-1", name="Kit", type="goods", valuation="fifo")


def copy_database(tmp_path: Path, name: str) -> dict:
    """A copy of the test database (committed rows) that another process can open, and the
    environment that points the worker at it."""
    from django.db import connection

    data_dir = tmp_path / name
    data_dir.mkdir()
    if connection.vendor == "sqlite":
        target = data_dir / "copy.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        return fresh_env(data_dir, f"sqlite:///{target}")
    import psycopg

    config = connection.settings_dict
    scratch = f"tandem_crash_{name}_{secrets.token_hex(4)}"
    server = f"postgresql://{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}"
    connection.close()  # a template database must have no other session
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{config["NAME"]}"')
    env = fresh_env(data_dir, f"{server}/{scratch}")
    env["_SCRATCH"] = scratch
    return env


@pytest.fixture
def scratch_databases():
    made = []
    yield made
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg

    config = connection.settings_dict
    server = f"postgresql://{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for env in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{env["_SCRATCH"]}" WITH (FORCE)')


def worker(env, *flags) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.crash_worker", "ACME", *flags],
        env={key: value for key, value in env.items() if key != "_SCRATCH"},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_through(env) -> tuple[dict, int]:
    """The worker let run to the end: its final report and how many postings it began."""
    process = worker(env, "--finish")
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-4000:]
    lines = out.splitlines()
    return json.loads(lines[-1]), [line.split()[1] for line in lines if line.startswith("begin ")]


def killed_inside_a_posting(env, kind: str, skip: int, delay: float) -> str | None:
    """Start the worker (it first posts what is left before `kind`), and kill it with SIGKILL
    `delay` seconds after it begins its (skip+1)-th posting of `kind`, or its first posting of
    a later kind when no more of `kind` is left. Returns the kind it was posting when killed,
    None when it got through."""
    process = worker(env)
    seen = 0
    try:
        for line in process.stdout:
            words = line.split()
            if words[:1] != ["begin"]:
                continue
            if words[1] == kind and seen < skip:
                seen += 1
                continue
            if words[1] == kind or PHASE[words[1]] > PHASE[kind]:
                # inside the posting: its transaction is open (a posting takes tens of ms)
                time.sleep(delay)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=60)
                return words[1] if process.returncode == -signal.SIGKILL else None
        process.wait(timeout=60)
        assert process.returncode == 0, process.stderr.read()[-4000:]
        return None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_postings_killed_with_sigkill_and_retried_give_the_same_books(
    shop, tmp_path, scratch_databases
):
    postings = documents_to_post(shop)
    straight = copy_database(tmp_path, "straight")
    crashed = copy_database(tmp_path, "crashed")
    scratch_databases.extend([straight, crashed])

    expected, begun = run_through(straight)
    assert len(begun) == postings, begun
    assert expected["failed_checks"] == {}
    counts = expected["figures"]["counts"]
    assert counts["transfers"]["delivery/done"] == 4
    assert not [key for key in counts["invoices"] if "/draft" in key], counts["invoices"]
    assert counts["payments"] == {"posted": 3}
    assert (
        expected["figures"]["trial_totals"]["debit"]
        == expected["figures"]["trial_totals"]["credit"]
    )

    # a kill inside each kind of posting, in the worker's order, at seeded random moments;
    # every restart first retries what the kills before it left
    rng = random.Random(2026)
    killed_in = [
        killed_inside_a_posting(crashed, kind, rng.randint(0, 1), rng.uniform(0, 0.03))
        for kind in KINDS
    ]
    assert set(KINDS) <= set(killed_in), killed_in

    after, _ = run_through(crashed)
    assert after["failed_checks"] == {}
    assert after["figures"] == expected["figures"]
    assert after["plan"] == expected["plan"]
