"""API schemas of sales (field names fixed by API.md)."""

import datetime as dt
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from tandem.accounting.schemas.ledger import CurrencyCode, Id, Text

from .services._common import awaits_payment

Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=4)]
UnitPrice = Annotated[Decimal, Field(max_digits=20, decimal_places=6)]
Discount = Annotated[Decimal, Field(max_digits=5, decimal_places=2)]
LanguageName = Literal["", "en", "zh-hans"]
StageName = Literal[
    "received", "payment_verified", "allocated", "picked", "packed", "shipped", "delivered"
]
KindName = Literal[
    "stock_shortage", "credit_hold", "payment_overdue", "sla_breach", "delivery_failed"
]


class OrderLineOut(Schema):
    id: int
    sequence: int
    product: int = Field(validation_alias="product_id")
    description: str
    quantity: Decimal
    uom: int = Field(validation_alias="uom_id")
    unit_price: Decimal
    price_floor: Decimal
    discount: Decimal
    taxes: list[int]
    untaxed_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    qty_delivered: Decimal
    qty_invoiced: Decimal
    invoice_policy: str

    @staticmethod
    def resolve_taxes(obj):
        return [t.pk for t in obj.taxes.all()]


class StageEventOut(Schema):
    stage: str
    at: datetime
    by: int | None = Field(validation_alias="by_id")
    note: str


class OrderListOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    number: str | None
    quotation_number: str
    state: str
    party: int = Field(validation_alias="party_id")
    party_name: str
    currency: str = Field(validation_alias="currency_id")
    order_date: date
    channel: str
    external_reference: str
    on_hold: bool
    prepaid: bool
    awaiting_payment: bool
    delivery_status: str
    invoice_status: str
    payment_status: str
    untaxed_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_number(obj):
        return obj.number or None

    @staticmethod
    def resolve_party_name(obj):
        return obj.party.name

    @staticmethod
    def resolve_awaiting_payment(obj):
        # annotated on lists (see queries.orders_filtered); asked per order on a detail read
        cached = getattr(obj, "awaiting_payment", None)
        return awaits_payment(obj) if cached is None else cached


class OrderOut(OrderListOut):
    invoice_address: int | None = Field(validation_alias="invoice_address_id")
    delivery_address: int | None = Field(validation_alias="delivery_address_id")
    payment_term: int | None = Field(validation_alias="payment_term_id")
    price_list: int | None = Field(validation_alias="price_list_id")
    salesperson: int | None = Field(validation_alias="salesperson_id")
    validity_date: date | None
    commitment_date: date | None
    language: str
    note: str
    sent_at: datetime | None
    confirmed_at: datetime | None
    carrier: str
    tracking_reference: str
    available_actions: list[str] = Field(
        description="The workflow actions (`POST /sales-orders/{id}/<action>`) the order's "
        "state allows now; any other answers 409"
    )
    lines: list[OrderLineOut]
    stages: list[StageEventOut]
    transfers: list[int]
    invoices: list[int]
    exceptions: list[int]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_stages(obj):
        return list(obj.stage_events.all())

    @staticmethod
    def resolve_transfers(obj):
        return [t.pk for t in obj.transfers.all()]

    @staticmethod
    def resolve_invoices(obj):
        return [i.pk for i in obj.invoices.all()]

    @staticmethod
    def resolve_exceptions(obj):
        return [e.pk for e in obj.exceptions.all()]


class OrderLineIn(Schema):
    product: Id
    description: Text(500) = ""
    quantity: Quantity = Decimal(1)
    uom: Id | None = None
    unit_price: UnitPrice | None = None
    discount: Discount = Decimal(0)
    taxes: list[Id] | None = None


class OrderIn(Schema):
    party: Id
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=500)
    invoice_address: Id | None = None
    delivery_address: Id | None = None
    currency: CurrencyCode | None = None
    payment_term: Id | None = None
    price_list: Id | None = None
    channel: Text(30) = ""
    external_reference: Text(100) = ""
    salesperson: Id | None = None
    order_date: date | None = None
    validity_date: date | None = None
    commitment_date: date | None = None
    language: LanguageName = ""
    note: Text(10_000) = ""
    prepaid: bool | None = Field(
        None, description="Payment before delivery; by default true on an immediate term"
    )


class OrderPatch(Schema):
    party: Id | None = None
    lines: list[OrderLineIn] | None = Field(None, max_length=500)
    invoice_address: Id | None = None
    delivery_address: Id | None = None
    currency: CurrencyCode | None = None
    payment_term: Id | None = None
    channel: Text(30) | None = None
    external_reference: Text(100) | None = None
    salesperson: Id | None = None
    order_date: date | None = None
    validity_date: date | None = None
    commitment_date: date | None = None
    language: LanguageName | None = None
    note: Text(10_000) | None = None
    prepaid: bool | None = None


class SendIn(Schema):
    to: Text(254) | None = None


class ConfirmIn(Schema):
    override_credit: bool = False


class CancelIn(Schema):
    reason: Text(500) = ""


class OrderInvoiceIn(Schema):
    with_orders: list[Id] = Field(default_factory=list, max_length=100)
    date: dt.date | None = None
    quantities: dict[int, Quantity] | None = None
    post: bool = False


class StepMoveIn(Schema):
    id: Id
    quantity: Quantity


class DeliveryStepIn(Schema):
    carrier: Text(100) = ""
    tracking_reference: Text(100) = ""
    moves: list[StepMoveIn] | None = Field(None, max_length=2000)


class ExceptionOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    order: int = Field(validation_alias="order_id")
    order_number: str
    kind: str
    stage: str
    state: str
    owner: int | None = Field(validation_alias="owner_id")
    detail: str
    resolution_note: str
    resolved_at: datetime | None
    resolved_by: int | None = Field(validation_alias="resolved_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_order_number(obj):
        return str(obj.order)


class ExceptionPatch(Schema):
    owner: Id | None = None


class ResolveIn(Schema):
    note: Text(5000, min_length=1)


class SlaPolicyOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    name: str
    stage: str
    start_stage: str
    target_hours: Decimal
    business_hours: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class SlaPolicyIn(Schema):
    name: Text(100) = ""
    stage: StageName
    start_stage: StageName = "received"
    target_hours: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)]
    business_hours: bool = True
    active: bool = True


class SlaPolicyPatch(Schema):
    name: Text(100) | None = None
    stage: StageName | None = None
    start_stage: StageName | None = None
    target_hours: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)] | None = None
    business_hours: bool | None = None
    active: bool | None = None


class CalendarOut(Schema):
    country: str
    subdivision: str
    working_days: list[int]
    work_start: time
    work_end: time
    time_zone: str

    @staticmethod
    def resolve_working_days(obj):
        return sorted(obj.weekdays)


class CalendarPatch(Schema):
    country: Text(2) | None = None
    subdivision: Text(10) | None = None
    working_days: list[Annotated[int, Field(ge=0, le=6)]] | None = None
    work_start: time | None = None
    work_end: time | None = None
    time_zone: Text(50) | None = None


class FulfilmentRow(Schema):
    stage: str
    reached: int
    current: int
    target_hours: Decimal | None
    breaches: int
    on_time_rate: Decimal | None
    cycle_p50_hours: Decimal | None
    cycle_p90_hours: Decimal | None


class FulfilmentTotals(Schema):
    orders: int
    open_exceptions: dict[str, int]
    cycle_p50_hours: Decimal | None
    cycle_p90_hours: Decimal | None


class FulfilmentReport(Schema):
    rows: list[FulfilmentRow]
    totals: FulfilmentTotals


class ReturnLineIn(Schema):
    order_line: Id
    quantity: Quantity
    to_scrap: bool = False


class ReturnIn(Schema):
    order: Id
    lines: list[ReturnLineIn] = Field(default_factory=list, max_length=500)
    reason: Text(500) = ""
    date: dt.date | None = None


class ReturnReceiveIn(Schema):
    date: dt.date | None = None


class ReturnRefundIn(Schema):
    journal: Id | None = None
    date: dt.date | None = None


class ReturnLineOut(Schema):
    id: int
    order_line: int = Field(validation_alias="order_line_id")
    product: int
    description: str
    quantity: Decimal
    to_scrap: bool
    unit_cost: Decimal | None

    @staticmethod
    def resolve_product(obj):
        return obj.order_line.product_id

    @staticmethod
    def resolve_description(obj):
        return obj.order_line.description


class ReturnOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    number: str
    state: str
    order: int = Field(validation_alias="order_id")
    order_number: str
    party: int = Field(validation_alias="party_id")
    date: date
    reason: str
    transfer: int | None = Field(validation_alias="transfer_id")
    scrap_transfer: int | None = Field(validation_alias="scrap_transfer_id")
    credit_note: int | None = Field(validation_alias="credit_note_id")
    refund: int | None = Field(validation_alias="refund_id")
    received_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: list[ReturnLineOut]

    @staticmethod
    def resolve_order_number(obj):
        return str(obj.order)

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class DeliveryFailedIn(Schema):
    note: Text(500, min_length=1)


# -- channel intake (issue 20) -----------------------------------------------------------

BATCH_MAX = 1000


class IntakeLineIn(Schema):
    product: Id
    quantity: Quantity = Decimal(1)
    unit_price: UnitPrice | None = None
    discount: Discount = Decimal(0)
    description: Text(500) = ""


class IntakeOrderIn(Schema):
    party: Id
    channel: Text(30) = ""
    external_reference: Text(100, min_length=1) = Field(
        description="Unique per company and channel: a re-sent order is answered, not doubled"
    )
    lines: list[IntakeLineIn] = Field(default_factory=list, max_length=500)
    order_date: date | None = None
    commitment_date: date | None = None
    note: Text(10_000) = ""


class IntakeIn(Schema):
    orders: list[IntakeOrderIn] = Field(min_length=1, max_length=BATCH_MAX)
    confirm: bool = Field(False, description="Confirm the new orders too (credit, stock)")


class IntakeErrorOut(Schema):
    code: str
    title: str
    detail: str
    field: str | None = None
    existing_id: int | None = None


class IntakeResultOut(Schema):
    index: int
    status: Literal["created", "existing", "error"]
    id: int | None = None
    quotation_number: str = ""
    number: str = ""
    state: str = ""
    total_amount: Decimal | None = None
    error: IntakeErrorOut | None = None


class IntakeOut(Schema):
    created: int
    existing: int
    failed: int
    results: list[IntakeResultOut]


class ShipBatchIn(Schema):
    orders: list[Id] = Field(min_length=1, max_length=BATCH_MAX)


class BatchResultOut(Schema):
    index: int
    status: Literal["done", "error"]
    id: int | None = None
    number: str = ""
    state: str = ""
    delivery_status: str = ""
    invoice_status: str = ""
    error: IntakeErrorOut | None = None


class BatchOut(Schema):
    done: int
    failed: int
    results: list[BatchResultOut]


class InvoicePeriodIn(Schema):
    date_from: date
    date_to: date
    date: dt.date | None = Field(None, description="The invoices' date; today by default")
    post: bool = True
