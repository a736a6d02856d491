"""Helpers the manufacturing services share; input cleaning comes from inventory's kernel."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tandem.catalog.errors import UomIncompatible
from tandem.catalog.models import Product, Uom, Valuation
from tandem.catalog.services import uom_factor
from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.inventory.models import ProductStock
from tandem.inventory.services import lock, lock_one
from tandem.inventory.services._common import check_company, quantity, text

from ..errors import BomUomCategory

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)

__all__ = [
    "CENT",
    "HUNDRED",
    "ZERO",
    "check_company",
    "convert",
    "current_unit_cost",
    "lock",
    "lock_one",
    "money",
    "percent",
    "quantity",
    "ref",
    "text",
]


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value, *, field: str, below_100: bool = False) -> Decimal:
    number = quantity(value, field=field, places=3)
    if number > HUNDRED or (below_100 and number == HUNDRED):
        raise ValidationFailed(
            f"{field} must be {'below' if below_100 else 'at most'} 100",
            code="validation.max_value",
            field=field,
        )
    return number


def convert(*, from_uom: Uom, to_uom: Uom, field: str) -> Decimal:
    """How many `to_uom` one `from_uom` makes; `bom.uom_category` across categories."""
    try:
        return uom_factor(from_uom=from_uom, to_uom=to_uom)
    except UomIncompatible:
        raise BomUomCategory(
            f"{field}: {from_uom.name} is not a unit of the same kind as {to_uom.name}",
            field=field,
        ) from None


def ref(company, obj, model, *, field: str, required: bool = True):
    """`obj` checked to be a `model` row of `company` (422 naming the field otherwise)."""
    if obj is None:
        if required:
            raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
        return None
    if not isinstance(obj, model) or obj.company_id != company.pk:
        raise InvalidReference(f"{field}: no such record in this company", field=field)
    return obj


def current_unit_cost(product: Product, stocks: dict | None = None) -> Decimal:
    """What a unit of `product` costs today: the standard, else the average of the valued
    stock, else (nothing on hand) the cost price."""
    if product.valuation == Valuation.STANDARD:
        return product.cost_price
    if stocks is not None and product.pk in stocks:
        stock = stocks[product.pk]
    else:
        stock = ProductStock.objects.filter(product=product).first()
    if stock is not None and stock.quantity > 0 and stock.value > 0:
        return stock.value / stock.quantity
    return product.cost_price
