"""Catalog read side: filtered product lists, the category tree, prices of a product."""

from django.db.models import Count, Q, QuerySet

from .models import PriceList, PriceListItem, Product, ProductCategory, Uom, UomCategory

PRODUCT_ORDERINGS = {
    "sku",
    "-sku",
    "name",
    "-name",
    "type",
    "-type",
    "list_price",
    "-list_price",
    "cost_price",
    "-cost_price",
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
}


def category_rows(company) -> dict[int, tuple[str, int | None]]:
    """{id: (name, parent_id)} of every category of the company, in one query."""
    return {
        pk: (name, parent_id)
        for pk, name, parent_id in ProductCategory.objects.filter(company=company).values_list(
            "id", "name", "parent_id"
        )
    }


def category_paths(company, rows=None) -> dict[int, str]:
    """{id: "All / Furniture / Chairs"} for every category of the company."""
    rows = category_rows(company) if rows is None else rows
    paths: dict[int, str] = {}

    def path(pk, seen=()):
        if pk in paths:
            return paths[pk]
        name, parent_id = rows[pk]
        if parent_id is None or parent_id in seen or parent_id not in rows:
            result = name
        else:
            result = f"{path(parent_id, (*seen, pk))} / {name}"
        paths[pk] = result
        return result

    for pk in rows:
        path(pk)
    return paths


def category_descendants(company, category_id: int, rows=None) -> set[int]:
    """The category and everything below it."""
    rows = category_rows(company) if rows is None else rows
    if category_id not in rows:
        return set()  # not a category of this company: matches nothing
    children: dict[int | None, list[int]] = {}
    for pk, (_name, parent_id) in rows.items():
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), [category_id]
    while todo:
        pk = todo.pop()
        if pk in found:
            continue
        found.add(pk)
        todo.extend(children.get(pk, []))
    return found


def category_tree(company) -> list[dict]:
    """Categories in tree order with depth and path, for the tree page (two queries)."""
    categories = list(ProductCategory.objects.filter(company=company).order_by("name"))
    rows = {c.pk: (c.name, c.parent_id) for c in categories}
    paths = category_paths(company, rows)
    counts = _product_counts(company)
    children: dict[int | None, list[ProductCategory]] = {}
    for c in categories:
        parent = c.parent_id if c.parent_id in rows else None
        children.setdefault(parent, []).append(c)
    out, seen = [], set()

    def walk(parent, depth):
        for c in children.get(parent, []):
            if c.pk in seen:
                continue
            seen.add(c.pk)
            out.append(
                {
                    "category": c,
                    "depth": depth,
                    "path": paths[c.pk],
                    "products": counts.get(c.pk, 0),
                }
            )
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def _product_counts(company) -> dict[int, int]:
    return dict(
        Product.objects.filter(company=company, category__isnull=False)
        .values("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )


def products_filtered(
    company,
    *,
    search: str = "",
    type: str = "",
    valuation: str = "",
    tracking: str = "",
    category: int | None = None,
    active: bool | None = None,
    can_be_sold: bool | None = None,
    can_be_purchased: bool | None = None,
    ordering: str = "sku",
) -> QuerySet:
    """The company's products, filtered; a category filter includes its subcategories."""
    qs = Product.objects.filter(company=company)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(sku__icontains=search) | Q(name__icontains=search) | Q(barcode__icontains=search)
        )
    if type:
        qs = qs.filter(type=type)
    if valuation:
        qs = qs.filter(valuation=valuation)
    if tracking:
        qs = qs.filter(tracking=tracking)
    if category:
        qs = qs.filter(category_id__in=category_descendants(company, category))
    if active is not None:
        qs = qs.filter(active=active)
    if can_be_sold is not None:
        qs = qs.filter(can_be_sold=can_be_sold)
    if can_be_purchased is not None:
        qs = qs.filter(can_be_purchased=can_be_purchased)
    ordering = ordering if ordering in PRODUCT_ORDERINGS else "sku"
    tie = "-id" if ordering.startswith("-") else "id"
    return qs.order_by(ordering, tie)


def product_price_items(product) -> QuerySet:
    """Every price list price of a product, for its page."""
    return (
        PriceListItem.objects.filter(product=product)
        .select_related("price_list")
        .order_by("price_list__name", "min_quantity", "valid_from")
    )


def uoms_by_category(company) -> list[tuple[UomCategory, list[Uom]]]:
    categories = {c.pk: (c, []) for c in UomCategory.objects.filter(company=company)}
    for uom in Uom.objects.filter(company=company).order_by("-is_reference", "ratio", "name"):
        if uom.category_id in categories:
            categories[uom.category_id][1].append(uom)
    return sorted(categories.values(), key=lambda pair: pair[0].name.lower())


def price_lists_of(company) -> QuerySet:
    return (
        PriceList.objects.filter(company=company)
        .prefetch_related("parties", "items")
        .order_by("name", "id")
    )
