"""The set-based update path of a product re-import (`products_update_bulk`) leaves exactly
what `product_update` leaves row by row: a second file over the same products, imported once
through the writer and once row by row, gives the same products, categories, history and
row errors; its statements per chunk do not grow with the rows."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.catalog.imports import PLAIN, _category_found, _uom, product_import_chunk
from tandem.catalog.models import Product
from tandem.catalog.services.bulk import products_update_bulk
from tandem.core import imports
from tandem.core.errors import DomainError

from .test_imports_bulk import _company, _import, _snapshot

HEADER = "SKU,Name,Category,Unit,Sale price,Cost,Barcode,Type,Tracking\n"
FIRST = HEADER + "\n".join(
    [
        "VAL-1,Ball valve,Valves / Ball,kg,1250.50,800,4006381333931,,lot",
        "VAL-2,Gate valve,Valves,unit,99,60,,,",
        "VAL-3,Check valve,,,10,5,,,",
        "VAL-4,Butterfly valve,,,20,8,,,",
        "VAL-5,Needle valve,,,30,9,,,",
        "VAL-6,Globe valve,,,40,10,,,",
        "VAL-7,Plug valve,,,50,11,,,",
    ]
)
SECOND = (
    HEADER
    + "\n".join(
        [
            "VAL-1,Ball valve DN50,Valves / Ball,kg,1300,800,4006381333931,,lot",  # renamed, price
            "VAL-2,Gate valve,Valves,unit,99,60,,,",  # unchanged: a history row all the same
            "VAL-20,Brand new,,,1,,,,",  # created between updates
            "VAL-3,Check valve,,,10,6.5,,,",  # a new cost: the costing hook
            "VAL-4,Butterfly valve,,,-1,,,,",  # a negative price: refused
            "VAL-5,Needle valve,,bushel,,,,,",  # an unknown unit: refused by the row handler
            "VAL-6,Globe valve,,,,,96385074,,",  # a new barcode: row by row
            "VAL-2,Gate valve twice,,,,,,,",  # the key again: the engine's refusal
            "VAL-7,Plug valve v2,Pumps / New,,,,,,",  # a category to create: row by row
        ]
    )
    + "\n"
)


def _updates(run, rows) -> list:
    """The leading rows whose SKU the company has, through products_update_bulk."""
    entries = []
    for row in rows:
        values = row.values
        data = {n: values[n] for n in PLAIN if n in values and values[n] is not None}
        if values.get("category"):
            data["category"] = _category_found(run, values["category"])
            if data["category"] is None:
                break
        if values.get("uom"):
            try:
                data["uom"] = _uom(run, values["uom"])
            except DomainError:
                break  # the row handler names it
        entries.append({"sku": values["sku"], **data})
    done = products_update_bulk(company=run.company, entries=entries)
    return [d if isinstance(d, DomainError) else (d.pk, False) for d in done]


def _writer(run, rows) -> list:
    """product_import_chunk with the set-based updates (the change proposed for
    tandem/catalog/imports.py): runs of new SKUs and of known ones, in file order."""
    outcomes: list = []
    while len(outcomes) < len(rows):
        rest = rows[len(outcomes) :]
        known = Product.objects.filter(
            company=run.company, sku__iexact=rest[0].values["sku"]
        ).exists()
        done = _updates(run, rest) if known else product_import_chunk(run, rest)
        if not done:
            break
        outcomes.extend(done)
    return outcomes


def _both_paths(monkeypatch, second, chunk_size=500):
    products = imports.import_object("products")
    set_based, by_row = _company("BULK"), _company("ROWS")
    for company in (set_based, by_row):
        _import(company, FIRST)
    monkeypatch.setitem(
        imports._OBJECTS,
        "products",
        dataclasses.replace(products, bulk=_writer, chunk_size=chunk_size),
    )
    bulk_report = _import(set_based, second)
    monkeypatch.setitem(imports._OBJECTS, "products", dataclasses.replace(products, bulk=None))
    row_report = _import(by_row, second)
    return _snapshot(set_based, bulk_report), _snapshot(by_row, row_report)


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [500, 3])
def test_a_reimport_through_both_paths_leaves_the_same_rows(monkeypatch, chunk_size):
    set_based, by_row = _both_paths(monkeypatch, SECOND, chunk_size)

    assert set_based == by_row
    rows, created, updated, errors = set_based["report"]
    assert (rows, created) == (9, 1)
    assert "import.duplicate_key" in {e["code"] for e in errors}
    names = {p[0]: p[1] for p in set_based["products"]}
    assert (names["VAL-1"], names["VAL-7"]) == ("Ball valve DN50", "Plug valve v2")
    assert "Pumps / New" in set_based["categories"]


@pytest.mark.django_db
def test_the_same_file_twice_updates_and_does_not_duplicate(monkeypatch, company):
    products = imports.import_object("products")
    monkeypatch.setitem(imports._OBJECTS, "products", dataclasses.replace(products, bulk=_writer))
    first = _import(company, FIRST)
    second = _import(company, FIRST)

    assert (first.created, first.updated, second.created, second.updated) == (7, 0, 0, 7)
    assert Product.objects.filter(company=company).count() == 7


def _file(rows: int, offset: int, suffix: str = "") -> str:
    numbers = range(offset, offset + rows)
    body = "".join(f"S{n},Part {n}{suffix},,,{n % 97}.5,1,,,\n" for n in numbers)
    return HEADER + body


@pytest.mark.django_db
def test_the_statements_of_an_update_chunk_do_not_grow_with_its_rows(monkeypatch, company):
    products = imports.import_object("products")
    monkeypatch.setitem(imports._OBJECTS, "products", dataclasses.replace(products, bulk=_writer))
    _import(company, _file(20, 100))
    _import(company, _file(200, 1000))
    with CaptureQueriesContext(connection) as small:
        _import(company, _file(20, 100, " v2"))
    with CaptureQueriesContext(connection) as large:
        report = _import(company, _file(200, 1000, " v2"))

    assert (report.updated, report.errors) == (200, [])
    # the driver's parameter limit splits the UPDATEs; row by row: ~6 per row
    assert len(small.captured_queries) <= len(large.captured_queries) <= 40
    assert Product.objects.get(company=company, sku="S1199").name == "Part 1199 v2"
