"""The set-based update path of a party re-import (`parties_write_bulk`) leaves exactly what
the per-row services leave: a second file over the same parties, imported once through the
writer and once row by row, gives the same parties, contacts, addresses, tags, history,
events and row errors; and its statements per chunk do not grow with the rows."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core import imports
from tandem.core.models.events import OutboxEvent
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
        imports._OBJECTS, "parties", dataclasses.replace(writer, chunk_size=chunk_size)
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
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (7, "phone", "validation.phone"),
        (8, "email", "validation.email"),
    ]
    harbour = next(p for p in set_based["parties"] if p[0] == "Harbour Trading Ltd")
    assert harbour[-1] == ["vip"]
    assert ("Second Try", "Zhang San") in {c[:2] for c in set_based["contacts"]}
    assert ("Harbour Trading Ltd", "shipping", "", "", "Hangzhou") in {
        (a[0], a[1], a[2], a[3], a[4]) for a in set_based["addresses"]
    }
    # C-2 is unchanged and C-7 only gained a contact and an address (no party.updated, as
    # party_update publishes it for the party's own fields); C-10's new email went row by row
    assert sorted(n for _state, n in set_based["updated"]) == ["Harbour Trading Ltd", "Ship Only"]


@pytest.mark.django_db
def test_the_same_file_twice_updates_and_does_not_duplicate(company):
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


def _statements(captured) -> list[str]:
    """Each statement as its verb and table (savepoints as their verb); an executemany as
    one statement, whatever its number of rows."""
    out = []
    for query in captured:
        words = query["sql"].replace('"', "").split()
        if words[1:2] == ["times:"]:  # an executemany, logged as "N times: INSERT ..."
            words = words[2:]
        table = next((w for w in words[1:4] if w not in ("INTO", "FROM", "OR")), "")
        out.append(
            f"{words[0]} {table}" if words[0] in ("INSERT", "UPDATE", "DELETE") else words[0]
        )
    return out


@pytest.mark.django_db
def test_the_statements_of_an_update_chunk_do_not_grow_with_its_rows(company):
    _import(company, _file(5, offset=100).replace(" v2", ""))
    _import(company, _file(30, offset=1000).replace(" v2", ""))
    _import(company, _file(400, offset=5000).replace(" v2", ""))
    with CaptureQueriesContext(connection) as small:
        _import(company, _file(5, offset=100))
    with CaptureQueriesContext(connection) as large:
        report = _import(company, _file(30, offset=1000))

    assert (report.updated, report.errors) == (30, [])
    # 5 rows or 30 (one INSERT of history each): the very same statements
    assert _statements(large.captured_queries) == _statements(small.captured_queries)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Party.objects.filter(company=company, name="Party 1029 v2").exists()
    assert Party.history.filter(company=company, history_type="~").count() == 35


@pytest.mark.django_db
def test_a_chunk_of_400_updates_costs_a_bounded_number_of_statements(
    company, django_assert_max_num_queries
):
    _import(company, _file(400, offset=5000).replace(" v2", ""))
    # row by row this is about 20 statements per row (8,000); set-based, the reads and
    # savepoints of one chunk, and the writes split by SQLite's 999 parameters per statement
    with django_assert_max_num_queries(40):
        report = _import(company, _file(400, offset=5000))

    assert (report.rows, report.created, report.updated, report.errors) == (400, 0, 400, [])
    assert Party.objects.filter(company=company, name__endswith=" v2").count() == 400
    assert Party.history.filter(company=company, history_type="~").count() == 400


def _mixed(rows: int, offset: int) -> str:
    """Every other row a known party (renamed), every other a new one."""
    body = "".join(
        f"K{n},Party {n}{' v2' if n % 2 == 0 else ''},,yes,,p{n}@example.test,,,,,,,,,,,,,,\n"
        for n in range(offset, offset + rows)
    )
    return HEADER + body


@pytest.mark.django_db
def test_creates_and_updates_alternating_cost_the_same_statements_as_a_few(company):
    _import(
        company,
        HEADER
        + "".join(
            f"K{n},Party {n},,yes,,p{n}@example.test,,,,,,,,,,,,,,\n" for n in range(100, 106, 2)
        ),
    )
    _import(
        company,
        HEADER
        + "".join(
            f"K{n},Party {n},,yes,,p{n}@example.test,,,,,,,,,,,,,,\n" for n in range(1000, 1030, 2)
        ),
    )
    with CaptureQueriesContext(connection) as small:
        few = _import(company, _mixed(6, 100))
    with CaptureQueriesContext(connection) as large:
        many = _import(company, _mixed(30, 1000))

    assert (few.created, few.updated, few.errors) == (3, 3, [])
    assert (many.created, many.updated, many.errors) == (15, 15, [])
    assert _statements(large.captured_queries) == _statements(small.captured_queries)
    assert sorted(
        Party.objects.filter(company=company, name__endswith=" v2").values_list("name", flat=True)
    ) == sorted(f"Party {n} v2" for n in [*range(100, 106, 2), *range(1000, 1030, 2)])


# -- where the two passes must stop: what file order decides ----------------------------------

ORDER_FIRST = (
    HEADER
    + "\n".join(
        [
            "A-1,Alpha,,yes,,alpha@example.test,,,,,,,,,,,,,,",
            f"A-2,Beta,,yes,,,,{VALID_USCC},CN,,,,,,,,,,,",
            "A-3,Gamma,,yes,,,,,,,,Gold,,,,,,,,",
        ]
    )
    + "\n"
)
ORDER_SECOND = (
    HEADER
    + "\n".join(
        [
            # a new party with Alpha's email, before Alpha clears it: refused row by row
            "N-1,New One,,yes,,alpha@example.test,,,,,,,,,,,,,,",
            "A-1,Alpha,,yes,,,,,,,,,,,,,,,,",
            # Beta clears its tax id, then a new party takes it: written
            "A-2,Beta,,yes,,,,,CN,,,,,,,,,,,",
            f"N-2,New Two,,yes,,,,{VALID_USCC},CN,,,,,,,,,,,",
            # a new tag spelled "Silver" before an update spells it "SILVER": "Silver" is made
            "N-3,New Three,,yes,,,,,,,,Silver,,,,,,,,",
            "A-3,Gamma,,yes,,,,,,,,SILVER,,,,,,,,",
            # and Alpha's email again, now free
            "N-4,New Four,,yes,,alpha@example.test,,,,,,,,,,,,,,",
        ]
    )
    + "\n"
)


def _two_companies(monkeypatch, first: str, second: str):
    writer = imports.import_object("parties")
    set_based, by_row = _company("BULK"), _company("ROWS")
    for company in (set_based, by_row):
        _import(company, first)
    bulk_report = _import(set_based, second)
    monkeypatch.setitem(imports._OBJECTS, "parties", dataclasses.replace(writer, bulk=None))
    row_report = _import(by_row, second)
    return _snap(set_based, bulk_report), _snap(by_row, row_report)


@pytest.mark.django_db
def test_updates_that_free_a_value_or_spell_a_tag_keep_file_order(monkeypatch):
    set_based, by_row = _two_companies(monkeypatch, ORDER_FIRST, ORDER_SECOND)

    assert set_based == by_row
    rows, created, updated, errors = set_based["report"]
    assert (rows, created, updated) == (7, 3, 3)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (2, "email", "party.duplicate"),
    ]
    assert errors[0]["message"] == "Alpha already has this email address."
    parties = {p[0]: p for p in set_based["parties"]}
    assert parties["New Two"][7] == VALID_USCC
    assert parties["New Four"][4] == "alpha@example.test"
    assert (parties["New Three"][-1], parties["Gamma"][-1]) == (["Silver"], ["Silver"])
