"""`tandem backup` / `tandem restore`: after a busy day of orders, deliveries, invoices and
payments, a backup restored into a fresh data dir (and database) gives the same trial balance,
stock valuation and document counts; the refusals change nothing."""

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from tandem.accounting.models import Invoice
from tandem.accounting.services import invoices as invoicing
from tandem.accounting.services.payments import payment_cancel, payment_create, payment_post
from tandem.core import backup
from tandem.inventory import services as inventory
from tandem.parties.models import Party
from tandem.sales import services as sales

from .backup_figures import figures
from .conftest import YEAR

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _pay(invoice, value, customer):
    payment = payment_create(
        company=invoice.company,
        direction="in",
        party=customer,
        amount=D(value),
        date=invoice.date,
        allocations=[(invoice, D(value))],
    )
    return payment_post(payment=payment)


def busy_day(shop):
    """Three orders shipped and invoiced, paid in full, in part and cancelled; an open
    quotation; a vendor bill; a receipt of more stock."""
    customer, products = shop["customer"], shop["products"]
    company = customer.company
    invoices = []
    for quantity, product in zip((2, 3, 4), products, strict=True):
        order = sales.sales_order_create(
            company=company, party=customer, lines=[{"product": product, "quantity": quantity}]
        )
        order = sales.sales_order_confirm(order=order)
        inventory.transfer_done(transfer=order.transfers.get())
        invoices.append(sales.sales_order_invoice(orders=[order], post=True))
    _pay(invoices[0], invoices[0].total_amount, customer)
    _pay(invoices[1], "50.00", customer)
    payment_cancel(payment=_pay(invoices[2], "20.00", customer))
    sales.sales_order_create(
        company=company, party=customer, lines=[{"product": products[0], "quantity": 1}]
    )
    supplier = Party.objects.get(company=company, name="Supplier")
    invoicing.invoice_create(
        company=company,
        kind="vendor_bill",
        party=supplier,
        date=date(YEAR, 1, 15),
        lines=[{"description": "Freight", "quantity": D(1), "unit_price": D("80.00")}],
        post=True,
    )
    warehouse = inventory.warehouse_default(company)
    receipt = inventory.transfer_create(
        company=company,
        kind="receipt",
        warehouse=warehouse,
        party=supplier,
        moves=[{"product": products[1], "quantity": D("5"), "unit_cost": D("42")}],
    )
    inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=receipt))
    assert Invoice.objects.filter(company=company, state="posted").count() == 4
    return company


def tandem(*args, env):
    """Run the `tandem` command in a fresh process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "tandem", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def figures_of(env, code="ACME"):
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.backup_figures", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_env(data_dir: Path, database_url: str | None = None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TANDEM_", "DJANGO_", "PYTEST_"))
    }
    env["TANDEM_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO)])
    if database_url:
        env["TANDEM_DATABASE_URL"] = database_url
    return env


def rewrite(archive: Path, target: Path, *, schema=None, database=None) -> Path:
    """A copy of the archive with its manifest's schema replaced, or its database edited."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        manifest = json.loads(source.extractfile("manifest.json").read())
        if schema is not None:
            manifest["schema"] = schema
        for member in source.getmembers():
            if member.name == "manifest.json":
                body = json.dumps(manifest).encode()
                member.size = len(body)
                copy.addfile(member, io.BytesIO(body))
            elif member.name == "database.sqlite3" and database is not None:
                path = target.parent / "edited.sqlite3"
                path.write_bytes(source.extractfile(member).read())
                with sqlite3.connect(path) as db:
                    db.executescript(database)
                copy.add(path, arcname=member.name)
            else:
                copy.addfile(member, source.extractfile(member))
    return target


@pytest.fixture
def fresh(tmp_path):
    """Where a restore goes: a fresh data dir, and on PostgreSQL a scratch database (created
    and dropped here) on the test server. Yields (data dir, environment)."""
    from django.db import connection

    data = tmp_path / "fresh-data"
    if connection.vendor == "sqlite":
        yield data, fresh_env(data)
        return
    import psycopg

    config = connection.settings_dict
    scratch = f"tandem_restore_{secrets.token_hex(4)}"
    server = f"postgresql://{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        yield data, fresh_env(data, f"{server}/{scratch}")
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.fixture
def data_dir(tmp_path, settings):
    """The backed-up installation's data dir: a secret key and an uploaded logo."""
    source = tmp_path / "source-data"
    (source / "media" / "logos").mkdir(parents=True)
    (source / "secret_key").write_text("the-installation-key")
    (source / "media" / "logos" / "acme.png").write_bytes(b"\x89PNG logo bytes")
    settings.MEDIA_ROOT = source / "media"
    return source


def test_a_backup_restores_the_same_books_into_a_fresh_data_dir(shop, data_dir, fresh, tmp_path):
    from django.db import connection

    company = busy_day(shop)
    expected = figures(company.code)
    archive = tmp_path / "tandem-backup.tar"

    manifest = backup.backup(archive, data_dir=data_dir)
    assert manifest["engine"] == connection.vendor
    assert manifest["schema"] == backup.applied_schema()
    assert manifest["tandem_version"] == backup.tandem_version()
    assert (manifest["secret_key"], manifest["media_files"]) == (True, 1)
    assert archive.stat().st_mode & 0o077 == 0  # it holds the secret key

    # restored into a fresh data dir (and database), by the command, in another process
    fresh, env = fresh
    done = tandem("restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert figures_of(env) == expected
    assert expected["counts"]["invoices"]  # (not comparing two empty books)
    assert (fresh / "secret_key").read_text() == "the-installation-key"
    assert (fresh / "media" / "logos" / "acme.png").read_bytes() == b"\x89PNG logo bytes"
    assert tandem("check-integrity", env=env).returncode == 0

    # a second restore over the data refuses without --force, and changes nothing
    (fresh / "media" / "logos" / "acme.png").write_bytes(b"changed")
    again = tandem("restore", str(archive), env=env)
    assert again.returncode == 2
    assert "already holds data" in again.stderr and "--force" in again.stderr
    assert (fresh / "media" / "logos" / "acme.png").read_bytes() == b"changed"

    # a backup of a newer schema is refused, with the reason, and changes nothing
    newer = rewrite(
        archive,
        tmp_path / "newer.tar",
        schema={**manifest["schema"], "accounting": "9999_from_the_future"},
    )
    refused = tandem("restore", "--force", str(newer), env=env)
    assert refused.returncode == 2
    assert "newer than this Tandem" in refused.stderr
    assert "accounting.9999_from_the_future" in refused.stderr
    assert (fresh / "media" / "logos" / "acme.png").read_bytes() == b"changed"
    assert figures_of(env) == expected

    if connection.vendor != "sqlite":
        return  # the older-schema case edits the archived SQLite file
    # an older schema restores, then migrates up to the code's
    # the backup is one migration behind: an app's latest migration that adds plain columns and
    # that no other migration depends on (else the history would be inconsistent) is undone in
    # the archived database, its columns dropped and its record deleted
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import AddField

    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    app, latest = next(
        key
        for key in sorted(graph.leaf_nodes())
        if not graph.node_map[key].children
        and manifest["schema"].get(key[0]) == key[1]
        and all(
            # a plain column: SQLite drops it without first dropping an index or a key
            isinstance(op, AddField)
            and not (op.field.is_relation or op.field.db_index or op.field.unique)
            for op in loader.get_migration(*key).operations
        )
    )
    previous = next(
        parent.key[1] for parent in graph.node_map[(app, latest)].parents if parent.key[0] == app
    )
    undo = []
    for op in loader.get_migration(app, latest).operations:
        model = apps.get_model(app, op.model_name)
        column = model._meta.get_field(op.name).column
        undo.append(f'ALTER TABLE "{model._meta.db_table}" DROP COLUMN "{column}";')
    undo.append(f"DELETE FROM django_migrations WHERE app = '{app}' AND name = '{latest}';")
    older = rewrite(
        archive,
        tmp_path / "older.tar",
        schema={**manifest["schema"], app: previous},
        database="\n".join(undo),
    )
    forced = tandem("restore", "--force", str(older), env=env)
    assert forced.returncode == 0, forced.stderr
    with sqlite3.connect(fresh / "tandem.sqlite3") as db:
        applied = {row[0] for row in db.execute("SELECT name FROM django_migrations")}
    assert latest in applied
    assert figures_of(env) == expected
    assert (fresh / "media" / "logos" / "acme.png").read_bytes() == b"\x89PNG logo bytes"


def test_the_backup_command_writes_an_archive(tmp_path, django_db_setup, django_db_blocker):
    # an empty installation backs up too (the command end to end, in its own process)
    from django.db import connection

    env = fresh_env(tmp_path / "data")
    if connection.vendor == "sqlite":
        # the test database, migrated and empty between tests, is copied in as that
        # installation: a `tandem migrate` in a fresh process costs a minute of CPU, and the
        # browser leg's `tandem serve --demo` runs one from scratch anyway
        (tmp_path / "data").mkdir()
        with django_db_blocker.unblock():
            connection.ensure_connection()
            with sqlite3.connect(tmp_path / "data" / "tandem.sqlite3") as installation:
                connection.connection.backup(installation)
            installation.close()
    else:
        assert tandem("migrate", "--verbosity", "0", env=env).returncode == 0
    done = tandem("backup", str(tmp_path / "b.tar.gz"), env=env)
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        names = set(archive.getnames())
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert {"manifest.json", "database.sqlite3", "secret_key"} <= names
    assert manifest["schema"]["accounting"] == backup.applied_schema()["accounting"]


def test_not_a_backup_is_refused(tmp_path):
    env = fresh_env(tmp_path / "data")
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as archive:
        info = tarfile.TarInfo("notes.txt")
        archive.addfile(info, io.BytesIO(b""))
    done = tandem("restore", str(bogus), env=env)
    assert done.returncode == 2
    assert "no readable manifest" in done.stderr
    missing = tandem("restore", str(tmp_path / "nowhere.tar"), env=env)
    assert (missing.returncode, "No backup at" in missing.stderr) == (2, True)


@pytest.mark.postgres
def test_a_postgres_backup_restores_into_a_scratch_database(shop, data_dir, tmp_path):
    import psycopg
    from django.db import connection

    company = busy_day(shop)
    expected = figures(company.code)
    archive = tmp_path / "tandem-backup.tar"
    manifest = backup.backup(archive, data_dir=data_dir)
    assert manifest["engine"] == "postgresql"

    config = connection.settings_dict
    scratch = f"tandem_restore_{secrets.token_hex(4)}"
    server = f"postgresql://{config['USER']}@{config['HOST']}:{config['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = fresh_env(tmp_path / "fresh-data", f"{server}/{scratch}")
        done = tandem("restore", str(archive), env=env)
        assert done.returncode == 0, done.stderr
        assert figures_of(env) == expected
        assert tandem("check-integrity", env=env).returncode == 0
        # the triggers came back with the schema: a posted invoice still refuses raw SQL
        with (
            psycopg.connect(f"{server}/{scratch}") as restored,
            pytest.raises(psycopg.errors.RestrictViolation),
        ):
            restored.execute(
                "UPDATE accounting_invoice SET total_amount = 1 WHERE state = 'posted'"
            )
        again = tandem("restore", str(archive), env=env)
        assert again.returncode == 2 and "already holds data" in again.stderr
        forced = tandem("restore", "--force", str(archive), env=env)
        assert forced.returncode == 0, forced.stderr
        assert figures_of(env) == expected
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
