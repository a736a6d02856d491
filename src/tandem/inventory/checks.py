"""Stock invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from decimal import Decimal

from django.db import connection
from django.db.models import F, Q

from tandem.accounting.expressions import MoneySum
from tandem.accounting.models import EntryLine
from tandem.core.integrity import register

from .models import (
    VALUED_USAGES,
    MoveState,
    ProductStock,
    StockLevel,
    StockMove,
)

VALUED = ", ".join(f"'{usage}'" for usage in VALUED_USAGES)

# One GROUP BY over the levels and the done moves (in at the destination, out at the source),
# keyed by product, location and lot (NULL lots group together, unlike `=`). A level whose
# on hand differs from its moves, or done moves at a valued location with no level, breaches.
# Quantities are compared in whole millionths (see `Scaled`). Set-based on purpose: the
# correlated form took minutes over a million moves (bench/stock.py). Grouped on ids only;
# names are joined to the breaches afterwards (grouping on them too cost 2.5x the floor).
ON_HAND_SQL = f"""
    SELECT b.product_id, b.location_id, b.lot_id, p.sku, loc.full_name,
           b.levels, b.moved_in, b.moved_out, b.held
    FROM (
        SELECT t.product_id, t.location_id, t.lot_id, SUM(t.level) AS levels,
               SUM(t.moved_in) AS moved_in, SUM(t.moved_out) AS moved_out, SUM(t.held) AS held
        FROM (
            SELECT product_id, location_id, lot_id, 1 AS level,
                   ROUND(on_hand * 1000000) AS held, 0 AS moved_in, 0 AS moved_out
            FROM inventory_stocklevel
            UNION ALL
            SELECT product_id, location_dest_id, lot_id, 0, 0, ROUND(quantity_done * 1000000), 0
            FROM inventory_stockmove WHERE state = 'done'
            UNION ALL
            SELECT product_id, location_src_id, lot_id, 0, 0, 0, ROUND(quantity_done * 1000000)
            FROM inventory_stockmove WHERE state = 'done'
        ) t
        JOIN inventory_location tl ON tl.id = t.location_id
        GROUP BY t.product_id, t.location_id, t.lot_id, tl.usage
        HAVING (SUM(t.level) > 0 AND SUM(t.held) <> SUM(t.moved_in) - SUM(t.moved_out))
            OR (SUM(t.level) = 0 AND tl.usage IN ({VALUED}))
    ) b
    JOIN inventory_location loc ON loc.id = b.location_id
    JOIN catalog_product p ON p.id = b.product_id
    ORDER BY b.product_id, b.location_id, b.lot_id
"""

RESERVED_SQL = """
    SELECT t.product_id, t.location_id, t.lot_id, p.sku, SUM(t.held), SUM(t.by_moves)
    FROM (
        SELECT product_id, location_id, lot_id, ROUND(reserved * 1000000) AS held,
               0 AS by_moves
        FROM inventory_stocklevel WHERE reserved <> 0
        UNION ALL
        SELECT product_id, location_src_id, lot_id, 0, ROUND(quantity_reserved * 1000000)
        FROM inventory_stockmove
        WHERE state IN ('confirmed', 'assigned') AND quantity_reserved > 0
    ) t
    JOIN catalog_product p ON p.id = t.product_id
    GROUP BY t.product_id, t.location_id, t.lot_id, p.sku
    HAVING SUM(t.held) <> SUM(t.by_moves)
    ORDER BY t.product_id, t.location_id, t.lot_id
"""

LAYERS_SQL = f"""
    SELECT p.sku, s.quantity, s.value, COALESCE(l.qty, 0), COALESCE(l.val, 0),
           COALESCE(h.qty, 0)
    FROM inventory_productstock s
    JOIN catalog_product p ON p.id = s.product_id
    LEFT JOIN (SELECT product_id, SUM(ROUND(quantity * 1000000)) AS qty,
                      SUM(ROUND(value * 100)) AS val
               FROM inventory_valuationlayer GROUP BY product_id) l
           ON l.product_id = s.product_id
    LEFT JOIN (SELECT lv.product_id, SUM(ROUND(lv.on_hand * 1000000)) AS qty
               FROM inventory_stocklevel lv
               JOIN inventory_location loc ON loc.id = lv.location_id
               WHERE loc.usage IN ({VALUED}) GROUP BY lv.product_id) h
           ON h.product_id = s.product_id
    WHERE ROUND(s.quantity * 1000000) <> COALESCE(l.qty, 0)
       OR ROUND(s.value * 100) <> COALESCE(l.val, 0)
       OR ROUND(s.quantity * 1000000) <> COALESCE(h.qty, 0)
    ORDER BY s.id
"""

# a done move that crossed into or out of valued stock carries its layers' value
MOVE_VALUE_SQL = f"""
    SELECT m.id, m.value, COALESCE(l.val, 0)
    FROM inventory_stockmove m
    JOIN inventory_location src ON src.id = m.location_src_id
    JOIN inventory_location dest ON dest.id = m.location_dest_id
    LEFT JOIN (SELECT move_id, SUM(ROUND(value * 100)) AS val FROM inventory_valuationlayer
               WHERE move_id IS NOT NULL GROUP BY move_id) l ON l.move_id = m.id
    WHERE m.state = 'done'
      AND (CASE WHEN src.usage IN ({VALUED}) THEN 1 ELSE 0 END)
          <> (CASE WHEN dest.usage IN ({VALUED}) THEN 1 ELSE 0 END)
      AND ABS(ROUND(m.value * 100)) <> ABS(COALESCE(l.val, 0))
    ORDER BY m.id
"""


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _qty(scaled, places: int = 6) -> Decimal:
    return Decimal(int(scaled or 0)).scaleb(-places)


@register("inventory: on hand per product and location equals the sum of done moves")
def on_hand_matches_moves():
    for _product, _location, _lot, sku, loc, levels, moved_in, moved_out, held in _rows(
        ON_HAND_SQL
    ):
        if not levels:
            yield f"{sku} @ {loc}: done moves but no stock level"
            continue
        yield (
            f"{sku} @ {loc}: on hand {_qty(held)} != {_qty(moved_in)} in - {_qty(moved_out)} out"
        )


@register("inventory: reserved stays within on hand and matches the open moves")
def reserved_within_on_hand():
    over = StockLevel.objects.filter(allow_negative=False).filter(
        Q(reserved__gt=F("on_hand")) | Q(on_hand__lt=0) | Q(reserved__lt=0)
    )
    for pk, sku, on_hand, reserved in over.values_list(
        "pk", "product__sku", "on_hand", "reserved"
    ).order_by("pk"):
        yield f"level {pk} {sku}: reserved {reserved} exceeds on hand {on_hand}"
    for _product, location, _lot, sku, held, by_moves in _rows(RESERVED_SQL):
        yield (
            f"{sku} @ location {location}: reserved {_qty(held)} "
            f"but open moves reserve {_qty(by_moves)}"
        )
    stray = StockMove.objects.filter(
        Q(state__in=[MoveState.DONE, MoveState.CANCELLED, MoveState.DRAFT]),
        quantity_reserved__gt=0,
    )
    for pk in stray.values_list("pk", flat=True).order_by("pk"):
        yield f"move {pk}: holds a reservation in a state that cannot"


@register("inventory: product valuation equals its layers and its stock on hand")
def valuation_matches_layers():
    for sku, quantity, val, layer_qty, layer_value, held in _rows(LAYERS_SQL):
        yield (
            f"{sku}: valued {quantity} / {val}, layers {_qty(layer_qty)} / "
            f"{_qty(layer_value, 2)}, on hand {_qty(held)}"
        )
    for pk, val, layer_value in _rows(MOVE_VALUE_SQL):
        yield f"done move {pk}: value {val} but its layers say {_qty(layer_value, 2)}"


@register("inventory: stock valuation equals the inventory account balance")
def valuation_matches_books():
    from tandem.core.models import Company

    stock = dict(
        ProductStock.objects.order_by()
        .values("company")
        .annotate(t=MoneySum("value"))
        .values_list("company", "t")
    )
    books = dict(
        EntryLine.objects.filter(posted=True, account__role="inventory")
        .order_by()
        .values("company")
        .annotate(t=MoneySum("debit") - MoneySum("credit"))
        .values_list("company", "t")
    )
    cent = Decimal("0.01")
    for company_id in sorted(set(stock) | set(books)):
        valued = Decimal(stock.get(company_id) or 0).quantize(cent)
        booked = Decimal(books.get(company_id) or 0).quantize(cent)
        if valued != booked:
            code = Company.objects.filter(pk=company_id).values_list("code", flat=True).first()
            yield f"{code}: stock valuation {valued} != inventory account balance {booked}"


@register("inventory: done moves are settled")
def done_moves_settled():
    bad = StockMove.objects.filter(state=MoveState.DONE).filter(
        Q(quantity_done__lte=0) | ~Q(quantity_done=F("quantity")) | Q(date_done__isnull=True)
    )
    for pk in bad.values_list("pk", flat=True).order_by("pk"):
        yield f"done move {pk}: quantity done differs from its quantity or has no date"
