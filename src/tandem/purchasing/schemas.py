"""Purchasing API schemas: money and quantities travel as decimal strings."""

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from tandem.inventory.schemas import Money, Qty

NO_NUL = r"^[^\x00]*$"
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# sign and places are checked by the services, which answer with stable codes
Number = Annotated[Decimal, Field(max_digits=30, decimal_places=12, allow_inf_nan=False)]
CurrencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]


def Text(max_length: int, *, min_length: int = 0):  # noqa: N802  (a type factory)
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_NUL
        ),
    ]


# -- supplier prices -----------------------------------------------------------------------


class SupplierPriceOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    supplier: int = Field(validation_alias="supplier_id")
    product: int = Field(validation_alias="product_id")
    product_code: str
    product_name: str
    currency: str = Field(validation_alias="currency_id")
    price: Decimal
    min_quantity: Decimal
    lead_time_days: int
    sequence: int
    valid_from: date | None
    valid_to: date | None
    created_at: datetime
    updated_at: datetime


class SupplierPriceIn(Schema):
    supplier: Id
    product: Id
    price: Number
    currency: CurrencyCode | None = None
    min_quantity: Number = Decimal(0)
    lead_time_days: int = Field(0, ge=0, le=3650)
    product_code: Text(64) = ""
    product_name: Text(200) = ""
    sequence: int = Field(10, ge=0, le=2**31 - 1)
    valid_from: date | None = None
    valid_to: date | None = None


class SupplierPricePatch(Schema):
    supplier: Id | None = None
    product: Id | None = None
    price: Number | None = None
    currency: CurrencyCode | None = None
    min_quantity: Number | None = None
    lead_time_days: int | None = Field(None, ge=0, le=3650)
    product_code: Text(64) | None = None
    product_name: Text(200) | None = None
    sequence: int | None = Field(None, ge=0, le=2**31 - 1)
    valid_from: date | None = None
    valid_to: date | None = None


# -- reorder rules -------------------------------------------------------------------------


class ReorderForecastOut(Schema):
    """The active demand forecast's reorder point for the rule's product, and what each level
    risks: the stockout rate per replenishment cycle at the rule's minimum and at this point."""

    reorder_point: Decimal
    safety_stock: Decimal
    lead_time_demand: Decimal
    lead_time_days: int
    service_level: Decimal
    stockout_rate_at_min: float
    stockout_rate_at_reorder_point: float


class ReorderRuleOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    product: int = Field(validation_alias="product_id")
    warehouse: int = Field(validation_alias="warehouse_id")
    min_quantity: Decimal
    max_quantity: Decimal
    multiple: Decimal
    supplier: int | None = Field(validation_alias="supplier_id")
    active: bool
    follows_forecast: bool
    forecast: ReorderForecastOut | None = Field(
        None, validation_alias="forecast_out", description="null: no demand forecast yet"
    )
    created_at: datetime
    updated_at: datetime


class ReorderRuleIn(Schema):
    product: Id
    warehouse: Id
    min_quantity: Number
    max_quantity: Number
    multiple: Number = Decimal(1)
    supplier: Id | None = None
    active: bool = True
    follows_forecast: bool = False


class ReorderRulePatch(Schema):
    product: Id | None = None
    warehouse: Id | None = None
    min_quantity: Number | None = None
    max_quantity: Number | None = None
    multiple: Number | None = None
    supplier: Id | None = None
    active: bool | None = None
    follows_forecast: bool | None = None


class ReplenishmentIn(Schema):
    warehouse: Id | None = None


class SuggestionOut(Schema):
    rule: int
    product: int
    warehouse: int
    # computed figures, not fields: fixed six places like the stock fields they come from
    available: Qty
    incoming: Qty
    outgoing: Qty
    forecast: Qty
    min_quantity: Qty
    max_quantity: Qty
    multiple: Qty
    quantity: Qty
    status: str
    supplier: int | None
    order: int | None
    line: int | None
    reason: str


# -- purchase orders -----------------------------------------------------------------------


class PurchaseLineOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    description: str
    quantity: Decimal
    uom: int = Field(validation_alias="uom_id")
    unit_price: Decimal
    discount: Decimal
    taxes: list[int]
    untaxed_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    received_quantity: Decimal
    billed_quantity: Decimal
    expected_date: date | None
    reorder_rule: int | None = Field(validation_alias="reorder_rule_id")
    reason: str

    @staticmethod
    def resolve_taxes(obj):
        return [tax.pk for tax in obj.taxes.all()]


class MatchWarningOut(Schema):
    kind: str
    line: int
    product: str
    message: str
    invoice: int | None = None


class PurchaseOrderOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    number: str | None
    state: str
    supplier: int = Field(validation_alias="supplier_id")
    currency: str = Field(validation_alias="currency_id")
    order_date: date
    expected_date: date | None
    warehouse: int = Field(validation_alias="warehouse_id")
    location_dest: int | None = Field(validation_alias="location_dest_id")
    reference: str
    origin: str
    notes: str
    untaxed_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    receipt_status: str
    billing_status: str
    available_actions: list[str] = Field(
        description="The workflow actions (`POST /purchase-orders/{id}/<action>`) the order's "
        "state allows now; any other answers 409"
    )
    lines: list[PurchaseLineOut]
    transfers: list[int]
    invoices: list[int]
    warnings: list[MatchWarningOut]
    price_difference: Money = Field(
        description="Moved out of GRNI so far because bills priced received units otherwise "
        "(company currency; positive: the bills were higher)"
    )
    sent_at: datetime | None
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_number(obj):
        # an RFQ is not numbered yet: null, as on sales orders, invoices and payments
        return obj.number or None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class PurchaseLineIn(Schema):
    product: Id
    quantity: Number
    description: Text(500) = ""
    uom: Id | None = None
    unit_price: Number | None = None
    discount: Number = Decimal(0)
    taxes: list[Id] | None = None
    expected_date: date | None = None


class PurchaseOrderIn(Schema):
    supplier: Id
    warehouse: Id | None = None
    currency: CurrencyCode | None = None
    order_date: date | None = None
    expected_date: date | None = None
    location_dest: Id | None = None
    reference: Text(100) = ""
    origin: Text(100) = ""
    notes: Text(10_000) = ""
    lines: list[PurchaseLineIn] = Field(default_factory=list, max_length=1000)


class PurchaseOrderPatch(Schema):
    supplier: Id | None = None
    warehouse: Id | None = None
    currency: CurrencyCode | None = None
    order_date: date | None = None
    expected_date: date | None = None
    location_dest: Id | None = None
    reference: Text(100) | None = None
    origin: Text(100) | None = None
    notes: Text(10_000) | None = None
    lines: list[PurchaseLineIn] | None = Field(None, max_length=1000)


class LineQuantityIn(Schema):
    id: Id
    quantity: Number


class PurchaseSendIn(Schema):
    email: bool = False


class ReceiveIn(Schema):
    lines: list[LineQuantityIn] | None = Field(None, max_length=1000)


class BillIn(Schema):
    policy: Literal["received", "ordered"] = "received"
    date: dt.date | None = None
    lines: list[LineQuantityIn] | None = Field(None, max_length=1000)
