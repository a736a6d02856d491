"""Payment and allocation schemas (field names per API.md)."""

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from .ledger import Amount, CurrencyCode, Id, Text

Direction = Literal["in", "out"]
Memo = Text(10_000)


class AllocationIn(Schema):
    invoice: Id
    amount: Amount


class AllocationOut(Schema):
    id: int
    invoice: int = Field(validation_alias="invoice_id")
    invoice_number: str
    payment: int | None = Field(validation_alias="payment_id")
    credit_note: int | None = Field(validation_alias="credit_note_id")
    date: date
    amount: Decimal
    amount_company: Decimal
    fx_entry: int | None = Field(validation_alias="fx_entry_id")

    @staticmethod
    def resolve_invoice_number(obj):
        return obj.invoice.number


class PaymentOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    number: str | None
    state: str
    direction: str
    party: int = Field(validation_alias="party_id")
    party_name: str
    journal: int = Field(validation_alias="journal_id")
    date: date
    currency: str = Field(validation_alias="currency_id")
    rate: Decimal
    amount: Decimal
    amount_company: Decimal
    unallocated_amount: Decimal
    reference: str
    memo: str
    entry: int | None = Field(validation_alias="entry_id")
    cancel_entry: int | None = Field(validation_alias="cancel_entry_id")
    allocations: list[AllocationOut]
    posted_at: datetime | None
    created_by: int | None = Field(validation_alias="created_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_number(obj):
        return obj.number or None

    @staticmethod
    def resolve_party_name(obj):
        return obj.party.name

    @staticmethod
    def resolve_allocations(obj):
        return list(obj.allocations.all())


class PaymentIn(Schema):
    party: Id
    direction: Direction
    amount: Amount
    date: date
    journal: Id | None = None
    currency: CurrencyCode | None = None
    reference: Text(100) = ""
    memo: Memo = ""
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=500)


class PaymentPatch(Schema):
    party: Id | None = None
    direction: Direction | None = None
    amount: Amount | None = None
    date: dt.date | None = None
    journal: Id | None = None
    currency: CurrencyCode | None = None
    reference: Text(100) | None = None
    memo: Memo | None = None
    allocations: list[AllocationIn] | None = Field(None, max_length=500)


class PaymentAllocateIn(Schema):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=500)
    date: dt.date | None = None


class PaymentCancelIn(Schema):
    date: dt.date | None = None


class CreditAllocateIn(Schema):
    invoice: Id
    amount: Amount
    date: dt.date | None = None
