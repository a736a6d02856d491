"""Read side: stock levels, moves, the valuation report, the home page figures. Set-based."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .models import (
    QTY,
    VALUED_USAGES,
    MoveState,
    ProductStock,
    StockLevel,
    StockMove,
    Transfer,
    TransferKind,
)

ZERO = Decimal(0)
OPEN = (MoveState.CONFIRMED, MoveState.ASSIGNED)
_QTY = DecimalField(**QTY)


def _open_sum(*, side: str, at: datetime.date | None):
    moves = StockMove.objects.filter(
        product=OuterRef("product"), **{side: OuterRef("location")}, state__in=OPEN
    )
    if at is not None:
        moves = moves.filter(date__lte=at)
    total = moves.order_by().values(side).annotate(total=Sum("quantity")).values("total")
    return Coalesce(Subquery(total, output_field=_QTY), Value(ZERO), output_field=_QTY)


def levels(
    company,
    *,
    product=None,
    location=None,
    warehouse=None,
    search: str = "",
    at: datetime.date | None = None,
    nonzero: bool = False,
):
    """Rows per product and valued location: on_hand, reserved, available, incoming,
    outgoing (open moves), forecast (at `at`, when given: moves scheduled up to then)."""
    qs = StockLevel.objects.filter(company=company, location__usage__in=VALUED_USAGES)
    if product is not None:
        qs = qs.filter(product=product)
    if location is not None:
        qs = qs.filter(Q(location=location) | Q(location__full_name__startswith=f"{location}/"))
    if warehouse is not None:
        qs = qs.filter(location__warehouse=warehouse)
    if search:
        qs = qs.filter(Q(product__sku__icontains=search) | Q(product__name__icontains=search))
    rows = (
        qs.values(
            "product",
            "location",
            "product__sku",
            "product__name",
            "location__full_name",
        )
        .annotate(
            on_hand=Sum("on_hand"),
            reserved=Sum("reserved"),
            incoming=_open_sum(side="location_dest", at=at),
            outgoing=_open_sum(side="location_src", at=at),
        )
        .annotate(
            available=F("on_hand") - F("reserved"),
            forecast=F("on_hand") + F("incoming") - F("outgoing"),
        )
        .order_by("product__sku", "location__full_name")
    )
    if nonzero:
        rows = rows.filter(
            Q(on_hand__gt=0) | Q(on_hand__lt=0) | Q(incoming__gt=0) | Q(outgoing__gt=0)
        )
    return rows


def product_totals(company, *, product):
    """One product over all valued locations: on hand, reserved, available."""
    totals = StockLevel.objects.filter(
        company=company, product=product, location__usage__in=VALUED_USAGES
    ).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    on_hand, reserved = totals["on_hand"] or ZERO, totals["reserved"] or ZERO
    return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


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
):
    qs = StockMove.objects.filter(company=company)
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
    return qs.select_related(
        "product", "lot", "location_src", "location_dest", "transfer", "uom"
    ).order_by("-date", "-id")


def valuation(company, *, search: str = "") -> dict:
    """Rows per product with `quantity`, `value`, `unit_cost`; totals `value`.

    Reads the per-product totals kept with each valued move (check-integrity verifies them
    against the valuation layers and the inventory account).
    """
    qs = ProductStock.objects.filter(company=company).filter(~Q(quantity=0) | ~Q(value=0))
    if search:
        qs = qs.filter(Q(product__sku__icontains=search) | Q(product__name__icontains=search))
    rows = list(
        qs.values(
            "product",
            "quantity",
            "value",
            sku=F("product__sku"),
            name=F("product__name"),
            valuation=F("product__valuation"),
        ).order_by("product__sku")
    )
    for row in rows:
        row["unit_cost"] = (
            (row["value"] / row["quantity"]).quantize(Decimal("0.000001"))
            if row["quantity"]
            else ZERO
        )
    total = qs.aggregate(value=Sum("value"))["value"] or Decimal("0.00")
    return {"rows": rows, "totals": {"value": Decimal(total).quantize(Decimal("0.01"))}}


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
