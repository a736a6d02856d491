"""Products: SKU and barcode unique per company, units of one category."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError, Value
from django.db.models.functions import Lower
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from tandem.core import events
from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.money import quantize_price

from ..errors import InUse, InvalidReference, UomIncompatible
from ..models import (
    Product,
    ProductCategory,
    ProductType,
    Tracking,
    Uom,
    Valuation,
)
from ._common import UNSET, _check_company, _choice, _decimal, _text
from .uoms import default_uom

PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "type",
    "barcode",
    "category",
    "uom",
    "purchase_uom",
    "list_price",
    "cost_price",
    "tracking",
    "valuation",
    "weight",
    "volume",
    "active",
    "can_be_sold",
    "can_be_purchased",
)


def barcode_clean(value) -> str:
    """Strip the barcode; an all-digit one of 8/12/13/14 digits must carry a valid GTIN check."""
    barcode = (value or "").strip()
    if len(barcode) > 32:
        raise ValidationFailed(
            "barcode: at most 32 characters", code="product.barcode_invalid", field="barcode"
        )
    if barcode.isdigit() and len(barcode) in (8, 12, 13, 14):
        try:
            ean.validate(barcode)
        except StdnumError:
            raise ValidationFailed(
                f"{barcode} is not a valid EAN/GTIN: wrong check digit",
                code="product.barcode_invalid",
                field="barcode",
            ) from None
    return barcode


def _product_check(product: Product, *, unique: bool = True) -> None:
    """Validate the merged state of a product before it is saved (`unique=False`: all but
    the SKU and barcode look-ups, which the bulk path makes once for a whole chunk)."""
    company_id = product.company_id
    product.sku = _text(product.sku, field="sku", max_length=64)
    product.name = _text(product.name, field="name", max_length=200)
    product.description = product.description or ""
    product.barcode = barcode_clean(product.barcode)
    _choice(product.type, ProductType, field="type")
    _choice(product.tracking, Tracking, field="tracking")
    _choice(product.valuation, Valuation, field="valuation")
    for field in ("list_price", "cost_price", "weight", "volume"):
        value = _decimal(getattr(product, field), field=field)
        setattr(product, field, quantize_price(value))  # what the column keeps
    if product.type == ProductType.SERVICE and product.tracking != Tracking.NONE:
        raise ValidationFailed(
            "Services are not tracked by lot or serial",
            code="product.service_tracking",
            field="tracking",
        )
    for field in ("category", "uom", "purchase_uom"):
        ref = getattr(product, field)
        if ref is not None and ref.company_id != company_id:
            raise InvalidReference(f"{field}: no such record in this company", field=field)
    if product.uom.category_id != product.purchase_uom.category_id:
        raise UomIncompatible(
            f"The purchase unit {product.purchase_uom.name} is not in the category of "
            f"{product.uom.name}",
            field="purchase_uom",
        )
    if unique:
        _check_unique(product)


def _check_unique(product: Product) -> None:
    company_id = product.company_id
    same_sku = (
        Product.objects.filter(company_id=company_id)
        .annotate(sku_lower=Lower("sku"))
        .filter(sku_lower=Lower(Value(product.sku)))  # the unique index's expression
        .exclude(pk=product.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if same_sku:
        raise Duplicate(
            f"A product with SKU {product.sku} exists",
            code="product.duplicate",
            field="sku",
            extra={"existing_id": same_sku},
        )
    if product.barcode:
        same_barcode = (
            Product.objects.filter(company_id=company_id, barcode=product.barcode)
            .exclude(pk=product.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if same_barcode:
            raise Duplicate(
                f"Barcode {product.barcode} is used by another product",
                code="product.barcode_duplicate",
                field="barcode",
                extra={"existing_id": same_barcode},
            )


def _product_save(product: Product) -> Product:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        # A concurrent writer took the SKU or barcode between the check and the insert:
        # its row is committed now, so the check names it.
        _check_unique(product)
        raise
    return product


@transaction.atomic
def product_create(
    *,
    company,
    sku: str,
    name: str,
    description: str = "",
    type: str = ProductType.GOODS,
    barcode: str = "",
    category: ProductCategory | None = None,
    uom: Uom | None = None,
    purchase_uom: Uom | None = None,
    list_price=Decimal(0),
    cost_price=Decimal(0),
    tracking: str = Tracking.NONE,
    valuation: str | None = None,
    weight=Decimal(0),
    volume=Decimal(0),
    active: bool = True,
    can_be_sold: bool = True,
    can_be_purchased: bool = True,
) -> Product:
    """Without `uom` the product counts in units; without `valuation` it takes its category's."""
    _check_company(company, category, field="category")
    _check_company(company, uom, field="uom")
    _check_company(company, purchase_uom, field="purchase_uom")
    if uom is None:
        uom = default_uom(company=company) if purchase_uom is None else purchase_uom
    if valuation is None:
        valuation = category.valuation if category is not None else Valuation.STANDARD
    product = Product(
        company=company,
        sku=sku,
        name=name,
        description=description,
        type=type,
        barcode=barcode,
        category=category,
        uom=uom,
        purchase_uom=purchase_uom or uom,
        list_price=list_price,
        cost_price=cost_price,
        tracking=tracking,
        valuation=valuation,
        weight=weight,
        volume=volume,
        active=active,
        can_be_sold=can_be_sold,
        can_be_purchased=can_be_purchased,
    )
    _product_check(product)
    return _product_save(product)


@transaction.atomic
def product_update(*, product: Product, **changes) -> Product:
    """Change any of PRODUCT_FIELDS; the merged product is validated as a whole."""
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    company = product.company
    for field in ("category", "uom", "purchase_uom"):
        if field in changes:
            _check_company(company, changes[field], field=field)
    if changes.get("uom", UNSET) is None:
        raise ValidationFailed("uom is required", code="validation.required", field="uom")
    new_uom = changes.get("uom") or product.uom
    if changes.get("purchase_uom", UNSET) is None:
        changes["purchase_uom"] = new_uom
    elif "purchase_uom" not in changes and product.purchase_uom.category_id != new_uom.category_id:
        changes["purchase_uom"] = new_uom  # a unit of another kind: buy in it too
    if "valuation" in changes and changes["valuation"] is None:
        category = changes.get("category", product.category)
        changes["valuation"] = category.valuation if category is not None else Valuation.STANDARD
    before = {"cost_price": product.cost_price, "valuation": product.valuation}
    for field, value in changes.items():
        setattr(product, field, value)
    _product_check(product)
    product = _product_save(product)
    if (product.cost_price, product.valuation) != (before["cost_price"], before["valuation"]):
        # stock on hand is valued by these: inventory revalues it in this transaction
        events.emit(
            "product.costing_changed",
            product=product,
            old_cost_price=before["cost_price"],
            old_valuation=before["valuation"],
        )
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Deletes the product and its price list items; refused once documents use it."""
    try:
        with transaction.atomic():
            product.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(
            f"{product.sku} is used by other records; archive it instead",
            code="product.in_use",
        ) from None
