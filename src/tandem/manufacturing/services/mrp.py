"""MRP on the company's data: demand (confirmed sales order lines not yet delivered, the
components of open manufacturing orders, safety stock from reorder rules), supply (stock on
hand, open purchase and manufacturing orders, including the drafts that firming made), the
plan of `tandem.manufacturing.mrp`, and the firming of a planned order into a draft purchase
or manufacturing order.

Each source is read with one query; the plan is computed in memory and written with two bulk
inserts. A run is regenerative: it replaces the planned orders of the previous one (firmed
ones stay, as the documents they became are supply now).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import ProductType
from tandem.catalog.services.pricing import company_today
from tandem.catalog.services.uoms import uom_factor
from tandem.core.errors import Conflict, ValidationFailed
from tandem.inventory.models import ProductStock
from tandem.purchasing.models import OrderState as PoState
from tandem.purchasing.models import PurchaseOrderLine, ReorderRule, SupplierPrice
from tandem.sales.models import OrderState as SoState
from tandem.sales.models import SalesOrderLine

from .. import mrp
from ..errors import BomCycle
from ..models import (
    Bom,
    BomLineKind,
    ManufacturingOrder,
    MoComponent,
    MoState,
    Pegging,
    PeggingKind,
    PlannedKind,
    PlannedOrder,
    PlannedState,
)

ZERO = Decimal(0)
OPEN_MO = (MoState.DRAFT, MoState.CONFIRMED, MoState.IN_PROGRESS)
OPEN_PO = (PoState.DRAFT, PoState.SENT, PoState.CONFIRMED)


class _Factors:
    """Unit conversions, each looked up once per run."""

    def __init__(self):
        self.cache: dict[tuple[int, int], Decimal] = {}
        self.uoms: dict = {}

    def __call__(self, from_uom, to_uom) -> Decimal:
        if from_uom.pk == to_uom.pk:
            return Decimal(1)
        key = (from_uom.pk, to_uom.pk)
        if key not in self.cache:
            self.cache[key] = uom_factor(from_uom=from_uom, to_uom=to_uom)
        return self.cache[key]


def _boms(company, today: date) -> dict[int, Bom]:
    """The BOM each product is made by: the active one valid today of the highest version."""
    chosen: dict[int, Bom] = {}
    rows = (
        Bom.objects.filter(company=company, active=True)
        .select_related("product__uom", "uom")
        .prefetch_related("lines__product__uom", "lines__uom")
        .order_by("product_id", "-version", "-id")
    )
    for bom in rows:
        if bom.product_id in chosen:
            continue
        if (bom.valid_from and bom.valid_from > today) or (bom.valid_to and bom.valid_to < today):
            continue
        chosen[bom.product_id] = bom
    return chosen


def _per_unit(bom: Bom, boms: dict[int, Bom], factor, seen: tuple = ()) -> dict[int, Decimal]:
    """Component product -> quantity (in its own unit) per one unit (product unit) of the
    BOM's product, scrap included; a kit (phantom line) is replaced by its own components."""
    if bom.product_id in seen:
        raise BomCycle(
            _("The BOM of %(product)s uses itself.") % {"product": bom.product.sku},
            field="bom",
        )
    output = bom.quantity * factor(bom.uom, bom.product.uom)
    scrap = 1 + bom.scrap_percent / 100
    found: dict[int, Decimal] = defaultdict(Decimal)
    for line in bom.lines.all():
        quantity = line.quantity * factor(line.uom, line.product.uom) / output * scrap
        if line.kind == BomLineKind.PHANTOM and line.product_id in boms:
            for component, per in _per_unit(
                boms[line.product_id], boms, factor, (*seen, bom.product_id)
            ).items():
                found[component] += quantity * per
        else:
            found[line.product_id] += quantity
    return dict(found)


def mrp_inputs(company, today: date):
    """(items, demands, supplies, on_hand) for `mrp.plan`, one query per source."""
    factor = _Factors()
    boms = _boms(company, today)
    items: dict[int, mrp.Item] = {}
    for product_id, bom in boms.items():
        items[product_id] = mrp.Item(
            product_id,
            make=True,
            lead_days=bom.lead_time_days,
            bom_id=bom.pk,
            components=_per_unit(bom, boms, factor),
        )
    rules = defaultdict(list)
    for rule in ReorderRule.objects.filter(company=company, active=True).order_by("pk"):
        rules[rule.product_id].append(rule)
    prices = defaultdict(list)
    offers = SupplierPrice.objects.filter(company=company).order_by(
        "product_id", "sequence", "price", "id"
    )
    for price in offers:
        if (price.valid_from and price.valid_from > today) or (
            price.valid_to and price.valid_to < today
        ):
            continue
        prices[price.product_id].append(price)
    used = set(items) | set(rules) | {c for i in items.values() for c in i.components}

    demands: list[mrp.Requirement] = []
    lines = (
        SalesOrderLine.objects.filter(
            order__company=company,
            order__state=SoState.CONFIRMED,
            quantity__gt=F("qty_delivered"),
        )
        .exclude(product__type=ProductType.SERVICE)
        .select_related("order", "uom", "product__uom")
        .order_by("pk")
    )
    for line in lines:
        quantity = (line.quantity - line.qty_delivered) * factor(line.uom, line.product.uom)
        day = line.order.commitment_date or line.order.order_date
        demands.append(
            mrp.Requirement(
                line.product_id,
                day,
                quantity,
                mrp.Source(PeggingKind.SALES_ORDER_LINE, line.pk, str(line.order)),
            )
        )
        used.add(line.product_id)
    components = (
        MoComponent.objects.filter(
            mo__company=company, mo__state__in=OPEN_MO, quantity__gt=F("quantity_consumed")
        )
        .select_related("mo")
        .order_by("pk")
    )
    for component in components:
        demands.append(
            mrp.Requirement(
                component.product_id,
                component.mo.planned_start,
                component.quantity - component.quantity_consumed,
                mrp.Source(PeggingKind.MO_COMPONENT, component.pk, component.mo.number),
            )
        )
        used.add(component.product_id)

    supplies: list[mrp.Requirement] = []
    po_lines = (
        PurchaseOrderLine.objects.filter(
            order__company=company,
            order__state__in=OPEN_PO,
            quantity__gt=F("received_quantity"),
        )
        .select_related("order", "uom", "product__uom")
        .order_by("pk")
    )
    for line in po_lines:
        day = line.expected_date or line.order.expected_date or line.order.order_date
        supplies.append(
            mrp.Requirement(
                line.product_id,
                day,
                (line.quantity - line.received_quantity) * factor(line.uom, line.product.uom),
                mrp.Source("purchase_order_line", line.pk),
            )
        )
    orders = ManufacturingOrder.objects.filter(
        company=company, state__in=OPEN_MO, quantity__gt=F("quantity_produced")
    ).select_related("uom", "product__uom")
    for order in orders.order_by("pk"):
        supplies.append(
            mrp.Requirement(
                order.product_id,
                order.planned_end,
                (order.quantity - order.quantity_produced) * factor(order.uom, order.product.uom),
                mrp.Source("manufacturing_order", order.pk),
            )
        )
    on_hand = dict(
        ProductStock.objects.filter(company=company, product_id__in=used).values_list(
            "product_id", "quantity"
        )
    )
    for product_id in used:
        item = items.get(product_id)
        if item is None:
            item = items[product_id] = mrp.Item(product_id, make=False)
        own = rules.get(product_id, [])
        item.safety = sum((r.min_quantity for r in own), ZERO)
        item.multiple = max((r.multiple for r in own), default=ZERO)
        if not item.make:
            preferred = next((r.supplier_id for r in own if r.supplier_id), None)
            offers = prices.get(product_id, [])
            offer = next((p for p in offers if p.supplier_id == preferred), None) or (
                offers[0] if offers else None
            )
            item.supplier_id = preferred or (offer.supplier_id if offer else None)
            if offer is not None:
                item.lead_days = offer.lead_time_days
                item.min_quantity = offer.min_quantity
    return items, demands, supplies, on_hand


@transaction.atomic
def mrp_run(*, company, today: date | None = None, progress=None) -> dict:
    """Plan again: the planned orders of the last run are replaced by this run's."""
    # one run per company at a time: the company row is the lock
    type(company).objects.select_for_update().filter(pk=company.pk).first()
    today = today or company_today(company)
    items, demands, supplies, on_hand = mrp_inputs(company, today)
    try:
        plan = mrp.plan(
            items=items, demands=demands, supplies=supplies, on_hand=on_hand, today=today
        )
    except mrp.BomCycle as exc:
        raise BomCycle(
            _("A BOM uses, at some depth, the product it makes."),
            field="bom",
            extra={"products": exc.path},
        ) from exc
    if progress is not None:
        progress(1, 2)
    PlannedOrder.objects.filter(company=company, state=PlannedState.PLANNED).delete()
    now = timezone.now()
    rows = [
        PlannedOrder(
            company=company,
            kind=PlannedKind.MANUFACTURE if p.make else PlannedKind.PURCHASE,
            product_id=p.product_id,
            quantity=p.quantity,
            due_date=p.due,
            release_date=p.release,
            bom_id=p.bom_id,
            supplier_id=p.supplier_id,
            planned_at=now,
        )
        for p in plan
    ]
    PlannedOrder.objects.bulk_create(rows)
    ids = {p.key: row.pk for p, row in zip(plan, rows, strict=True)}
    labels = {p.key: f"{_('Planned order')} {row.pk}" for p, row in zip(plan, rows, strict=True)}
    Pegging.objects.bulk_create(
        [
            Pegging(
                company=company,
                planned_order_id=row.pk,
                demand_kind=source.kind,
                demand_id=ids[source.ref] if source.kind == "planned_order" else source.ref,
                label=labels[source.ref] if source.kind == "planned_order" else source.label,
                date=day,
                quantity=quantity,
            )
            for p, row in zip(plan, rows, strict=True)
            for source, day, quantity in p.pegging
        ]
    )
    if progress is not None:
        progress(2, 2)
    return {
        "planned": len(rows),
        "purchase": sum(1 for p in plan if not p.make),
        "manufacture": sum(1 for p in plan if p.make),
        "late": sum(1 for p in plan if p.release < today),
    }


@transaction.atomic
def planned_order_firm(*, planned: PlannedOrder, user=None) -> PlannedOrder:
    """The draft purchase order (from the preferred supplier, at its price) or manufacturing
    order the planned order stands for; a planned order is firmed once."""
    from tandem.purchasing.services import purchase_order_create

    from .orders import mo_create

    locked = PlannedOrder.objects.select_for_update().get(pk=planned.pk)
    if locked.state != PlannedState.PLANNED:
        raise Conflict(_("This planned order is firmed already."), code="mrp.already_firmed")
    if locked.kind == PlannedKind.PURCHASE:
        if locked.supplier is None:
            raise ValidationFailed(
                _("No supplier sells this product: add a supplier price or a reorder rule."),
                code="mrp.no_supplier",
                field="supplier",
            )
        order = purchase_order_create(
            company=locked.company,
            supplier=locked.supplier,
            lines=[{"product": locked.product, "quantity": locked.quantity}],
            expected_date=locked.due_date,
            origin=f"MRP {locked.pk}",
            user=user,
        )
        locked.purchase_order = order
    else:
        if locked.bom is None:
            raise ValidationFailed(
                _("The product has no active BOM any more."), code="mrp.no_bom", field="bom"
            )
        locked.manufacturing_order = mo_create(
            company=locked.company,
            bom=locked.bom,
            quantity=locked.quantity,
            uom=locked.product.uom,
            planned_start=locked.release_date,
            planned_end=locked.due_date,
            notes=f"MRP {locked.pk}",
        )
    locked.state = PlannedState.FIRMED
    locked.save(update_fields=["state", "purchase_order", "manufacturing_order", "updated_at"])
    return locked
