"""API schemas of taxes and invoices (field names fixed by API.md)."""

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from .ledger import NO_NUL, CurrencyCode, Id, Text

InvoiceKindName = Literal[
    "customer_invoice", "customer_credit_note", "vendor_bill", "vendor_credit_note"
]
TaxScopeName = Literal["sale", "purchase"]
TaxAmountTypeName = Literal["percent", "fixed"]
LanguageName = Literal["", "en", "zh-hans"]
Rate = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]
Discount = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Narration = Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)]


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


# -- taxes ---------------------------------------------------------------------------------


class TaxOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    name: str
    label: str
    scope: str
    amount_type: str
    rate: str
    price_include: bool
    group: int | None = Field(validation_alias="group_id")
    group_name: str | None
    account: int = Field(validation_alias="account_id")
    sequence: int
    active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_rate(obj):
        # percent "13.00"; a fixed amount per unit keeps what it needs, at least two places
        value = obj.rate.normalize()
        places = max(2, -value.as_tuple().exponent)
        return f"{obj.rate:.{places}f}"

    @staticmethod
    def resolve_group_name(obj):
        return obj.group.name if obj.group_id else None


class TaxIn(Schema):
    name: Text(100, min_length=1)
    label: Text(100) = ""
    scope: TaxScopeName
    amount_type: TaxAmountTypeName = "percent"
    rate: Rate
    price_include: bool = False
    group: Id | None = None
    account: Id | None = None
    sequence: int = Field(10, ge=0, le=2**31 - 1)
    active: bool = True


class TaxPatch(Schema):
    name: Text(100, min_length=1) | None = None
    label: Text(100) | None = None
    scope: TaxScopeName | None = None
    amount_type: TaxAmountTypeName | None = None
    rate: Rate | None = None
    price_include: bool | None = None
    group: Id | None = None
    account: Id | None = None
    sequence: int | None = Field(None, ge=0, le=2**31 - 1)
    active: bool | None = None


# -- invoices ------------------------------------------------------------------------------


class InvoiceLineOut(Schema):
    id: int
    sequence: int
    product: int | None = Field(validation_alias="product_id")
    description: str
    account: int = Field(validation_alias="account_id")
    quantity: Decimal
    uom: int | None = Field(validation_alias="uom_id")
    unit_price: Decimal
    discount: Decimal
    taxes: list[int]
    untaxed_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    origin_line: str

    @staticmethod
    def resolve_taxes(obj):
        return [t.pk for t in obj.taxes.all()]


class InvoiceTaxOut(Schema):
    tax: int = Field(validation_alias="tax_id")
    name: str
    rate: str
    base: Decimal
    amount: Decimal

    @staticmethod
    def resolve_name(obj):
        return obj.tax.label or obj.tax.name

    @staticmethod
    def resolve_rate(obj):
        return TaxOut.resolve_rate(obj.tax)


class InvoiceListOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    kind: str
    number: str | None
    state: str
    payment_state: str
    party: int = Field(validation_alias="party_id")
    party_name: str
    journal: int = Field(validation_alias="journal_id")
    date: date
    due_date: date | None
    payment_term: int | None = Field(validation_alias="payment_term_id")
    currency: str = Field(validation_alias="currency_id")
    rate: Decimal
    language: str
    reference: str
    origin: str
    untaxed_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    residual_amount: Decimal
    total_company: Decimal
    residual_company: Decimal
    credited_invoice: int | None = Field(validation_alias="credited_invoice_id")
    entry: int | None = Field(validation_alias="entry_id")
    cancel_entry: int | None = Field(validation_alias="cancel_entry_id")
    posted_at: datetime | None
    posted_by: int | None = Field(validation_alias="posted_by_id")
    created_by: int | None = Field(validation_alias="created_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_number(obj):
        return obj.number or None

    @staticmethod
    def resolve_party_name(obj):
        return obj.party.name


class InvoiceOut(InvoiceListOut):
    narration: str
    lines: list[InvoiceLineOut]
    tax_lines: list[InvoiceTaxOut]
    credit_notes: list[int]
    available_actions: list[str] = Field(
        description="The workflow actions (`POST /invoices/{id}/<action>`) the state allows "
        "now; any other answers 409"
    )

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_tax_lines(obj):
        return list(obj.tax_lines.all())

    @staticmethod
    def resolve_credit_notes(obj):
        return [note.pk for note in obj.credit_notes.all()]


class InvoiceLineIn(Schema):
    product: Id | None = None
    description: Text(500) = ""
    account: Id | None = None
    quantity: Quantity = Decimal(1)
    uom: Id | None = None
    unit_price: UnitPrice | None = None
    discount: Discount = Decimal(0)
    taxes: list[Id] | None = Field(None, max_length=20)
    origin_line: Text(64) = ""


class InvoiceIn(Schema):
    kind: InvoiceKindName
    party: Id
    date: date
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=1000)
    currency: CurrencyCode | None = None
    journal: Id | None = None
    payment_term: Id | None = None
    due_date: dt.date | None = None
    reference: Text(100) = ""
    origin: Text(100) = ""
    narration: Narration = ""
    language: LanguageName = ""


class InvoicePatch(Schema):
    party: Id | None = None
    date: dt.date | None = None
    lines: list[InvoiceLineIn] | None = Field(None, max_length=1000)
    currency: CurrencyCode | None = None
    journal: Id | None = None
    payment_term: Id | None = None
    due_date: dt.date | None = None
    reference: Text(100) | None = None
    origin: Text(100) | None = None
    narration: Narration | None = None
    language: LanguageName | None = None


class InvoiceCreditIn(Schema):
    date: dt.date | None = None


__all__ = [
    "InvoiceCreditIn",
    "InvoiceIn",
    "InvoiceKindName",
    "InvoiceLineIn",
    "InvoiceLineOut",
    "InvoiceListOut",
    "InvoiceOut",
    "InvoicePatch",
    "InvoiceTaxOut",
    "TaxIn",
    "TaxOut",
    "TaxPatch",
]
