"""API schemas of the inventory resources (field names per API.md)."""

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints

NO_NUL = r"^[^\x00]*$"
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=6)]
# aggregates come back from SQLite without their scale; answer six places everywhere
Qty = Annotated[Decimal, AfterValidator(lambda v: v.quantize(Decimal("0.000001")))]
Money = Annotated[Decimal, AfterValidator(lambda v: Decimal(v).quantize(Decimal("0.01")))]
Price = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]


def Text(max_length: int, *, min_length: int = 0):  # noqa: N802  (a type factory)
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_NUL
        ),
    ]


KindName = Literal["receipt", "delivery", "internal"]


class WarehouseIn(Schema):
    code: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=10, pattern=r"^[A-Za-z0-9_-]+$"
        ),
    ]
    name: Text(100, min_length=1)


class WarehousePatch(Schema):
    name: Text(100, min_length=1) | None = None
    active: bool | None = None
    is_default: bool | None = Field(
        default=None,
        description="true makes this the company's default warehouse; the default changes "
        "only by making another one the default",
    )


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    active: bool
    is_default: bool = Field(
        default=False,
        description="receipts, purchase orders and deliveries naming no warehouse use it",
    )
    view_location: int = Field(validation_alias="view_location_id")
    stock_location: int = Field(validation_alias="stock_location_id")
    input_location: int = Field(validation_alias="input_location_id")
    output_location: int = Field(validation_alias="output_location_id")
    created_at: datetime
    updated_at: datetime


class LocationIn(Schema):
    name: Text(100, min_length=1)
    parent: Id | None = None
    usage: Literal["internal", "view", "transit"] = "internal"
    barcode: Text(64) = ""


class LocationPatch(Schema):
    name: Text(100, min_length=1) | None = None
    barcode: Text(64) | None = None
    active: bool | None = None


class LocationOut(Schema):
    id: int
    name: str
    full_name: str
    usage: str
    barcode: str
    parent: int | None = Field(validation_alias="parent_id")
    warehouse: int | None = Field(validation_alias="warehouse_id")
    active: bool
    created_at: datetime
    updated_at: datetime


class LevelOut(Schema):
    product: int
    sku: str = Field(validation_alias="product__sku")
    location: int
    location_name: str = Field(validation_alias="location__full_name")
    on_hand: Qty
    reserved: Qty
    available: Qty
    incoming: Qty
    outgoing: Qty
    forecast: Qty


class MoveOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    quantity: Decimal
    quantity_done: Decimal
    quantity_reserved: Decimal
    uom: int = Field(validation_alias="uom_id")
    uom_quantity: Decimal
    lot: int | None = Field(validation_alias="lot_id")
    lot_name: str | None = None
    state: str
    location_src: int = Field(validation_alias="location_src_id")
    location_dest: int = Field(validation_alias="location_dest_id")
    transfer: int | None = Field(validation_alias="transfer_id")
    unit_cost: Decimal | None
    value: Decimal
    date: dt.date
    date_done: datetime | None
    origin: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_lot_name(obj):
        return obj.lot.name if obj.lot_id else None


class TransferMoveIn(Schema):
    product: Id
    quantity: Quantity
    uom: Id | None = None
    lot: Id | None = None
    lot_name: Text(100) = ""
    expiry_date: dt.date | None = None
    unit_cost: Price | None = None


class TransferIn(Schema):
    kind: KindName
    warehouse: Id | None = None
    party: Id | None = None
    address: Id | None = Field(
        None, description="One of the party's addresses: where the goods go (or come from)"
    )
    origin: Text(100) = ""
    scheduled_date: dt.date | None = None
    location_src: Id | None = None
    location_dest: Id | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)] = ""
    moves: list[TransferMoveIn] = Field(min_length=1, max_length=2000)


class TransferPatch(Schema):
    party: Id | None = None
    address: Id | None = Field(None, description="null clears it")
    origin: Text(100) | None = None
    scheduled_date: dt.date | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)] | None = None
    moves: list[TransferMoveIn] | None = Field(default=None, min_length=1, max_length=2000)


class TransferListOut(Schema):
    id: int
    number: str
    kind: str
    state: str
    company: int = Field(validation_alias="company_id")
    party: int | None = Field(validation_alias="party_id")
    address: int | None = Field(validation_alias="address_id")
    origin: str
    scheduled_date: dt.date
    date_done: datetime | None
    warehouse: int | None = Field(validation_alias="warehouse_id")
    location_src: int = Field(validation_alias="location_src_id")
    location_dest: int = Field(validation_alias="location_dest_id")
    backorder_of: int | None = Field(validation_alias="backorder_of_id")
    entry: int | None = Field(validation_alias="entry_id")
    created_at: datetime
    updated_at: datetime


class TransferOut(TransferListOut):
    notes: str
    moves: list[MoveOut]
    backorder: int | None = None
    shortfalls: list[dict] = []

    @staticmethod
    def resolve_moves(obj):
        return sorted(obj.moves.all(), key=lambda m: m.pk)

    @staticmethod
    def resolve_backorder(obj):
        backorder = getattr(obj, "backorder", None)
        if backorder is not None:
            return backorder.pk
        found = [b.pk for b in obj.backorders.all()]
        return min(found) if found else None

    @staticmethod
    def resolve_shortfalls(obj):
        return getattr(obj, "shortfalls", [])


class AssignIn(Schema):
    strict: bool = False


class DoneMoveIn(Schema):
    id: Id
    quantity: Quantity


class TransferDoneIn(Schema):
    moves: list[DoneMoveIn] | None = Field(default=None, max_length=2000)


class CountLineIn(Schema):
    product: Id
    lot: Id | None = None
    counted: Quantity


class CountIn(Schema):
    location: Id
    date: dt.date | None = None
    lines: list[CountLineIn] = Field(default_factory=list, max_length=5000)


class CountPatch(Schema):
    """Draft counts only; `lines` replaces all the lines."""

    location: Id | None = None
    date: dt.date | None = None
    lines: list[CountLineIn] | None = Field(default=None, max_length=5000)


class CountLinesIn(Schema):
    lines: list[CountLineIn] = Field(min_length=1, max_length=5000)


class CountLineOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    lot: int | None = Field(validation_alias="lot_id")
    expected: Decimal
    counted: Decimal
    difference: Decimal


class CountOut(Schema):
    id: int
    number: str
    state: str
    company: int = Field(validation_alias="company_id")
    location: int = Field(validation_alias="location_id")
    date: dt.date
    applied_at: datetime | None
    entry: int | None = Field(validation_alias="entry_id")
    lines: list[CountLineOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_lines(obj):
        return sorted(obj.lines.all(), key=lambda line: line.pk)


class ValuationRowOut(Schema):
    product: int
    sku: str
    name: str
    valuation: str
    quantity: Qty
    value: Money
    unit_cost: Decimal


class ValuationTotalsOut(Schema):
    value: Money


class LayerOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    move: int | None = Field(validation_alias="move_id")
    transfer: int | None = None
    quantity: Qty
    unit_cost: Decimal
    value: Money
    remaining_quantity: Qty
    remaining_value: Money
    description: str
    created_at: datetime

    @staticmethod
    def resolve_transfer(obj):
        return obj.move.transfer_id if obj.move_id else None


class ValuationOut(Schema):
    rows: list[ValuationRowOut]
    totals: ValuationTotalsOut
