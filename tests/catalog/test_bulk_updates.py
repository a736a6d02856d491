"""The set-based update path of a product re-import (`products_update_bulk`) leaves exactly
what `product_update` leaves row by row: a second file over the same products, imported once
through the writer and once row by row, gives the same products, categories, history and
row errors; its statements per chunk do not grow with the rows."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.catalog.models import Product
from tandem.core import imports

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
            "VAL-6,Globe valve,,,,,96385074,,",  # a new barcode, VAL-9's: row by row, refused
            "VAL-2,Gate valve twice,,,,,,,",  # the key again: the engine's refusal
            "VAL-7,Plug valve v2,Pumps / New,,,,,,",  # a category to create: row by row
        ]
    )
    + "\n"
)


def _both_paths(monkeypatch, second, chunk_size=500):
    products = imports.import_object("products")
    set_based, by_row = _company("BULK"), _company("ROWS")
    for company in (set_based, by_row):
        _import(company, FIRST)
    monkeypatch.setitem(
        imports._OBJECTS, "products", dataclasses.replace(products, chunk_size=chunk_size)
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
    assert (rows, created, updated) == (9, 1, 4)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (6, "list_price", "validation.min_value"),
        (7, "uom", "reference.invalid"),
        (8, "barcode", "product.barcode_duplicate"),
        (9, "sku", "import.duplicate_key"),
    ]
    assert errors[1]["message"] == "No uom called bushel."
    names = {p[0]: p[1] for p in set_based["products"]}
    assert (names["VAL-1"], names["VAL-7"]) == ("Ball valve DN50", "Plug valve v2")
    assert "Pumps / New" in set_based["categories"]


@pytest.mark.django_db
def test_the_same_file_twice_updates_and_does_not_duplicate(company):
    first = _import(company, FIRST)
    second = _import(company, FIRST)

    assert (first.created, first.updated, second.created, second.updated) == (7, 0, 0, 7)
    assert Product.objects.filter(company=company).count() == 7


def _file(rows: int, offset: int, suffix: str = "") -> str:
    numbers = range(offset, offset + rows)
    body = "".join(f"S{n},Part {n}{suffix},,,{n % 97}.5,1,,,\n" for n in numbers)
    return HEADER + body


def _statements(captured) -> list[str]:
    """Each statement as its verb and table (savepoints as their verb); an executemany as
    one statement, whatever its number of rows."""
    out = []
    for query in captured:
        words = query["sql"].replace('"', "").split()
        if words[1:2] == ["times:"]:  # an executemany, logged as "N times: INSERT ..."
            words = words[2:]
        table = next((w for w in words[1:4] if w not in ("INTO", "FROM", "OR")), "")
        verb = words[0]
        out.append(f"{verb} {table}" if verb in ("INSERT", "UPDATE", "DELETE") else verb)
    return out


@pytest.mark.django_db
def test_the_statements_of_an_update_chunk_do_not_grow_with_its_rows(company):
    _import(company, _file(5, 100))
    _import(company, _file(30, 1000))
    with CaptureQueriesContext(connection) as small:
        _import(company, _file(5, 100, " v2"))
    with CaptureQueriesContext(connection) as large:
        report = _import(company, _file(30, 1000, " v2"))

    assert (report.updated, report.errors) == (30, [])
    # 5 rows or 30 (one UPDATE and one INSERT of history each): the very same statements
    assert _statements(large.captured_queries) == _statements(small.captured_queries)
    assert Product.objects.get(company=company, sku="S1029").name == "Part 1029 v2"
    assert Product.history.filter(company=company, history_type="~").count() == 35


@pytest.mark.django_db
def test_a_chunk_of_400_updates_costs_a_bounded_number_of_statements(
    company, django_assert_max_num_queries
):
    _import(company, _file(400, 5000))
    # row by row about 6 statements a row (2,400); set-based, one chunk's reads and
    # savepoints, and the writes split by SQLite's 999 parameters per statement
    with django_assert_max_num_queries(40):
        report = _import(company, _file(400, 5000, " v2"))

    assert (report.rows, report.created, report.updated, report.errors) == (400, 0, 400, [])
    assert Product.objects.filter(company=company, name__endswith=" v2").count() == 400


@pytest.mark.django_db
def test_creates_and_updates_alternating_cost_the_same_statements_as_a_few(company):
    def mixed(rows, offset):
        body = "".join(
            f"S{n},Part {n} v2,,,{n % 97}.5,1,,,\n" for n in range(offset, offset + rows)
        )
        return HEADER + body

    _import(company, HEADER + "".join(f"S{n},Part {n},,,1,1,,,\n" for n in range(100, 106, 2)))
    _import(company, HEADER + "".join(f"S{n},Part {n},,,1,1,,,\n" for n in range(1000, 1030, 2)))
    with CaptureQueriesContext(connection) as small:
        few = _import(company, mixed(6, 100))
    with CaptureQueriesContext(connection) as large:
        many = _import(company, mixed(30, 1000))

    assert (few.created, few.updated, few.errors) == (3, 3, [])
    assert (many.created, many.updated, many.errors) == (15, 15, [])
    assert _statements(large.captured_queries) == _statements(small.captured_queries)
    assert Product.objects.filter(company=company, name__endswith=" v2").count() == 36
