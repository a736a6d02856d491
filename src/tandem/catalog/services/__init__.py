"""Catalog services: the only code that writes catalog rows, and `price_for`.

Every function takes keyword-only arguments and raises a DomainError subclass with a
stable code on refusal (see ..errors); a refused call changes nothing.
"""

from ..errors import CategoryCycle, InUse, InvalidReference, UomIncompatible
from ._common import UNSET
from .categories import category_create, category_delete, category_update
from .price_lists import (
    price_list_create,
    price_list_delete,
    price_list_item_add,
    price_list_item_remove,
    price_list_update,
)
from .pricing import PriceQuote, company_today, price_for
from .products import (
    PRODUCT_FIELDS,
    barcode_clean,
    product_create,
    product_delete,
    product_update,
)
from .uoms import (
    DEFAULT_UOM_NAME,
    UOM_SEED,
    default_uom,
    on_company_created,
    uom_category_create,
    uom_convert,
    uom_create,
    uom_delete,
    uom_factor,
    uom_update,
    uoms_seed,
)

__all__ = [
    "DEFAULT_UOM_NAME",
    "PRODUCT_FIELDS",
    "UNSET",
    "UOM_SEED",
    "CategoryCycle",
    "InUse",
    "InvalidReference",
    "PriceQuote",
    "UomIncompatible",
    "barcode_clean",
    "category_create",
    "category_delete",
    "category_update",
    "company_today",
    "default_uom",
    "on_company_created",
    "price_for",
    "price_list_create",
    "price_list_delete",
    "price_list_item_add",
    "price_list_item_remove",
    "price_list_update",
    "product_create",
    "product_delete",
    "product_update",
    "uom_category_create",
    "uom_convert",
    "uom_create",
    "uom_delete",
    "uom_factor",
    "uom_update",
    "uoms_seed",
]
