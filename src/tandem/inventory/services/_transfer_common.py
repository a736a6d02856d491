"""Shared pieces of the transfer services: transitions, locations, building moves and lots."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.catalog.models import Product, ProductType, Tracking, Uom
from tandem.core.bulk import rows_update
from tandem.core.errors import InvalidTransition, ValidationFailed
from tandem.parties.models import Address, Party

from ..errors import (
    InvalidReference,
    LotMismatch,
    MoveDone,
    SerialDuplicate,
    TransferCancelled,
    TransferDone,
)
from ..models import (
    TRANSFER_TRANSITIONS,
    Location,
    LocationUsage,
    Lot,
    MoveState,
    StockMove,
    Transfer,
    TransferKind,
)
from ._common import (
    check_company,
    conversion,
    quantity,
    text,
)
from .warehouses import virtual_location, warehouse_default

ZERO = Decimal(0)
UOM_PLACES = StockMove._meta.get_field("uom_quantity").decimal_places


def _moves_save(moves: list[StockMove], fields: list[str]) -> None:
    """Write the moves' fields; like the QuerySet guard, a move already done is refused."""
    if rows_update(StockMove, moves, fields, unless=("state", MoveState.DONE)) != len(moves):
        raise MoveDone("Done stock moves cannot be changed; move the stock back instead")


MOVE_FIELDS = ("product", "quantity", "uom", "lot", "lot_name", "expiry_date", "unit_cost")
# what the transfer services read of a locked transfer, loaded with the lock
TRANSFER_RELATED = ("company", "location_src", "location_dest")
PREFIX = {TransferKind.RECEIPT: "IN", TransferKind.DELIVERY: "OUT", TransferKind.INTERNAL: "INT"}
MAX_MOVES = 2000


def _transition(transfer: Transfer, to: str) -> None:
    """Check a move of the *locked* transfer against TRANSFER_TRANSITIONS."""
    if to in TRANSFER_TRANSITIONS[MoveState(transfer.state)]:
        return
    if transfer.state == MoveState.DONE:
        raise TransferDone(f"Transfer {transfer.number} is done")
    if transfer.state == MoveState.CANCELLED:
        raise TransferCancelled(f"Transfer {transfer.number} is cancelled")
    raise InvalidTransition(
        f"Not allowed from {transfer.state}", code="transfer.invalid_transition"
    )


def _locations(company, kind, warehouse, src, dest) -> tuple[Location, Location]:
    check_company(company, warehouse, field="warehouse")
    check_company(company, src, field="location_src")
    check_company(company, dest, field="location_dest")
    if (src is None or dest is None) and warehouse is None:
        warehouse = warehouse_default(company)
        if warehouse is None:
            raise ValidationFailed(
                "Create a warehouse first", code="warehouse.missing", field="warehouse"
            )
    if kind == TransferKind.RECEIPT:
        src = src or virtual_location(company, LocationUsage.SUPPLIER)
        dest = dest or warehouse.stock_location
    elif kind == TransferKind.DELIVERY:
        src = src or warehouse.stock_location
        dest = dest or virtual_location(company, LocationUsage.CUSTOMER)
    else:
        src = src or warehouse.stock_location
        if dest is None:
            raise ValidationFailed(
                "location_dest is required", code="validation.required", field="location_dest"
            )
    if src.pk == dest.pk:
        raise ValidationFailed(
            "Source and destination are the same location",
            code="transfer.locations_invalid",
            field="location_dest",
        )
    for loc, field in ((src, "location_src"), (dest, "location_dest")):
        if loc.usage == LocationUsage.VIEW:
            raise ValidationFailed(
                f"{field}: {loc} only groups locations; choose one under it",
                code="transfer.locations_invalid",
                field=field,
            )
    fits = {
        TransferKind.RECEIPT: dest.is_valued and not src.is_valued,
        TransferKind.DELIVERY: src.is_valued and not dest.is_valued,
        TransferKind.INTERNAL: src.is_valued and dest.is_valued,
    }[kind]
    if not fits:
        raise ValidationFailed(
            f"A {kind} does not go from {src} to {dest}",
            code="transfer.locations_invalid",
            field="location_dest",
        )
    return src, dest


def _build_moves(company, kind, src, dest, moves, on_date, origin) -> list[StockMove]:
    moves = list(moves)
    if not moves:
        raise ValidationFailed("A transfer needs at least one move", field="moves")
    if len(moves) > MAX_MOVES:
        raise ValidationFailed(f"At most {MAX_MOVES} moves", field="moves")
    product_ids = {getattr(m.get("product"), "pk", None) for m in moves} - {None}
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=product_ids, company=company).select_related("uom")
    }
    built, serials = [], set()
    for index, data in enumerate(moves):
        where = f"moves.{index}"
        unknown = set(data) - set(MOVE_FIELDS)
        if unknown:
            raise ValidationFailed(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        product = products.get(getattr(data.get("product"), "pk", None))
        if product is None:
            raise InvalidReference(
                f"{where}.product: no such product in this company", field=f"{where}.product"
            )
        if product.type == ProductType.SERVICE:
            raise ValidationFailed(
                f"{where}.product: {product.sku} is a service; services are not stocked",
                code="stock.not_stockable",
                field=f"{where}.product",
            )
        uom = data.get("uom") or product.uom
        if not isinstance(uom, Uom) or uom.company_id != company.pk:
            raise InvalidReference(f"{where}.uom: no such unit", field=f"{where}.uom")
        factor = conversion(from_uom=uom, to_uom=product.uom, field=f"{where}.uom")
        uom_qty = quantity(data.get("quantity"), field=f"{where}.quantity", positive=True)
        qty = quantity(
            uom_qty * factor,
            field=f"{where}.quantity",
            places=product.uom.decimal_places,
            positive=True,
        )
        lot = _move_lot(company, product, data, where=where, receiving=not src.is_valued)
        if product.tracking == Tracking.SERIAL and lot is not None:
            if qty != 1:
                raise ValidationFailed(
                    f"{where}.quantity: a serial number is one unit",
                    code="stock.serial_quantity",
                    field=f"{where}.quantity",
                )
            if lot.pk in serials:
                raise SerialDuplicate(
                    f"{where}.lot: serial {lot.name} appears twice", field=f"{where}.lot"
                )
            serials.add(lot.pk)
        if product.tracking == Tracking.SERIAL and lot is None and qty != qty.to_integral_value():
            raise ValidationFailed(
                f"{where}.quantity: serial-tracked products move in whole units",
                code="stock.serial_quantity",
                field=f"{where}.quantity",
            )
        unit_cost = data.get("unit_cost")
        if unit_cost is not None and unit_cost != "":
            unit_cost = quantity(unit_cost, field=f"{where}.unit_cost") / factor
        else:
            unit_cost = None
        built.append(
            StockMove(
                company=company,
                product=product,
                quantity=qty,
                uom=uom,
                uom_quantity=uom_qty,
                location_src=src,
                location_dest=dest,
                lot=lot,
                unit_cost=unit_cost,
                date=on_date,
                origin=origin,
            )
        )
    return built


def _move_lot(company, product, data, *, where: str, receiving: bool) -> Lot | None:
    lot = data.get("lot")
    name = text(data.get("lot_name"), field=f"{where}.lot_name", max_length=100)
    if lot is None and not name:
        return None
    if product.tracking == Tracking.NONE:
        raise ValidationFailed(
            f"{where}.lot: {product.sku} is not tracked by lot or serial",
            code="stock.lot_mismatch",
            field=f"{where}.lot",
        )
    if lot is not None:
        if not isinstance(lot, Lot) or lot.company_id != company.pk:
            raise InvalidReference(f"{where}.lot: no such lot", field=f"{where}.lot")
        if lot.product_id != product.pk:
            raise LotMismatch(
                f"{where}.lot: {lot.name} is a lot of another product", field=f"{where}.lot"
            )
        return lot
    existing = Lot.objects.filter(product=product, name=name).first()
    if existing is not None:
        return existing
    if not receiving:
        raise InvalidReference(f"{where}.lot_name: no lot {name} of {product.sku}")
    expiry = data.get("expiry_date")
    if expiry is not None and not isinstance(expiry, datetime.date):
        raise ValidationFailed(f"{where}.expiry_date: not a date", field=f"{where}.expiry_date")
    lot, _ = Lot.objects.get_or_create(
        company=company, product=product, name=name, defaults={"expiry_date": expiry}
    )
    return lot


@transaction.atomic
def _address_check(party: Party | None, address: Address | None) -> None:
    if address is not None and (party is None or address.party_id != party.pk):
        raise ValidationFailed(
            _("The address must be one of the party's."),
            code="transfer.address_not_of_party",
            field="address",
        )
