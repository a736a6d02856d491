from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

# No NUL characters: PostgreSQL refuses them in text columns.
NO_NUL = r"^[^\x00]*$"
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)
]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
CurrencyCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
ProductTypeName = Literal["goods", "service", "consumable"]
TrackingName = Literal["none", "lot", "serial"]
ValuationName = Literal["standard", "average", "fifo"]
UomKindName = Literal["units", "weight", "length", "time", "volume", "area", "other"]


# -- units of measure ----------------------------------------------------------------------


class UomCategoryOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    name: str
    kind: str
    created_at: datetime
    updated_at: datetime


class UomOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    category: int = Field(validation_alias="category_id")
    name: str
    symbol: str
    ratio: Decimal
    decimal_places: int
    is_reference: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class UomIn(Schema):
    category: Id
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=NO_NUL)
    ]
    symbol: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=20, pattern=NO_NUL)
    ] = ""
    ratio: Decimal = Field(gt=0, max_digits=24, decimal_places=12)
    decimal_places: int = Field(2, ge=0, le=6)
    active: bool = True


class UomPatch(Schema):
    name: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=NO_NUL),
        ]
        | None
    ) = None
    symbol: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=20, pattern=NO_NUL)]
        | None
    ) = None
    ratio: Decimal | None = Field(None, gt=0, max_digits=24, decimal_places=12)
    decimal_places: int | None = Field(None, ge=0, le=6)
    active: bool | None = None


# -- product categories --------------------------------------------------------------------


class ProductCategoryOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    name: str
    parent: int | None = Field(validation_alias="parent_id")
    full_path: str
    valuation: str
    taxes: list[int]
    purchase_taxes: list[int]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_full_path(obj):
        # Lists set `path_cache` from one query of the tree; a single read walks the parents.
        return getattr(obj, "path_cache", None) or obj.full_path

    @staticmethod
    def resolve_taxes(obj):
        return _category_taxes(obj, "sale")

    @staticmethod
    def resolve_purchase_taxes(obj):
        return _category_taxes(obj, "purchase")


def _category_taxes(category, scope: str) -> list[int]:
    # accounting's CategoryTax rows (`default_tax_links`), read without importing accounting;
    # lists prefetch them with their tax
    return sorted(
        link.tax_id for link in category.default_tax_links.all() if link.tax.scope == scope
    )


def _product_taxes(product, scope: str) -> list[int]:
    # accounting's Tax.products (`product.taxes`), read without importing accounting
    annotated = f"{scope}_tax_ids"
    if hasattr(product, annotated):  # lists annotate them: NULL when there are none
        return sorted(int(pk) for pk in (getattr(product, annotated) or "").split(",") if pk)
    return sorted(tax.pk for tax in product.taxes.all() if tax.scope == scope)


class ProductCategoryIn(Schema):
    name: Name
    parent: Id | None = None
    valuation: ValuationName | None = None
    taxes: list[Id] = Field(default_factory=list, max_length=50)
    purchase_taxes: list[Id] = Field(default_factory=list, max_length=50)


class ProductCategoryPatch(Schema):
    name: Name | None = None
    parent: Id | None = None
    valuation: ValuationName | None = None
    taxes: list[Id] | None = Field(None, max_length=50)
    purchase_taxes: list[Id] | None = Field(None, max_length=50)


# -- products ------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    sku: str
    name: str
    description: str
    type: str
    barcode: str
    category: int | None = Field(validation_alias="category_id")
    uom: int = Field(validation_alias="uom_id")
    purchase_uom: int = Field(validation_alias="purchase_uom_id")
    list_price: Decimal
    cost_price: Decimal
    tracking: str
    valuation: str
    weight: Decimal
    volume: Decimal
    active: bool
    can_be_sold: bool
    can_be_purchased: bool
    taxes: list[int]
    purchase_taxes: list[int]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_taxes(obj):
        """Default sales taxes (a product without any takes its category's)."""
        return _product_taxes(obj, "sale")

    @staticmethod
    def resolve_purchase_taxes(obj):
        return _product_taxes(obj, "purchase")


class ProductIn(Schema):
    sku: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=NO_NUL)
    ]
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
    ]
    description: Annotated[str, StringConstraints(max_length=10000, pattern=NO_NUL)] = ""
    type: ProductTypeName = "goods"
    barcode: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=32, pattern=NO_NUL)
    ] = ""
    category: Id | None = None
    uom: Id | None = None
    purchase_uom: Id | None = None
    list_price: Money = Decimal(0)
    cost_price: Money = Decimal(0)
    tracking: TrackingName = "none"
    valuation: ValuationName | None = None
    weight: Money = Decimal(0)
    volume: Money = Decimal(0)
    active: bool = True
    can_be_sold: bool = True
    can_be_purchased: bool = True
    taxes: list[Id] = Field(default_factory=list, max_length=50)
    purchase_taxes: list[Id] = Field(default_factory=list, max_length=50)


class ProductPatch(Schema):
    sku: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=NO_NUL),
        ]
        | None
    ) = None
    name: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL),
        ]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=10000, pattern=NO_NUL)] | None = None
    type: ProductTypeName | None = None
    barcode: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=NO_NUL)]
        | None
    ) = None
    category: Id | None = None
    uom: Id | None = None
    purchase_uom: Id | None = None
    list_price: Money | None = None
    cost_price: Money | None = None
    tracking: TrackingName | None = None
    valuation: ValuationName | None = None
    weight: Money | None = None
    volume: Money | None = None
    active: bool | None = None
    can_be_sold: bool | None = None
    can_be_purchased: bool | None = None
    taxes: list[Id] | None = Field(None, max_length=50)
    purchase_taxes: list[Id] | None = Field(None, max_length=50)


class PriceQuoteOut(Schema):
    product: int
    party: int | None
    quantity: Decimal
    date: date
    uom: int
    unit_price: Decimal
    currency: str
    price_list: int | None
    item: int | None
    source: str


# -- price lists ---------------------------------------------------------------------------


class PriceListItemOut(Schema):
    id: int
    product: int = Field(validation_alias="product_id")
    min_quantity: Decimal
    unit_price: Decimal
    valid_from: date | None
    valid_to: date | None


class PriceListItemIn(Schema):
    product: Id
    min_quantity: Money = Decimal(0)
    unit_price: Money
    valid_from: date | None = None
    valid_to: date | None = None


class PriceListOut(Schema):
    id: int
    company: int = Field(validation_alias="company_id")
    name: str
    currency: str = Field(validation_alias="currency_id")
    active: bool
    is_default: bool
    parties: list[int]
    valid_from: date | None
    valid_to: date | None
    items: list[PriceListItemOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_parties(obj):
        return sorted(p.pk for p in obj.parties.all())

    @staticmethod
    def resolve_items(obj):
        return sorted(obj.items.all(), key=lambda i: (i.product_id, i.min_quantity, i.pk))


class PriceListIn(Schema):
    name: Name
    currency: CurrencyCode | None = None
    active: bool = True
    is_default: bool = False
    parties: list[Id] = Field(default_factory=list, max_length=1000)
    valid_from: date | None = None
    valid_to: date | None = None
    items: list[PriceListItemIn] = Field(default_factory=list, max_length=5000)


class PriceListPatch(Schema):
    name: Name | None = None
    currency: CurrencyCode | None = None
    active: bool | None = None
    is_default: bool | None = None
    parties: list[Id] | None = Field(None, max_length=1000)
    valid_from: date | None = None
    valid_to: date | None = None
    items: list[PriceListItemIn] | None = Field(None, max_length=5000)
