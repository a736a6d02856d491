"""Kits for sales: what a kit product is delivered as.

A product whose BOM in use (active, valid on the day asked, highest version) is of type
`phantom` is a kit: it is never made nor stocked as such; a sales delivery moves its
components instead. The explosion is recursive: a component that is a kit itself, or a line
of kind `phantom`, is replaced by its own components. Quantities are per one unit of the
kit product's own unit, in each component's own unit; a kit's scrap % does not apply (a
kit is packed, not produced).

Sales may not import manufacturing, so this module is offered to it as providers
(``sales.kit_components``, ``sales.kit_exists``) registered in the app's ready(). One
query per level of kits, whatever the number of order lines.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef

from tandem.catalog.models import Uom
from tandem.catalog.services.uoms import uom_factor

from ..models import Bom, BomLine, BomLineKind, BomType

MAX_DEPTH = 30  # BOM cycles are refused on save; this only stops a damaged database


@dataclass(frozen=True)
class KitComponent:
    product_id: int
    uom_id: int  # the component's own unit
    places: int  # its unit's decimal places
    per_unit: Decimal  # quantity per one unit (the kit product's unit) of the kit


def kit_exists(product_ref: str = "product_id"):
    """An SQL condition: the product named by the outer `product_ref` has an active kit
    BOM (any version; `kit_components` then picks the one in use)."""
    return Exists(
        Bom.objects.filter(product_id=OuterRef(product_ref), active=True, type=BomType.PHANTOM)
    )


def _valid(valid_from, valid_to, day: datetime.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or valid_to >= day)


def kit_components(
    company_id: int, wanted: Iterable[tuple[int, datetime.date]]
) -> dict[tuple[int, datetime.date], list[KitComponent]]:
    """{(product, day): its components} for the pairs whose product is a kit on that day
    (pairs of products that are not kits are left out). Components of one kit are merged
    by product, in BOM line order."""
    wanted = set(wanted)
    if not wanted:
        return {}
    # product -> [(version, valid_from, valid_to, type, bom qty, bom uom, product uom,
    #              [(component, qty, uom, component uom, places, kind)])], highest first
    boms: dict[int, list] = {}
    factors: dict[tuple[int, int], Decimal] = {}
    uoms: dict[int, Uom] = {}

    def factor(from_id: int, to_id: int) -> Decimal:
        if from_id == to_id:
            return Decimal(1)
        if (from_id, to_id) not in factors:
            if not uoms:
                uoms.update({u.pk: u for u in Uom.objects.filter(company_id=company_id)})
            factors[(from_id, to_id)] = uom_factor(from_uom=uoms[from_id], to_uom=uoms[to_id])
        return factors[(from_id, to_id)]

    def read(products: set[int]) -> None:
        rows = (
            BomLine.objects.filter(
                bom__company_id=company_id, bom__product_id__in=products, bom__active=True
            )
            .order_by("bom__product_id", "-bom__version", "bom_id", "sequence", "id")
            .values_list(
                "bom__product_id",
                "bom_id",
                "bom__version",
                "bom__valid_from",
                "bom__valid_to",
                "bom__type",
                "bom__quantity",
                "bom__uom_id",
                "bom__product__uom_id",
                "product_id",
                "quantity",
                "uom_id",
                "product__uom_id",
                "product__uom__decimal_places",
                "kind",
            )
        )
        by_bom: dict[int, list] = {}
        for product, bom_id, version, vf, vt, kind_of_bom, qty, uom, unit, *line in rows:
            if bom_id not in by_bom:
                by_bom[bom_id] = [version, vf, vt, kind_of_bom, qty, uom, unit, []]
                boms.setdefault(product, []).append(by_bom[bom_id])
            by_bom[bom_id][7].append(tuple(line))
        for product in products:
            boms.setdefault(product, [])

    def in_use(product: int, day: datetime.date):
        return next((b for b in boms.get(product, ()) if _valid(b[1], b[2], day)), None)

    # read level by level, one query each: the lines of the kits asked for, then below
    # them what may explode further: a component's BOM (a kit, if it is one) and the BOM
    # of a phantom line's product (exploded whatever its type); a manufactured
    # component's own tree is not read
    to_read = {p for p, _d in wanted}
    to_follow, forced, followed = set(to_read), set(), set()
    for _level in range(MAX_DEPTH):
        if to_read:
            read(to_read)
        below = set()
        for product in to_follow - followed:
            for bom in boms[product]:
                if bom[3] == BomType.PHANTOM or product in forced:
                    followed.add(product)
                    for line in bom[7]:
                        below.add(line[0])
                        if line[5] == BomLineKind.PHANTOM:
                            forced.add(line[0])
        # a product read already and reached now through a phantom line is followed too
        to_follow = below | {p for p in forced if boms.get(p)} - followed
        to_read = below - set(boms)
        if not to_follow:
            break

    def explode(product: int, day: datetime.date, depth: int, out: dict, scale: Decimal):
        bom = in_use(product, day)
        output = bom[4] * factor(bom[5], bom[6])
        for component, qty, uom, unit, places, kind in bom[7]:
            per = qty * factor(uom, unit) / output * scale
            child = in_use(component, day)
            if (
                child is not None
                and depth < MAX_DEPTH
                and (child[3] == BomType.PHANTOM or kind == BomLineKind.PHANTOM)
            ):
                explode(component, day, depth + 1, out, per)
            else:
                key = (component, unit, places)
                out[key] = out.get(key, Decimal(0)) + per

    found = {}
    for product, day in wanted:
        bom = in_use(product, day)
        if bom is None or bom[3] != BomType.PHANTOM:
            continue
        out: dict = {}
        explode(product, day, 0, out, Decimal(1))
        found[(product, day)] = [
            KitComponent(product_id=c, uom_id=u, places=p, per_unit=q)
            for (c, u, p), q in out.items()
        ]
    return found


__all__ = ["KitComponent", "kit_components", "kit_exists"]
