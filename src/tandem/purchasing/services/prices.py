"""Supplier prices and reorder rules: plain master data with checks."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from tandem.catalog.models import Product
from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.models import Currency
from tandem.inventory.models import Warehouse
from tandem.parties.models import Party

from ..models import ReorderRule, SupplierPrice
from ._common import PRICE_UNIT, UNSET, a_date, check_company, lock_one, number, require, text

SUPPLIER_PRICE_FIELDS = (
    "supplier",
    "product",
    "product_code",
    "product_name",
    "currency",
    "price",
    "min_quantity",
    "lead_time_days",
    "sequence",
    "valid_from",
    "valid_to",
)
REORDER_RULE_FIELDS = (
    "product",
    "warehouse",
    "min_quantity",
    "max_quantity",
    "multiple",
    "supplier",
    "active",
    "follows_forecast",
)


def _currency(value, default: str) -> Currency:
    code = default if value in (None, "") else str(getattr(value, "code", value)).strip().upper()
    currency = Currency.objects.filter(code=code).first()
    if currency is None:
        raise ValidationFailed(
            f"Unknown currency {code}", code="currency.unknown", field="currency"
        )
    return currency


def _whole(value, *, field: str) -> int:
    try:
        result = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a whole number", field=field) from None
    if not 0 <= result < 2**31:
        raise ValidationFailed(f"{field}: out of range", code="validation.max_value", field=field)
    return result


def _supplier_price_check(row: SupplierPrice) -> None:
    company = row.company
    require(row.supplier, Party, field="supplier")
    require(row.product, Product, field="product")
    check_company(company, row.supplier, field="supplier")
    check_company(company, row.product, field="product")
    row.product_code = text(row.product_code, field="product_code", max_length=64)
    row.product_name = text(row.product_name, field="product_name", max_length=200)
    row.price = number(row.price, field="price", unit=PRICE_UNIT)
    row.min_quantity = number(row.min_quantity or 0, field="min_quantity")
    row.lead_time_days = _whole(row.lead_time_days, field="lead_time_days")
    if row.lead_time_days > 3650:
        raise ValidationFailed(
            "lead_time_days: at most 3650", code="validation.max_value", field="lead_time_days"
        )
    row.sequence = _whole(row.sequence, field="sequence")
    row.valid_from = a_date(row.valid_from, field="valid_from", required=False)
    row.valid_to = a_date(row.valid_to, field="valid_to", required=False)
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        raise ValidationFailed(
            "valid_to: not before valid_from", code="validation.date_range", field="valid_to"
        )


@transaction.atomic
def supplier_price_create(
    *,
    company,
    supplier: Party,
    product: Product,
    price,
    currency=None,
    min_quantity=0,
    lead_time_days: int = 0,
    product_code: str = "",
    product_name: str = "",
    sequence: int = 10,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> SupplierPrice:
    """A price of `supplier` for `product`; the currency defaults to the supplier's."""
    default = getattr(supplier, "currency_id", None) or company.currency_id
    row = SupplierPrice(
        company=company,
        supplier=supplier,
        product=product,
        price=price,
        currency=_currency(currency, default),
        min_quantity=min_quantity,
        lead_time_days=lead_time_days,
        product_code=product_code,
        product_name=product_name,
        sequence=sequence,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _supplier_price_check(row)
    row.save()
    return row


@transaction.atomic
def supplier_price_update(*, supplier_price: SupplierPrice, **changes) -> SupplierPrice:
    unknown = set(changes) - set(SUPPLIER_PRICE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    row = lock_one(SupplierPrice, supplier_price.pk, label="supplier_price")
    for name, value in changes.items():
        if value is UNSET:
            continue
        if name == "currency":
            value = _currency(value, row.currency_id)
        setattr(row, name, value)
    _supplier_price_check(row)
    row.save()
    return row


@transaction.atomic
def supplier_price_delete(*, supplier_price: SupplierPrice) -> None:
    lock_one(SupplierPrice, supplier_price.pk, label="supplier_price").delete()


def supplier_price_for(
    *,
    company,
    product: Product,
    quantity,
    on_date: datetime.date,
    supplier: Party | None = None,
    currency: str | None = None,
) -> SupplierPrice | None:
    """The price to buy `quantity` of `product` at: valid on the date, minimum met.

    Without a supplier, the cheapest (then the lowest sequence) of all suppliers; prices in
    another currency than `currency` (when given) are not compared.
    """
    qs = SupplierPrice.objects.filter(
        company=company, product=product, min_quantity__lte=quantity
    ).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on_date),
        Q(valid_to__isnull=True) | Q(valid_to__gte=on_date),
    )
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
        # the best price of one supplier is the one of the highest minimum reached
        return qs.order_by("price", "-min_quantity", "sequence", "id").first()
    if currency:
        qs = qs.filter(currency_id=currency)
    return qs.order_by("price", "sequence", "id").first()


# -- reorder rules -------------------------------------------------------------------------


def _rule_check(rule: ReorderRule) -> None:
    company = rule.company
    require(rule.product, Product, field="product")
    require(rule.warehouse, Warehouse, field="warehouse")
    check_company(company, rule.product, field="product")
    check_company(company, rule.warehouse, field="warehouse")
    check_company(company, rule.supplier, field="supplier")
    if rule.product.type == "service":
        raise ValidationFailed(
            "product: services are not stocked", code="stock.not_stockable", field="product"
        )
    rule.min_quantity = number(rule.min_quantity, field="min_quantity")
    rule.max_quantity = number(rule.max_quantity, field="max_quantity")
    rule.multiple = number(rule.multiple if rule.multiple is not None else 1, field="multiple")
    if rule.max_quantity < rule.min_quantity:
        raise ValidationFailed(
            "max_quantity: at least min_quantity",
            code="reorder_rule.max_below_min",
            field="max_quantity",
        )
    rule.active = bool(rule.active)
    rule.follows_forecast = bool(rule.follows_forecast)
    clash = (
        ReorderRule.objects.filter(warehouse_id=rule.warehouse_id, product_id=rule.product_id)
        .exclude(pk=rule.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise Duplicate(
            "The product has a reorder rule in this warehouse",
            code="reorder_rule.duplicate",
            field="product",
            extra={"existing_id": clash},
        )


def _rule_save(rule: ReorderRule) -> ReorderRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        _rule_check(rule)  # names the concurrent duplicate
        raise
    return rule


@transaction.atomic
def reorder_rule_create(
    *,
    company,
    product: Product,
    warehouse: Warehouse,
    min_quantity,
    max_quantity,
    multiple=1,
    supplier: Party | None = None,
    active: bool = True,
    follows_forecast: bool = False,
) -> ReorderRule:
    rule = ReorderRule(
        company=company,
        product=product,
        warehouse=warehouse,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        multiple=multiple,
        supplier=supplier,
        active=active,
        follows_forecast=follows_forecast,
    )
    _rule_check(rule)
    return _rule_save(rule)


@transaction.atomic
def reorder_rule_update(*, rule: ReorderRule, **changes) -> ReorderRule:
    unknown = set(changes) - set(REORDER_RULE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    row = lock_one(ReorderRule, rule.pk, label="reorder_rule")
    for name, value in changes.items():
        if value is not UNSET:
            setattr(row, name, value)
    _rule_check(row)
    return _rule_save(row)


@transaction.atomic
def reorder_rule_delete(*, rule: ReorderRule) -> None:
    lock_one(ReorderRule, rule.pk, label="reorder_rule").delete()
