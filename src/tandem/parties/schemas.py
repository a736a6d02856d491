"""JSON shapes of the party API. Lengths and formats are checked by the services; NUL
characters, which PostgreSQL cannot store, are refused here with the other schemas' pattern."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from tandem.core.schemas import NulFreeStr

PartyKind = Literal["organization", "person"]
AddressKind = Literal["billing", "shipping", "other"]


class AddressOut(Schema):
    id: int
    party: int = Field(validation_alias="party_id")
    kind: str
    street: str
    street2: str
    city: str
    state: str
    postal_code: str
    country: str
    is_default: bool
    created_at: datetime
    updated_at: datetime


class AddressIn(Schema):
    kind: AddressKind = "billing"
    street: NulFreeStr = ""
    street2: NulFreeStr = ""
    city: NulFreeStr = ""
    state: NulFreeStr = ""
    postal_code: NulFreeStr = ""
    country: NulFreeStr | None = Field(
        None, description="ISO 3166 alpha-2; defaults to the party's"
    )
    is_default: bool | None = Field(
        None, description="Omitted: the first address of a kind becomes its default"
    )


class AddressPatch(Schema):
    kind: AddressKind | None = None
    street: NulFreeStr | None = None
    street2: NulFreeStr | None = None
    city: NulFreeStr | None = None
    state: NulFreeStr | None = None
    postal_code: NulFreeStr | None = None
    country: NulFreeStr | None = None
    is_default: bool | None = None


class ContactOut(Schema):
    id: int
    party: int = Field(validation_alias="party_id")
    name: str
    job_title: str
    email: str
    phone: str
    mobile: str
    is_primary: bool
    notes: str
    created_at: datetime
    updated_at: datetime


class ContactIn(Schema):
    name: NulFreeStr
    job_title: NulFreeStr = ""
    email: NulFreeStr = ""
    phone: NulFreeStr = Field("", description="Read in the party's country unless it starts with +")
    mobile: NulFreeStr = ""
    is_primary: bool | None = Field(None, description="Omitted: the first contact is primary")
    notes: NulFreeStr = ""


class ContactPatch(Schema):
    name: NulFreeStr | None = None
    job_title: NulFreeStr | None = None
    email: NulFreeStr | None = None
    phone: NulFreeStr | None = None
    mobile: NulFreeStr | None = None
    is_primary: bool | None = None
    notes: NulFreeStr | None = None


class PartyOut(Schema):
    id: int
    created_at: datetime
    updated_at: datetime
    company: int = Field(validation_alias="company_id")
    kind: str
    name: str
    is_customer: bool
    is_supplier: bool
    email: str
    phone: str = Field(description="E.164")
    website: str
    tax_id: str = Field(description="Compact form")
    country: str
    language: str = Field(description="Preferred document language: en, zh-hans or blank")
    currency: str = Field(validation_alias="currency_id")
    credit_limit: Decimal
    payment_term: int | None = Field(validation_alias="payment_term_id")
    tags: list[str]
    addresses: list[AddressOut]
    contacts: list[ContactOut]
    notes: str
    active: bool

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class PartyIn(Schema):
    kind: PartyKind = "organization"
    name: NulFreeStr
    is_customer: bool = False
    is_supplier: bool = False
    email: NulFreeStr = ""
    phone: NulFreeStr = Field("", description="Read in the party's country unless it starts with +")
    website: NulFreeStr = ""
    tax_id: NulFreeStr = Field("", description="Checked against the country's scheme (CN: USCC)")
    country: NulFreeStr | None = Field(
        None, description="ISO 3166 alpha-2; defaults to the company's"
    )
    language: NulFreeStr = Field("", description="en, zh-hans or blank (the company's)")
    currency: NulFreeStr | None = Field(None, description="ISO 4217; defaults to the company's")
    credit_limit: Decimal = Field(Decimal("0"), allow_inf_nan=False)
    payment_term: int | None = None
    tags: list[NulFreeStr] = Field(
        default_factory=list, description="Tag names, created if missing"
    )
    notes: NulFreeStr = ""
    active: bool = True


class PartyPatch(Schema):
    kind: PartyKind | None = None
    name: NulFreeStr | None = None
    is_customer: bool | None = None
    is_supplier: bool | None = None
    email: NulFreeStr | None = None
    phone: NulFreeStr | None = None
    website: NulFreeStr | None = None
    tax_id: NulFreeStr | None = None
    country: NulFreeStr | None = None
    language: NulFreeStr | None = None
    currency: NulFreeStr | None = None
    credit_limit: Decimal | None = Field(None, allow_inf_nan=False)
    payment_term: int | None = None
    tags: list[NulFreeStr] | None = None
    notes: NulFreeStr | None = None
    active: bool | None = None


class TagOut(Schema):
    id: int
    name: str
    color: str
    created_at: datetime
    updated_at: datetime


class TagIn(Schema):
    name: NulFreeStr
    color: NulFreeStr = Field("", description="#rrggbb")


class PaymentTermOut(Schema):
    id: int
    name: str
    due_days: int
    created_at: datetime
    updated_at: datetime


class PaymentTermIn(Schema):
    name: NulFreeStr
    due_days: int = 0
