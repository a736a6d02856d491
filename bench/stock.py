"""Stock ledger benchmark: a million done stock moves, then the stock reads and checks.

Usage:
    python bench/stock.py [--moves 1000000] [--repeat 5] [--database-url URL] [--data-dir DIR]
                          [--reuse] [--only TEXT]

Without --database-url it runs on SQLite in a fresh temporary data dir. With a PostgreSQL
URL the database is flushed first (a scratch database, like the other benchmarks).

The ledger is made in bulk, not through the services: a seeded walk over 2,000 products and
50 internal locations (5 warehouses x Stock/Input/Output + 7 shelves) decides each move
(receipt, delivery or internal transfer, never taking more than a location holds), and the
moves, their valuation layers, the stock levels and the per-product totals it implies are
written with executemany (SQLite) or COPY (PostgreSQL). Products are valued at standard
cost; one posted stock-journal entry puts the stock's value on the inventory account, so
`check-integrity` has books to compare with. About 0.5% of the moves stay open (confirmed
receipts and deliveries) so the levels have incoming and outgoing figures. One "hot"
product at one location holds 2% of the moves, for the move drill-down's pages.

Each measure is timed (median and p95 over --repeat runs after one warm-up) in turns with a
hand-written SQL "floor" computing the same result, and printed as one JSON line:
stock levels of one product and of a whole warehouse (queries.levels), the move drill-down
of one product at one location (first and last page of 50, with the count, as the page
paginates it), the valuation report (queries.valuation) and check-integrity's stock checks.
The issue's target: within 1.5x of the floor.

--reuse times the ledger a previous run left in --data-dir (or the PostgreSQL database)
instead of loading a new one.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

SEED = 20260401
PRODUCTS = 2000
WAREHOUSES = 5
SHELVES = 7  # per warehouse, under Stock: 5 x (3 + 7) = 50 internal locations
START = date(2025, 1, 1)
DAYS = 540
STAMP = "2026-01-01 00:00:00+00:00"
PAGE = 50
TARGET = 1.5


def setup(database_url: str, data_dir: str = "", *, migrate: bool = True):
    os.environ["TANDEM_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="tandem-stock-bench-")
    if database_url:
        os.environ["TANDEM_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not migrate:
        return
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)


def build_company():
    from tandem.accounting import services as accounting
    from tandem.catalog.models import Product
    from tandem.catalog.services import default_uom
    from tandem.core.services import company_create
    from tandem.inventory import services

    company = company_create(code="STOCK", name="Stock Bench Co")
    accounting.fiscal_year_create(company=company, date_start=date(2025, 1, 1))
    accounting.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    accounting.chart_install(company=company, template="prc")
    warehouses, locations = [], []
    for n in range(1, WAREHOUSES + 1):
        wh = services.warehouse_create(company=company, code=f"W{n}", name=f"Warehouse {n}")
        warehouses.append(wh)
        own = [wh.stock_location, wh.input_location, wh.output_location]
        own += [
            services.location_create(company=company, name=f"S{s:02d}", parent=wh.stock_location)
            for s in range(1, SHELVES + 1)
        ]
        locations.append([loc.pk for loc in own])
    uom = default_uom(company=company)
    rng = random.Random(SEED)
    Product.objects.bulk_create(
        Product(
            company=company,
            sku=f"B{n:05d}",
            name=f"Bench product {n}",
            uom=uom,
            purchase_uom=uom,
            cost_price=Decimal(rng.randrange(100, 10_000)) / 100,
            valuation="standard",
        )
        for n in range(1, PRODUCTS + 1)
    )
    products = list(
        Product.objects.filter(company=company).order_by("pk").values_list("pk", "cost_price")
    )
    return company, warehouses, locations, products, uom


def loaded_company():
    """What build_company and load returned, read back from a ledger loaded earlier."""
    from django.db.models import Sum

    from tandem.catalog.models import Product
    from tandem.core.models import Company
    from tandem.inventory.models import (
        ProductStock,
        StockLevel,
        StockMove,
        ValuationLayer,
        Warehouse,
    )

    company = Company.objects.get(code="STOCK")
    warehouses = list(Warehouse.objects.filter(company=company).order_by("pk"))
    locations = [[wh.stock_location_id] for wh in warehouses]
    products = list(
        Product.objects.filter(company=company).order_by("pk").values_list("pk", "cost_price")
    )
    total = ProductStock.objects.filter(company=company).aggregate(v=Sum("value"))["v"]
    counts = (
        StockMove.objects.filter(company=company).count(),
        ValuationLayer.objects.filter(company=company).count(),
        StockLevel.objects.filter(company=company).count(),
        total.quantize(Decimal("0.01")),
    )
    return company, warehouses, locations, products, counts


def generate(n_moves: int, locations, products, rng: random.Random):
    """Yield (product, src, dest, qty, day, state) with src/dest None for supplier/customer.

    Never takes more from a location than the walk has put there, so no level goes negative.
    """
    on_hand: dict[tuple[int, int], int] = {}
    hot_product, hot_location = products[0][0], locations[0][0]
    pids = [p for p, _ in products]
    for i in range(n_moves):
        day = START + timedelta(days=i * DAYS // n_moves)
        if rng.random() < 0.02:
            product, wh = hot_product, 0
            loc = hot_location
        else:
            product, wh = rng.choice(pids), rng.randrange(WAREHOUSES)
            loc = rng.choice(locations[wh])
        state = "done" if rng.random() >= 0.005 else "confirmed"
        qty = rng.randrange(1, 21)
        held = on_hand.get((product, loc), 0)
        kind = rng.random()
        if state == "confirmed":  # open moves do not change on hand
            yield (
                (product, None, loc, qty, day, state)
                if kind < 0.5
                else (
                    product,
                    loc,
                    None,
                    min(qty, max(held, 1)),
                    day,
                    state,
                )
            )
            continue
        if kind < 0.45 or held < qty:
            on_hand[(product, loc)] = held + qty
            yield product, None, loc, qty, day, state
        elif kind < 0.80:
            on_hand[(product, loc)] = held - qty
            yield product, loc, None, qty, day, state
        else:
            dest = rng.choice([x for x in locations[wh] if x != loc])
            on_hand[(product, loc)] = held - qty
            on_hand[(product, dest)] = on_hand.get((product, dest), 0) + qty
            yield product, loc, dest, qty, day, state


def bulk_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def load(company, locations, products, uom, n_moves: int, rng: random.Random):
    from django.db import connection, transaction

    from tandem.accounting.models import Account, Journal
    from tandem.accounting.services import entry_create, entry_post
    from tandem.inventory.models import StockMove
    from tandem.inventory.services import virtual_location

    started = time.perf_counter()
    supplier = virtual_location(company, "supplier").pk
    customer = virtual_location(company, "customer").pk
    cost = {p: Decimal(c) for p, c in products}
    first_id = (StockMove.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    moves, layers = [], []
    levels: dict[tuple[int, int], int] = {}
    valued: dict[int, int] = {}
    cents = Decimal("0.01")
    move_id = first_id
    for product, src, dest, qty, day, state in generate(n_moves, locations, products, rng):
        unit = cost[product]
        value = (unit * qty).quantize(cents)
        done = state == "done"
        stamp = f"{day.isoformat()} 12:00:00+00:00"
        moves.append(
            (move_id, company.pk, product, qty, qty if done else 0, 0, uom.pk, qty,
             src or supplier, dest or customer, state, unit if done else None,
             value if done else 0, day.isoformat(), stamp if done else None, "", STAMP, STAMP)
        )  # fmt: skip
        if src is not None:
            levels.setdefault((product, src), 0)
        if dest is not None:
            levels.setdefault((product, dest), 0)
        if done:
            if src is not None:
                levels[(product, src)] -= qty
            if dest is not None:
                levels[(product, dest)] += qty
            if (src is None) != (dest is None):  # crossing into or out of valued stock
                sign = 1 if src is None else -1
                layers.append(
                    (company.pk, product, move_id, sign * qty, unit, sign * value, 0, 0, "",
                     STAMP, STAMP)
                )  # fmt: skip
                valued[product] = valued.get(product, 0) + sign * qty
        move_id += 1
    level_rows = [
        (company.pk, p, loc, on_hand, 0, False, STAMP, STAMP)
        for (p, loc), on_hand in sorted(levels.items())
    ]
    stock_rows = [
        (company.pk, p, False, valued.get(p, 0), (cost[p] * valued.get(p, 0)).quantize(cents),
         STAMP, STAMP)
        for p, _ in products
    ]  # fmt: skip
    total = sum((row[4] for row in stock_rows), Decimal("0.00"))
    with transaction.atomic():
        bulk_insert(
            "inventory_stockmove",
            ["id", "company_id", "product_id", "quantity", "quantity_done", "quantity_reserved",
             "uom_id", "uom_quantity", "location_src_id", "location_dest_id", "state",
             "unit_cost", "value", "date", "date_done", "origin", "created_at", "updated_at"],
            moves,
        )  # fmt: skip
        bulk_insert(
            "inventory_valuationlayer",
            ["company_id", "product_id", "move_id", "quantity", "unit_cost", "value",
             "remaining_quantity", "remaining_value", "description", "created_at",
             "updated_at"],
            layers,
        )  # fmt: skip
        bulk_insert(
            "inventory_stocklevel",
            ["company_id", "product_id", "location_id", "on_hand", "reserved", "allow_negative",
             "created_at", "updated_at"],
            level_rows,
        )  # fmt: skip
        bulk_insert(
            "inventory_productstock",
            ["company_id", "product_id", "allow_negative", "quantity", "value", "created_at",
             "updated_at"],
            stock_rows,
        )  # fmt: skip
        accounts = dict(Account.objects.filter(company=company).values_list("code", "pk"))
        entry = entry_create(
            company=company,
            journal=Journal.objects.get(company=company, code="STK"),
            date=date(2026, 6, 30),
            lines=[
                {"account": Account(pk=accounts["1405"]), "debit": total},
                {"account": Account(pk=accounts["220201"]), "credit": total},
            ],
            reference="bench opening stock",
        )
        entry_post(entry=entry)
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(moves), len(layers), len(level_rows), total, time.perf_counter() - started


def _summary(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def timed_pair(func, floor, repeat: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median and p95 ms of `func` and of its `floor`, sampled in turns after one warm-up
    each, so a slow spell of the machine (autovacuum after the load, another process)
    falls on both and not on one side of the ratio."""
    func()
    floor()
    own, base = [], []
    for _ in range(repeat):
        for call, samples in ((func, own), (floor, base)):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
    return _summary(own), _summary(base)


def raw(*statements):
    """A floor: the statements run in order, every row fetched."""
    from django.db import connection

    def run():
        rows = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall())
        return rows

    return run


LEVELS_FLOOR = """
    SELECT l.product_id, l.location_id, p.sku, p.name, loc.full_name,
           SUM(l.on_hand), SUM(l.reserved),
           COALESCE((SELECT SUM(m.quantity) FROM inventory_stockmove m
                     WHERE m.product_id = l.product_id AND m.location_dest_id = l.location_id
                       AND m.state IN ('confirmed', 'assigned')), 0),
           COALESCE((SELECT SUM(m.quantity) FROM inventory_stockmove m
                     WHERE m.product_id = l.product_id AND m.location_src_id = l.location_id
                       AND m.state IN ('confirmed', 'assigned')), 0)
    FROM inventory_stocklevel l
    JOIN catalog_product p ON p.id = l.product_id
    JOIN inventory_location loc ON loc.id = l.location_id
    WHERE l.company_id = %s AND loc.usage IN ('internal', 'transit') {levels}
    GROUP BY l.product_id, l.location_id, p.sku, p.name, loc.full_name
    ORDER BY p.sku, loc.full_name
"""

MOVES_FLOOR = """
    SELECT m.*, p.sku, p.name, s.name, s.full_name, d.name, d.full_name, u.name, lot.name,
           t.number
    FROM inventory_stockmove m
    JOIN catalog_product p ON p.id = m.product_id
    JOIN inventory_location s ON s.id = m.location_src_id
    JOIN inventory_location d ON d.id = m.location_dest_id
    JOIN catalog_uom u ON u.id = m.uom_id
    LEFT JOIN inventory_lot lot ON lot.id = m.lot_id
    LEFT JOIN inventory_transfer t ON t.id = m.transfer_id
    WHERE m.company_id = %s AND m.product_id = %s
      AND (m.location_src_id = %s OR m.location_dest_id = %s)
    ORDER BY m.date DESC, m.id DESC LIMIT %s OFFSET %s
"""

MOVES_COUNT_FLOOR = """
    SELECT COUNT(*) FROM inventory_stockmove
    WHERE company_id = %s AND product_id = %s AND (location_src_id = %s OR location_dest_id = %s)
"""

# the report's figures: quantity, value and unit cost per product, and the total
VALUATION_FLOOR = """
    SELECT s.product_id, s.quantity, s.value, ROUND(s.value / NULLIF(s.quantity, 0), 6),
           p.sku, p.name, p.valuation
    FROM inventory_productstock s JOIN catalog_product p ON p.id = s.product_id
    WHERE s.company_id = %s AND (s.quantity <> 0 OR s.value <> 0) ORDER BY p.sku
"""

# SQLite hands back floats: the exact figures come out as whole millionths and cents
VALUATION_FLOOR_SQLITE = """
    SELECT s.product_id, CAST(ROUND(s.quantity * 1000000) AS INTEGER),
           CAST(ROUND(s.value * 100) AS INTEGER),
           CAST(ROUND(s.value * 1000000 / s.quantity) AS INTEGER),
           p.sku, p.name, p.valuation
    FROM inventory_productstock s JOIN catalog_product p ON p.id = s.product_id
    WHERE s.company_id = %s AND (s.quantity <> 0 OR s.value <> 0) ORDER BY p.sku
"""

VALUATION_TOTAL_FLOOR = """
    SELECT SUM(value) FROM inventory_productstock
    WHERE company_id = %s AND (quantity <> 0 OR value <> 0)
"""


def valuation_floor(company_pk: int, vendor: str):
    """The valuation report's floor. On PostgreSQL the driver returns the figures as exact
    decimals while it fetches; on SQLite the floor does the same with the least Python
    possible (one Decimal per figure, from whole units), so both floors hand back the same
    exact figures as the report and not floats."""
    if vendor != "sqlite":
        return raw((VALUATION_FLOOR, [company_pk]), (VALUATION_TOTAL_FLOOR, [company_pk]))
    from django.db import connection

    micro, cent = Decimal("0.000001"), Decimal("0.01")

    def run():
        with connection.cursor() as cursor:
            cursor.execute(VALUATION_FLOOR_SQLITE, [company_pk])
            rows = [
                (
                    product,
                    Decimal(quantity) * micro,
                    Decimal(value) * cent,
                    None if unit_cost is None else Decimal(unit_cost) * micro,
                    sku,
                    name,
                    method,
                )
                for product, quantity, value, unit_cost, sku, name, method in cursor.fetchall()
            ]
            cursor.execute(VALUATION_TOTAL_FLOOR, [company_pk])
            return rows, cursor.fetchall()

    return run


# check-integrity's stock checks, each as the bare aggregate that proves the invariant
ON_HAND_FLOOR = """
    SELECT t.product_id, t.location_id, t.lot_id
    FROM (
        SELECT product_id, location_id, lot_id, -ROUND(on_hand * 1000000) AS q, 1 AS level
        FROM inventory_stocklevel
        UNION ALL
        SELECT product_id, location_dest_id, lot_id, ROUND(quantity_done * 1000000), 0
        FROM inventory_stockmove WHERE state = 'done'
        UNION ALL
        SELECT product_id, location_src_id, lot_id, -ROUND(quantity_done * 1000000), 0
        FROM inventory_stockmove WHERE state = 'done'
    ) t JOIN inventory_location loc ON loc.id = t.location_id
    GROUP BY t.product_id, t.location_id, t.lot_id, loc.usage
    HAVING (SUM(t.level) > 0 AND SUM(t.q) <> 0)
        OR (SUM(t.level) = 0 AND loc.usage IN ('internal', 'transit'))
"""

RESERVED_FLOOR = """
    SELECT t.product_id, t.location_id, t.lot_id FROM (
        SELECT product_id, location_id, lot_id, -ROUND(reserved * 1000000) AS q
        FROM inventory_stocklevel
        UNION ALL
        SELECT product_id, location_src_id, lot_id, ROUND(quantity_reserved * 1000000)
        FROM inventory_stockmove WHERE state IN ('confirmed', 'assigned')
    ) t GROUP BY t.product_id, t.location_id, t.lot_id HAVING SUM(t.q) <> 0
"""

LAYERS_FLOOR = """
    SELECT s.product_id FROM inventory_productstock s
    LEFT JOIN (SELECT product_id, SUM(ROUND(quantity * 1000000)) AS q,
                      SUM(ROUND(value * 100)) AS v
               FROM inventory_valuationlayer GROUP BY product_id) l
           ON l.product_id = s.product_id
    WHERE ROUND(s.quantity * 1000000) <> COALESCE(l.q, 0)
       OR ROUND(s.value * 100) <> COALESCE(l.v, 0)
"""

MOVE_VALUE_FLOOR = """
    SELECT m.id FROM inventory_stockmove m
    JOIN inventory_location s ON s.id = m.location_src_id
    JOIN inventory_location d ON d.id = m.location_dest_id
    LEFT JOIN (SELECT move_id, SUM(ROUND(value * 100)) AS v FROM inventory_valuationlayer
               GROUP BY move_id) l ON l.move_id = m.id
    WHERE m.state = 'done'
      AND (s.usage IN ('internal', 'transit')) <> (d.usage IN ('internal', 'transit'))
      AND ABS(ROUND(m.value * 100)) <> ABS(COALESCE(l.v, 0))
"""

# the rest of the checks: levels over on hand, stray reservations, unsettled done moves
OTHER_CHECKS_FLOOR = """
    SELECT id FROM inventory_stocklevel
    WHERE NOT allow_negative AND (reserved > on_hand OR on_hand < 0 OR reserved < 0)
    UNION ALL
    SELECT id FROM inventory_stockmove
    WHERE state IN ('done', 'cancelled', 'draft') AND quantity_reserved > 0
    UNION ALL
    SELECT id FROM inventory_stockmove
    WHERE state = 'done' AND (quantity_done <= 0 OR quantity_done <> quantity
                              OR date_done IS NULL)
"""

BOOKS_FLOOR = """
    SELECT company_id, SUM(value) FROM inventory_productstock GROUP BY company_id
    UNION ALL
    SELECT l.company_id, SUM(l.debit - l.credit) FROM accounting_entryline l
    JOIN accounting_account a ON a.id = l.account_id
    WHERE l.posted AND a.role = 'inventory' GROUP BY l.company_id
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--only", default="", help="run the measures whose name has this text")
    parser.add_argument("--reuse", action="store_true", help="time the ledger already loaded")
    args = parser.parse_args()
    if args.reuse and not (args.data_dir or args.database_url):
        parser.error("--reuse needs --data-dir or --database-url")
    setup(args.database_url, args.data_dir, migrate=not args.reuse)

    from django.core.paginator import Paginator
    from django.db import connection

    from tandem.catalog.models import Product
    from tandem.core.integrity import _checks
    from tandem.inventory import queries
    from tandem.inventory.models import Location

    vendor = connection.vendor
    if args.reuse:
        company, warehouses, locations, products, loaded = loaded_company()
        n_moves, n_layers, n_levels, total, seconds = *loaded, 0.0
    else:
        rng = random.Random(SEED)
        company, warehouses, locations, products, uom = build_company()
        n_moves, n_layers, n_levels, total, seconds = load(
            company, locations, products, uom, args.moves, rng
        )
    print(
        json.dumps(
            {
                "database": vendor,
                "load": {
                    "moves": n_moves,
                    "layers": n_layers,
                    "levels": n_levels,
                    "valuation": str(total),
                    "seconds": round(seconds, 1),
                },
            }
        )
    )
    hot_product, hot_location = products[0][0], locations[0][0]
    some_product = products[len(products) // 2][0]
    warehouse = warehouses[0]
    stock_checks = [(name, func) for name, func in _checks if name.startswith("inventory:")]
    hot = Product.objects.get(pk=hot_product)
    some = Product.objects.get(pk=some_product)
    hot_loc = Location.objects.get(pk=hot_location)

    def drill(page_number):
        def run():
            qs = queries.moves(company, product=hot, location=hot_loc)
            paginator = Paginator(qs, PAGE)
            number = paginator.num_pages if page_number == "last" else 1
            return list(paginator.page(number).object_list)

        return run

    hot_count = raw((MOVES_COUNT_FLOOR, [company.pk, hot_product, hot_location, hot_location]))()[
        0
    ][0][0]
    last_offset = max(0, (hot_count - 1) // PAGE * PAGE)

    def checks():
        breaches = [line for _name, func in stock_checks for line in func()]
        assert not breaches, breaches[:5]
        return breaches

    measures = [
        (
            "stock levels of one product (queries.levels)",
            lambda: list(queries.levels(company, product=some)),
            raw(
                (
                    LEVELS_FLOOR.format(levels="AND l.product_id = %s"),
                    [company.pk, some_product],
                )
            ),
        ),
        (
            f"stock levels of warehouse {warehouse.code} (queries.levels)",
            lambda: list(queries.levels(company, warehouse=warehouse)),
            raw(
                (
                    LEVELS_FLOOR.format(levels=f"AND loc.warehouse_id = {int(warehouse.pk)}"),
                    [company.pk],
                )
            ),
        ),
        (
            f"moves of one product at one location ({hot_count:,}), first page",
            drill("first"),
            raw(
                (MOVES_COUNT_FLOOR, [company.pk, hot_product, hot_location, hot_location]),
                (MOVES_FLOOR, [company.pk, hot_product, hot_location, hot_location, PAGE, 0]),
            ),
        ),
        (
            f"moves of one product at one location ({hot_count:,}), last page",
            drill("last"),
            raw(
                (MOVES_COUNT_FLOOR, [company.pk, hot_product, hot_location, hot_location]),
                (
                    MOVES_FLOOR,
                    [company.pk, hot_product, hot_location, hot_location, PAGE, last_offset],
                ),
            ),
        ),
        (
            "valuation report (queries.valuation)",
            lambda: queries.valuation(company),
            valuation_floor(company.pk, vendor),
        ),
        (
            "check-integrity stock checks (all inventory checks)",
            checks,
            raw(
                (ON_HAND_FLOOR, []),
                (RESERVED_FLOOR, []),
                (LAYERS_FLOOR, []),
                (MOVE_VALUE_FLOOR, []),
                (OTHER_CHECKS_FLOOR, []),
                (BOOKS_FLOOR, []),
            ),
        ),
    ]
    if vendor == "sqlite":
        # for the record: the same report against fetching SQLite's floats as they come
        measures.insert(
            -1,
            (
                "valuation report against the bare fetch of floats",
                lambda: queries.valuation(company),
                raw((VALUATION_FLOOR, [company.pk]), (VALUATION_TOTAL_FLOOR, [company.pk])),
            ),
        )
    if args.only:
        measures = [m for m in measures if args.only in m[0]]
    for name, func, floor in measures:
        (median, p95), (floor_median, floor_p95) = timed_pair(func, floor, args.repeat)
        ratio = median / floor_median if floor_median else None
        print(
            json.dumps(
                {
                    "database": vendor,
                    "moves": n_moves,
                    "measure": name,
                    "median_ms": round(median, 1),
                    "p95_ms": round(p95, 1),
                    "floor_median_ms": round(floor_median, 1),
                    "floor_p95_ms": round(floor_p95, 1),
                    "ratio": round(ratio, 2) if ratio else None,
                    "target": TARGET,
                    "within_target": bool(ratio is not None and ratio <= TARGET),
                    "at": datetime.now().isoformat(timespec="seconds"),
                }
            )
        )
        sys.stdout.flush()
    valuation = queries.valuation(company)
    assert valuation["totals"]["value"] == total, (valuation["totals"], total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
