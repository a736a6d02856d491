"""BOMs: create and change with their checks, explode (multi-level), cost, where-used."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from tandem.catalog.models import Product, ProductType, Uom
from tandem.core.errors import Conflict, Duplicate, ValidationFailed
from tandem.core.money import quantize_quantity
from tandem.inventory.models import ProductStock

from ..errors import BomCostShare, BomCycle, PhantomWithoutBom
from ..models import Bom, BomByproduct, BomLine, BomLineKind, BomOperation, BomType, WorkCenter
from ._common import (
    HUNDRED,
    ZERO,
    convert,
    current_unit_cost,
    lock_one,
    money,
    percent,
    quantity,
    ref,
    text,
)

MAX_LINES = 500
LINE_FIELDS = {"product", "quantity", "uom", "kind", "sequence"}
BYPRODUCT_FIELDS = {"product", "quantity", "uom", "cost_share"}
OPERATION_FIELDS = {"work_center", "minutes", "sequence", "name"}


def _rows(rows, *, field: str, allowed: set) -> list[Mapping]:
    rows = list(rows)
    if len(rows) > MAX_LINES:
        raise ValidationFailed(f"{field}: at most {MAX_LINES}", field=field)
    for index, row in enumerate(rows):
        unknown = set(row) - allowed
        if unknown:
            raise ValidationFailed(
                f"{field}.{index}: unknown fields {', '.join(sorted(unknown))}",
                field=f"{field}.{index}",
            )
    return rows


def _product_uom(company, data: Mapping, where: str) -> tuple[Product, Uom]:
    product = ref(company, data.get("product"), Product, field=f"{where}.product")
    if product.type == ProductType.SERVICE:
        raise ValidationFailed(
            f"{where}.product: {product.sku} is a service; services are not stocked",
            code="stock.not_stockable",
            field=f"{where}.product",
        )
    uom = ref(company, data.get("uom"), Uom, field=f"{where}.uom", required=False) or product.uom
    convert(from_uom=uom, to_uom=product.uom, field=f"{where}.uom")
    return product, uom


def _build_lines(company, bom: Bom, lines) -> list[BomLine]:
    built = []
    for index, data in enumerate(_rows(lines, field="lines", allowed=LINE_FIELDS)):
        where = f"lines.{index}"
        product, uom = _product_uom(company, data, where)
        kind = data.get("kind") or BomLineKind.COMPONENT
        if kind not in BomLineKind.values:
            raise ValidationFailed(
                f"{where}.kind: choose one of {', '.join(BomLineKind.values)}",
                code="validation.choice",
                field=f"{where}.kind",
            )
        if kind == BomLineKind.PHANTOM and bom_for(product) is None:
            raise PhantomWithoutBom(
                f"{where}.product: {product.sku} has no active BOM to explode as a kit",
                field=f"{where}.product",
            )
        built.append(
            BomLine(
                company=company,
                bom=bom,
                sequence=int(data.get("sequence") or (index + 1) * 10),
                product=product,
                quantity=quantity(data.get("quantity"), field=f"{where}.quantity", positive=True),
                uom=uom,
                kind=kind,
            )
        )
    return built


def _build_byproducts(company, bom: Bom, byproducts) -> list[BomByproduct]:
    built, total = [], ZERO
    for index, data in enumerate(_rows(byproducts, field="byproducts", allowed=BYPRODUCT_FIELDS)):
        where = f"byproducts.{index}"
        product, uom = _product_uom(company, data, where)
        if product.pk == bom.product_id:
            raise ValidationFailed(
                f"{where}.product: the BOM's own product is its main output",
                code="bom.byproduct_invalid",
                field=f"{where}.product",
            )
        share = percent(data.get("cost_share") or 0, field=f"{where}.cost_share")
        total += share
        if total > HUNDRED:
            raise BomCostShare(
                f"{where}.cost_share: the by-products' shares add up to {total} %",
                field=f"{where}.cost_share",
            )
        built.append(
            BomByproduct(
                company=company,
                bom=bom,
                product=product,
                quantity=quantity(data.get("quantity"), field=f"{where}.quantity", positive=True),
                uom=uom,
                cost_share=share,
            )
        )
    return built


def _build_operations(company, bom: Bom, operations) -> list[BomOperation]:
    built = []
    for index, data in enumerate(_rows(operations, field="operations", allowed=OPERATION_FIELDS)):
        where = f"operations.{index}"
        built.append(
            BomOperation(
                company=company,
                bom=bom,
                sequence=int(data.get("sequence") or (index + 1) * 10),
                name=text(data.get("name"), field=f"{where}.name", max_length=100),
                work_center=ref(
                    company, data.get("work_center"), WorkCenter, field=f"{where}.work_center"
                ),
                minutes=quantity(data.get("minutes"), field=f"{where}.minutes", places=2),
            )
        )
    return built


def _check_cycle(company, bom: Bom, lines: list[BomLine]) -> None:
    """Refuse lines through which the BOM's product would reach itself, at any depth.

    Every BOM of the company counts (any version, active or not): a version switched on
    later must not close a loop either.
    """
    graph: dict[int, set[int]] = defaultdict(set)
    others = BomLine.objects.filter(company=company)
    if bom.pk:
        others = others.exclude(bom=bom)
    for parent, child in others.values_list("bom__product_id", "product_id"):
        graph[parent].add(child)
    for index, line in enumerate(lines):
        stack, seen = [line.product_id], set()
        while stack:
            current = stack.pop()
            if current == bom.product_id:
                raise BomCycle(
                    f"lines.{index}.product: {line.product.sku} contains "
                    f"{bom.product.sku}, the product this BOM makes",
                    field=f"lines.{index}.product",
                )
            if current not in seen:
                seen.add(current)
                stack.extend(graph.get(current, ()))


def _head(company, bom: Bom, data: dict) -> None:
    if "uom" in data:
        bom.uom = ref(company, data["uom"], Uom, field="uom", required=False) or bom.product.uom
    convert(from_uom=bom.uom, to_uom=bom.product.uom, field="uom")
    if "quantity" in data:
        bom.quantity = quantity(data["quantity"], field="quantity", positive=True)
    if "scrap_percent" in data:
        bom.scrap_percent = percent(
            data["scrap_percent"] or 0, field="scrap_percent", below_100=True
        )
    for field in ("valid_from", "valid_to"):
        if field in data:
            value = data[field]
            if value is not None and not isinstance(value, datetime.date):
                raise ValidationFailed(f"{field}: not a date", field=field)
            setattr(bom, field, value)
    if bom.valid_from and bom.valid_to and bom.valid_to < bom.valid_from:
        raise ValidationFailed(
            "valid_to is before valid_from", code="validation.date_order", field="valid_to"
        )
    if "active" in data:
        bom.active = bool(data["active"])
    if data.get("type"):  # empty: unchanged (a new BOM is a normal one)
        if data["type"] not in BomType.values:
            raise ValidationFailed(
                f"type: choose one of {', '.join(BomType.values)}",
                code="validation.choice",
                field="type",
            )
        if data["type"] != bom.type and bom.pk and bom.orders.exists():
            raise Conflict(
                "Manufacturing orders use this BOM; it cannot become a kit",
                code="bom.in_use",
            )
        bom.type = data["type"]
    if "notes" in data:
        bom.notes = text(data["notes"], field="notes", max_length=10_000)
    if data.get("version") is not None:
        version = data["version"]
        if not isinstance(version, int) or not 1 <= version < 2**31:
            raise ValidationFailed("version: a whole number from 1", field="version")
        bom.version = version


def _save_children(company, bom: Bom, lines, byproducts, operations) -> None:
    if lines is not None:
        built = _build_lines(company, bom, lines)
        if not built:
            raise ValidationFailed("A BOM needs at least one line", field="lines")
        _check_cycle(company, bom, built)
    built_byproducts = None if byproducts is None else _build_byproducts(company, bom, byproducts)
    built_operations = None if operations is None else _build_operations(company, bom, operations)
    try:
        with transaction.atomic():
            bom.save()
    except IntegrityError:
        raise Duplicate(
            f"{bom.product.sku} already has a BOM version {bom.version}", field="version"
        ) from None
    for model, rows in (
        (BomLine, built if lines is not None else None),
        (BomByproduct, built_byproducts),
        (BomOperation, built_operations),
    ):
        if rows is None:
            continue
        model.objects.filter(bom=bom).delete()
        for row in rows:
            row.bom = bom
        model.objects.bulk_create(rows)


@transaction.atomic
def bom_create(
    *,
    company,
    product: Product,
    lines: Iterable[Mapping],
    quantity=Decimal(1),
    uom: Uom | None = None,
    version: int | None = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    active: bool = True,
    scrap_percent=Decimal(0),
    notes: str = "",
    byproducts: Iterable[Mapping] = (),
    operations: Iterable[Mapping] = (),
    type: str = BomType.NORMAL,
) -> Bom:
    """A BOM for `product`; without `version` it is the product's next version. `type`
    `phantom` makes it a kit: never manufactured, delivered to customers as its
    components."""
    product = ref(company, product, Product, field="product")
    bom = Bom(company=company, product=product, uom=product.uom)
    _head(
        company,
        bom,
        {
            "uom": uom,
            "quantity": quantity,
            "scrap_percent": scrap_percent,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "active": active,
            "notes": notes,
            "version": version,
            "type": type,
        },
    )
    if version is None:
        latest = Bom.objects.filter(company=company, product=product).aggregate(v=Max("version"))
        bom.version = (latest["v"] or 0) + 1
    _save_children(company, bom, lines, byproducts, operations)
    return bom


BOM_FIELDS = {
    "quantity",
    "uom",
    "version",
    "valid_from",
    "valid_to",
    "active",
    "scrap_percent",
    "notes",
    "type",
}


@transaction.atomic
def bom_update(*, bom: Bom, lines=None, byproducts=None, operations=None, **changes) -> Bom:
    """Change the BOM's fields; `lines`, `byproducts`, `operations` when given replace all.
    Orders already made keep the components they copied."""
    unknown = set(changes) - BOM_FIELDS
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    locked = lock_one(Bom, bom.pk, label="bom")
    company = locked.company
    _head(company, locked, changes)
    _save_children(company, locked, lines, byproducts, operations)
    return locked


@transaction.atomic
def bom_delete(*, bom: Bom) -> None:
    locked = lock_one(Bom, bom.pk, label="bom")
    if locked.orders.exists():
        raise Conflict(
            "Manufacturing orders use this BOM; switch it off instead", code="bom.in_use"
        )
    if BomLine.objects.filter(product=locked.product, kind=BomLineKind.PHANTOM).exists() and (
        Bom.objects.filter(product=locked.product, active=True).count() == 1
    ):
        raise Conflict("Kit lines explode this BOM; switch it off instead", code="bom.in_use")
    locked.delete()


def bom_for(product: Product, on_date: datetime.date | None = None) -> Bom | None:
    """The product's BOM in use on `on_date` (today): active, valid then, latest version."""
    on_date = on_date or datetime.date.today()
    return (
        Bom.objects.filter(product=product, active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on_date))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
        .order_by("-version")
        .first()
    )


# -- explosion and cost --------------------------------------------------------------------


@dataclass
class Exploded:
    """One row of an indented explosion; quantities in the product's unit.

    `consumed`: an order made from the exploded BOM takes this row from stock (a component
    of the BOM itself or of a kit inside it); rows under a sub-assembly are only shown.
    """

    level: int
    product: Product
    quantity: Decimal
    kind: str
    bom: Bom | None
    consumed: bool
    unit_cost: Decimal = ZERO
    cost: Decimal = ZERO


class _Explosion:
    MAX_DEPTH = 30  # cycles are refused on save; this only stops a damaged database

    def __init__(self, on_date):
        self.on_date = on_date
        self.boms: dict[int, Bom | None] = {}
        self.stocks: dict[int, ProductStock] = {}

    def bom_of(self, product) -> Bom | None:
        if product.pk not in self.boms:
            self.boms[product.pk] = bom_for(product, self.on_date)
        return self.boms[product.pk]

    def lines(self, bom: Bom) -> list[BomLine]:
        return list(bom.lines.select_related("product__uom", "uom").order_by("sequence", "id"))

    def explode(self, bom: Bom, qty: Decimal, level: int, consumed: bool, rows: list) -> Decimal:
        """Append the rows of `qty` (in the BOM's unit) of `bom`; returns their material cost
        plus the operations of the sub-assemblies below (the rolled-up cost)."""
        if level > self.MAX_DEPTH:
            raise BomCycle("The BOM structure is too deep (a cycle?)", field="lines")
        factor = qty / bom.quantity * (1 + bom.scrap_percent / HUNDRED)
        total = ZERO
        for line in self.lines(bom):
            product = line.product
            need = quantize_quantity(
                line.quantity
                * factor
                * convert(from_uom=line.uom, to_uom=product.uom, field="lines.uom"),
                product.uom.decimal_places,
            )
            child = self.bom_of(product)
            row = Exploded(
                level=level,
                product=product,
                quantity=need,
                kind=line.kind,
                bom=child,
                # a kit whose BOM was switched off is taken as it is
                consumed=consumed and (line.kind == BomLineKind.COMPONENT or child is None),
            )
            rows.append(row)
            if child is not None:
                in_child = need * convert(from_uom=product.uom, to_uom=child.uom, field="uom")
                is_kit = line.kind == BomLineKind.PHANTOM
                row.cost = self.explode(child, in_child, level + 1, consumed and is_kit, rows)
                if not is_kit:
                    row.cost += sum(op["cost"] for op in operations_cost(child, in_child))
                row.cost = money(row.cost)
                row.unit_cost = (row.cost / need).quantize(Decimal("0.000001")) if need else ZERO
            else:
                row.unit_cost = current_unit_cost(product)
                row.cost = money(need * row.unit_cost)
            total += row.cost
        return total


def _in_bom_uom(bom: Bom, qty, uom) -> Decimal:
    qty = quantity(bom.quantity if qty is None else qty, field="quantity", positive=True)
    if uom is not None and uom.pk != bom.uom_id:
        qty = qty * convert(from_uom=uom, to_uom=bom.uom, field="uom")
    return qty


def bom_explode(*, bom: Bom, quantity=None, uom: Uom | None = None, on_date=None) -> list[Exploded]:
    """The indented explosion of `quantity` (in `uom`, default the BOM's) of `bom`: every
    level, kits exploded into their components, units converted, scrap % added."""
    rows: list[Exploded] = []
    _Explosion(on_date).explode(bom, _in_bom_uom(bom, quantity, uom), 1, True, rows)
    return rows


def bom_components(*, bom: Bom, quantity, uom: Uom | None = None, on_date=None) -> dict:
    """{product: quantity} an order for `quantity` takes from stock (kits exploded)."""
    needs: dict[Product, Decimal] = {}
    for row in bom_explode(bom=bom, quantity=quantity, uom=uom, on_date=on_date):
        if row.consumed:
            needs[row.product] = needs.get(row.product, ZERO) + row.quantity
    return needs


def operations_cost(bom: Bom, qty: Decimal) -> list[dict]:
    """Each operation of `qty` (BOM's unit) of `bom`: minutes (set-up once plus the run
    time scaled), hours at the work centre's efficiency, cost at its rates."""
    factor = qty / bom.quantity
    result = []
    for op in bom.operations.select_related("work_center").order_by("sequence", "id"):
        center = op.work_center
        minutes = center.setup_minutes + op.minutes * factor
        hours = (minutes / 60 * HUNDRED / center.efficiency).quantize(Decimal("0.0001"))
        cost = money(hours * (center.cost_per_hour + center.overhead_per_hour))
        result.append(
            {
                "operation": op,
                "work_center": center,
                "minutes": minutes.quantize(Decimal("0.01")),
                "hours": hours,
                "cost": cost,
            }
        )
    return result


def bom_cost(*, bom: Bom, quantity=None, uom: Uom | None = None, on_date=None) -> dict:
    """Rolled-up cost of `quantity` of `bom`: materials at current cost (sub-assemblies at
    their own rolled-up cost), operations at work-centre rates, by-products' shares."""
    qty = _in_bom_uom(bom, quantity, uom)
    rows: list[Exploded] = []
    materials = money(_Explosion(on_date).explode(bom, qty, 1, True, rows))
    operations = operations_cost(bom, qty)
    total = materials + sum((op["cost"] for op in operations), ZERO)
    return {
        "quantity": qty,
        "rows": rows,
        "materials": materials,
        "operations": operations,
        "operations_total": total - materials,
        "total": total,
        "unit_cost": (total / qty).quantize(Decimal("0.000001")),
    }


def bom_where_used(*, product: Product) -> list[BomLine]:
    """The BOM lines that use `product` directly, with their BOMs."""
    return list(
        BomLine.objects.filter(company=product.company, product=product)
        .select_related("bom__product", "uom")
        .order_by("bom__product__sku", "-bom__version")
    )
