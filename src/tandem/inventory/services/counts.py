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
from ._common import UNSET, check_company, lock_levels, lock_one, product_stocks, quantity
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


def _lines(company, lines: Iterable[Mapping]) -> list[tuple[Product, Lot | None, Decimal]]:
    """Every line checked before any is written; a product and lot counted twice in one
    request is refused (`count.duplicate_line`), since which figure wins would be a guess."""
    checked = []
    seen: dict[tuple[int, int | None], int] = {}
    for index, data in enumerate(lines):
        product, lot, counted = _line(company, data, f"lines.{index}")
        key = (product.pk, lot.pk if lot else None)
        if key in seen:
            raise ValidationFailed(
                f"lines.{index}.product: {product.sku}"
                + (f" lot {lot.name}" if lot else "")
                + f" is counted on line {seen[key]} already",
                code="count.duplicate_line",
                field=f"lines.{index}.product",
            )
        seen[key] = index
        checked.append((product, lot, counted))
    return checked


def _check_location(company, location: Location) -> None:
    check_company(company, location, field="location")
    if location.usage != LocationUsage.INTERNAL:
        raise ValidationFailed(
            "Counts are taken in internal locations",
            code="count.location_invalid",
            field="location",
        )


def _write_lines(count: InventoryCount, checked) -> None:
    for product, lot, counted in checked:
        expected = (
            StockLevel.objects.filter(product=product, location=count.location, lot=lot)
            .values_list("on_hand", flat=True)
            .first()
        ) or ZERO
        InventoryCountLine.objects.update_or_create(
            count=count,
            product=product,
            lot=lot,
            defaults={"company": count.company, "counted": counted, "expected": expected},
        )


def _lock_draft(count: InventoryCount) -> InventoryCount:
    locked = lock_one(InventoryCount, count.pk, label="inventory_count")
    if locked.state != CountState.DRAFT:
        raise InvalidTransition("The count is applied or cancelled", code="count.not_draft")
    return locked


@transaction.atomic
def inventory_count_create(
    *,
    company,
    location: Location,
    lines: Iterable[Mapping] = (),
    date: datetime.date | None = None,
) -> InventoryCount:
    _check_location(company, location)
    # checked before the count takes a number, so a refusal spends none
    checked = _lines(company, lines)
    date = date or company_today(company)
    count = InventoryCount.objects.create(
        company=company,
        location=location,
        date=date,
        number=sequence_next(
            company=company, code="inventory_count", on_date=date, prefix="CNT/{year}/"
        ),
    )
    _write_lines(count, checked)
    return count


@transaction.atomic
def inventory_count_set_lines(*, count: InventoryCount, lines: Iterable[Mapping]) -> InventoryCount:
    """Set counted quantities (a product and lot counted again replaces the earlier figure)."""
    locked = _lock_draft(count)
    _write_lines(locked, _lines(locked.company, lines))
    return locked


@transaction.atomic
def inventory_count_update(
    *, count: InventoryCount, location=UNSET, date=UNSET, lines=UNSET
) -> InventoryCount:
    """Change a draft count: its location, date, or all its lines (`lines` replaces them).

    Expected quantities are read again from the (new) location; `apply` takes them afresh
    under its locks anyway.
    """
    locked = _lock_draft(count)
    company = locked.company
    fields = []
    if location is not UNSET:
        _check_location(company, location)
        locked.location = location
        fields.append("location")
    if date is not UNSET:
        if not isinstance(date, datetime.date):
            raise ValidationFailed("date: not a date", field="date")
        locked.date = date
        fields.append("date")
    checked = _lines(company, lines) if lines is not UNSET else None
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if checked is not None:
        locked.lines.all().delete()
        _write_lines(locked, checked)
    elif location is not UNSET:
        lines = list(locked.lines.all())
        on_hand = {
            (product, lot): quantity
            for product, lot, quantity in StockLevel.objects.filter(
                location=location, product_id__in={line.product_id for line in lines}
            ).values_list("product_id", "lot_id", "on_hand")
        }
        for line in lines:
            line.expected = on_hand.get((line.product_id, line.lot_id), ZERO)
        InventoryCountLine.objects.bulk_update(lines, ["expected"])
    return locked


@transaction.atomic
def inventory_count_delete(*, count: InventoryCount) -> None:
    """Delete a draft count and its lines; applied or cancelled counts stay."""
    locked = _lock_draft(count)
    locked.lines.all().delete()
    locked.delete()


@transaction.atomic
def inventory_count_cancel(*, count: InventoryCount) -> InventoryCount:
    locked = _lock_draft(count)
    InventoryCount.objects.filter(pk=locked.pk).update(state=CountState.CANCELLED)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def inventory_count_apply(*, count: InventoryCount, user=None) -> InventoryCount:
    """Move the differences between counted and on hand to or from Inventory loss.

    The difference is taken against on hand *now*, under the level locks. A count below
    what is reserved is refused (`count.below_reserved`): unreserve those transfers first.
    """
    locked = _lock_draft(count)
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
