"""Products and price list items from a file: categories created, units looked up, prices
exact, re-import by SKU, unknown products rejected with their row, and export round trips."""

from decimal import Decimal

from tandem.catalog.models import PriceList, PriceListItem, Product, ProductCategory
from tandem.core.imports import import_run

PRODUCTS = (
    "物料编码,名称,分类,单位,售价,成本,Tracking\n"
    'VAL-1,Ball valve DN50,Valves / Ball,kg,"1,250.50",800.125,lot\n'
    "VAL-2,Gate valve,Valves,unit,99,60,\n"
)


def _import(company, obj, content, **kwargs):
    return import_run(
        company=company, object_name=obj, name="f.csv", content=content.encode(), **kwargs
    )


def test_products_with_category_unit_and_prices(company):
    report = _import(company, "products", PRODUCTS)

    assert (report.created, report.updated, report.errors) == (2, 0, [])
    ball = Product.objects.get(company=company, sku="VAL-1")
    assert (ball.list_price, ball.cost_price, ball.tracking, ball.uom.name) == (
        Decimal("1250.50"),
        Decimal("800.125"),
        "lot",
        "kg",
    )
    assert ball.category.full_path == "Valves / Ball"
    assert ProductCategory.objects.filter(company=company).count() == 2


def test_reimport_by_sku_updates_and_keeps_what_is_not_in_the_file(company):
    _import(company, "products", PRODUCTS)
    again = _import(company, "products", "SKU,Name,Sale price\nval-2,Gate valve DN80,120\n")

    assert (again.created, again.updated) == (0, 1)
    gate = Product.objects.get(company=company, sku="VAL-2")
    assert (gate.name, gate.list_price, gate.cost_price) == (
        "Gate valve DN80",
        Decimal("120"),
        Decimal("60"),
    )
    assert Product.objects.filter(company=company).count() == 2


def test_an_unknown_unit_and_a_bad_price_are_row_errors(company):
    report = _import(company, "products", "SKU,Name,Unit,Cost\nA,Ay,bushel,1\nB,Bee,,-3\nC,See,,\n")

    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (2, "uom", "reference.invalid"),
        (3, "cost_price", "validation.min_value"),
    ]
    assert list(Product.objects.filter(company=company).values_list("sku", flat=True)) == ["C"]


def test_price_list_items_create_the_list_and_replace_a_price(company):
    _import(company, "products", PRODUCTS)
    items = (
        "Price list,SKU,Unit price,Minimum quantity,Valid from\n"
        "Wholesale,VAL-1,1100,10,2026-01-01\n"
        "Wholesale,VAL-2,90,,\n"
        "Wholesale,NOPE,1,,\n"
        "Wholesale,VAL-2,85,,\n"
    )
    report = _import(company, "price-lists", items)

    assert [(e["row"], e["code"]) for e in report.errors] == [
        (4, "reference.invalid"),
        (5, "import.duplicate_key"),
    ]
    wholesale = PriceList.objects.get(company=company, name="Wholesale")
    assert sorted(
        (i.product.sku, i.min_quantity, i.unit_price)
        for i in PriceListItem.objects.filter(price_list=wholesale)
    ) == [("VAL-1", Decimal("10"), Decimal("1100")), ("VAL-2", Decimal("0"), Decimal("90"))]

    again = _import(company, "price-lists", "Price list,SKU,Unit price\nWholesale,VAL-2,88\n")
    assert (again.created, again.updated) == (0, 1)
    assert PriceListItem.objects.get(price_list=wholesale, product__sku="VAL-2").unit_price == 88
