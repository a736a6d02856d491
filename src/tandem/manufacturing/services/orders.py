"""Manufacturing orders: create, confirm, assign, produce, scrap, log work, done, cancel.

Stock goes through inventory: an order's open component moves (stock -> production,
`origin` = the order's number, no transfer) are reserved with inventory's reservation and
completed with `complete_moves`, which values them and posts Dr WIP / Cr inventory; outputs
are moves production -> stock valued at their share of the order's WIP. Lock order: the
order, then what inventory locks (levels, valuation rows, layers).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.services import account_for_role, company_today
from tandem.catalog.models import Product, Tracking, Uom, Valuation
from tandem.core import events
from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.core.money import quantize_price, quantize_quantity
from tandem.core.services import sequence_next
from tandem.inventory.models import LocationUsage, Lot, MoveState, StockMove, Warehouse
from tandem.inventory.services import (
    complete_moves,
    received_cost_adjust,
    virtual_location,
    warehouse_default,
)
from tandem.inventory.services.transfers import _release, _reserve, _split

from ..errors import LotNotReserved, MoCancelled, MoDone, Overproduction
from ..models import (
    MO_TRANSITIONS,
    Bom,
    BomOperation,
    BomType,
    ManufacturingOrder,
    MoComponent,
    MoEntryKind,
    MoOutput,
    MoState,
    Scrap,
    WorkCenter,
    WorkLog,
)
from ._common import (
    HUNDRED,
    ZERO,
    check_company,
    convert,
    lock_one,
    money,
    ref,
    text,
)
from ._common import quantity as clean_quantity
from .boms import bom_components
from .costing import link, post_against_wip, wip_balance
from .genealogy import genealogy_record
from .quality import checks_for_production, refuse_failed, refuse_held

OPEN = (MoveState.CONFIRMED, MoveState.ASSIGNED)


def _transition(mo: ManufacturingOrder, to: str) -> None:
    """Check a move of the *locked* order against MO_TRANSITIONS."""
    if to in MO_TRANSITIONS[MoState(mo.state)]:
        return
    if mo.state == MoState.DONE:
        raise MoDone(f"{mo.number} is done")
    if mo.state == MoState.CANCELLED:
        raise MoCancelled(f"{mo.number} is cancelled")
    raise InvalidTransition(
        f"{mo.number}: not allowed from {mo.state}",
        code="manufacturing_order.invalid_transition",
    )


def _locked(mo: ManufacturingOrder) -> ManufacturingOrder:
    return lock_one(ManufacturingOrder, mo.pk, label="manufacturing_order")


def _production(company):
    return virtual_location(company, LocationUsage.PRODUCTION)


def open_moves(mo: ManufacturingOrder, product_id: int | None = None) -> list[StockMove]:
    """The order's component moves not done yet (reserved or waiting), oldest first."""
    moves = StockMove.objects.filter(
        company_id=mo.company_id,
        origin=mo.number,
        transfer__isnull=True,
        count__isnull=True,
        location_dest=_production(mo.company),
        state__in=OPEN,
    )
    if product_id is not None:
        moves = moves.filter(product_id=product_id)
    return list(
        moves.select_related("product__uom", "lot", "location_src", "location_dest").order_by("pk")
    )


def order_moves(mo: ManufacturingOrder):
    """Every stock move of the order (components, outputs, scrap), for its page."""
    return StockMove.objects.filter(
        company_id=mo.company_id, origin=mo.number, transfer__isnull=True, count__isnull=True
    )


# -- create --------------------------------------------------------------------------------


def _outputs(mo: ManufacturingOrder, in_bom_uom: Decimal) -> list[MoOutput]:
    bom, product = mo.bom, mo.product
    main_qty = quantize_quantity(
        mo.quantity * convert(from_uom=mo.uom, to_uom=product.uom, field="uom"),
        product.uom.decimal_places,
    )
    outputs = [MoOutput(company_id=mo.company_id, mo=mo, product=product, quantity=main_qty)]
    factor = in_bom_uom / bom.quantity
    for byproduct in bom.byproducts.select_related("product__uom", "uom"):
        unit = byproduct.product.uom
        outputs.append(
            MoOutput(
                company_id=mo.company_id,
                mo=mo,
                product=byproduct.product,
                is_byproduct=True,
                quantity=quantize_quantity(
                    byproduct.quantity
                    * factor
                    * convert(from_uom=byproduct.uom, to_uom=unit, field="byproducts.uom"),
                    unit.decimal_places,
                ),
                cost_share=byproduct.cost_share,
            )
        )
    return outputs


@transaction.atomic
def mo_create(
    *,
    company,
    bom: Bom,
    quantity,
    uom: Uom | None = None,
    warehouse: Warehouse | None = None,
    planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None,
    sales_order=None,
    notes: str = "",
    backorder_of: ManufacturingOrder | None = None,
) -> ManufacturingOrder:
    """A draft order for `quantity` (in `uom`, default the BOM's) of the BOM's product; its
    components (kits exploded) and outputs (by-products included) come from the BOM. Without
    `planned_end` it ends on the day its routing finishes, scheduled forward from the start
    on the work centres' working calendars (capacity.routing_end)."""
    bom = ref(company, bom, Bom, field="bom")
    if bom.type == BomType.PHANTOM:
        raise ValidationFailed(
            "A kit is not manufactured: it is delivered as its components",
            code="bom.kit_not_manufactured",
            field="bom",
        )
    uom = ref(company, uom, Uom, field="uom", required=False) or bom.uom
    convert(from_uom=uom, to_uom=bom.product.uom, field="uom")
    qty = clean_quantity(quantity, field="quantity", places=uom.decimal_places, positive=True)
    check_company(company, sales_order, field="sales_order")
    warehouse = ref(company, warehouse, Warehouse, field="warehouse", required=False)
    warehouse = warehouse or warehouse_default(company)
    if warehouse is None:
        raise ValidationFailed(
            "Create a warehouse first", code="warehouse.missing", field="warehouse"
        )
    planned_start = planned_start or company_today(company)
    in_bom_uom = qty * convert(from_uom=uom, to_uom=bom.uom, field="uom")
    if planned_end is None:
        # the routing scheduled forward on its work centres' working calendars
        from ..capacity import routing_end

        operations = bom.operations.select_related(
            "work_center__company", "work_center__calendar", "bom"
        ).order_by("sequence", "id")
        planned_end = routing_end(operations, in_bom_uom, planned_start)
    if planned_end < planned_start:
        raise ValidationFailed(
            "planned_end is before planned_start",
            code="validation.date_order",
            field="planned_end",
        )
    needs = bom_components(bom=bom, quantity=in_bom_uom, on_date=planned_start)
    mo = ManufacturingOrder.objects.create(
        company=company,
        number=sequence_next(
            company=company, code="manufacturing:MO", on_date=planned_start, prefix="MO/{year}/"
        ),
        product=bom.product,
        quantity=qty,
        uom=uom,
        bom=bom,
        warehouse=warehouse,
        planned_start=planned_start,
        planned_end=planned_end,
        sales_order=sales_order,
        backorder_of=backorder_of,
        notes=text(notes, field="notes", max_length=10_000),
    )
    MoComponent.objects.bulk_create(
        [
            MoComponent(company=company, mo=mo, product=product, quantity=need)
            for product, need in needs.items()
        ]
    )
    MoOutput.objects.bulk_create(_outputs(mo, in_bom_uom))
    return mo


def _publish(mo: ManufacturingOrder, name: str) -> None:
    events.publish(name, manufacturing_order_id=mo.pk, company_id=mo.company_id, number=mo.number)


@transaction.atomic
def mo_from_sales_line(*, line, bom: Bom | None = None, user=None) -> ManufacturingOrder:
    """Make to order: a draft order for what a confirmed sales order line still needs (its
    quantity, less what was delivered and what the sales order's other orders of the
    product, not cancelled, already make), by the order's commitment date (else scheduled
    forward on the calendar), in the line's unit, by `bom` or the product's BOM.

    Refusals: the sales order not confirmed (409 manufacturing_order.sales_line_state), no
    BOM (422 bom.missing), nothing left to make (409 manufacturing_order.sales_line_covered).
    """
    from tandem.sales.models import OrderState as SoState
    from tandem.sales.models import SalesOrderLine

    from .boms import bom_for

    line = SalesOrderLine.objects.select_related("order", "product", "uom").get(pk=line.pk)
    order = line.order
    company = order.company
    if order.state != SoState.CONFIRMED:
        raise InvalidTransition(
            f"{order} is not confirmed",
            code="manufacturing_order.sales_line_state",
            field="sales_order_line",
        )
    bom = ref(company, bom, Bom, field="bom", required=False) or bom_for(line.product)
    if bom is None or bom.product_id != line.product_id:
        raise ValidationFailed(f"{line.product} has no BOM", code="bom.missing", field="bom")
    to_product = convert(from_uom=line.uom, to_uom=line.product.uom, field="uom")
    ordered = ZERO
    for mo in (
        ManufacturingOrder.objects.filter(company=company, sales_order=order, product=line.product)
        .exclude(state=MoState.CANCELLED)
        .select_related("uom", "product__uom")
    ):
        ordered += mo.quantity * convert(from_uom=mo.uom, to_uom=mo.product.uom, field="uom")
    left = (line.quantity - line.qty_delivered) * to_product - ordered
    if left <= 0:
        raise InvalidTransition(
            f"{order}: {line.product} is made or delivered already",
            code="manufacturing_order.sales_line_covered",
            field="sales_order_line",
        )
    start = company_today(company)
    due = order.commitment_date
    return mo_create(
        company=company,
        bom=bom,
        quantity=quantize_quantity(left / to_product, line.uom.decimal_places),
        uom=line.uom,
        planned_start=start,
        planned_end=due if due and due >= start else None,
        sales_order=order,
        notes=f"{order} / {line.product.sku}",
    )


@transaction.atomic
def mo_confirm(*, mo: ManufacturingOrder) -> ManufacturingOrder:
    """Confirmed: one waiting move per component from the warehouse's stock to production."""
    locked = _locked(mo)
    _transition(locked, MoState.CONFIRMED)
    company = locked.company
    src, dest = locked.warehouse.stock_location, _production(company)
    StockMove.objects.bulk_create(
        [
            StockMove(
                company=company,
                product=component.product,
                quantity=component.quantity,
                uom=component.product.uom,
                uom_quantity=component.quantity,
                location_src=src,
                location_dest=dest,
                state=MoveState.CONFIRMED,
                date=locked.planned_start,
                origin=locked.number,
            )
            for component in locked.components.select_related("product").filter(quantity__gt=0)
        ]
    )
    locked.state = MoState.CONFIRMED
    locked.save(update_fields=["state", "updated_at"])
    _publish(locked, "manufacturing_order.confirmed")
    return locked


@transaction.atomic
def mo_assign(*, mo: ManufacturingOrder, strict: bool = False) -> ManufacturingOrder:
    """Reserve the components like a delivery (nearest shelves, lots by expiry); what is
    missing is listed in `mo.shortfalls` (refused as a whole with `strict`)."""
    locked = _locked(mo)
    _transition(locked, MoState.IN_PROGRESS)  # confirmed or in progress
    locked.shortfalls = _reserve(locked.company, open_moves(locked), strict=strict)
    return locked


# -- taking components ---------------------------------------------------------------------


def _take(
    mo, product: Product, qty: Decimal, *, lot: Lot | None, dest, where: str, held_ok=False
) -> list:
    """Done-ready moves for `qty` of `product`: from the order's open moves first (their
    reservation given back as they are done), then unreserved from the warehouse's stock.
    Moves are saved (new ones created) but not done; `complete_moves` does that. A lot a
    failed quality check holds is refused (`held_ok`: scrapping it is what frees it)."""
    moves, new = [], []
    # what is reserved (with its lot) goes first, so a waiting move without a lot is the last
    candidates = sorted(
        open_moves(mo, product.pk),
        key=lambda move: (move.quantity_reserved == 0, move.lot_id is None, move.pk),
    )
    if lot is not None:
        candidates = [move for move in candidates if move.lot_id == lot.pk]
        # a lot of what the order made (scrapping a failed lot) is taken from stock
        if not candidates and not mo.outputs.filter(product=product).exists():
            raise LotNotReserved(
                f"{where}.lot: {lot.name} is not reserved for {mo.number}", field=f"{where}.lot"
            )
    left = qty
    for move in candidates:
        if left <= 0:
            break
        take = min(left, move.quantity)
        release = min(move.quantity_reserved, take)
        if take < move.quantity:
            rest = _split(
                move,
                move.quantity - take,
                move.quantity - take,
                lot=move.lot,
                reserved=move.quantity_reserved - release,
            )
            rest.state = (
                MoveState.ASSIGNED
                if rest.quantity_reserved >= rest.quantity
                else MoveState.CONFIRMED
            )
            new.append(rest)
            move.quantity = move.uom_quantity = take
        move.quantity_done = take
        move._release = release
        if move.location_dest_id != dest.pk:  # scrap: the reserved units go there instead
            StockMove.objects.filter(pk=move.pk).update(location_dest=dest)
            move.location_dest = dest
        moves.append(move)
        left -= take
    if left > 0:
        if lot is None and product.tracking != Tracking.NONE and candidates:
            lot = candidates[-1].lot  # more of the lot already in use
        extra = StockMove(
            company_id=mo.company_id,
            product=product,
            quantity=left,
            uom=product.uom,
            uom_quantity=left,
            location_src=mo.warehouse.stock_location,
            location_dest=dest,
            lot=lot,
            state=MoveState.CONFIRMED,
            date=company_today(mo.company),
            origin=mo.number,
        )
        new.append(extra)
        extra.quantity_done = left
        extra._release = ZERO
        moves.append(extra)
    if not held_ok:
        refuse_held(mo.company_id, moves, where=where)
    StockMove.objects.bulk_create(new)
    return moves


def _consumption(mo, q: Decimal, left: Decimal, consumed) -> dict:
    """{product id: [product, quantity, lot]} to consume for `q` more of the `left` units."""
    plan = {}
    for component in mo.components.select_related("product__uom"):
        need = max(component.quantity - component.quantity_consumed, ZERO)
        if q < left:
            need = quantize_quantity(need * q / left, component.product.uom.decimal_places)
        plan[component.product_id] = [component.product, need, None]
    for index, row in enumerate(consumed or ()):
        where = f"consumed.{index}"
        product = ref(mo.company, row.get("product"), Product, field=f"{where}.product")
        lot = ref(mo.company, row.get("lot"), Lot, field=f"{where}.lot", required=False)
        if lot is not None and lot.product_id != product.pk:
            raise ValidationFailed(
                f"{where}.lot: a lot of another product",
                code="stock.lot_mismatch",
                field=f"{where}.lot",
            )
        plan[product.pk] = [
            product,
            clean_quantity(
                row.get("quantity"), field=f"{where}.quantity", places=product.uom.decimal_places
            ),
            lot,
        ]
    return plan


# -- produce -------------------------------------------------------------------------------


def _output_moves(mo, shares: list[tuple[MoOutput, Decimal, Decimal]], lot) -> list[StockMove]:
    company = mo.company
    moves = []
    for output, qty, value in shares:
        if qty <= 0:
            continue
        move = StockMove(
            company_id=company.pk,
            product=output.product,
            quantity=qty,
            uom=output.product.uom,
            uom_quantity=qty,
            location_src=_production(company),
            location_dest=mo.warehouse.stock_location,
            lot=lot if output.product_id == mo.product_id else None,
            state=MoveState.CONFIRMED,
            unit_cost=quantize_price(value / qty),
            date=company_today(company),
            origin=mo.number,
        )
        move.quantity_done = qty
        move._release = ZERO
        moves.append(move)
    StockMove.objects.bulk_create(moves)
    return moves


@transaction.atomic
def mo_produce(
    *,
    mo: ManufacturingOrder,
    quantity,
    consumed: Iterable[Mapping] | None = None,
    lot_name: str = "",
    backorder: bool = False,
    allow_overproduction: bool = False,
    user=None,
) -> ManufacturingOrder:
    """Produce `quantity` (the order's unit): consume the components (by default their
    planned share; `consumed` rows [{product, quantity, lot}] record what was really used,
    substitutes included), then put the outputs in stock valued at the order's WIP: each
    by-product its cost share, the main product the rest (standard-cost outputs at their
    standard, the difference to the production variance). The rest of the order stays open,
    or with `backorder` goes to a new order and this one is done."""
    locked = _locked(mo)
    _transition(locked, MoState.IN_PROGRESS)
    company = locked.company
    q = clean_quantity(quantity, field="quantity", places=locked.uom.decimal_places, positive=True)
    left = locked.quantity - locked.quantity_produced
    if q > left and not allow_overproduction:
        raise Overproduction(
            f"{q} is more than the {max(left, ZERO)} left to produce on {locked.number}",
            field="quantity",
        )
    lot = _output_lot(locked, lot_name)
    # 1. components: Dr WIP / Cr inventory
    plan = _consumption(locked, q, left, consumed)
    production = _production(company)
    taken, by_product = [], {}
    for index, (product, qty, component_lot) in enumerate(plan.values()):
        if qty > 0:
            moves = _take(
                locked, product, qty, lot=component_lot, dest=production, where=f"consumed.{index}"
            )
            by_product[product.pk] = moves
            taken.extend(moves)
    if taken:
        entry = complete_moves(company, taken, reference=locked.number, user=user)
        link(locked, entry, MoEntryKind.CONSUME)
    components = {c.product_id: c for c in locked.components.all()}
    for product_id, moves in by_product.items():
        component = components.get(product_id)
        if component is None:  # a substitute: recorded as consumed beyond any plan
            component = MoComponent(
                company=company, mo=locked, product_id=product_id, quantity=ZERO
            )
        component.quantity_consumed += sum((m.quantity_done for m in moves), ZERO)
        component.value_consumed += sum((m.value for m in moves), ZERO)
        component.save()
    # 2. outputs: Dr inventory / Cr WIP at their shares of what the order holds now
    wip = wip_balance(locked)
    outputs = list(locked.outputs.select_related("product__uom"))
    main = next(o for o in outputs if not o.is_byproduct)
    main_qty = quantize_quantity(
        q * convert(from_uom=locked.uom, to_uom=main.product.uom, field="uom"),
        main.product.uom.decimal_places,
    )
    shares, given = [], ZERO
    for output in outputs:
        if output.is_byproduct:
            qty = quantize_quantity(
                output.quantity * q / locked.quantity, output.product.uom.decimal_places
            )
            value = money(wip * output.cost_share / HUNDRED) if qty > 0 else ZERO
            given += value
            shares.append((output, qty, value))
    shares.insert(0, (main, main_qty, wip - given))
    made = _output_moves(locked, shares, lot)
    entry = complete_moves(company, made, reference=locked.number, user=user)
    link(locked, entry, MoEntryKind.PRODUCE)
    genealogy_record(locked, lot, taken)
    checks_for_production(locked, lot)
    valued = {move.product_id: move.value for move in made}
    variance = ZERO
    for output, qty, share in shares:
        output.quantity_produced += qty
        output.value += valued.get(output.product_id, ZERO)
        output.save(update_fields=["quantity_produced", "value", "updated_at"])
        if output.product.valuation == Valuation.STANDARD and qty > 0:
            variance += share - valued.get(output.product_id, ZERO)
    post_against_wip(
        locked,
        role="production_variance",
        amounts=[(-variance, "standard cost variance")],
        kind=MoEntryKind.VARIANCE,
        user=user,
    )
    locked.quantity_produced += q
    locked.state = MoState.IN_PROGRESS
    locked.save(update_fields=["quantity_produced", "state", "updated_at"])
    if backorder and q < left:
        rest = mo_create(
            company=company,
            bom=locked.bom,
            quantity=left - q,
            uom=locked.uom,
            warehouse=locked.warehouse,
            planned_start=company_today(company),
            planned_end=max(locked.planned_end, company_today(company)),
            sales_order=locked.sales_order,
            backorder_of=locked,
        )
        rest = mo_confirm(mo=rest)
        locked = _finish(locked, user=user)
        locked.backorder = rest
    return locked


def _output_lot(mo, lot_name: str) -> Lot | None:
    name = text(lot_name, field="lot_name", max_length=100)
    if mo.product.tracking == Tracking.NONE:
        if name:
            raise ValidationFailed(
                f"lot_name: {mo.product.sku} is not tracked by lot or serial",
                code="stock.lot_mismatch",
                field="lot_name",
            )
        return None
    if not name:
        raise ValidationFailed(
            f"lot_name: {mo.product.sku} needs a lot or serial number",
            code="stock.lot_required",
            field="lot_name",
        )
    lot, _created = Lot.objects.get_or_create(company=mo.company, product=mo.product, name=name)
    return lot


# -- scrap and work time -------------------------------------------------------------------


def _start(mo: ManufacturingOrder) -> ManufacturingOrder:
    locked = _locked(mo)
    _transition(locked, MoState.IN_PROGRESS)
    if locked.state != MoState.IN_PROGRESS:
        locked.state = MoState.IN_PROGRESS
        locked.save(update_fields=["state", "updated_at"])
    return locked


@transaction.atomic
def mo_scrap(
    *,
    mo: ManufacturingOrder,
    product: Product,
    quantity,
    reason: str,
    lot: Lot | None = None,
    user=None,
) -> Scrap:
    """Scrap `quantity` of a component (from what the order reserved first) or of a
    product made: Dr scrap loss / Cr inventory, recorded on the order with its reason."""
    locked = _start(mo)
    company = locked.company
    product = ref(company, product, Product, field="product")
    lot = ref(company, lot, Lot, field="lot", required=False)
    reason = text(reason, field="reason", max_length=200, required=True)
    qty = clean_quantity(
        quantity, field="quantity", places=product.uom.decimal_places, positive=True
    )
    moves = _take(
        locked,
        product,
        qty,
        lot=lot,
        dest=virtual_location(company, LocationUsage.SCRAP),
        where="scrap",
        held_ok=True,
    )
    entry = complete_moves(company, moves, reference=f"{locked.number} scrap", user=user)
    link(locked, entry, MoEntryKind.SCRAP)
    return Scrap.objects.create(
        company=company,
        mo=locked,
        product=product,
        quantity=qty,
        reason=reason,
        value=sum((m.value for m in moves), ZERO),
        entry=entry,
    )


@transaction.atomic
def mo_log_work(
    *,
    mo: ManufacturingOrder,
    minutes,
    operation: BomOperation | None = None,
    work_center: WorkCenter | None = None,
    date: datetime.date | None = None,
    note: str = "",
    user=None,
) -> WorkLog:
    """Time spent: hours x the work centre's cost and overhead rates, Dr WIP / Cr
    production costs absorbed."""
    locked = _start(mo)
    company = locked.company
    operation = ref(company, operation, BomOperation, field="operation", required=False)
    if operation is not None and operation.bom_id != locked.bom_id:
        raise ValidationFailed(
            "operation: not an operation of this order's BOM",
            code="reference.invalid",
            field="operation",
        )
    work_center = ref(
        company,
        work_center or (operation.work_center if operation else None),
        WorkCenter,
        field="work_center",
    )
    minutes = clean_quantity(minutes, field="minutes", places=2, positive=True)
    hours = minutes / 60
    labour = money(hours * work_center.cost_per_hour)
    overhead = money(hours * work_center.overhead_per_hour)
    entry = post_against_wip(
        locked,
        role="production_absorbed",
        amounts=[
            (labour, f"{work_center.code} labour"),
            (overhead, f"{work_center.code} overhead"),
        ],
        kind=MoEntryKind.LABOUR,
        user=user,
    )
    return WorkLog.objects.create(
        company=company,
        mo=locked,
        operation=operation,
        work_center=work_center,
        minutes=minutes,
        labour_cost=labour,
        overhead_cost=overhead,
        date=date or company_today(company),
        note=text(note, field="note", max_length=200),
        user=user if getattr(user, "pk", None) else None,
        entry=entry,
    )


# -- done and cancel -----------------------------------------------------------------------


def _drop_open_moves(mo: ManufacturingOrder) -> None:
    moves = open_moves(mo)
    _release(mo.company, moves)
    StockMove.objects.filter(pk__in=[m.pk for m in moves]).update(
        state=MoveState.CANCELLED, quantity_reserved=ZERO
    )


def _finish(locked: ManufacturingOrder, *, user) -> ManufacturingOrder:
    """Done: the open component moves are released and what WIP still holds for the order
    (time logged after the last output, rounding) goes to the main product's units (those
    still held; the share already sold to cost of goods sold), or to the production
    variance for a standard-cost product or when nothing was made. WIP ends at 0.
    Refused while a mandatory quality check of the order is failed and not released."""
    refuse_failed(locked)
    _drop_open_moves(locked)
    rest = wip_balance(locked)
    if rest:
        main = locked.outputs.get(is_byproduct=False)
        made = list(
            order_moves(locked)
            .filter(product=main.product, state=MoveState.DONE, location_dest__usage="internal")
            .values_list("pk", "quantity_done")
        )
        if main.product.valuation != Valuation.STANDARD and made:
            company = locked.company
            entry = received_cost_adjust(
                company=company,
                adjustments=[
                    {
                        "product": main.product,
                        "move_ids": [pk for pk, _qty in made],
                        "quantity": sum((qty for _pk, qty in made), ZERO),
                        "amount": rest,
                    }
                ],
                counterpart=account_for_role(company, "wip", field="account"),
                reference=f"{locked.number} completion",
                user=user,
            )
            link(locked, entry, MoEntryKind.CLOSE)
            main.value += rest
            main.save(update_fields=["value", "updated_at"])
        else:
            post_against_wip(
                locked,
                role="production_variance",
                amounts=[(-rest, "completion variance")],
                kind=MoEntryKind.VARIANCE,
                user=user,
            )
    locked.state = MoState.DONE
    locked.date_done = timezone.now()
    locked.save(update_fields=["state", "date_done", "updated_at"])
    _publish(locked, "manufacturing_order.done")
    return locked


@transaction.atomic
def mo_done(*, mo: ManufacturingOrder, user=None) -> ManufacturingOrder:
    locked = _locked(mo)
    _transition(locked, MoState.DONE)
    return _finish(locked, user=user)


@transaction.atomic
def mo_cancel(*, mo: ManufacturingOrder) -> ManufacturingOrder:
    """Cancel an order nothing was done on yet; its reservations are released."""
    locked = _locked(mo)
    _transition(locked, MoState.CANCELLED)
    _drop_open_moves(locked)
    locked.state = MoState.CANCELLED
    locked.save(update_fields=["state", "updated_at"])
    _publish(locked, "manufacturing_order.cancelled")
    return locked
