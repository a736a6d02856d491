"""Set-based creation of products (the import path).

`products_create_bulk` leaves the same rows as `product_create` called for each entry in
turn, each in its own savepoint: the same defaults (the company's counting unit, the
category's valuation), the same checks and refusals in the same order (the service's own
`_product_check`, then a SKU or barcode already taken, by the company's products or by an
earlier entry), the same history rows. A chunk costs two look-ups and one INSERT per table
instead of five statements and a savepoint per product.

`products_update_bulk` is the same for a re-import: what `product_update` does to each
product named by its SKU (the same checks, a history row per product, the costing hook when
the cost changes), in one read and one UPDATE per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tandem.core import events
from tandem.core.errors import DomainError, Duplicate

from ..models import Product, Valuation
from ._common import _check_company
from .products import _product_check
from .uoms import default_uom

DEFAULTS = {
    "description": "",
    "type": "goods",
    "barcode": "",
    "category": None,
    "uom": None,
    "purchase_uom": None,
    "list_price": 0,
    "cost_price": 0,
    "tracking": "none",
    "valuation": None,
    "weight": 0,
    "volume": 0,
    "active": True,
    "can_be_sold": True,
    "can_be_purchased": True,
}


def _built(company, entry: dict, unit) -> Product:
    """The product `product_create` would save, checked but for uniqueness."""
    data = {**DEFAULTS, **entry}
    for name in ("category", "uom", "purchase_uom"):
        _check_company(company, data[name], field=name)
    if data["uom"] is None:
        data["uom"] = unit() if data["purchase_uom"] is None else data["purchase_uom"]
    if data["valuation"] is None:
        category = data["category"]
        data["valuation"] = category.valuation if category is not None else Valuation.STANDARD
    data["purchase_uom"] = data["purchase_uom"] or data["uom"]
    product = Product(company=company, **data)
    _product_check(product, unique=False)
    return product


def _sku_duplicate(sku: str, existing_id: int | None) -> Duplicate:
    return Duplicate(
        f"A product with SKU {sku} exists",
        code="product.duplicate",
        field="sku",
        extra={"existing_id": existing_id},
    )


def _barcode_duplicate(barcode: str, existing_id: int | None) -> Duplicate:
    return Duplicate(
        f"Barcode {barcode} is used by another product",
        code="product.barcode_duplicate",
        field="barcode",
        extra={"existing_id": existing_id},
    )


@transaction.atomic
def products_create_bulk(*, company, entries: Sequence[dict]) -> list:
    """Create a product per entry (`product_create`'s keyword arguments without `company`);
    answers, per entry, the Product created or the DomainError that refused it."""
    units: list = []

    def unit():
        if not units:
            units.append(default_uom(company=company))
        return units[0]

    outcomes: list = []
    for entry in entries:
        try:
            outcomes.append(_built(company, entry, unit))
        except DomainError as exc:
            outcomes.append(exc)
    built = [p for p in outcomes if isinstance(p, Product)]
    skus = dict(
        Product.objects.annotate(sku_lower=Lower("sku"))
        .filter(company=company, sku_lower__in={p.sku.lower() for p in built})
        .order_by("-id")
        .values_list("sku_lower", "pk")
    )
    barcodes = dict(
        Product.objects.filter(company=company, barcode__in={p.barcode for p in built if p.barcode})
        .order_by("-id")
        .values_list("barcode", "pk")
    )
    # an entry repeating an earlier one's SKU or barcode: (which, the earlier entry)
    later: dict[int, tuple[str, Product]] = {}
    first_sku: dict[str, Product] = {}
    first_barcode: dict[str, Product] = {}
    for index, product in enumerate(outcomes):
        if not isinstance(product, Product):
            continue
        sku = product.sku.lower()
        if sku in skus:
            outcomes[index] = _sku_duplicate(product.sku, skus[sku])
        elif sku in first_sku:
            later[index] = ("sku", first_sku[sku])
        elif product.barcode and product.barcode in barcodes:
            outcomes[index] = _barcode_duplicate(product.barcode, barcodes[product.barcode])
        elif product.barcode and product.barcode in first_barcode:
            later[index] = ("barcode", first_barcode[product.barcode])
        else:
            first_sku[sku] = product
            if product.barcode:
                first_barcode[product.barcode] = product
    written = [p for i, p in enumerate(outcomes) if isinstance(p, Product) and i not in later]
    if written:
        bulk_create_with_history(written, Product, default_change_reason=None)
    for index, (which, first) in later.items():
        product = outcomes[index]
        outcomes[index] = (
            _sku_duplicate(product.sku, first.pk)
            if which == "sku"
            else _barcode_duplicate(product.barcode, first.pk)
        )
    return outcomes


# what an update may change (`product_update`'s fields less those needing more than a row)
UPDATABLE = (frozenset(DEFAULTS) | {"name"}) - {"valuation"}


def _updated(company, product: Product, changes: dict) -> Product:
    """`product` as `product_update` would save it, checked but for uniqueness."""
    for name in ("category", "uom", "purchase_uom"):
        if name in changes:
            _check_company(company, changes[name], field=name)
    new_uom = changes.get("uom") or product.uom
    if "purchase_uom" not in changes and product.purchase_uom.category_id != new_uom.category_id:
        changes = {**changes, "purchase_uom": new_uom}  # a unit of another kind: buy in it too
    for name, value in changes.items():
        setattr(product, name, value)
    _product_check(product, unique=False)
    return product


@transaction.atomic
def products_update_bulk(*, company, entries: Sequence[dict]) -> list:
    """Update the products that `entries` name by SKU (each `{"sku": ..., **changes}`, the
    changes as `product_update` takes them). Answers, per leading entry it takes, the
    Product or the DomainError that refused it (nothing of it written); it stops at the
    first entry it leaves to `product_update`: an unknown SKU, one named twice, a new
    barcode (the uniqueness check) or a field it does not take."""
    skus = {str(e.get("sku", "")).casefold() for e in entries}
    found = {
        p.sku.casefold(): p
        for p in Product.objects.annotate(sku_lower=Lower("sku"))
        .filter(company=company, sku_lower__in=skus)
        .select_related("uom", "purchase_uom", "category")
    }
    outcomes: list = []
    seen: set[str] = set()
    written: list[tuple[Product, object, str]] = []
    for entry in entries:
        sku = str(entry.get("sku", "")).casefold()
        product = found.get(sku)
        changes = {k: v for k, v in entry.items() if k != "sku"}
        if product is None or sku in seen or set(changes) - UPDATABLE:
            break
        barcode = changes.get("barcode")
        if barcode and barcode != product.barcode:
            break
        seen.add(sku)
        before = (product.cost_price, product.valuation)
        try:
            written.append((_updated(company, product, changes), *before))
        except DomainError as exc:
            found.pop(sku)  # the instance holds refused values: never written
            outcomes.append(exc)
            continue
        outcomes.append(product)
    if written:
        now = timezone.now()
        fields = sorted(UPDATABLE | {"updated_at"})
        for product, _cost, _valuation in written:
            product.updated_at = now
        bulk_update_with_history([p for p, _c, _v in written], Product, fields)
        for product, cost, valuation in written:
            if (product.cost_price, product.valuation) != (cost, valuation):
                # stock on hand is valued by these: inventory revalues it in this transaction
                events.emit(
                    "product.costing_changed",
                    product=product,
                    old_cost_price=cost,
                    old_valuation=valuation,
                )
    return outcomes
