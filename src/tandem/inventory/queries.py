"""Read side: stock levels, moves, the valuation report, the home page figures. Set-based."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)

from .models import (
    QTY,
    VALUED_USAGES,
    InventoryCount,
    LocationUsage,
    MoveState,
    StockLevel,
    StockMove,
    Transfer,
    TransferKind,
    ValuationLayer,
    Warehouse,
)

ZERO = Decimal(0)
_MICRO = Decimal("0.000001")
_CENT = Decimal("0.01")
OPEN = (MoveState.CONFIRMED, MoveState.ASSIGNED)
_QTY = DecimalField(**QTY)


_VALUED_SQL = ", ".join(f"'{usage}'" for usage in VALUED_USAGES)
_OPEN_SQL = ", ".join(f"'{state}'" for state in OPEN)

# Keys are the (product, location) pairs with a level row or an open move, so stock that is
# only incoming (or only promised away) shows before any level row exists. The arms are
# filtered before the union (index move_product_state for a product's open moves) and one
# GROUP BY sums the levels and the open moves in and out together, which keeps a product's
# or a warehouse's rows near the raw-SQL floor (bench/stock.py). Hand-written because the
# ORM form compiled slower than it ran.
_LEVELS_SQL = """
    SELECT * FROM (
        SELECT k.product_id, k.location_id, p.sku, p.name, loc.full_name, k.on_hand, k.reserved,
               k.incoming, k.outgoing
        FROM (
            SELECT u.product_id, u.location_id, SUM(u.on_hand) AS on_hand,
                   SUM(u.reserved) AS reserved, SUM(u.incoming) AS incoming,
                   SUM(u.outgoing) AS outgoing
            FROM (
                SELECT product_id, location_id, on_hand, reserved, 0 AS incoming, 0 AS outgoing
                FROM inventory_stocklevel
                WHERE company_id = %s AND location_id IN ({locations}){products}
                UNION ALL
                SELECT product_id, location_dest_id, 0, 0, quantity, 0 FROM inventory_stockmove
                WHERE company_id = %s AND state IN ({open}){at}
                  AND location_dest_id IN ({locations}){products}
                UNION ALL
                SELECT product_id, location_src_id, 0, 0, 0, quantity FROM inventory_stockmove
                WHERE company_id = %s AND state IN ({open}){at}
                  AND location_src_id IN ({locations}){products}
            ) u
            GROUP BY u.product_id, u.location_id
        ) k
        JOIN catalog_product p ON p.id = k.product_id
        JOIN inventory_location loc ON loc.id = k.location_id
    ) r
    {nonzero}
"""


def _qty(value) -> Decimal:
    """A SQL sum as a quantity (SQLite returns floats; six places, like the fields)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(_MICRO)


def _like_pattern(search: str) -> str:
    """`search` as a LIKE pattern matching it anywhere, its wildcards escaped with \\."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class LevelRows:
    """The rows of `levels()`: sliceable and countable, so pages and the API paginate it
    with LIMIT/OFFSET like a queryset."""

    def __init__(self, sql: str, params: list):
        self.sql, self.params = sql, params
        self._cache: list[dict] | None = None

    def count(self) -> int:
        if self._cache is not None:
            return len(self._cache)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) c", self.params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        # list() asks for the length before iterating: answer from the rows it is about to
        # read, not from a second (COUNT) query; pages call count() and slice instead
        if self._cache is None:
            self._cache = self._fetch()
        return len(self._cache)

    def _fetch(self, limit: int | None = None, offset: int = 0) -> list[dict]:
        sql = f"{self.sql} ORDER BY r.sku, r.full_name, r.location_id"
        params = list(self.params)
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        elif offset:
            sql += " LIMIT -1 OFFSET %s" if connection.vendor == "sqlite" else " OFFSET %s"
            params.append(offset)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        rows = []
        for product, location, sku, name, full_name, on_hand, reserved, inc, out in fetched:
            on_hand, reserved, inc, out = _qty(on_hand), _qty(reserved), _qty(inc), _qty(out)
            rows.append(
                {
                    "product": product,
                    "location": location,
                    "product__sku": sku,
                    "product__name": name,
                    "location__full_name": full_name,
                    "on_hand": on_hand,
                    "reserved": reserved,
                    "incoming": inc,
                    "outgoing": out,
                    "available": on_hand - reserved,
                    "forecast": on_hand + inc - out,
                }
            )
        return rows

    def __iter__(self):
        if self._cache is None:
            self._cache = self._fetch()
        return iter(self._cache)

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise ValueError("levels: slices step by 1")
            start = index.start or 0
            if self._cache is not None:
                return self._cache[index]
            limit = None if index.stop is None else max(0, index.stop - start)
            return self._fetch(limit, start)
        if self._cache is not None:
            return self._cache[index]
        found = self._fetch(1, index)
        if not found:
            raise IndexError(index)
        return found[0]


def levels(
    company,
    *,
    product=None,
    location=None,
    warehouse=None,
    search: str = "",
    at: datetime.date | None = None,
    nonzero: bool = False,
    products=None,
    warehouses=None,
) -> LevelRows:
    """Rows per product and valued location: on_hand, reserved, available, incoming,
    outgoing (open moves), forecast (at `at`, when given: moves scheduled up to then).

    Pairs with no level row yet but open moves (a first receipt on its way) are included.
    `products`/`warehouses` narrow to several ids at once.
    """
    loc_sql = [f"l.company_id = %s AND l.usage IN ({_VALUED_SQL})"]
    loc_params: list = [company.pk]
    if location is not None:
        prefix = f"{location.full_name}/"
        loc_sql.append("(l.id = %s OR SUBSTR(l.full_name, 1, %s) = %s)")
        loc_params += [location.pk, len(prefix), prefix]
    if warehouse is not None:
        loc_sql.append("l.warehouse_id = %s")
        loc_params.append(warehouse.pk)
    if warehouses is not None:
        ids = sorted({int(pk) for pk in warehouses}) or [0]
        loc_sql.append(f"l.warehouse_id IN ({', '.join(map(str, ids))})")
    prod_sql, prod_params = "", []
    if product is not None:
        prod_sql += " AND product_id = %s"
        prod_params.append(product.pk)
    if products is not None:
        ids = sorted({int(pk) for pk in products}) or [0]
        prod_sql += f" AND product_id IN ({', '.join(map(str, ids))})"
    if search:
        pattern = _like_pattern(search)
        prod_sql += (
            " AND product_id IN (SELECT s.id FROM catalog_product s WHERE s.company_id = %s"
            " AND (UPPER(s.sku) LIKE UPPER(%s) ESCAPE '\\'"
            " OR UPPER(s.name) LIKE UPPER(%s) ESCAPE '\\'))"
        )
        prod_params += [company.pk, pattern, pattern]
    at_sql, at_params = "", []
    if at is not None:
        at_sql = " AND date <= %s"
        at_params = [at]
    locations = f"SELECT l.id FROM inventory_location l WHERE {' AND '.join(loc_sql)}"
    sql = _LEVELS_SQL.format(
        open=_OPEN_SQL,
        at=at_sql,
        locations=locations,
        products=prod_sql,
        nonzero="WHERE r.on_hand <> 0 OR r.incoming <> 0 OR r.outgoing <> 0" if nonzero else "",
    )
    # placeholders in order: the levels arm, then the two open-move arms (with `at`)
    arm = [*loc_params, *prod_params]
    params = [company.pk, *arm, company.pk, *at_params, *arm, company.pk, *at_params, *arm]
    return LevelRows(sql, params)


def warehouse_forecast(company, *, warehouse_ids, product_ids) -> dict[tuple[int, int], dict]:
    """Per (warehouse, product): available (internal locations), incoming and outgoing (open
    moves crossing the warehouse's boundary; moves inside it change nothing) and
    forecast = available + incoming - outgoing. Missing keys read as zeros.

    Three grouped queries whatever the number of pairs; open moves count whether or not
    the product has a level row yet (replenishment asks before the first receipt).
    """
    result: dict[tuple[int, int], dict] = defaultdict(
        lambda: {"available": ZERO, "incoming": ZERO, "outgoing": ZERO, "forecast": ZERO}
    )
    held = (
        StockLevel.objects.filter(
            company=company,
            location__warehouse_id__in=warehouse_ids,
            location__usage=LocationUsage.INTERNAL,
            product_id__in=product_ids,
        )
        .values("location__warehouse_id", "product_id")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
    )
    for row in held:
        result[(row["location__warehouse_id"], row["product_id"])]["available"] = row["total"]
    open_moves = StockMove.objects.filter(
        company=company, state__in=OPEN, product_id__in=product_ids
    )
    for side, other, key in (
        ("location_dest", "location_src", "incoming"),
        ("location_src", "location_dest", "outgoing"),
    ):
        rows = (
            open_moves.filter(**{f"{side}__warehouse_id__in": warehouse_ids})
            .exclude(**{f"{other}__warehouse_id": F(f"{side}__warehouse_id")})
            .values(f"{side}__warehouse_id", "product_id")
            .annotate(total=Sum("quantity"))
        )
        for row in rows:
            result[(row[f"{side}__warehouse_id"], row["product_id"])][key] = row["total"]
    for figures in result.values():
        figures["forecast"] = figures["available"] + figures["incoming"] - figures["outgoing"]
    return result


def product_totals(company, *, product):
    """One product over all valued locations: on hand, reserved, available."""
    totals = StockLevel.objects.filter(
        company=company, product=product, location__usage__in=VALUED_USAGES
    ).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    on_hand, reserved = totals["on_hand"] or ZERO, totals["reserved"] or ZERO
    return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


_MOVE_FIELDS = (
    "company",
    "transfer",
    "count",
    "product",
    "quantity",
    "quantity_done",
    "quantity_reserved",
    "uom",
    "uom_quantity",
    "location_src",
    "location_dest",
    "lot",
    "state",
    "unit_cost",
    "value",
    "date",
    "date_done",
    "origin",
    "created_at",
    "updated_at",
)


def moves(
    company,
    *,
    product=None,
    location=None,
    transfer=None,
    state: str = "",
    lot=None,
    date_from=None,
    date_to=None,
    search: str = "",
):
    """Moves newest first; `search` finds the product's SKU or name, the transfer's number
    or the origin (case-insensitive, anywhere in the text)."""
    qs = StockMove.objects.filter(company=company)
    if search:
        qs = qs.filter(
            Q(product__sku__icontains=search)
            | Q(product__name__icontains=search)
            | Q(transfer__number__icontains=search)
            | Q(origin__icontains=search)
        )
    if product is not None:
        qs = qs.filter(product=product)
    if location is not None:
        qs = qs.filter(Q(location_src=location) | Q(location_dest=location))
    if transfer is not None:
        qs = qs.filter(transfer=transfer)
    if state:
        qs = qs.filter(state=state)
    if lot is not None:
        qs = qs.filter(lot=lot)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    # only what the list and the API show: a page of moves is mostly building objects
    return (
        qs.select_related("product", "lot", "location_src", "location_dest", "transfer", "uom")
        .only(
            *_MOVE_FIELDS,
            "product__sku",
            "product__name",
            "lot__name",
            "location_src__name",
            "location_src__full_name",
            "location_dest__name",
            "location_dest__full_name",
            "transfer__number",
            "uom__name",
        )
        .order_by("-date", "-id")
    )


def warehouses(company, *, search: str = ""):
    """The company's warehouses by code, each with `is_default` (see
    `services.warehouse_default`); `search` finds the code or the name."""
    from .services.warehouses import warehouse_default

    default = warehouse_default(company)
    qs = Warehouse.objects.filter(company=company).annotate(
        is_default=ExpressionWrapper(Q(pk=default.pk if default else None), BooleanField())
    )
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs.order_by("code", "id")


def counts(company, *, search: str = "", state: str = "", location_id: int | None = None):
    """Inventory counts newest first; `search` finds the number or the location's name."""
    qs = InventoryCount.objects.filter(company=company)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(location__full_name__icontains=search))
    if state:
        qs = qs.filter(state=state)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs.prefetch_related("lines").order_by("-date", "-id")


_VALUATION_SQL = """
    SELECT s.product_id, {quantity}, {value}, p.sku, p.name, p.valuation
    FROM inventory_productstock s JOIN catalog_product p ON p.id = s.product_id
    WHERE s.company_id = %s AND (s.quantity <> 0 OR s.value <> 0){search}
    ORDER BY p.sku
"""


def _unit_cost_micro(value_cents: int, quantity_micro: int) -> int:
    """value / quantity in whole millionths, rounded half to even like Decimal.quantize.

    Integer arithmetic: on SQLite's whole cents and millionths it costs a third of turning
    them into decimals, dividing at 28 digits and quantizing.
    """
    numerator = abs(value_cents) * 10_000_000_000  # cents to millionths, per millionth unit
    divisor = abs(quantity_micro)
    whole, remainder = divmod(numerator, divisor)
    remainder += remainder
    if remainder > divisor or (remainder == divisor and whole & 1):
        whole += 1
    return -whole if (value_cents < 0) != (quantity_micro < 0) else whole


def valuation(company, *, search: str = "") -> dict:
    """Rows per product with `quantity`, `value`, `unit_cost`; totals `value`.

    Reads the per-product totals kept with each valued move (check-integrity verifies them
    against the valuation layers and the inventory account). Hand-written SQL: the ORM spent
    three times the query's own time building 2,000 rows (bench/stock.py). SQLite hands
    back floats, so there the figures come out of SQL as whole millionths and cents and the
    unit cost is integer arithmetic; PostgreSQL's driver hands back decimals, and rounding
    them to whole units in SQL would cost more than it saves.
    """
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        quantity_sql = "CAST(ROUND(s.quantity * 1000000) AS INTEGER)"
        value_sql = "CAST(ROUND(s.value * 100) AS INTEGER)"
    else:
        quantity_sql, value_sql = "s.quantity", "s.value"
    params: list = [company.pk]
    search_sql = ""
    if search:
        pattern = _like_pattern(search)
        search_sql = (
            " AND (UPPER(p.sku) LIKE UPPER(%s) ESCAPE '\\'"
            " OR UPPER(p.name) LIKE UPPER(%s) ESCAPE '\\')"
        )
        params += [pattern, pattern]
    sql = _VALUATION_SQL.format(quantity=quantity_sql, value=value_sql, search=search_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    append = rows.append
    total = 0
    for product_id, quantity, value, sku, name, method in fetched:
        total += value
        if sqlite:
            unit_cost = Decimal(_unit_cost_micro(value, quantity)) * _MICRO if quantity else ZERO
            quantity, value = Decimal(quantity) * _MICRO, Decimal(value) * _CENT
        else:
            unit_cost = (value / quantity).quantize(_MICRO) if quantity else ZERO
        append(
            {
                "product": product_id,
                "quantity": quantity,
                "value": value,
                "sku": sku,
                "name": name,
                "valuation": method,
                "unit_cost": unit_cost,
            }
        )
    # the rows are all the non-zero products: their sum is the total, without a second scan
    total = Decimal(total) * _CENT if sqlite else Decimal(total)
    return {"rows": rows, "totals": {"value": total.quantize(_CENT)}}


def valuation_layers(company, *, product):
    """A product's valuation layers, oldest first, with the move (and its transfer) each
    came from; layers without a move are revaluations, settlements and price differences."""
    return (
        ValuationLayer.objects.filter(company=company, product=product)
        .select_related("move__transfer", "move__location_src", "move__location_dest")
        .order_by("id")
    )


def overview(company, *, today: datetime.date) -> dict:
    """Figures for the inventory home page."""
    open_transfers = Transfer.objects.filter(company=company, state__in=OPEN)
    counts = open_transfers.aggregate(
        waiting=Count("id", filter=Q(state=MoveState.CONFIRMED)),
        ready=Count("id", filter=Q(state=MoveState.ASSIGNED)),
        late=Count("id", filter=Q(scheduled_date__lt=today)),
    )
    today_qs = open_transfers.filter(scheduled_date__lte=today).select_related("party")
    return {
        **counts,
        "receipts": list(
            today_qs.filter(kind=TransferKind.RECEIPT).order_by("scheduled_date")[:20]
        ),
        "deliveries": list(
            today_qs.filter(kind=TransferKind.DELIVERY).order_by("scheduled_date")[:20]
        ),
    }
