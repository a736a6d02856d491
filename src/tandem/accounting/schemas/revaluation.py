"""Schemas of /fx-revaluations (period-end revaluation) and /category-accounts."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from .ledger import Id


class FxRevaluationIn(Schema):
    date: date


class FxRevaluationLineOut(Schema):
    invoice: int | None
    payment: int | None
    number: str
    party: int
    party_name: str
    account: str
    currency: str
    residual: Decimal
    carrying: Decimal
    rate: Decimal
    revalued: Decimal
    difference: Decimal


class FxRevaluationOut(Schema):
    id: int | None
    date: date
    entry: int | None = None
    reversal_entry: int | None = None
    gain: Decimal
    loss: Decimal
    lines: list[FxRevaluationLineOut]
    created_at: datetime | None = None


class CategoryAccountsIn(Schema):
    category: Id
    income_account: Id | None = None
    expense_account: Id | None = None


class CategoryAccountsPatch(Schema):
    income_account: Id | None = None
    expense_account: Id | None = None


class CategoryAccountsOut(Schema):
    id: int
    category: int = Field(validation_alias="category_id")
    category_name: str
    income_account: int | None = Field(validation_alias="income_account_id")
    expense_account: int | None = Field(validation_alias="expense_account_id")

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.name
