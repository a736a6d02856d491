"""Stock levels as an importable object (see tandem.core.imports): each row is what is on hand
of a product (and lot) in a location; the file is applied whole as one inventory count per
location, so the differences move to or from Inventory loss and are valued and posted like
any count. Importing the same file again finds nothing to move.

A `unit_cost` column sets the product's cost price first (the cost a count values incoming
stock at), so an opening stock file carries its own valuation.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.catalog.services import product_update
from tandem.core.errors import ValidationFailed
from tandem.core.imports import ImportField, ImportObject, batches, import_register, text

from .errors import InvalidReference
from .models import Location, LocationUsage, StockLevel, Warehouse
from .services import inventory_count_apply, inventory_count_create
from .services.transfers import _move_lot

F = ImportField
STOCK_FIELDS = (
    F(
        "product",
        gettext_lazy("Product SKU"),
        required=True,
        aliases=("sku", "产品编码", "物料编码", "货号"),
        max_length=64,
    ),  # noqa: E501
    F("location", gettext_lazy("Location"), required=True, aliases=("warehouse", "库位", "仓库")),  # noqa: E501
    F(
        "quantity",
        gettext_lazy("Quantity"),
        "decimal",
        required=True,
        aliases=("on hand", "qty", "数量", "在手数量", "库存数量"),
    ),  # noqa: E501
    F("lot", gettext_lazy("Lot / Serial"), aliases=("lot", "serial", "批次", "批号", "序列号")),
    F("unit_cost", gettext_lazy("Unit cost"), "decimal", aliases=("cost", "单位成本", "成本")),
)


def _stock_key(values: dict) -> str:
    return "|".join(str(values.get(n) or "").casefold() for n in ("product", "location", "lot"))


def _locations(run) -> dict:
    def load():
        found = {}
        for location in Location.objects.filter(
            company=run.company, usage=LocationUsage.INTERNAL, active=True
        ):
            for name in (location.full_name, location.barcode):
                if name:
                    found.setdefault(name.casefold(), location)
        for code, location in Warehouse.objects.filter(company=run.company).values_list(
            "code", "stock_location"
        ):
            found.setdefault(code.casefold(), Location.objects.get(pk=location))
        return found

    return run.cached("locations", load)


def stock_row(run, values: dict, target_id=None):
    product = (
        Product.objects.annotate(sku_lower=Lower("sku"))
        .filter(company=run.company, sku_lower=values["product"].casefold())
        .select_related("uom")
        .first()
    )
    if product is None:
        raise InvalidReference(
            _("No product with SKU %(sku)s.") % {"sku": values["product"]}, field="product"
        )
    location = _locations(run).get(values["location"].casefold())
    if location is None:
        raise InvalidReference(
            _("No stock location %(name)s.") % {"name": values["location"]}, field="location"
        )
    if values["quantity"] < 0:
        raise ValidationFailed(
            _("A quantity on hand is not negative."), code="validation.min_value", field="quantity"
        )
    places = product.uom.decimal_places
    if values["quantity"] != round(values["quantity"], places):
        raise ValidationFailed(
            _("%(unit)s counts to %(places)d decimal places.")
            % {"unit": product.uom.name, "places": places},
            code="import.quantity_places",
            field="quantity",
        )
    lot = None
    if values.get("lot"):
        lot = _move_lot(
            run.company, product, {"lot_name": values["lot"]}, where="lot", receiving=True
        )
    cost = values.get("unit_cost")
    if cost is not None and cost != product.cost_price:
        product = product_update(product=product, cost_price=cost)
    line = {"product": product, "lot": lot, "counted": values["quantity"]}
    run.collected.append((location, line))
    exists = StockLevel.objects.filter(product=product, location=location, lot=lot).exists()
    return None, not exists


def stock_finish(run) -> dict:
    per_location = defaultdict(list)
    for location, line in run.collected:
        per_location[location].append(line)
    counts = []
    for location, lines in sorted(per_location.items(), key=lambda item: item[0].pk):
        count = inventory_count_create(company=run.company, location=location, lines=lines)
        counts.append(inventory_count_apply(count=count, user=run.user))
    return {
        "counts": [c.number for c in counts],
        "entries": [c.entry_id for c in counts if c.entry_id],
        "quantity": str(sum((ln["counted"] for _loc, ln in run.collected), Decimal(0))),
    }


def stock_export(company):
    """What is on hand per product, internal location and lot, in the import's columns (the
    unit cost is the product's cost price)."""
    headers = [f.name for f in STOCK_FIELDS]

    def rows():
        levels = StockLevel.objects.filter(
            company=company, location__usage=LocationUsage.INTERNAL, on_hand__gt=0
        ).select_related("product", "location", "lot")
        for batch in batches(levels):
            for level in batch:
                yield [
                    level.product.sku,
                    level.location.full_name,
                    text(level.on_hand.normalize()),
                    level.lot.name if level.lot else "",
                    text(level.product.cost_price),
                ]

    return headers, rows()


def register() -> None:
    import_register(
        ImportObject(
            name="stock-levels",
            label=gettext_lazy("Stock levels"),
            description=gettext_lazy(
                "On hand per product, location and lot, applied as one inventory count per "
                "location and valued."
            ),
            fields=STOCK_FIELDS,
            key="product",
            key_of=_stock_key,
            natural_key=True,
            handler=stock_row,
            finish=stock_finish,
            atomic=True,
            max_rows=5000,
            perms=("inventory.add_inventorycount", "inventory.change_inventorycount"),
            export=stock_export,
            export_perm="inventory.view_stocklevel",
        )
    )
