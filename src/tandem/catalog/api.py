"""/products, /uoms, /uom-categories, /product-categories, /price-lists (thin: see services)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.db.models import Aggregate, CharField, OuterRef, Subquery
from ninja import Query, Router, Status

from tandem.api.context import (
    company_of,
    get_ref,
    get_refs,
    get_scoped,
    page_of,
    paginate,
    require_perm,
)
from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Currency
from tandem.parties.models import Party

from . import queries, services
from .models import PriceList, Product, ProductCategory, Uom, UomCategory
from .schemas import (
    MAX_ID,
    NO_NUL,
    PriceListIn,
    PriceListOut,
    PriceListPatch,
    PriceQuoteOut,
    ProductCategoryIn,
    ProductCategoryOut,
    ProductCategoryPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    UomCategoryOut,
    UomIn,
    UomOut,
    UomPatch,
)

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)


# -- units of measure ----------------------------------------------------------------------


@router.get("/uom-categories", response=page_of(UomCategoryOut), tags=["uoms"])
def uom_category_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    require_perm(request, "catalog.view_uomcategory")
    qs = UomCategory.objects.filter(company=company_of(request))
    if search:
        qs = qs.filter(name__icontains=search)
    return paginate(qs.order_by("name", "id"), limit=limit, offset=offset)


@router.get("/uom-categories/{category_id}", response=UomCategoryOut, tags=["uoms"])
def uom_category_read(request, category_id: int):
    require_perm(request, "catalog.view_uomcategory")
    return get_scoped(UomCategory, request, category_id, label="uom_category")


@router.get("/uoms", response=page_of(UomOut), tags=["uoms"])
def uom_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    category: int | None = ID,
    active: bool | None = None,
):
    require_perm(request, "catalog.view_uom")
    qs = Uom.objects.filter(company=company_of(request))
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(symbol__icontains=search)
    if category is not None:
        qs = qs.filter(category_id=category)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(
        qs.order_by("category__name", "-is_reference", "ratio", "id"), limit=limit, offset=offset
    )


@router.get("/uoms/{uom_id}", response=UomOut, tags=["uoms"])
def uom_read(request, uom_id: int):
    require_perm(request, "catalog.view_uom")
    return get_scoped(Uom, request, uom_id)


@router.post("/uoms", response={201: UomOut}, tags=["uoms"])
def uom_add(request, payload: UomIn):
    require_perm(request, "catalog.add_uom")
    data = payload.dict()
    data["category"] = get_ref(UomCategory, request, data["category"], field="category")
    return Status(201, services.uom_create(company=company_of(request), **data))


@router.patch("/uoms/{uom_id}", response=UomOut, tags=["uoms"])
def uom_update(request, uom_id: int, payload: UomPatch):
    require_perm(request, "catalog.change_uom")
    uom = get_scoped(Uom, request, uom_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.uom_update(uom=uom, **changes)


@router.delete("/uoms/{uom_id}", response={204: None}, tags=["uoms"])
def uom_delete(request, uom_id: int):
    require_perm(request, "catalog.delete_uom")
    services.uom_delete(uom=get_scoped(Uom, request, uom_id))
    return Status(204, None)


# -- product categories --------------------------------------------------------------------


@router.get("/product-categories", response=page_of(ProductCategoryOut), tags=["products"])
def category_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    parent: int | None = ID,
):
    require_perm(request, "catalog.view_productcategory")
    company = company_of(request)
    qs = ProductCategory.objects.filter(company=company)
    if search:
        qs = qs.filter(name__icontains=search)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    qs = qs.prefetch_related("default_tax_links__tax")
    page = paginate(qs.order_by("name", "id"), limit=limit, offset=offset)
    paths = queries.category_paths(company)
    for category in page["items"]:
        category.path_cache = paths.get(category.pk)
    return page


@router.get("/product-categories/{category_id}", response=ProductCategoryOut, tags=["products"])
def category_read(request, category_id: int):
    require_perm(request, "catalog.view_productcategory")
    return get_scoped(ProductCategory, request, category_id, label="category")


@router.post("/product-categories", response={201: ProductCategoryOut}, tags=["products"])
def category_add(request, payload: ProductCategoryIn):
    require_perm(request, "catalog.add_productcategory")
    data = payload.dict()
    data["parent"] = get_ref(ProductCategory, request, data["parent"], field="parent")
    taxes = {k: data.pop(k) for k in ("taxes", "purchase_taxes")}
    with transaction.atomic():
        category = services.category_create(company=company_of(request), **data)
        _set_taxes(request, category, taxes)
    return Status(201, category)


@router.patch("/product-categories/{category_id}", response=ProductCategoryOut, tags=["products"])
def category_update(request, category_id: int, payload: ProductCategoryPatch):
    require_perm(request, "catalog.change_productcategory")
    category = get_scoped(ProductCategory, request, category_id, label="category")
    changes = payload.dict(exclude_unset=True)
    if "parent" in changes:
        changes["parent"] = get_ref(ProductCategory, request, changes["parent"], field="parent")
    taxes = {k: changes.pop(k) for k in ("taxes", "purchase_taxes") if k in changes}
    changes = {k: v for k, v in changes.items() if v is not None or k == "parent"}
    with transaction.atomic():
        category = services.category_update(category=category, **changes)
        _set_taxes(request, category, taxes)
    return category


@router.delete("/product-categories/{category_id}", response={204: None}, tags=["products"])
def category_delete(request, category_id: int):
    require_perm(request, "catalog.delete_productcategory")
    services.category_delete(
        category=get_scoped(ProductCategory, request, category_id, label="category")
    )
    return Status(204, None)


# -- products ------------------------------------------------------------------------------


class _IdList(Aggregate):
    """Comma-joined ids: one subquery per row instead of one query per product."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(CAST(%(expressions)s AS text), ',')",
            **extra_context,
        )


def _with_taxes(qs):
    """Products with `sale_tax_ids` and `purchase_tax_ids` ("1,5"): their default taxes,
    declared by accounting (Tax.products, told apart by the tax's scope)."""
    through = Product.taxes.through

    def ids(scope):
        return Subquery(
            through.objects.filter(product_id=OuterRef("pk"), tax__scope=scope)
            .order_by()
            .values("product_id")
            .annotate(ids=_IdList("tax_id"))
            .values("ids"),
            output_field=CharField(),
        )

    return qs.annotate(sale_tax_ids=ids("sale"), purchase_tax_ids=ids("purchase"))


def _set_taxes(request, target, data: dict) -> None:
    """Default sales (`taxes`) and purchase taxes of a product or category: accounting keeps
    them and checks each tax's scope (a hook, so the catalog never imports accounting)."""
    given = {k: data.pop(k) for k in ("taxes", "purchase_taxes") if k in data}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        return
    tax_model = Product.taxes.rel.related_model
    resolved = {k: get_refs(tax_model, request, v, field=k) for k, v in given.items()}
    events.emit("catalog.default_taxes_set", company=company_of(request), target=target, **resolved)


def _product_refs(request, data: dict) -> dict:
    if "category" in data:
        data["category"] = get_ref(ProductCategory, request, data["category"], field="category")
    for field in ("uom", "purchase_uom"):
        if field in data:
            data[field] = get_ref(Uom, request, data[field], field=field)
    return data


@router.get("/products", response=page_of(ProductOut), tags=["products"])
def product_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    type: str = Query("", pattern=r"^(|goods|service|consumable)$"),
    valuation: Literal["standard", "average", "fifo"] | None = None,
    tracking: Literal["none", "lot", "serial"] | None = None,
    category: int | None = ID,
    active: bool | None = None,
    can_be_sold: bool | None = None,
    can_be_purchased: bool | None = None,
    ordering: str = Query("sku", max_length=20),
):
    require_perm(request, "catalog.view_product")
    if ordering not in queries.PRODUCT_ORDERINGS:
        raise ValidationFailed(
            f"ordering: one of {', '.join(sorted(queries.PRODUCT_ORDERINGS))}", field="ordering"
        )
    qs = queries.products_filtered(
        company_of(request),
        search=search,
        type=type,
        valuation=valuation or "",
        tracking=tracking or "",
        category=category,
        active=active,
        can_be_sold=can_be_sold,
        can_be_purchased=can_be_purchased,
        ordering=ordering,
    )
    return paginate(_with_taxes(qs), limit=limit, offset=offset)


@router.get("/products/{product_id}", response=ProductOut, tags=["products"])
def product_read(request, product_id: int):
    require_perm(request, "catalog.view_product")
    return get_scoped(Product, request, product_id)


@router.post("/products", response={201: ProductOut}, tags=["products"])
def product_add(request, payload: ProductIn):
    require_perm(request, "catalog.add_product")
    data = _product_refs(request, payload.dict())
    taxes = {k: data.pop(k) for k in ("taxes", "purchase_taxes")}
    with transaction.atomic():
        product = services.product_create(company=company_of(request), **data)
        _set_taxes(request, product, taxes)
    return Status(201, product)


@router.patch("/products/{product_id}", response=ProductOut, tags=["products"])
def product_update(request, product_id: int, payload: ProductPatch):
    require_perm(request, "catalog.change_product")
    product = get_scoped(Product, request, product_id)
    changes = payload.dict(exclude_unset=True)
    # null clears the category and resets the purchase unit to the unit; elsewhere it is ignored
    changes = {
        k: v for k, v in changes.items() if v is not None or k in ("category", "purchase_uom")
    }
    taxes = {k: changes.pop(k) for k in ("taxes", "purchase_taxes") if k in changes}
    with transaction.atomic():
        product = services.product_update(product=product, **_product_refs(request, changes))
        _set_taxes(request, product, taxes)
    return product


@router.delete("/products/{product_id}", response={204: None}, tags=["products"])
def product_delete(request, product_id: int):
    require_perm(request, "catalog.delete_product")
    services.product_delete(product=get_scoped(Product, request, product_id))
    return Status(204, None)


@router.get("/products/{product_id}/price", response=PriceQuoteOut, tags=["products"])
def product_price(
    request,
    product_id: int,
    party: int | None = ID,
    quantity: Decimal = Query(Decimal(1), ge=0, max_digits=18, decimal_places=6),
    on_date: date | None = Query(None, alias="date"),
    uom: int | None = ID,
    currency: str | None = Query(None, pattern=r"^[A-Za-z]{3}$"),
):
    """The unit price `price_for` gives: party's list, default list, else the list price."""
    require_perm(request, "catalog.view_product")
    company = company_of(request)
    product = get_scoped(Product.objects.select_related("company", "uom"), request, product_id)
    party_obj = get_ref(Party, request, party, field="party")
    uom_obj = get_ref(Uom, request, uom, field="uom")
    if currency and not Currency.objects.filter(code=currency.upper()).exists():
        raise ValidationFailed(
            f"Unknown currency {currency}", code="currency.unknown", field="currency"
        )
    on_date = on_date or services.company_today(company)
    quote = services.price_for(
        product=product,
        party=party_obj,
        quantity=quantity,
        on_date=on_date,
        uom=uom_obj,
        currency=currency,
    )
    return {
        "product": product.pk,
        "party": party,
        "quantity": quantity,
        "date": on_date,
        "uom": quote.uom_id,
        "unit_price": quote.unit_price,
        "currency": quote.currency,
        "price_list": quote.price_list_id,
        "item": quote.item_id,
        "source": quote.source,
    }


# -- price lists ---------------------------------------------------------------------------


def _price_list_qs(request):
    return queries.price_lists_of(company_of(request))


def _items(request, items) -> list[dict]:
    ids = {item["product"] for item in items}
    found = Product.objects.filter(company=company_of(request), pk__in=ids).in_bulk()
    rows = []
    for index, item in enumerate(items):
        product = found.get(item["product"])
        if product is None:
            raise services.InvalidReference(
                f"product: no such record with id {item['product']}",
                field=f"items.{index}.product",
            )
        rows.append({**item, "product": product})
    return rows


@router.get("/price-lists", response=page_of(PriceListOut), tags=["price-lists"])
def price_list_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    active: bool | None = None,
    currency: str = Query("", pattern=r"^([A-Za-z]{3})?$"),
    party: int | None = ID,
):
    require_perm(request, "catalog.view_pricelist")
    qs = _price_list_qs(request)
    if search:
        qs = qs.filter(name__icontains=search)
    if active is not None:
        qs = qs.filter(active=active)
    if currency:
        qs = qs.filter(currency_id=currency.upper())
    if party is not None:
        qs = qs.filter(
            pk__in=PriceList.parties.through.objects.filter(party_id=party).values("pricelist_id")
        )
    return paginate(qs, limit=limit, offset=offset)


@router.get("/price-lists/{price_list_id}", response=PriceListOut, tags=["price-lists"])
def price_list_read(request, price_list_id: int):
    require_perm(request, "catalog.view_pricelist")
    return get_scoped(_price_list_qs(request), request, price_list_id, label="price_list")


@router.post("/price-lists", response={201: PriceListOut}, tags=["price-lists"])
def price_list_add(request, payload: PriceListIn):
    require_perm(request, "catalog.add_pricelist")
    data = payload.dict()
    data["parties"] = get_refs(Party, request, data["parties"], field="parties")
    data["items"] = _items(request, data["items"])
    price_list = services.price_list_create(company=company_of(request), **data)
    return Status(201, get_scoped(_price_list_qs(request), request, price_list.pk))


@router.patch("/price-lists/{price_list_id}", response=PriceListOut, tags=["price-lists"])
def price_list_update(request, price_list_id: int, payload: PriceListPatch):
    """`items`, when given, replaces all items of the list."""
    require_perm(request, "catalog.change_pricelist")
    price_list = get_scoped(PriceList, request, price_list_id, label="price_list")
    changes = payload.dict(exclude_unset=True)
    nullable = {"valid_from", "valid_to"}
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    if "parties" in changes:
        changes["parties"] = get_refs(Party, request, changes["parties"], field="parties")
    if "items" in changes:
        changes["items"] = _items(request, changes["items"])
    services.price_list_update(price_list=price_list, **changes)
    return get_scoped(_price_list_qs(request), request, price_list.pk)


@router.delete("/price-lists/{price_list_id}", response={204: None}, tags=["price-lists"])
def price_list_delete(request, price_list_id: int):
    require_perm(request, "catalog.delete_pricelist")
    services.price_list_delete(
        price_list=get_scoped(PriceList, request, price_list_id, label="price_list")
    )
    return Status(204, None)
