"""Stock invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from tandem.accounting.expressions import MoneySum
from tandem.accounting.models import EntryLine
from tandem.core.integrity import register

from .models import (
    VALUED_USAGES,
    MoveState,
    ProductStock,
    StockLevel,
    StockMove,
    ValuationLayer,
)

_QTY = DecimalField(max_digits=32, decimal_places=0)
_ZERO = Value(Decimal(0), output_field=_QTY)


class Scaled(Func):
    """A quantity (6 places) or amount (2) in whole millionths/hundredths.

    SQLite keeps decimals as floats, so sums and comparisons are made on rounded integers,
    which a double holds exactly; on PostgreSQL the numeric arithmetic is exact anyway.
    """

    output_field = _QTY

    def __init__(self, expression, places: int = 6, **extra):
        super().__init__(expression, **extra)
        self.template = f"ROUND((%(expressions)s) * {10**places})"


def _sum(field: str, places: int = 6):
    return Sum(Scaled(F(field), places), output_field=_QTY)


def _done_sum(side: str):
    moves = StockMove.objects.filter(
        state=MoveState.DONE,
        product=OuterRef("product"),
        lot=OuterRef("lot"),
        **{side: OuterRef("location")},
    )
    total = moves.order_by().values(side).annotate(t=_sum("quantity_done")).values("t")
    return Coalesce(Subquery(total, output_field=_QTY), _ZERO, output_field=_QTY)


@register("inventory: on hand per product and location equals the sum of done moves")
def on_hand_matches_moves():
    # levels whose on-hand differs from moves in minus moves out (lots compared with IS)
    levels = (
        StockLevel.objects.annotate(
            moved_in=_done_sum("location_dest"), moved_out=_done_sum("location_src")
        )
        .annotate(held=Scaled(F("on_hand")))
        .exclude(held=F("moved_in") - F("moved_out"))
        .values_list(
            "pk", "product__sku", "location__full_name", "on_hand", "moved_in", "moved_out"
        )
        .order_by("pk")
    )
    # a level whose lot is NULL matches moves with a NULL lot: `lot=OuterRef` is `= NULL`,
    # so count those separately
    null_lot = (
        StockLevel.objects.filter(lot__isnull=True)
        .annotate(
            moved_in=Coalesce(
                Subquery(
                    StockMove.objects.filter(
                        state=MoveState.DONE,
                        product=OuterRef("product"),
                        lot__isnull=True,
                        location_dest=OuterRef("location"),
                    )
                    .order_by()
                    .values("location_dest")
                    .annotate(t=_sum("quantity_done"))
                    .values("t"),
                    output_field=_QTY,
                ),
                _ZERO,
                output_field=_QTY,
            ),
            moved_out=Coalesce(
                Subquery(
                    StockMove.objects.filter(
                        state=MoveState.DONE,
                        product=OuterRef("product"),
                        lot__isnull=True,
                        location_src=OuterRef("location"),
                    )
                    .order_by()
                    .values("location_src")
                    .annotate(t=_sum("quantity_done"))
                    .values("t"),
                    output_field=_QTY,
                ),
                _ZERO,
                output_field=_QTY,
            ),
        )
        .annotate(held=Scaled(F("on_hand")))
        .exclude(held=F("moved_in") - F("moved_out"))
        .values_list(
            "pk", "product__sku", "location__full_name", "on_hand", "moved_in", "moved_out"
        )
        .order_by("pk")
    )
    for pk, sku, loc, on_hand, moved_in, moved_out in list(levels.filter(lot__isnull=False)) + list(
        null_lot
    ):
        yield f"level {pk} {sku} @ {loc}: on hand {on_hand} != {moved_in} in - {moved_out} out"
    # done moves into or out of a valued location that have no level row at all
    for side in ("location_src", "location_dest"):
        done = StockMove.objects.filter(
            state=MoveState.DONE, **{f"{side}__usage__in": VALUED_USAGES}
        )
        same = StockLevel.objects.filter(product=OuterRef("product"), location=OuterRef(side))
        orphan = done.filter(lot__isnull=False).exclude(
            Exists(same.filter(lot=OuterRef("lot")))
        ) | done.filter(lot__isnull=True).exclude(Exists(same.filter(lot__isnull=True)))
        for pk in orphan.values_list("pk", flat=True).order_by("pk"):
            yield f"done move {pk}: no stock level at its {side.split('_')[1]} location"


@register("inventory: reserved stays within on hand and matches the open moves")
def reserved_within_on_hand():
    over = StockLevel.objects.filter(allow_negative=False).filter(
        Q(reserved__gt=F("on_hand")) | Q(on_hand__lt=0) | Q(reserved__lt=0)
    )
    for pk, sku, on_hand, reserved in over.values_list(
        "pk", "product__sku", "on_hand", "reserved"
    ).order_by("pk"):
        yield f"level {pk} {sku}: reserved {reserved} exceeds on hand {on_hand}"
    open_moves = StockMove.objects.filter(
        state__in=[MoveState.CONFIRMED, MoveState.ASSIGNED],
        product=OuterRef("product"),
        location_src=OuterRef("location"),
    )
    lot_match = Q(lot=OuterRef("lot"))
    reserved_sum = Coalesce(
        Subquery(
            open_moves.filter(lot_match)
            .order_by()
            .values("location_src")
            .annotate(t=_sum("quantity_reserved"))
            .values("t"),
            output_field=_QTY,
        ),
        _ZERO,
        output_field=_QTY,
    )
    reserved_sum_null = Coalesce(
        Subquery(
            open_moves.filter(lot__isnull=True)
            .order_by()
            .values("location_src")
            .annotate(t=_sum("quantity_reserved"))
            .values("t"),
            output_field=_QTY,
        ),
        _ZERO,
        output_field=_QTY,
    )
    with_lot = (
        StockLevel.objects.filter(lot__isnull=False)
        .annotate(by_moves=reserved_sum)
        .annotate(held=Scaled(F("reserved")))
        .exclude(held=F("by_moves"))
    )
    without_lot = (
        StockLevel.objects.filter(lot__isnull=True)
        .annotate(by_moves=reserved_sum_null)
        .annotate(held=Scaled(F("reserved")))
        .exclude(held=F("by_moves"))
    )
    for qs in (with_lot, without_lot):
        for pk, sku, reserved, by_moves in qs.values_list(
            "pk", "product__sku", "reserved", "by_moves"
        ).order_by("pk"):
            yield f"level {pk} {sku}: reserved {reserved} but open moves reserve {by_moves}"
    stray = StockMove.objects.filter(
        Q(state__in=[MoveState.DONE, MoveState.CANCELLED, MoveState.DRAFT]),
        quantity_reserved__gt=0,
    )
    for pk in stray.values_list("pk", flat=True).order_by("pk"):
        yield f"move {pk}: holds a reservation in a state that cannot"


@register("inventory: product valuation equals its layers and its stock on hand")
def valuation_matches_layers():
    layer_sum = ValuationLayer.objects.filter(product=OuterRef("product")).order_by()
    qty = Coalesce(
        Subquery(layer_sum.values("product").annotate(t=_sum("quantity")).values("t"), _QTY),
        _ZERO,
        output_field=_QTY,
    )
    value = Coalesce(
        Subquery(layer_sum.values("product").annotate(t=_sum("value", 2)).values("t"), _QTY),
        _ZERO,
        output_field=_QTY,
    )
    on_hand = Coalesce(
        Subquery(
            StockLevel.objects.filter(
                product=OuterRef("product"), location__usage__in=VALUED_USAGES
            )
            .order_by()
            .values("product")
            .annotate(t=_sum("on_hand"))
            .values("t"),
            _QTY,
        ),
        _ZERO,
        output_field=_QTY,
    )
    rows = (
        ProductStock.objects.annotate(
            layer_qty=qty,
            layer_value=value,
            on_hand=on_hand,
            qty_m=Scaled(F("quantity")),
            value_c=Scaled(F("value"), 2),
        )
        .filter(~Q(qty_m=F("layer_qty")) | ~Q(value_c=F("layer_value")) | ~Q(qty_m=F("on_hand")))
        .values_list("product__sku", "quantity", "value", "layer_qty", "layer_value", "on_hand")
        .order_by("pk")
    )
    for sku, quantity, val, layer_qty, layer_value, held in rows:
        yield (
            f"{sku}: valued {quantity} / {val}, layers {layer_qty} / {layer_value}, on hand {held}"
        )
    # a done move that crossed into or out of valued stock carries its layer's value
    crossing = StockMove.objects.filter(state=MoveState.DONE).filter(
        Q(location_src__usage__in=VALUED_USAGES) ^ Q(location_dest__usage__in=VALUED_USAGES)
    )
    mismatched = (
        crossing.annotate(
            layer_value=Coalesce(
                Subquery(
                    ValuationLayer.objects.filter(move=OuterRef("pk"))
                    .order_by()
                    .values("move")
                    .annotate(t=_sum("value", 2))
                    .values("t"),
                    _QTY,
                ),
                _ZERO,
                output_field=_QTY,
            )
        )
        .annotate(value_c=Scaled(F("value"), 2))
        .exclude(Q(value_c=F("layer_value")) | Q(value_c=-F("layer_value")))
        .values_list("pk", "value", "layer_value")
        .order_by("pk")
    )
    for pk, val, layer_value in mismatched:
        yield f"done move {pk}: value {val} but its layers say {layer_value}"


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
