"""The set-based import path of products leaves exactly what product_create leaves row by
row: the same file into two companies, once through the chunk writer and once through the
row handler, gives the same products, categories, history and row errors."""

import dataclasses
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.catalog.models import Product, ProductCategory
from tandem.core import imports
from tandem.core.imports import import_run
from tandem.core.services import company_create

HEADER = "SKU,Name,Category,Unit,Sale price,Cost,Barcode,Type,Tracking\n"
ROWS = [
    'VAL-1,Ball valve,Valves / Ball,kg,"1,250.50",800.125,4006381333931,,lot',
    "VAL-2,Gate valve,Valves,unit,99,60,,,",
    "val-1,Ball valve again,,,1300,,,,",  # the first row's SKU in other case: an update
    "VAL-3,Same barcode,,,,,4006381333931,,",  # VAL-1's barcode
    "VAL-4,Bad check digit,,,,,4006381333932,,",
    "VAL-5,Unknown unit,,bushel,,,,,",
    "VAL-6,Negative cost,,,,-3,,,",
    "VAL-7,Tracked service,,,,,,service,lot",
    "VAL-8,New category,Pumps / Screw,,10,,,,",
    "VAL-9,Existing SKU,,,,,,,",
    "VAL-10,Taken barcode,,,,,96385074,,",
    "VAL-11,Plain,,,5,,,,",
]
FILE = HEADER + "\n".join(ROWS) + "\n"


def _import(company, content, **kwargs):
    return import_run(
        company=company, object_name="products", name="p.csv", content=content.encode(), **kwargs
    )


def _company(code):
    company = company_create(code=code, name=code, currency="CNY", country="CN")
    # what the company has before the file: a product, its SKU and barcode taken
    _import(company, "SKU,Name,Barcode\nVAL-9,Nine,96385074\n")
    return company


def _snapshot(company, report) -> dict:
    fields = ("sku", "name", "description", "type", "barcode", "list_price", "cost_price")
    fields += ("tracking", "valuation", "weight", "volume", "active", "can_be_sold")
    fields += ("can_be_purchased",)
    products = Product.objects.filter(company=company).select_related(
        "uom", "purchase_uom", "category"
    )
    return {
        "products": sorted(
            (
                *(getattr(p, f) for f in fields),
                p.uom.name,
                p.purchase_uom.name,
                p.category.full_path if p.category else "",
            )
            for p in products
        ),
        "categories": sorted(c.full_path for c in ProductCategory.objects.filter(company=company)),
        "history": sorted(
            (h.sku, h.name, h.history_type, h.history_user_id, h.history_change_reason)
            for h in Product.history.filter(company=company)
        ),
        "report": (report.rows, report.created, report.updated, report.errors),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [500, 4])
def test_the_same_file_through_both_paths_leaves_the_same_rows(monkeypatch, chunk_size):
    products = dataclasses.replace(imports.import_object("products"), chunk_size=chunk_size)
    monkeypatch.setitem(imports._OBJECTS, "products", products)
    set_based, by_row = _company("BULK"), _company("ROWS")
    bulk_report = _import(set_based, FILE)
    monkeypatch.setitem(imports._OBJECTS, "products", dataclasses.replace(products, bulk=None))
    row_report = _import(by_row, FILE)

    assert _snapshot(set_based, bulk_report) == _snapshot(by_row, row_report)
    assert (bulk_report.created, bulk_report.updated) == (4, 2)
    assert [(e["row"], e["field"], e["code"]) for e in bulk_report.errors] == [
        (5, "barcode", "product.barcode_duplicate"),
        (6, "barcode", "product.barcode_invalid"),
        (7, "uom", "reference.invalid"),
        (8, "cost_price", "validation.min_value"),
        (9, "tracking", "product.service_tracking"),
        (12, "barcode", "product.barcode_duplicate"),
    ]
    ball = Product.objects.get(company=set_based, sku="VAL-1")
    assert (ball.name, ball.list_price, ball.category.full_path) == (
        "Ball valve again",
        Decimal(1300),
        "Valves / Ball",
    )


def _file(rows: int, offset: int) -> str:
    return HEADER + "".join(
        f"S{n},Product {n},Valves,kg,{n}.5,1,,,\n" for n in range(offset, offset + rows)
    )


@pytest.mark.django_db
def test_the_statements_of_a_chunk_do_not_grow_with_its_rows(company):
    _import(company, _file(2, 0))  # the category exists from now on
    with CaptureQueriesContext(connection) as small:
        _import(company, _file(20, 100))
    with CaptureQueriesContext(connection) as large:
        report = _import(company, _file(200, 1000))

    assert (report.created, report.errors) == (200, [])
    reads = [
        [q["sql"].split(" ")[0] for q in c if not q["sql"].startswith("INSERT")]
        for c in (small, large)
    ]
    assert reads[0] == reads[1]
    assert len(large.captured_queries) <= 30
