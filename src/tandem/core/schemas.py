from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AwareDatetime, Field, StringConstraints

# PostgreSQL refuses NUL characters in text columns; SQLite would store them.
NO_NUL = r"^[^\x00]*$"
NulFreeStr = Annotated[str, StringConstraints(pattern=NO_NUL)]

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
    ),
]
CurrencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]


class CompanyOut(Schema):
    id: int
    code: str
    name: str
    currency: str = Field(validation_alias="currency_id")
    country: str
    time_zone: str
    fiscal_year_start_month: int
    created_at: datetime
    updated_at: datetime


CompanyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
# Checked against the tz database by core.services (422 `validation.choice`).
TimeZone = Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)]


class CompanyIn(Schema):
    code: Code
    name: CompanyName
    currency: CurrencyCode = "CNY"
    country: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")] = "CN"
    time_zone: TimeZone = Field("Asia/Shanghai", description="IANA zone, e.g. Asia/Shanghai")
    fiscal_year_start_month: int = Field(1, ge=1, le=12)


class CompanyPatch(Schema):
    name: CompanyName | None = None
    currency: CurrencyCode | None = Field(
        None, description="Changes only while no document or ledger entry is recorded"
    )
    time_zone: TimeZone | None = Field(None, description="IANA zone, e.g. Asia/Shanghai")
    fiscal_year_start_month: int | None = Field(None, ge=1, le=12)


ProfileText = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]


class BankAccountIO(Schema):
    bank_name: ProfileText
    holder: ProfileText
    number: Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)] = Field(
        description="An IBAN (check digits verified) or a domestic number of 6 to 34 digits"
    )
    bic: Annotated[str, StringConstraints(max_length=11, pattern=NO_NUL)] = ""
    is_default: bool = False


class CompanyProfileOut(Schema):
    legal_name_en: str
    legal_name_zh: str
    street: str
    street2: str
    city: str
    state: str
    postal_code: str
    tax_id: str
    phone: str
    email: str
    website: str
    document_language: str = Field(description="en, zh-hans, or empty: by the country")
    has_logo: bool
    bank_accounts: list[BankAccountIO]


class CompanyProfilePatch(Schema):
    """Only the fields sent change; `bank_accounts`, when sent, replaces them all."""

    legal_name_en: ProfileText | None = None
    legal_name_zh: ProfileText | None = None
    street: ProfileText | None = None
    street2: ProfileText | None = None
    city: ProfileText | None = None
    state: ProfileText | None = None
    postal_code: ProfileText | None = None
    tax_id: ProfileText | None = Field(
        None, description="Checked per country: the unified social credit code in China"
    )
    phone: ProfileText | None = None
    email: ProfileText | None = None
    website: ProfileText | None = None
    document_language: Literal["", "en", "zh-hans"] | None = None
    bank_accounts: list[BankAccountIO] | None = Field(None, max_length=10)


class CurrencyOut(Schema):
    code: str
    name: str
    minor_unit: int
    active: bool


class ExchangeRateIn(Schema):
    currency: CurrencyCode
    date: date
    rate: Decimal = Field(gt=0, max_digits=20, decimal_places=8)


class ExchangeRatePatch(Schema):
    rate: Decimal = Field(gt=0, max_digits=20, decimal_places=8)


class ExchangeRateOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    currency: str = Field(validation_alias="currency_id")
    date: date
    rate: Decimal
    created_at: datetime
    updated_at: datetime


RoleCode = Annotated[str, StringConstraints(max_length=30)]


class UserIn(Schema):
    username: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=150, pattern=r"^[\w.@+-]+$"
        ),
    ]
    email: Annotated[str, StringConstraints(max_length=254)] = ""
    first_name: Annotated[str, StringConstraints(max_length=150)] = ""
    last_name: Annotated[str, StringConstraints(max_length=150)] = ""
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)] | None = None
    language: Annotated[str, StringConstraints(pattern=r"^(|en|zh-hans)$")] = ""
    roles: list[RoleCode] = Field(default_factory=lambda: ["readonly"], max_length=20)


class UserPatch(Schema):
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    first_name: Annotated[str, StringConstraints(max_length=150)] | None = None
    last_name: Annotated[str, StringConstraints(max_length=150)] | None = None
    language: Annotated[str, StringConstraints(pattern=r"^(|en|zh-hans)$")] | None = None
    roles: list[RoleCode] | None = Field(None, max_length=20)
    is_active: bool | None = None


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    language: str
    is_active: bool
    roles: list[str]
    created_at: datetime = Field(validation_alias="date_joined")
    updated_at: datetime


class TokenIn(Schema):
    name: Annotated[str, StringConstraints(max_length=100)] = ""
    scope: Literal["read-write", "read"] = "read-write"
    # With its offset (2026-12-31T00:00:00+08:00): a bare time would be read in some zone.
    expires_at: AwareDatetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str
