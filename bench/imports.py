"""Import benchmark: parties with a contact each, and products, from CSV through the import
engine (tandem.core.imports, the path of the Import page, the job and the CLI), against a raw
`executemany` floor of the same rows into the same tables, in the same run.

Usage: python bench/imports.py [--rows 100000] [--database-url URL] [--export-rows 1000000]
       [--only-export]

With --export-rows N, N parties are written by the floor into a company of their own and
then exported through the parties export (the Export button's path: keyset batches, CSV
streamed, XLSX written to disk) into /dev/null: seconds and peak RSS of each format.

Each phase runs in its own process, so its peak RSS (ru_maxrss) is its own. Prints a Markdown
table; docs/benchmarks.md records the figures with the machine and its load (`uptime`).
Targets (issue 13): 100,000 parties in under 5 minutes with peak RSS under 300 MB, within 3x
the floor.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

PHASES = ("floor-parties", "import-parties", "floor-products", "import-products")
EXPORT_PHASES = ("export-fill", "export-csv", "export-xlsx")
# ru_maxrss survives fork and exec, so the launcher never loads Django: the database and the
# files are made by a child of their own.
SETUP = "setup"


def _setup_django(data_dir: str, database_url: str) -> None:
    os.environ["TANDEM_DATA_DIR"] = data_dir
    if database_url:
        os.environ["TANDEM_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()


def _write_files(data_dir: str, rows: int) -> tuple[str, str]:
    parties = os.path.join(data_dir, "parties.csv")
    products = os.path.join(data_dir, "products.csv")
    with open(parties, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["External key", "Name", "Customer", "Email", "联系人", "联系人电话", "城市"])
        for n in range(rows):
            out.writerow(
                [
                    f"C{n:07d}",
                    f"客户 {n} 有限公司",
                    "yes",
                    f"buyer{n}@example.com",
                    f"联系人 {n}",
                    f"+86 21 6{n % 10_000_000:07d}",
                    "上海",
                ]
            )
    with open(products, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["SKU", "Name", "Unit", "Sale price", "Cost"])
        for n in range(rows):
            out.writerow([f"SKU-{n:07d}", f"Product {n}", "unit", f"{n % 997}.50", f"{n % 500}.25"])
    return parties, products


def _floor(model, objects) -> None:
    """One INSERT ... executemany of prepared values: what the rows cost the database alone."""
    from django.db import connection, transaction

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: E501
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for obj in objects:
            batch.append(
                [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
            )
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _setup(data_dir: str, rows: int) -> str:
    from django.core.management import call_command
    from django.db import connection

    from tandem.core.services import company_create

    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":  # a database of an earlier run: emptied
        call_command("flush", interactive=False, verbosity=0, allow_cascade=True)
    for code in ("BENCH", "FLOOR", "EXPORT"):
        company_create(code=code, name=code, currency="CNY", country="CN")
    _write_files(data_dir, rows)
    return connection.vendor


def _export_phase(phase: str, rows: int) -> dict:
    from tandem.core.models import Company

    company = Company.objects.get(code="EXPORT")
    started = time.perf_counter()
    if phase == "export-fill":
        from tandem.parties.models import Party

        _floor(
            Party,
            (
                Party(
                    company=company,
                    name=f"客户 {n} 有限公司",
                    is_customer=True,
                    email=f"buyer{n}@example.com",
                    country="CN",
                    currency_id="CNY",
                )
                for n in range(rows)
            ),
        )
        written = rows
    else:
        from tandem.core.exports import export_response
        from tandem.core.imports import import_object

        headers, lines = import_object("parties").export(company)
        fmt = "csv" if phase == "export-csv" else "xlsx"
        response = export_response(fmt=fmt, filename="parties", headers=headers, rows=lines)
        written = 0
        with open(os.devnull, "wb") as sink:
            if response.streaming:
                for block in response.streaming_content:
                    data = block.encode() if isinstance(block, str) else block
                    written += len(data)
                    sink.write(data)
            else:
                written = len(response.content)
        response.close()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "phase": phase,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "bytes": written,
    }


def _phase(phase: str, data_dir: str, rows: int) -> dict:
    from tandem.core.models import Company

    if phase in EXPORT_PHASES:
        return _export_phase(phase, rows)
    company = Company.objects.get(code="BENCH" if phase.startswith("import") else "FLOOR")
    started = time.perf_counter()
    if phase == "import-parties" or phase == "import-products":
        from tandem.core.imports import import_run

        name = "parties" if phase == "import-parties" else "products"
        with open(os.path.join(data_dir, f"{name}.csv"), "rb") as handle:
            report = import_run(
                company=company, object_name=name, name=f"{name}.csv", content=handle, preview=0
            )
        assert report.ok and report.created == rows, report.errors[:5]
    elif phase == "floor-parties":
        from tandem.parties.models import Contact, Party

        _floor(
            Party,
            (
                Party(
                    company=company,
                    name=f"客户 {n} 有限公司",
                    is_customer=True,
                    email=f"buyer{n}@example.com",
                    country="CN",
                    currency_id="CNY",
                )
                for n in range(rows)
            ),
        )
        ids = Party.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)
        _floor(
            Contact,
            (
                Contact(
                    company=company,
                    party_id=pk,
                    name=f"联系人 {n}",
                    phone=f"+86216{n % 10_000_000:07d}",
                    is_primary=True,
                )
                for n, pk in enumerate(ids.iterator())
            ),
        )
    else:
        from tandem.catalog.models import Product, Uom

        unit = Uom.objects.get(company=company, name="unit")
        _floor(
            Product,
            (
                Product(
                    company=company,
                    sku=f"SKU-{n:07d}",
                    name=f"Product {n}",
                    uom=unit,
                    purchase_uom=unit,
                    list_price=f"{n % 997}.50",
                    cost_price=f"{n % 500}.25",
                )
                for n in range(rows)
            ),
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {"phase": phase, "seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--export-rows", type=int, default=0)
    parser.add_argument("--only-export", action="store_true")
    parser.add_argument("--no-xlsx", action="store_true", help="export CSV only")
    parser.add_argument("--phase", choices=(SETUP, *PHASES, *EXPORT_PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == SETUP:
        _setup_django(args.data_dir, args.database_url)
        print(json.dumps({"vendor": _setup(args.data_dir, args.rows)}))
        return 0
    if args.phase:
        _setup_django(args.data_dir, args.database_url)
        print(json.dumps(_phase(args.phase, args.data_dir, args.rows)))
        return 0

    data_dir = tempfile.mkdtemp(prefix="tandem-bench-imports-")
    results = {}
    phases = () if args.only_export else PHASES
    exports = [p for p in EXPORT_PHASES if not (args.no_xlsx and p == "export-xlsx")]
    phases = (SETUP, *phases, *(exports if args.export_rows else ()))
    for phase in phases:
        rows = args.export_rows if phase in EXPORT_PHASES else args.rows
        command = [sys.executable, __file__, "--phase", phase, "--rows", str(rows)]
        command += ["--data-dir", data_dir, "--database-url", args.database_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        results[phase] = json.loads(done.stdout.strip().splitlines()[-1])

    load = os.getloadavg()
    vendor = results[SETUP]["vendor"]
    print(f"rows: {args.rows}, database: {vendor}, load: {load[0]:.2f} {load[1]:.2f}")
    if args.export_rows:
        print("| export | rows | seconds | peak RSS (MB) | bytes |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for phase in exports:
            got = results[phase]
            print(
                f"| {phase} | {args.export_rows:,} | {got['seconds']} | {got['peak_rss_mb']} | "
                f"{got['bytes']:,} |"
            )
    if args.only_export:
        return 0
    print("| workload | seconds | peak RSS (MB) | floor seconds | floor RSS (MB) | x floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("parties", "products"):
        run, floor = results[f"import-{name}"], results[f"floor-{name}"]
        ratio = run["seconds"] / floor["seconds"] if floor["seconds"] else float("inf")
        label = "parties with a contact" if name == "parties" else "products"
        print(
            f"| {args.rows:,} {label} | {run['seconds']} | {run['peak_rss_mb']} | "
            f"{floor['seconds']} | {floor['peak_rss_mb']} | {ratio:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
