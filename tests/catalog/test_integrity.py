from tandem.catalog import checks
from tandem.catalog.models import Product, Uom
from tandem.core import integrity


def test_catalog_checks_are_registered():
    names = integrity.registered()
    for name in (
        "catalog: one reference unit per unit category, with ratio 1",
        "catalog: purchase unit in the category of the product's unit",
        "catalog: rows reference rows of their own company",
        "catalog: product category tree has no cycles",
    ):
        assert name in names


def test_a_clean_catalog_passes(company, other_company, make_product):
    make_product("OK-1")
    for check in (
        checks.uom_references,
        checks.product_purchase_uom,
        checks.same_company,
        checks.category_acyclic,
        checks.one_default_price_list,
    ):
        assert list(check()) == []


def test_breaches_are_reported(company, other_company, uoms, make_product):
    product = make_product("BAD-1")
    # writes that bypass the services, as a broken import script might
    Product.objects.filter(pk=product.pk).update(purchase_uom=uoms["kg"])
    Uom.objects.filter(pk=uoms["m"].pk).update(is_reference=False)
    their_unit = Uom.objects.get(company=other_company, name="unit")
    Product.objects.filter(pk=product.pk).update(uom=their_unit)

    assert list(checks.product_purchase_uom()) == [
        "ACME product BAD-1: purchase unit of another category"
    ]
    assert list(checks.uom_references()) == ["ACME unit category Length: 0 reference units"]
    assert list(checks.same_company()) == [
        f"catalog.Product {product.pk}: uom belongs to another company"
    ]
