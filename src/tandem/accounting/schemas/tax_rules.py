"""Schemas of /party-tax-rules: a party's tax exemption or tax mappings."""

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field, StringConstraints

from .ledger import Id

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class TaxMappingIn(Schema):
    tax: Id
    replacement: Id | None = None  # none: the tax is dropped


class TaxMappingOut(Schema):
    tax: int = Field(validation_alias="tax_id")
    replacement: int | None = Field(validation_alias="replacement_id")


class PartyTaxRuleIn(Schema):
    party: Id
    tax_exempt: bool = False
    note: Note = ""
    mappings: list[TaxMappingIn] = Field(default_factory=list, max_length=100)


class PartyTaxRulePatch(Schema):
    tax_exempt: bool | None = None
    note: Note | None = None
    mappings: list[TaxMappingIn] | None = Field(None, max_length=100)


class PartyTaxRuleOut(Schema):
    id: int
    party: int = Field(validation_alias="party_id")
    party_name: str
    tax_exempt: bool
    note: str
    mappings: list[TaxMappingOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_party_name(obj):
        return obj.party.name

    @staticmethod
    def resolve_mappings(obj):
        return list(obj.mappings.all())
