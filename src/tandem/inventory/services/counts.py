"""Inventory counts: a count sheet per location, differences applied as moves."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.accounting.services import company_today
from tandem.catalog.models import Product, ProductType, Tracking
from tandem.core.errors import Conflict, InvalidTransition, ValidationFailed
from tandem.core.services import sequence_next

from ..errors import InvalidReference, LotMismatch, LotRequired
from ..models import (
    CountState,
    InventoryCount,
    InventoryCountLine,
    Location,
    LocationUsage,
    Lot,
    MoveState,
    StockLevel,
    StockMove,
)
from ._common import check_company, lock_levels, lock_one, product_stocks, quantity
from .transfers import complete_moves
from .warehouses import virtual_location

ZERO = Decimal(0)


def _line(company, data: Mapping, where: str) -> tuple[Product, Lot | None, Decimal]:
    product = data.get("product")
    if not isinstance(product, Product) or product.company_id != company.pk:
        raise InvalidReference(f"{where}.product: no such product", field=f"{where}.product")
    if product.type == ProductType.SERVICE:
        raise ValidationFailed(
            f"{where}.product: services are not stocked",
            code="stock.not_stockable",
            field=f"{where}.product",
        )
    lot = data.get("lot")
    if lot is not None:
        check_company(company, lot, field=f"{where}.lot")
        if lot.product_id != product.pk:
            raise LotMismatch(f"{where}.lot: a lot of another product", field=f"{where}.lot")
    elif product.tracking != Tracking.NONE:
        raise LotRequired(f"{where}.lot: {product.sku} is counted per lot", field=f"{where}.lot")
    counted = quantity(
        data.get("counted"), field=f"{where}.counted", places=product.uom.decimal_places
    )
    if product.tracking == Tracking.SERIAL and counted > 1:
        raise ValidationFailed(
            f"{where}.counted: a serial number is one unit",
            code="stock.serial_quantity",
            field=f"{where}.counted",
        )
    return product, lot, counted


@transaction.atomic
def inventory_count_create(
    *,
    company,
    location: Location,
    lines: Iterable[Mapping] = (),
    date: datetime.date | None = None,
) -> InventoryCount:
    check_company(company, location, field="location")
    if location.usage != LocationUsage.INTERNAL:
        raise ValidationFailed(
            "Counts are taken in internal locations",
            code="count.location_invalid",
            field="location",
        )
    date = date or company_today(company)
    count = InventoryCount.objects.create(
        company=company,
        location=location,
        date=date,
        number=sequence_next(
            company=company, code="inventory_count", on_date=date, prefix="CNT/{year}/"
        ),
    )
    inventory_count_set_lines(count=count, lines=lines)
    return count


@transaction.atomic
def inventory_count_set_lines(*, count: InventoryCount, lines: Iterable[Mapping]) -> InventoryCount:
    """Set counted quantities (a product and lot counted again replaces the earlier figure)."""
    locked = lock_one(InventoryCount, count.pk, label="inventory_count")
    if locked.state != CountState.DRAFT:
        raise InvalidTransition("The count is applied or cancelled", code="count.not_draft")
    company = locked.company
    for index, data in enumerate(lines):
        product, lot, counted = _line(company, data, f"lines.{index}")
        expected = (
            StockLevel.objects.filter(product=product, location=locked.location, lot=lot)
            .values_list("on_hand", flat=True)
            .first()
        ) or ZERO
        InventoryCountLine.objects.update_or_create(
            count=locked,
            product=product,
            lot=lot,
            defaults={"company": company, "counted": counted, "expected": expected},
        )
    return locked


@transaction.atomic
def inventory_count_cancel(*, count: InventoryCount) -> InventoryCount:
    locked = lock_one(InventoryCount, count.pk, label="inventory_count")
    if locked.state != CountState.DRAFT:
        raise InvalidTransition("The count is applied or cancelled", code="count.not_draft")
    InventoryCount.objects.filter(pk=locked.pk).update(state=CountState.CANCELLED)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def inventory_count_apply(*, count: InventoryCount, user=None) -> InventoryCount:
    """Move the differences between counted and on hand to or from Inventory loss.

    The difference is taken against on hand *now*, under the level locks. A count below
    what is reserved is refused (`count.below_reserved`): unreserve those transfers first.
    """
    locked = lock_one(InventoryCount, count.pk, label="inventory_count")
    if locked.state != CountState.DRAFT:
        raise InvalidTransition("The count is applied or cancelled", code="count.not_draft")
    company = locked.company
    lines = list(locked.lines.select_related("product", "product__uom", "lot").order_by("pk"))
    if not lines:
        raise ValidationFailed("Count at least one product", code="count.empty", field="lines")
    product_stocks(company, {line.product_id for line in lines})
    location = locked.location
    levels = lock_levels(company, {(ln.product_id, location.pk, ln.lot_id) for ln in lines})
    loss = virtual_location(company, LocationUsage.INVENTORY)
    moves = []
    for line in lines:
        level = levels[(line.product_id, location.pk, line.lot_id)]
        if line.counted < level.reserved:
            raise Conflict(
                f"{line.product.sku}: counted {line.counted} is below the {level.reserved} "
                "reserved; unreserve those transfers first",
                code="count.below_reserved",
                field="lines",
            )
        line.expected = level.on_hand
        diff = line.counted - level.on_hand
        if diff == 0:
            continue
        src, dest = (loss, location) if diff > 0 else (location, loss)
        move = StockMove(
            company=company,
            count=locked,
            product=line.product,
            quantity=abs(diff),
            quantity_done=abs(diff),
            uom=line.product.uom,
            uom_quantity=abs(diff),
            location_src=src,
            location_dest=dest,
            lot=line.lot,
            state=MoveState.ASSIGNED,
            date=locked.date,
            origin=locked.number,
        )
        move._release = ZERO
        moves.append(move)
    InventoryCountLine.objects.bulk_update(lines, ["expected"])
    entry = None
    if moves:
        StockMove.objects.bulk_create(moves)
        entry = complete_moves(company, moves, reference=locked.number, user=user)
    InventoryCount.objects.filter(pk=locked.pk).update(
        state=CountState.DONE, applied_at=timezone.now(), entry=entry
    )
    locked.refresh_from_db()
    return locked
