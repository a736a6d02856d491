"""Read side of manufacturing: an order's cost summary and its lots, orders per state."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from tandem.accounting.models import Entry
from tandem.inventory.models import Lot

from .models import ManufacturingOrder, MoState
from .services import order_moves, wip_balance

ZERO = Decimal(0)


def mo_cost(mo: ManufacturingOrder) -> dict:
    """Materials consumed, labour and overhead absorbed, the total, what WIP holds now."""
    materials = mo.components.aggregate(t=Sum("value_consumed"))["t"] or ZERO
    logs = mo.work_logs.aggregate(labour=Sum("labour_cost"), overhead=Sum("overhead_cost"))
    labour, overhead = logs["labour"] or ZERO, logs["overhead"] or ZERO
    return {
        "materials": materials,
        "labour": labour,
        "overhead": overhead,
        "total": materials + labour + overhead,
        "wip": wip_balance(mo),
    }


def consumed_lots(mo: ManufacturingOrder) -> dict[int, list[int]]:
    """{component product id: ids of the lots its done moves took}."""
    lots = defaultdict(list)
    rows = (
        order_moves(mo)
        .filter(state="done", lot__isnull=False, location_dest__usage="production")
        .values_list("product_id", "lot_id")
        .distinct()
        .order_by("product_id", "lot_id")
    )
    for product_id, lot_id in rows:
        lots[product_id].append(lot_id)
    return lots


def mo_entries(mo: ManufacturingOrder):
    return (
        Entry.objects.filter(manufacturing_links__mo=mo)
        .prefetch_related("lines__account")
        .order_by("date", "id")
    )


def orders_by_state(company) -> list[dict]:
    counts = dict(
        ManufacturingOrder.objects.filter(company=company)
        .order_by()
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return [
        {"state": state, "label": label, "count": counts.get(state, 0)}
        for state, label in MoState.choices
    ]


def lots_made(mo: ManufacturingOrder):
    """The lots the order put in stock (its produced outputs), for links to their genealogy."""
    return Lot.objects.filter(
        pk__in=order_moves(mo)
        .filter(state="done", lot__isnull=False, location_dest__usage="internal")
        .values("lot_id")
    ).select_related("product")
