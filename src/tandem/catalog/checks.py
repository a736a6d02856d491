"""Catalog invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from django.db.models import Count, F, Q

from tandem.core.integrity import register

from .models import PriceList, PriceListItem, Product, ProductCategory, Uom, UomCategory


@register("catalog: one reference unit per unit category, with ratio 1")
def uom_references():
    categories = (
        UomCategory.objects.annotate(refs=Count("uoms", filter=Q(uoms__is_reference=True)))
        .exclude(refs=1)
        .values_list("company__code", "name", "refs")
    )
    for code, name, refs in categories:
        yield f"{code} unit category {name}: {refs} reference units"
    for code, name, ratio in (
        Uom.objects.filter(is_reference=True)
        .exclude(ratio=1)
        .values_list("company__code", "name", "ratio")
    ):
        yield f"{code} reference unit {name}: ratio {ratio}"


@register("catalog: purchase unit in the category of the product's unit")
def product_purchase_uom():
    rows = Product.objects.exclude(purchase_uom__category=F("uom__category")).values_list(
        "company__code", "sku"
    )
    for code, sku in rows:
        yield f"{code} product {sku}: purchase unit of another category"


@register("catalog: rows reference rows of their own company")
def same_company():
    pairs = [
        (Uom, "category"),
        (ProductCategory, "parent"),
        (Product, "category"),
        (Product, "uom"),
        (Product, "purchase_uom"),
        (PriceListItem, "price_list"),
        (PriceListItem, "product"),
    ]
    for model, field in pairs:
        bad = (
            model.objects.filter(**{f"{field}__isnull": False})
            .exclude(**{f"{field}__company": F("company")})
            .values_list("pk", flat=True)
        )
        for pk in bad:
            yield f"{model._meta.label} {pk}: {field} belongs to another company"
    through = PriceList.parties.through
    for list_id, party_id in through.objects.exclude(
        pricelist__company=F("party__company")
    ).values_list("pricelist_id", "party_id"):
        yield f"price list {list_id}: customer {party_id} belongs to another company"


@register("catalog: product category tree has no cycles")
def category_acyclic():
    parents = dict(ProductCategory.objects.values_list("id", "parent_id"))
    for start in parents:
        node, seen = parents[start], {start}
        while node is not None:
            if node in seen:
                yield f"product category {start}: its parents loop"
                break
            seen.add(node)
            node = parents.get(node)


@register("catalog: at most one default price list per company and currency")
def one_default_price_list():
    rows = (
        PriceList.objects.filter(is_default=True)
        .values("company__code", "currency")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in rows:
        yield f"{row['company__code']} {row['currency']}: {row['n']} default price lists"
