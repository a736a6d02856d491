"""Products and price list items as importable objects (see tandem.core.imports).

A product's key is its SKU (unique per company), so a re-import updates it; a category named
in a file ("Parent / Child") is created when missing, a unit must exist. A price list item is
known by its list, product, minimum quantity and start date; a price list named in a file is
created when missing.
"""

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import DomainError, InvalidReference
from tandem.core.imports import (
    ImportField,
    ImportObject,
    batches,
    import_register,
    text,
)

from .models import PriceList, PriceListItem, Product, ProductCategory, ProductType, Tracking, Uom
from .queries import category_paths
from .services import (
    category_create,
    price_list_create,
    price_list_item_add,
    price_list_item_remove,
    product_create,
    product_update,
)
from .services.bulk import products_create_bulk, products_update_bulk

F = ImportField
PRODUCT_FIELDS = (
    F(
        "sku",
        gettext_lazy("SKU"),
        required=True,
        aliases=("code", "internal reference", "编码", "物料编码", "货号", "产品编码"),
        max_length=64,
    ),  # noqa: E501
    F("name", gettext_lazy("Name"), required=True, aliases=("名称", "产品名称", "物料名称")),
    F("description", gettext_lazy("Description"), aliases=("描述", "说明"), max_length=10_000),
    F("type", gettext_lazy("Type"), "choice", choices=tuple(ProductType.values), aliases=("类型",)),  # noqa: E501
    F("barcode", gettext_lazy("Barcode"), aliases=("ean", "条码", "条形码"), max_length=32),
    F(
        "category",
        gettext_lazy("Category"),
        aliases=("product category", "类别", "分类", "产品类别"),
    ),  # noqa: E501
    F("uom", gettext_lazy("Unit"), aliases=("unit of measure", "uom", "单位", "计量单位")),
    F(
        "list_price",
        gettext_lazy("Sale price"),
        "decimal",
        aliases=("sales price", "list price", "售价", "销售价"),
    ),  # noqa: E501
    F("cost_price", gettext_lazy("Cost"), "decimal", aliases=("cost price", "成本", "成本价")),
    F(
        "tracking",
        gettext_lazy("Tracking"),
        "choice",
        choices=tuple(Tracking.values),
        aliases=("追踪",),
    ),  # noqa: E501
    F("weight", gettext_lazy("Weight"), "decimal", aliases=("重量",)),
    F("volume", gettext_lazy("Volume"), "decimal", aliases=("体积",)),
    F("active", gettext_lazy("Active"), "bool", aliases=("启用",)),
    F("can_be_sold", gettext_lazy("Can be sold"), "bool", aliases=("可销售",)),
    F("can_be_purchased", gettext_lazy("Can be purchased"), "bool", aliases=("可采购",)),
)
PLAIN = ("name", "description", "barcode", "list_price", "cost_price", "weight", "volume")
PLAIN += ("active", "can_be_sold", "can_be_purchased", "type", "tracking")


def _unknown(field: str, value: str):
    return InvalidReference(
        _("No %(what)s called %(value)s.") % {"what": field, "value": value}, field=field
    )


def _category(run, path: str) -> ProductCategory:
    """The category at `path` ("Parent / Child"), each missing level created."""
    categories = run.cached("categories", dict)
    parent = None
    so_far = ""
    for name in [part.strip() for part in path.replace("／", "/").split("/") if part.strip()]:
        so_far = f"{so_far}/{name.casefold()}"
        if so_far not in categories:
            found = ProductCategory.objects.filter(
                company=run.company, parent=parent, name__iexact=name
            ).first()
            categories[so_far] = found or category_create(
                company=run.company, name=name, parent=parent
            )
        parent = categories[so_far]
    return parent


def _uom(run, name: str) -> Uom:
    def load():
        units = {}
        for uom in Uom.objects.filter(company=run.company, active=True).order_by("-id"):
            units[uom.symbol.casefold()] = uom
            units[uom.name.casefold()] = uom
        return units

    uom = run.cached("uoms", load).get(name.casefold())
    if uom is None:
        raise _unknown("uom", name)
    return uom


def product_import_row(run, values: dict, target_id=None):
    data = {n: values[n] for n in PLAIN if n in values and values[n] is not None}
    if values.get("category"):
        data["category"] = _category(run, values["category"])
    if values.get("uom"):
        data["uom"] = _uom(run, values["uom"])
    product = (
        Product.objects.annotate(sku_lower=Lower("sku"))
        .filter(company=run.company, sku_lower=values["sku"].casefold())
        .first()
    )
    if product is None:
        return product_create(company=run.company, sku=values["sku"], **data).pk, True
    return product_update(product=product, **data).pk, False


def _category_found(run, path: str) -> ProductCategory | None:
    """The category at `path` if every level exists (None: one is still to be created)."""
    categories = run.cached("categories", dict)
    parent = None
    so_far = ""
    for name in [part.strip() for part in path.replace("／", "/").split("/") if part.strip()]:
        so_far = f"{so_far}/{name.casefold()}"
        if so_far not in categories:
            found = ProductCategory.objects.filter(
                company=run.company, parent=parent, name__iexact=name
            ).first()
            if found is None:
                return None
            categories[so_far] = found
        parent = categories[so_far]
    return parent


def product_import_chunk(run, rows) -> list:
    """The chunk written set-based in two passes whatever the order of its rows: the SKUs the
    company has through products_update_bulk, the new ones through products_create_bulk (an
    update here takes no new barcode and changes no SKU, so neither pass depends on the
    other). The passes stop before a row left to product_import_row: a SKU repeated in the
    chunk (it updates what the first wrote), a row whose category is still to be created
    (the row handler creates it once) and the first update products_update_bulk leaves (a
    new barcode, which needs the uniqueness check)."""
    skus = {row.values["sku"].casefold() for row in rows}
    known = set(
        Product.objects.annotate(sku_lower=Lower("sku"))
        .filter(company=run.company, sku_lower__in=skus)
        .values_list("sku_lower", flat=True)
    )
    outcomes: dict[int, object] = {}
    updates: list[tuple[int, dict]] = []
    creates: list[tuple[int, dict]] = []
    seen: set[str] = set()
    end = len(rows)
    for index, row in enumerate(rows):
        values = row.values
        sku = values["sku"].casefold()
        category = _category_found(run, values["category"]) if values.get("category") else None
        if sku in seen or (values.get("category") and category is None):
            end = index
            break
        seen.add(sku)
        data = {n: values[n] for n in PLAIN if n in values and values[n] is not None}
        if category is not None:
            data["category"] = category
        try:
            if values.get("uom"):
                data["uom"] = _uom(run, values["uom"])
        except DomainError as exc:
            outcomes[index] = exc
            continue
        (updates if sku in known else creates).append((index, {"sku": values["sku"], **data}))
    done = (
        products_update_bulk(company=run.company, entries=[e for _i, e in updates])
        if updates
        else []
    )
    if len(done) < len(updates):
        end = updates[len(done)][0]
    for (index, _entry), result in zip(updates, done, strict=False):
        outcomes[index] = result if isinstance(result, DomainError) else (result.pk, False)
    new = [(index, entry) for index, entry in creates if index < end]
    results = products_create_bulk(company=run.company, entries=[e for _i, e in new]) if new else []
    for (index, _entry), result in zip(new, results, strict=True):
        outcomes[index] = result if isinstance(result, DomainError) else (result.pk, True)
    return [outcomes[index] for index in range(end)]


def product_export(company):
    headers = [f.name for f in PRODUCT_FIELDS]

    def rows():
        paths = category_paths(company)
        products = Product.objects.filter(company=company).select_related("uom")
        for batch in batches(products):
            for p in batch:
                yield [
                    p.sku,
                    p.name,
                    p.description,
                    p.type,
                    p.barcode,
                    paths.get(p.category_id, ""),
                    p.uom.symbol or p.uom.name,
                    *[text(getattr(p, n)) for n in ("list_price", "cost_price", "tracking")],
                    *[text(getattr(p, n)) for n in ("weight", "volume", "active")],
                    text(p.can_be_sold),
                    text(p.can_be_purchased),
                ]

    return headers, rows()


# -- price list items -------------------------------------------------------------------------

ITEM_FIELDS = (
    F(
        "price_list",
        gettext_lazy("Price list"),
        required=True,
        aliases=("pricelist", "价目表", "价格表"),
    ),  # noqa: E501
    F(
        "product",
        gettext_lazy("Product SKU"),
        required=True,
        aliases=("sku", "product", "产品编码", "物料编码"),
    ),  # noqa: E501
    F(
        "unit_price",
        gettext_lazy("Unit price"),
        "decimal",
        required=True,
        aliases=("price", "单价", "价格"),
    ),  # noqa: E501
    F(
        "min_quantity",
        gettext_lazy("Minimum quantity"),
        "decimal",
        aliases=("min quantity", "最小数量", "起订量"),
    ),  # noqa: E501
    F("valid_from", gettext_lazy("Valid from"), "date", aliases=("start date", "生效日期")),
    F("valid_to", gettext_lazy("Valid to"), "date", aliases=("end date", "失效日期")),
    F("currency", gettext_lazy("Currency"), aliases=("币种",)),
)


def _item_key(values: dict) -> str:
    return "|".join(
        str(values.get(n) or "").casefold()
        for n in ("price_list", "product", "min_quantity", "valid_from")
    )


def _product(run, sku: str) -> Product:
    products = run.cached("products", dict)
    key = sku.casefold()
    if key not in products:
        products[key] = (
            Product.objects.annotate(sku_lower=Lower("sku"))
            .filter(company=run.company, sku_lower=key)
            .first()
        )
    if products[key] is None:
        raise _unknown("product", sku)
    return products[key]


def price_list_item_import_row(run, values: dict, target_id=None):
    lists = run.cached("price_lists", dict)
    name = values["price_list"]
    if name.casefold() not in lists:
        lists[name.casefold()] = PriceList.objects.filter(
            company=run.company, name__iexact=name
        ).first() or price_list_create(
            company=run.company, name=name, currency=values.get("currency") or None
        )
    price_list = lists[name.casefold()]
    product = _product(run, values["product"])
    min_quantity = values.get("min_quantity") or 0
    existing = PriceListItem.objects.filter(
        price_list=price_list,
        product=product,
        min_quantity=min_quantity,
        valid_from=values.get("valid_from"),
    ).first()
    if existing is not None:
        price_list_item_remove(item=existing)
    item = price_list_item_add(
        price_list=price_list,
        product=product,
        unit_price=values["unit_price"],
        min_quantity=min_quantity,
        valid_from=values.get("valid_from"),
        valid_to=values.get("valid_to"),
    )
    return item.pk, existing is None


def price_list_item_export(company):
    headers = [f.name for f in ITEM_FIELDS]

    def rows():
        items = PriceListItem.objects.filter(company=company).select_related(
            "price_list", "product"
        )
        for batch in batches(items):
            for item in batch:
                yield [
                    item.price_list.name,
                    item.product.sku,
                    text(item.unit_price),
                    text(item.min_quantity),
                    text(item.valid_from),
                    text(item.valid_to),
                    item.price_list.currency_id,
                ]

    return headers, rows()


def register() -> None:
    import_register(
        ImportObject(
            name="products",
            label=gettext_lazy("Products"),
            description=gettext_lazy("Products with their category, unit, sale price and cost."),
            fields=PRODUCT_FIELDS,
            key="sku",
            natural_key=True,
            handler=product_import_row,
            bulk=product_import_chunk,
            perms=("catalog.add_product", "catalog.change_product"),
            export=product_export,
            export_perm="catalog.view_product",
        )
    )
    import_register(
        ImportObject(
            name="price-lists",
            label=gettext_lazy("Price lists"),
            description=gettext_lazy("Price list items: a product's price in a list."),
            fields=ITEM_FIELDS,
            key="product",
            key_of=_item_key,
            natural_key=True,
            handler=price_list_item_import_row,
            perms=("catalog.add_pricelist", "catalog.change_pricelist"),
            export=price_list_item_export,
            export_perm="catalog.view_pricelist",
        )
    )
