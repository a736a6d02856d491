import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

# No NUL characters: PostgreSQL refuses them in text columns.
NO_NUL = r"^[^\x00]*$"
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
SignedAmount = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]
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


AccountTypeName = Literal["asset", "liability", "equity", "income", "expense"]
AccountRoleName = Literal[
    "receivable",
    "payable",
    "bank",
    "cash",
    "inventory",
    "grni",
    "tax_payable",
    "tax_receivable",
    "retained_earnings",
    "current_year_earnings",
    "fx_gain",
    "fx_loss",
    "rounding",
    "revenue",
    "cogs",
    "expense",
]
JournalKindName = Literal["sales", "purchase", "bank", "cash", "general", "stock"]
AccountCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=30, pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]*$"
    ),
]
JournalCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, min_length=1, max_length=10, pattern=r"^[A-Za-z0-9]+$"
    ),
]


# -- accounts ------------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    code: str
    name: str
    name_en: str
    type: str
    role: str | None
    parent: int | None = Field(validation_alias="parent_id")
    reconcile: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class AccountIn(Schema):
    code: AccountCode
    name: Text(200, min_length=1)
    name_en: Text(200) = ""
    type: AccountTypeName
    role: AccountRoleName | None = None
    parent: Id | None = None
    reconcile: bool = False
    active: bool = True


class AccountPatch(Schema):
    code: AccountCode | None = None
    name: Text(200, min_length=1) | None = None
    name_en: Text(200) | None = None
    type: AccountTypeName | None = None
    role: AccountRoleName | None = None
    parent: Id | None = None
    reconcile: bool | None = None
    active: bool | None = None


class ChartInstallIn(Schema):
    template: Literal["prc", "generic"] = "prc"


class ChartInstallOut(Schema):
    template: str
    accounts: int
    journals: int
    fiscal_year: int


# -- journals ------------------------------------------------------------------------------


class JournalOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    code: str
    name: str
    kind: str
    default_account: int | None = Field(validation_alias="default_account_id")
    active: bool
    created_at: datetime
    updated_at: datetime


class JournalIn(Schema):
    code: JournalCode
    name: Text(100, min_length=1)
    kind: JournalKindName
    default_account: Id | None = None
    active: bool = True


class JournalPatch(Schema):
    code: JournalCode | None = None
    name: Text(100, min_length=1) | None = None
    kind: JournalKindName | None = None
    default_account: Id | None = None
    active: bool | None = None


# -- fiscal years and periods --------------------------------------------------------------


class PeriodOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    fiscal_year: int = Field(validation_alias="fiscal_year_id")
    number: int
    date_start: date
    date_end: date
    state: str
    closed_at: datetime | None
    closed_by: int | None = Field(validation_alias="closed_by_id")
    created_at: datetime
    updated_at: datetime


class FiscalYearOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    name: str
    date_start: date
    date_end: date
    state: str
    closed_at: datetime | None
    periods: list[PeriodOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_periods(obj):
        return list(obj.periods.all())


class FiscalYearIn(Schema):
    date_start: date | None = None
    name: Text(30) | None = None


class FiscalYearCloseIn(Schema):
    journal: Id | None = None


# -- entries -------------------------------------------------------------------------------


class EntryLineOut(Schema):
    id: int
    account: int = Field(validation_alias="account_id")
    account_code: str
    account_name: str
    party: int | None = Field(validation_alias="party_id")
    description: str
    debit: Decimal
    credit: Decimal
    currency: str = Field(validation_alias="currency_id")
    amount_currency: Decimal

    @staticmethod
    def resolve_account_code(obj):
        return obj.account.code

    @staticmethod
    def resolve_account_name(obj):
        return obj.account.name


class EntryListOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    journal: int = Field(validation_alias="journal_id")
    journal_code: str
    number: str | None
    date: date
    period: int | None = Field(validation_alias="period_id")
    reference: str
    narration: str
    state: str
    currency: str
    total_debit: Decimal
    reversal_of: int | None = Field(validation_alias="reversal_of_id")
    reversed_by: int | None = Field(validation_alias="reversed_by_id")
    closing: bool
    posted_at: datetime | None
    posted_by: int | None = Field(validation_alias="posted_by_id")
    created_by: int | None = Field(validation_alias="created_by_id")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_journal_code(obj):
        return obj.journal.code

    @staticmethod
    def resolve_number(obj):
        return obj.number or None

    @staticmethod
    def resolve_currency(obj):
        return obj.company.currency_id

    @staticmethod
    def resolve_total_debit(obj):
        value = getattr(obj, "total_debit", None)
        return (value or Decimal(0)).quantize(Decimal("0.01"))


class EntryOut(EntryListOut):
    lines: list[EntryLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class EntryLineIn(Schema):
    account: Id
    party: Id | None = None
    description: Text(200) = ""
    debit: Amount = Decimal(0)
    credit: Amount = Decimal(0)
    currency: CurrencyCode | None = None
    amount_currency: SignedAmount | None = None


class EntryIn(Schema):
    journal: Id
    date: date
    reference: Text(100) = ""
    narration: Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)] = ""
    lines: list[EntryLineIn] = Field(default_factory=list, max_length=5000)


class EntryPatch(Schema):
    journal: Id | None = None
    date: dt.date | None = None
    reference: Text(100) | None = None
    narration: Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)] | None = None
    lines: list[EntryLineIn] | None = Field(None, max_length=5000)


class EntryReverseIn(Schema):
    date: dt.date | None = None
