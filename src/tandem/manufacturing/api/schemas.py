"""Manufacturing API schemas (field names per API.md): decimals travel as strings."""

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from tandem.inventory.schemas import NO_NUL, Id, Money, Qty, Text

# sign and places are checked by the services, which answer with stable codes
Number = Annotated[Decimal, Field(max_digits=30, decimal_places=12, allow_inf_nan=False)]


class WorkCenterOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    code: str
    name: str
    cost_per_hour: Decimal
    overhead_per_hour: Decimal
    capacity_hours_per_day: Decimal
    efficiency: Decimal
    setup_minutes: Decimal
    calendar: int | None = Field(validation_alias="calendar_id")
    active: bool
    created_at: datetime
    updated_at: datetime


class WorkCenterIn(Schema):
    code: Text(20, min_length=1)
    name: Text(100, min_length=1)
    cost_per_hour: Number = Decimal(0)
    overhead_per_hour: Number = Decimal(0)
    capacity_hours_per_day: Number = Decimal(8)
    efficiency: Number = Decimal(100)
    setup_minutes: Number = Decimal(0)
    # a business calendar of the company (GET /calendars); none: the company's country
    # calendar, Monday to Friday
    calendar: Id | None = None
    active: bool = True


class WorkCenterPatch(Schema):
    code: Text(20, min_length=1) | None = None
    name: Text(100, min_length=1) | None = None
    cost_per_hour: Number | None = None
    overhead_per_hour: Number | None = None
    capacity_hours_per_day: Number | None = None
    efficiency: Number | None = None
    setup_minutes: Number | None = None
    calendar: Id | None = None  # null: back to the company's country calendar
    active: bool | None = None


class BomLineIO(Schema):
    product: Id
    quantity: Number
    uom: Id | None = None
    kind: Literal["component", "phantom"] = "component"
    sequence: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None


class BomByproductIO(Schema):
    product: Id
    quantity: Number
    uom: Id | None = None
    cost_share: Number = Decimal(0)


class BomOperationIO(Schema):
    work_center: Id
    minutes: Number
    sequence: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    name: Text(100) = ""


class BomOut(Schema):
    id: int
    company: int
    product: int
    quantity: Decimal
    uom: int
    version: int
    valid_from: date | None
    valid_to: date | None
    active: bool
    type: Literal["normal", "phantom"]
    scrap_percent: Decimal
    notes: str
    lines: list[BomLineIO]
    byproducts: list[BomByproductIO]
    operations: list[BomOperationIO]
    created_at: datetime
    updated_at: datetime


class BomIn(Schema):
    product: Id
    quantity: Number = Decimal(1)
    uom: Id | None = None
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True
    # phantom: a kit, never manufactured; selling it delivers its components
    type: Literal["normal", "phantom"] = "normal"
    scrap_percent: Number = Decimal(0)
    notes: Text(10_000) = ""
    lines: list[BomLineIO]
    byproducts: list[BomByproductIO] = []
    operations: list[BomOperationIO] = []


class BomPatch(Schema):
    quantity: Number | None = None
    uom: Id | None = None
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool | None = None
    type: Literal["normal", "phantom"] | None = None
    scrap_percent: Number | None = None
    notes: Text(10_000) | None = None
    lines: list[BomLineIO] | None = None
    byproducts: list[BomByproductIO] | None = None
    operations: list[BomOperationIO] | None = None


class ExplodedOut(Schema):
    level: int
    product: int
    sku: str
    quantity: Qty
    uom: int
    kind: str
    bom: int | None
    consumed: bool
    unit_cost: Decimal
    cost: Money


class ExplosionOut(Schema):
    bom: int
    quantity: Qty
    rows: list[ExplodedOut]


class OperationCostOut(Schema):
    operation: int
    work_center: int
    minutes: Decimal
    hours: Decimal
    cost: Money


class BomCostOut(Schema):
    bom: int
    quantity: Qty
    materials: Money
    operations: list[OperationCostOut]
    operations_total: Money
    total: Money
    unit_cost: Decimal
    rows: list[ExplodedOut]


class ComponentOut(Schema):
    product: int
    quantity: Qty
    quantity_consumed: Qty
    value_consumed: Money
    lot: int | None
    lots: list[int]


class OutputOut(Schema):
    product: int
    is_byproduct: bool
    quantity: Qty
    quantity_produced: Qty
    cost_share: Decimal
    value: Money
    unit_cost: Decimal | None


class WorkLogOut(Schema):
    id: int
    operation: int | None
    work_center: int
    minutes: Decimal
    labour_cost: Money
    overhead_cost: Money
    date: dt.date
    note: str
    entry: int | None


class CostOut(Schema):
    materials: Money
    labour: Money
    overhead: Money
    total: Money
    wip: Money


class MoOut(Schema):
    id: int
    company: int
    number: str
    product: int
    quantity: Qty
    uom: int
    quantity_produced: Qty
    bom: int
    warehouse: int
    state: str
    planned_start: date
    planned_end: date
    sales_order: int | None
    backorder_of: int | None
    date_done: datetime | None
    notes: str
    components: list[ComponentOut]
    outputs: list[OutputOut]
    work_logs: list[WorkLogOut]
    cost: CostOut
    entries: list[int]
    backorder: int | None = None
    shortfalls: list[dict] | None = None
    created_at: datetime
    updated_at: datetime


class MoIn(Schema):
    bom: Id
    quantity: Number
    uom: Id | None = None
    warehouse: Id | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    sales_order: Id | None = None
    notes: Text(10_000) = ""


class MoFromSalesLineIn(Schema):
    sales_order_line: Id
    bom: Id | None = None


class ConsumedIn(Schema):
    product: Id
    quantity: Number
    lot: Id | None = None


class ProduceIn(Schema):
    quantity: Number
    consumed: list[ConsumedIn] | None = None
    lot_name: Text(100) = ""
    backorder: bool = False


class ScrapIn(Schema):
    product: Id
    quantity: Number
    reason: Text(200, min_length=1)
    lot: Id | None = None


class WorkLogIn(Schema):
    minutes: Number
    operation: Id | None = None
    work_center: Id | None = None
    date: dt.date | None = None
    note: Text(200) = ""


class PeggingOut(Schema):
    demand: str = Field(
        validation_alias="demand_kind",
        description="sales_order_line, mo_component, planned_order or safety_stock",
    )
    demand_id: int | None
    label: str
    date: dt.date
    quantity: Decimal


class PlannedOrderOut(Schema):
    id: int
    kind: str = Field(description="purchase or manufacture")
    state: str = Field(description="planned or firmed")
    product: int = Field(validation_alias="product_id")
    quantity: Decimal
    due_date: dt.date
    release_date: dt.date
    bom: int | None = Field(validation_alias="bom_id")
    supplier: int | None = Field(validation_alias="supplier_id")
    purchase_order: int | None = Field(validation_alias="purchase_order_id")
    manufacturing_order: int | None = Field(validation_alias="manufacturing_order_id")
    pegging: list[PeggingOut]

    @staticmethod
    def resolve_pegging(obj):
        return list(obj.pegging.all())


class MrpRunIn(Schema):
    bucket: Literal["day", "week"] = "day"
    mode: Literal["regenerative", "net_change"] = "regenerative"
    # the analytics demand forecast as demand too, beyond the orders of each week
    analytics_forecast: bool = False


class DemandForecastIn(Schema):
    product: Id
    date_from: dt.date
    date_to: dt.date
    quantity: Decimal = Field(ge=0, max_digits=24, decimal_places=6)
    note: str = Field("", max_length=200, pattern=NO_NUL)


class DemandForecastPatch(Schema):
    date_to: dt.date | None = None
    quantity: Decimal | None = Field(None, ge=0, max_digits=24, decimal_places=6)
    note: str | None = Field(None, max_length=200, pattern=NO_NUL)


class DemandForecastOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    date_from: dt.date
    date_to: dt.date
    quantity: Decimal
    note: str


class MrpMessageOut(Schema):
    id: int
    kind: str = Field(description="reschedule_in, reschedule_out or cancel")
    product: int = Field(validation_alias="product_id")
    purchase_order_line: int | None = Field(validation_alias="purchase_order_line_id")
    manufacturing_order: int | None = Field(validation_alias="manufacturing_order_id")
    label: str
    current_date: dt.date
    suggested_date: dt.date | None
    quantity: Decimal


# -- quality and genealogy -----------------------------------------------------------------

# a measurement may be below zero (a temperature); the service checks its range
Measure = Annotated[Decimal, Field(max_digits=30, decimal_places=12, allow_inf_nan=False)]


class QualityPointOut(Schema):
    id: int
    name: str
    trigger: str = Field(description="production or receipt")
    product: int | None = Field(validation_alias="product_id")
    operation: int | None = Field(validation_alias="operation_id")
    test: str = Field(description="pass_fail or measure")
    norm: Decimal | None
    tolerance_min: Decimal | None
    tolerance_max: Decimal | None
    unit: str
    instructions: str
    mandatory: bool
    every: int = Field(description="a check one time in this many that the point is reached")
    reached: int
    active: bool


class QualityPointIn(Schema):
    name: Text(100, min_length=1)
    trigger: Literal["production", "receipt"]
    product: Id | None = None
    operation: Id | None = None
    test: Literal["pass_fail", "measure"] = "pass_fail"
    norm: Measure | None = None
    tolerance_min: Measure | None = None
    tolerance_max: Measure | None = None
    unit: Text(20) = ""
    instructions: Text(10_000) = ""
    mandatory: bool = True
    every: int = Field(1, ge=1, le=10_000)
    active: bool = True


class QualityPointPatch(Schema):
    name: Text(100, min_length=1) | None = None
    product: Id | None = None
    operation: Id | None = None
    test: Literal["pass_fail", "measure"] | None = None
    norm: Measure | None = None
    tolerance_min: Measure | None = None
    tolerance_max: Measure | None = None
    unit: Text(20) | None = None
    instructions: Text(10_000) | None = None
    mandatory: bool | None = None
    every: int | None = Field(None, ge=1, le=10_000)
    active: bool | None = None


class QualityCheckOut(Schema):
    id: int
    point: int = Field(validation_alias="point_id")
    point_name: str
    test: str
    tolerance_min: Decimal | None
    tolerance_max: Decimal | None
    manufacturing_order: int | None = Field(validation_alias="mo_id")
    move: int | None = Field(validation_alias="move_id")
    product: int = Field(validation_alias="product_id")
    lot: int | None = Field(validation_alias="lot_id")
    mandatory: bool
    state: str = Field(description="todo, pass or fail")
    result: str | None = Field(description="pass or fail; null while the check is to do")
    measured: Decimal | None = Field(validation_alias="measure")
    note: str
    checked_at: datetime | None
    released_at: datetime | None
    holds_lot: bool

    @staticmethod
    def resolve_point_name(obj):
        return obj.point.name

    @staticmethod
    def resolve_test(obj):
        return obj.point.test

    @staticmethod
    def resolve_tolerance_min(obj):
        return obj.point.tolerance_min

    @staticmethod
    def resolve_tolerance_max(obj):
        return obj.point.tolerance_max

    @staticmethod
    def resolve_result(obj):
        return None if obj.state == "todo" else obj.state

    @staticmethod
    def resolve_holds_lot(obj):
        return obj.holds and obj.lot_id is not None


class QualityRecordIn(Schema):
    result: Literal["pass", "fail", ""] = ""
    measured: Measure | None = None
    note: Text(500) = ""


class QualityReleaseIn(Schema):
    note: Text(500) = ""


class QualityCheckAlertOut(Schema):
    id: int
    title: str
    description: str
    product: int | None = Field(validation_alias="product_id")
    lot: int | None = Field(validation_alias="lot_id")
    check: int | None = Field(validation_alias="check_row_id")
    state: str = Field(description="open or closed")
    created_at: datetime
    closed_at: datetime | None


class QualityAlertIn(Schema):
    title: Text(200, min_length=1)
    description: Text(10_000) = ""
    product: Id | None = None
    lot: Id | None = None


class LotNodeOut(Schema):
    lot: int
    name: str
    product: int
    sku: str
    quantity: Decimal
    manufacturing_order: int = Field(validation_alias="mo")
    mo_number: str
    children: list["LotNodeOut"]


class LotGenealogyOut(Schema):
    lot: int
    name: str
    product: int
    held: bool
    components: list[LotNodeOut]
    where_used: list[LotNodeOut]
