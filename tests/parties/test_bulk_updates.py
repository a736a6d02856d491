"""The set-based update path of a party re-import (`parties_write_bulk`) leaves exactly what
the per-row services leave: a second file over the same parties, imported once through the
writer and once row by row, gives the same parties, contacts, addresses, tags, history,
events and row errors; and its statements per chunk do not grow with the rows."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core import imports
from tandem.core.errors import DomainError
from tandem.core.models.events import OutboxEvent
from tandem.parties.bulk import parties_write_bulk
from tandem.parties.imports import _entry
from tandem.parties.models import Address, Contact, Party

from .conftest import VALID_USCC
from .test_imports_bulk import FILE, HEADER, _company, _import, _snapshot

EXTRA = "\n".join(
    [
        "C-30,Thirty,,yes,,,,,,,,,,,,,,,,",
        "C-31,Thirty One,,yes,,,,,,,,,,,,,,,,",
        f"C-32,Thirty Two,,yes,,,,{VALID_USCC},CN,,,,,,,,,,,Fuzhou",
    ]
)
FIRST = FILE + EXTRA + "\n"
SECOND = (
    HEADER
    + "\n".join(
        [
            # renamed, new credit limit and tags, the contact's email, both addresses changed
            "C-1,Harbour Trading Ltd,,yes,,sales@harbour.test,+86 21 6123 4567,,,,2000,"
            "vip,,Li Na,na.li@harbour.test,,2 Bund Road,Shanghai,200001,Hangzhou",
            # a row identical to what is there: no change, no history, no event
            f"C-2,Zhou Jie,person,no,yes,,,{VALID_USCC},CN,USD,,East,note,,,,,,,",
            # refused the first time, now right: created between two updates
            "C-8,Long Code,,,,,,,,,,,,,,,,,123456,",
            # a new contact (primary: the party has none) and a first billing address
            "C-7,Second Try,,yes,,c6@example.test,,,,,,,,Zhang San,,,5 Nanjing Road,Shanghai,,",
            # a new email: the duplicate check, row by row
            "C-10,Ship Only,,yes,,c10@example.test,,,,,,West,,,,,,,,",
            # a bad contact phone: nothing of the row written
            "C-30,Thirty Renamed,,yes,,,,,,,,,,Wu Fei,,12,,,,",
            # a bad email on an update
            "C-31,Thirty One,,yes,,not-an-email,,,,,,,,,,,,,,",
            # another country (the tax id cleared), the shipping city changes
            "C-32,Thirty Two,,yes,,,,,US,,,,,,,,,,,Xiamen",
            # a brand new party at the end
            "C-20,Late Comer,,yes,,late@example.test,,,,,,,,,,,,,,",
        ]
    )
    + "\n"
)


def _writer(run, rows) -> list:
    """party_import_chunk with the set-based updates (the change proposed for
    tandem/parties/imports.py)."""
    done = parties_write_bulk(
        company=run.company, entries=[(r.target_id, _entry(r.values)) for r in rows]
    )
    return [d if isinstance(d, DomainError) else (d[0].pk, d[1]) for d in done]


def _snap(company, report) -> dict:
    snapshot = _snapshot(company, report)
    names = dict(Party.objects.filter(company=company).values_list("pk", "name"))
    snapshot["updated"] = sorted(
        (e.state, names[e.payload["party_id"]])
        for e in OutboxEvent.objects.filter(company_id=company.pk, name="party.updated")
    )
    return snapshot


def _both_paths(monkeypatch, second: str, chunk_size: int = 500):
    writer = imports.import_object("parties")
    set_based, by_row = _company("BULK"), _company("ROWS")
    for company in (set_based, by_row):
        _import(company, FIRST)
    monkeypatch.setitem(
        imports._OBJECTS,
        "parties",
        dataclasses.replace(writer, bulk=_writer, chunk_size=chunk_size),
    )
    bulk_report = _import(set_based, second)
    monkeypatch.setitem(imports._OBJECTS, "parties", dataclasses.replace(writer, bulk=None))
    row_report = _import(by_row, second)
    return _snap(set_based, bulk_report), _snap(by_row, row_report)


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [500, 2])
def test_a_reimport_through_both_paths_leaves_the_same_rows(monkeypatch, chunk_size):
    set_based, by_row = _both_paths(monkeypatch, SECOND, chunk_size)

    assert set_based == by_row
    rows, created, updated, errors = set_based["report"]
    assert (rows, created, updated) == (9, 3, 4)
    assert [(e["field"], e["code"]) for e in errors] == [
        ("phone", "validation.phone"),
        ("email", "validation.email"),
    ]
    harbour = next(p for p in set_based["parties"] if p[0] == "Harbour Trading Ltd")
    assert harbour[-1] == ["vip"]
    assert ("Second Try", "Zhang San") in {c[:2] for c in set_based["contacts"]}
    assert ("Harbour Trading Ltd", "shipping", "", "", "Hangzhou") in {
        (a[0], a[1], a[2], a[3], a[4]) for a in set_based["addresses"]
    }


@pytest.mark.django_db
def test_the_same_file_twice_updates_and_does_not_duplicate(monkeypatch, company):
    monkeypatch.setitem(
        imports._OBJECTS,
        "parties",
        dataclasses.replace(imports.import_object("parties"), bulk=_writer),
    )
    first = _import(company, FILE)
    counts = (Party.objects.count(), Contact.objects.count(), Address.objects.count())
    second = _import(company, FILE)

    assert (first.created, first.updated) == (5, 0)
    assert (second.created, second.updated) == (0, 5)
    assert (Party.objects.count(), Contact.objects.count(), Address.objects.count()) == counts
    # nothing changed: no history row and no event beyond the first import's
    assert not OutboxEvent.objects.filter(company_id=company.pk, name="party.updated").exists()
    assert Party.history.filter(company=company, history_type="~").count() == 0


def _file(rows: int, offset: int = 0) -> str:
    body = "".join(
        f"K{n},Party {n} v2,,yes,,p{n}@example.test,,,,,,t{n % 3},,Person {n},,,,Town {n},,\n"
        for n in range(offset, offset + rows)
    )
    return HEADER + body


@pytest.mark.django_db
def test_the_statements_of_an_update_chunk_do_not_grow_with_its_rows(monkeypatch, company):
    monkeypatch.setitem(
        imports._OBJECTS,
        "parties",
        dataclasses.replace(imports.import_object("parties"), bulk=_writer),
    )
    _import(company, _file(20, offset=100).replace(" v2", ""))
    _import(company, _file(200, offset=1000).replace(" v2", ""))
    with CaptureQueriesContext(connection) as small:
        _import(company, _file(20, offset=100))
    with CaptureQueriesContext(connection) as large:
        report = _import(company, _file(200, offset=1000))

    assert (report.updated, report.errors) == (200, [])
    # the driver's parameter limit splits the INSERTs and UPDATEs; row by row: ~20 per row
    assert len(small.captured_queries) <= len(large.captured_queries) <= 40
    assert Party.objects.filter(company=company, name="Party 1199 v2").exists()
