"""Lot genealogy: which component lots went into a produced lot, and the reverse.

Written as an order produces (the lots its component moves took go into the lot it made in
the same step), so an order making several lots keeps each lot's own components.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F

from tandem.inventory.models import Lot

from ..models import LotGenealogy, ManufacturingOrder

ZERO = Decimal(0)


def genealogy_record(mo: ManufacturingOrder, lot: Lot | None, moves) -> None:
    """`moves` (done component moves of one produce step) went into `lot`; quantities add
    up over the order's steps. Inside the caller's transaction, the order locked."""
    if lot is None:
        return
    taken = defaultdict(lambda: ZERO)
    for move in moves:
        if move.lot_id is not None and move.lot_id != lot.pk:
            taken[move.lot_id] += move.quantity_done
    if not taken:
        return
    existing = {
        row.component_lot_id: row
        for row in LotGenealogy.objects.filter(mo=mo, lot=lot, component_lot_id__in=taken)
    }
    for component_lot_id, qty in sorted(taken.items()):
        row = existing.get(component_lot_id)
        if row is None:
            LotGenealogy.objects.create(
                company_id=mo.company_id,
                mo=mo,
                lot=lot,
                component_lot_id=component_lot_id,
                quantity=qty,
            )
        else:
            LotGenealogy.objects.filter(pk=row.pk).update(quantity=F("quantity") + qty)


def _tree(lot: Lot, *, down: bool, max_depth: int) -> list[dict]:
    """Breadth-first over genealogy rows, one query per level; a lot met again on the same
    branch is not followed (genealogy cannot cycle, but a bad import could make it)."""
    near, far = ("lot_id", "component_lot_id") if down else ("component_lot_id", "lot_id")
    roots: list[dict] = []
    # lot id -> the places (children list, lots on the branch) where its children go
    frontier = {lot.pk: [(roots, frozenset({lot.pk}))]}
    for _depth in range(max_depth):
        if not frontier:
            break
        rows = (
            LotGenealogy.objects.filter(company_id=lot.company_id, **{f"{near}__in": frontier})
            .select_related("mo", "lot__product", "component_lot__product")
            .order_by(near, far, "mo_id")
        )
        following = {}
        for row in rows:
            other = row.component_lot if down else row.lot
            for children, path in frontier[getattr(row, near)]:
                node = {
                    "lot": other.pk,
                    "name": other.name,
                    "product": other.product_id,
                    "sku": other.product.sku,
                    "quantity": row.quantity,
                    "mo": row.mo_id,
                    "mo_number": row.mo.number,
                    "children": [],
                }
                children.append(node)
                if other.pk not in path:
                    following.setdefault(other.pk, []).append((node["children"], path | {other.pk}))
        frontier = following
    return roots


def lot_components(lot: Lot, *, max_depth: int = 20) -> list[dict]:
    """The lots that went into `lot`, each with the lots that went into it (a tree):
    [{lot, name, product, sku, quantity, mo, mo_number, children}]."""
    return _tree(lot, down=True, max_depth=max_depth)


def lot_where_used(lot: Lot, *, max_depth: int = 20) -> list[dict]:
    """The lots `lot` went into, and what those went into (the reverse tree)."""
    return _tree(lot, down=False, max_depth=max_depth)


def flatten(tree: list[dict], depth: int = 0) -> list[dict]:
    """The tree as indented rows for a page (`depth` from 0)."""
    rows = []
    for node in tree:
        rows.append({**node, "depth": depth})
        rows.extend(flatten(node["children"], depth + 1))
    return rows
