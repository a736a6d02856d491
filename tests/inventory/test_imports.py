"""Stock levels from a file: applied as one inventory count per location, valued at the cost
the file gives, posted to the inventory account; re-import moves nothing; an unknown product
or location refuses the whole file naming the row."""

from decimal import Decimal

from tandem.core.imports import import_object, import_run
from tandem.inventory.models import InventoryCount, StockLevel
from tandem.inventory.queries import valuation

from .conftest import assert_integrity, balance, level

D = Decimal


def _import(company, content, **kwargs):
    return import_run(
        company=company,
        object_name="stock-levels",
        name="stock.csv",
        content=content.encode(),
        **kwargs,
    )


def test_stock_levels_are_counted_valued_and_posted(books, wh, make_product):
    bolt = make_product("average", sku="BOLT", cost="2")
    resin = make_product("fifo", sku="RESIN", tracking="lot", cost="0")
    content = (
        "SKU,仓库,数量,批次,单位成本\n"
        "BOLT,WH,100,,2.50\n"
        f"RESIN,{wh.stock_location.full_name},4,L-1,10\n"
        "RESIN,WH,3,L-2,\n"
    )

    report = _import(books, content)

    assert (report.errors, report.refused, report.created) == ([], None, 3)
    assert level(bolt, wh.stock_location) == (D("100"), D("0"))
    resin_levels = {
        s.lot.name: s.on_hand
        for s in StockLevel.objects.filter(product=resin, location=wh.stock_location)
    }
    assert resin_levels == {"L-1": D("4"), "L-2": D("3")}
    rows = {r["sku"]: r for r in valuation(books)["rows"]}
    assert (rows["BOLT"]["quantity"], rows["BOLT"]["value"]) == (D("100"), D("250.00"))
    assert (rows["RESIN"]["quantity"], rows["RESIN"]["value"]) == (D("7"), D("70.00"))
    assert balance(books, "inventory") == D("320.00")
    count = InventoryCount.objects.get(company=books)
    assert (count.state, count.location_id) == ("done", wh.stock_location.pk)
    assert_integrity()

    again = _import(books, content)
    assert (again.errors, again.created, again.updated) == ([], 0, 3)
    assert balance(books, "inventory") == D("320.00")
    assert level(bolt, wh.stock_location) == (D("100"), D("0"))


def test_an_unknown_product_or_location_refuses_the_file(books, wh, make_product):
    for sku in ("BOLT", "NUT", "WASHER"):
        make_product("average", sku=sku, cost="2")
    content = "SKU,Location,Quantity\nBOLT,WH,5\nNOPE,WH,1\nNUT,Mars,1\nNUT,WH,-1\nWASHER,WH,1.5\n"

    report = _import(books, content)

    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (3, "product", "reference.invalid"),
        (4, "location", "reference.invalid"),
        (5, "quantity", "validation.min_value"),
        (6, "quantity", "import.quantity_places"),
    ]
    assert report.created == 0
    assert not StockLevel.objects.filter(on_hand__gt=0).exists()
    assert not InventoryCount.objects.exists()


def test_the_stock_export_imports_back_without_a_move(books, wh, make_product):
    make_product("average", sku="BOLT", cost="2")
    _import(books, "SKU,Location,Quantity\nBOLT,WH,12\n")
    headers, rows = import_object("stock-levels").export(books)
    rows = list(rows)

    assert headers == ["product", "location", "quantity", "lot", "unit_cost"]
    assert rows == [["BOLT", wh.stock_location.full_name, "12", "", "2.000000"]]
    content = "\n".join(",".join(r) for r in [headers, *rows]) + "\n"
    again = _import(books, content)
    assert (again.errors, again.created, again.updated) == ([], 0, 1)
    assert InventoryCount.objects.filter(company=books).count() == 2
    assert balance(books, "inventory") == D("24.00")
