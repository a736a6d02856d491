"""Warehouses, their location trees, the company's virtual locations, stock settings."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from tandem.core.errors import Duplicate, ValidationFailed

from ..models import (
    InventorySettings,
    Location,
    LocationUsage,
    ProductStock,
    StockLevel,
    Warehouse,
)
from ._common import check_company, lock_one, product_stocks, text

# (usage, name) of the locations every company has once, outside any warehouse
VIRTUAL = [
    (LocationUsage.SUPPLIER, gettext_noop("Suppliers")),
    (LocationUsage.CUSTOMER, gettext_noop("Customers")),
    (LocationUsage.INVENTORY, gettext_noop("Inventory loss")),
    (LocationUsage.PRODUCTION, gettext_noop("Production")),
    (LocationUsage.SCRAP, gettext_noop("Scrap")),
    (LocationUsage.TRANSIT, gettext_noop("Transit")),
]


def virtual_locations(company) -> dict[str, Location]:
    """The company's virtual locations by usage, created on first use."""
    found = {
        loc.usage: loc
        for loc in Location.objects.filter(
            company=company, warehouse__isnull=True, usage__in=[u for u, _ in VIRTUAL]
        )
    }
    missing = [(u, n) for u, n in VIRTUAL if u not in found]
    if missing:
        Location.objects.bulk_create(
            [
                Location(company=company, name=name, full_name=f"Virtual/{name}", usage=usage)
                for usage, name in missing
            ],
            ignore_conflicts=True,
        )
        return virtual_locations(company)
    return found


def virtual_location(company, usage: str) -> Location:
    return virtual_locations(company)[usage]


@transaction.atomic
def warehouse_create(*, company, code: str, name: str) -> Warehouse:
    """A warehouse with its tree: a view location, and Stock, Input and Output under it."""
    code = text(code, field="code", max_length=10, required=True).upper()
    name = text(name, field="name", max_length=100, required=True)
    if Warehouse.objects.filter(company=company, code=code).exists():
        raise Duplicate(f"Warehouse {code} exists", field="code", code="warehouse.duplicate")
    virtual_locations(company)
    view = Location.objects.create(
        company=company, name=code, full_name=code, usage=LocationUsage.VIEW
    )
    children = {
        label: Location.objects.create(
            company=company,
            name=label,
            full_name=f"{code}/{label}",
            parent=view,
            usage=LocationUsage.INTERNAL,
        )
        for label in ("Stock", "Input", "Output")
    }
    try:
        with transaction.atomic():
            warehouse = Warehouse.objects.create(
                company=company,
                code=code,
                name=name,
                view_location=view,
                stock_location=children["Stock"],
                input_location=children["Input"],
                output_location=children["Output"],
            )
    except IntegrityError:
        raise Duplicate(
            f"Warehouse {code} exists", field="code", code="warehouse.duplicate"
        ) from None
    Location.objects.filter(pk__in=[view.pk] + [c.pk for c in children.values()]).update(
        warehouse=warehouse
    )
    return warehouse


@transaction.atomic
def location_create(
    *,
    company,
    name: str,
    parent: Location | None,
    usage: str = LocationUsage.INTERNAL,
    barcode: str = "",
) -> Location:
    """A location under `parent` (a shelf or bin under a warehouse's Stock, for example)."""
    name = text(name, field="name", max_length=100, required=True)
    if "/" in name:
        raise ValidationFailed("name: '/' separates locations", field="name")
    if usage not in (LocationUsage.INTERNAL, LocationUsage.VIEW, LocationUsage.TRANSIT):
        raise ValidationFailed(
            "usage: virtual locations exist once per company",
            code="validation.choice",
            field="usage",
        )
    check_company(company, parent, field="parent")
    barcode = text(barcode, field="barcode", max_length=64)
    if barcode and Location.objects.filter(company=company, barcode=barcode).exists():
        raise Duplicate(f"Barcode {barcode} is taken", field="barcode", code="location.duplicate")
    return Location.objects.create(
        company=company,
        name=name,
        full_name=f"{parent.full_name}/{name}" if parent else name,
        parent=parent,
        usage=usage,
        barcode=barcode,
        warehouse=parent.warehouse if parent else None,
    )


def inventory_settings(company) -> InventorySettings:
    settings, _ = InventorySettings.objects.get_or_create(company=company)
    return settings


@transaction.atomic
def inventory_settings_update(*, company, loss_account=None, gain_account=None):
    check_company(company, loss_account, field="loss_account")
    check_company(company, gain_account, field="gain_account")
    settings = inventory_settings(company)
    settings.loss_account = loss_account
    settings.gain_account = gain_account
    settings.save()
    return settings


@transaction.atomic
def product_stock_update(*, product, allow_negative: bool) -> ProductStock:
    """Allow or forbid negative stock; forbidding it is refused while any level is negative."""
    row = product_stocks(product.company, [product.pk])[product.pk]
    row = lock_one(ProductStock, row.pk, label="product_stock")
    if not allow_negative:
        from django.db.models import F, Q

        negative = StockLevel.objects.filter(product=product).filter(
            Q(on_hand__lt=0) | Q(reserved__gt=F("on_hand"))
        )
        if negative.exists() or row.quantity < 0:
            raise ValidationFailed(
                "Stock of this product is negative somewhere; count it first",
                code="stock.negative",
                field="allow_negative",
            )
    ProductStock.objects.filter(pk=row.pk).update(allow_negative=allow_negative)
    StockLevel.objects.filter(product=product).update(allow_negative=allow_negative)
    row.refresh_from_db()
    return row
