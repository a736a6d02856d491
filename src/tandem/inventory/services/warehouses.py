"""Warehouses, their location trees, the company's virtual locations, stock settings."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_noop

from tandem.core.errors import Conflict, Duplicate, ValidationFailed

from ..models import (
    InventorySettings,
    Location,
    LocationUsage,
    MoveState,
    ProductStock,
    StockLevel,
    StockMove,
    Transfer,
    Warehouse,
)
from ._common import UNSET, check_company, lock_one, product_stocks, text

OPEN_STATES = (MoveState.DRAFT, MoveState.CONFIRMED, MoveState.ASSIGNED)
FULL_NAME_MAX = Location._meta.get_field("full_name").max_length

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
    # The company's first warehouse becomes its default; later ones never take over. With
    # no default set yet but older warehouses, the oldest active one keeps the role.
    inventory_settings(company)
    InventorySettings.objects.filter(company=company, default_warehouse__isnull=True).update(
        default_warehouse=_oldest_active(company)
    )
    return warehouse


def _oldest_active(company) -> Warehouse | None:
    return Warehouse.objects.filter(company=company, active=True).order_by("pk").first()


def warehouse_default(company) -> Warehouse | None:
    """The warehouse of receipts, purchase orders and deliveries that name none.

    The inventory settings' default while it is active, else the oldest active warehouse
    (creation order, never the code: a new warehouse must not take over); None without one.
    """
    is_default = Exists(
        InventorySettings.objects.filter(company=company, default_warehouse=OuterRef("pk"))
    )
    return (
        Warehouse.objects.filter(company=company, active=True)
        .annotate(is_default=is_default)
        .order_by("-is_default", "pk")
        .first()
    )


def _open_moves_touching(location_ids) -> models.QuerySet:
    return StockMove.objects.filter(
        Q(location_src_id__in=location_ids) | Q(location_dest_id__in=location_ids),
        state__in=OPEN_STATES,
    )


def _stock_in(location_ids) -> models.QuerySet:
    # negative stock and reservations count too: either would be stranded
    return StockLevel.objects.filter(location_id__in=location_ids).exclude(on_hand=0, reserved=0)


@transaction.atomic
def warehouse_update(
    *, warehouse: Warehouse, name=UNSET, active=UNSET, is_default=UNSET
) -> Warehouse:
    """Rename, (de)activate, or make the company's default (`is_default=True`).

    The default changes only by making another warehouse the default: unsetting it or
    deactivating it is refused (`warehouse.is_default`), and an inactive warehouse cannot
    become it (`warehouse.inactive`). A warehouse holding stock (`warehouse.has_stock`) or
    with open transfers or moves (`warehouse.open_transfers`) stays active, or those
    documents would point at a warehouse no one can pick any more.
    """
    locked = lock_one(Warehouse, warehouse.pk, label="warehouse")
    company = locked.company
    settings = lock_one(InventorySettings, inventory_settings(company).pk, label="settings")
    fields = []
    if name is not UNSET:
        locked.name = text(name, field="name", max_length=100, required=True)
        fields.append("name")
    deactivating = active is not UNSET and locked.active and not active
    if active is not UNSET:
        locked.active = bool(active)
        fields.append("active")
    current = warehouse_default(company)
    is_current = current is not None and current.pk == locked.pk
    if is_default is not UNSET:
        if is_default and not locked.active:
            raise Conflict(
                "An inactive warehouse cannot be the default; activate it first",
                code="warehouse.inactive",
                field="is_default",
            )
        if not is_default and is_current:
            raise Conflict(
                f"{locked.code} is the default warehouse; make another one the default instead",
                code="warehouse.is_default",
                field="is_default",
            )
    if deactivating:
        if is_current:
            raise Conflict(
                f"{locked.code} is the default warehouse; make another one the default first",
                code="warehouse.is_default",
                field="active",
            )
        location_ids = list(locked.locations.values_list("pk", flat=True))
        if _stock_in(location_ids).exists():
            raise Conflict(
                f"{locked.code} holds stock; move it out first",
                code="warehouse.has_stock",
                field="active",
            )
        open_transfers = Transfer.objects.filter(warehouse=locked, state__in=OPEN_STATES)
        if open_transfers.exists() or _open_moves_touching(location_ids).exists():
            raise Conflict(
                f"{locked.code} has open transfers; finish or cancel them first",
                code="warehouse.open_transfers",
                field="active",
            )
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if is_default is True and settings.default_warehouse_id != locked.pk:
        settings.default_warehouse = locked
        settings.save(update_fields=["default_warehouse", "updated_at"])
    return locked


def _subtree(location: Location) -> models.QuerySet:
    """The location and every location under it (by full name, as the stock levels do)."""
    prefix = f"{location.full_name}/"
    # SUBSTR, not startswith: SQLite's LIKE ignores case, and "wh/a" is not under "WH"
    return (
        Location.objects.filter(company_id=location.company_id)
        .annotate(head=Substr("full_name", 1, len(prefix)))
        .filter(Q(pk=location.pk) | Q(head=prefix))
    )


@transaction.atomic
def location_update(*, location: Location, name=UNSET, barcode=UNSET, active=UNSET) -> Location:
    """Rename (the sub-tree's full names follow), change the barcode, (de)activate.

    The company's virtual locations are fixed (`location.virtual`). A location holding
    stock, or with sub-locations that do, stays active (`location.has_stock`); so do an
    active warehouse's own locations (`location.in_use`), which its documents default to.
    """
    locked = lock_one(Location, location.pk, label="location")
    company = locked.company
    if locked.warehouse_id is None and locked.usage not in (
        LocationUsage.INTERNAL,
        LocationUsage.VIEW,
        LocationUsage.TRANSIT,
    ):
        raise Conflict("The company's virtual locations cannot be changed", code="location.virtual")
    changes = {}
    renames = []
    if name is not UNSET:
        new_name = text(name, field="name", max_length=100, required=True)
        if "/" in new_name:
            raise ValidationFailed("name: '/' separates locations", field="name")
        if new_name != locked.name:
            changes["name"] = new_name
            parent_name = locked.parent.full_name if locked.parent_id else ""
            old_prefix = locked.full_name
            new_prefix = f"{parent_name}/{new_name}" if parent_name else new_name
            # stock levels and counts find a sub-tree by its full name: keep names unique
            if Location.objects.filter(company=company, full_name=new_prefix).exists():
                raise Duplicate(f"{new_prefix} exists", field="name", code="location.duplicate")
            for row in _subtree(locked).only("pk", "full_name").order_by("pk"):
                full_name = new_prefix + row.full_name[len(old_prefix) :]
                if len(full_name) > FULL_NAME_MAX:
                    raise ValidationFailed(
                        f"name: the full name of {row.full_name} would pass "
                        f"{FULL_NAME_MAX} characters",
                        code="validation.max_length",
                        field="name",
                    )
                renames.append((row.pk, full_name))
    if barcode is not UNSET:
        new_barcode = text(barcode, field="barcode", max_length=64)
        taken = Location.objects.filter(company=company, barcode=new_barcode).exclude(pk=locked.pk)
        if new_barcode and taken.exists():
            raise Duplicate(
                f"Barcode {new_barcode} is taken", field="barcode", code="location.duplicate"
            )
        changes["barcode"] = new_barcode
    if active is not UNSET:
        changes["active"] = bool(active)
        if locked.active and not active:
            own = Q(view_location=locked) | Q(stock_location=locked)
            own |= Q(input_location=locked) | Q(output_location=locked)
            if Warehouse.objects.filter(own, active=True).exists():
                raise Conflict(
                    f"{locked.full_name} belongs to an active warehouse; deactivate the "
                    "warehouse instead",
                    code="location.in_use",
                    field="active",
                )
            subtree = list(_subtree(locked).values_list("pk", flat=True))
            if _stock_in(subtree).exists():
                raise Conflict(
                    f"{locked.full_name} holds stock; move it out first",
                    code="location.has_stock",
                    field="active",
                )
    if changes:
        for field, value in changes.items():
            setattr(locked, field, value)
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:  # a concurrent request took the barcode
            raise Duplicate(
                f"Barcode {changes.get('barcode')} is taken",
                field="barcode",
                code="location.duplicate",
            ) from None
    if renames:
        rows = [Location(pk=pk, full_name=full_name) for pk, full_name in renames]
        Location.objects.bulk_update(rows, ["full_name"])
    locked.refresh_from_db()
    return locked


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
    # only these columns: the default warehouse has its own service
    settings.save(update_fields=["loss_account", "gain_account", "updated_at"])
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
