"""The set-based import path of parties leaves exactly what the per-row services leave: the
same file imported into two companies, once through the chunk writer and once row by row,
gives the same parties, contacts, addresses, tags, history, outbox events, keys and row
errors; and its statements per chunk do not grow with the rows."""

import dataclasses

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tandem.core import imports
from tandem.core.imports import import_run
from tandem.core.models import ImportKey
from tandem.core.models.events import EventState, OutboxEvent
from tandem.core.services import company_create
from tandem.parties.models import Address, Contact, Party

from .conftest import VALID_USCC

HEADER = (
    "External key,Name,Kind,Customer,Supplier,Email,Phone,Tax ID,Country,Currency,"
    "Credit limit,Tags,Notes,联系人,Contact email,Contact phone,Street,City,Postal code,"
    "Shipping city\n"
)
ROWS = [
    # plain, with a contact and both addresses
    "C-1,Harbour Trading,,yes,,sales@harbour.test,+86 21 6123 4567,,,,1000,"
    '"vip, East",,Li Na,li@harbour.test,,1 Bund Road,Shanghai,200000,Ningbo',
    # a person, a supplier, in another currency and country, a tax id
    f"C-2,Zhou Jie,person,no,yes,,,{VALID_USCC},CN,USD,,East,note,,,,,,,",
    # the email of C-1 again (a duplicate within the file)
    "C-3,Harbour Copy,,yes,,SALES@harbour.test,,,,,,,,,,,,,,",
    # the email of a party already in the company
    "C-4,Taken Ltd,,yes,,taken@example.test,,,,,,,,,,,,,,",
    # a bad party field (the contact's error is not reached)
    "C-5,Bad Mail,,yes,,not-an-email,,,,,,,,Wu Fei,also-bad,,,,,",
    # a good party with a bad contact phone: nothing of the row is written
    "C-6,Bad Contact,,yes,,c6@example.test,,,,,,,,Wu Fei,,12,,,,",
    # its email is free again, since C-6 was refused
    "C-7,Second Try,,yes,,c6@example.test,,,,,,,,,,,,,,",
    # a bad postal code (too long) on the billing address
    "C-8,Long Code,,,,,,,,,,,,,,,,,123456789012345678901,",
    # an unknown currency and a bad tax id
    "C-9,Odd Money,,yes,,,,NOT-A-USCC,CN,QQQ,,,,,,,,,,",
    # shipping address only, a new tag
    "C-10,Ship Only,,yes,,,,,,,,West,,,,,,,,Suzhou",
    # the tax id of C-2 again
    f"C-11,Zhou Twin,person,,,,,{VALID_USCC},CN,,,,,,,,,,,",
    # key repeated in the file: the engine's refusal
    "C-1,Harbour Again,,yes,,,,,,,,,,,,,,,,",
]
FILE = HEADER + "\n".join(ROWS) + "\n"


def _import(company, content, **kwargs):
    return import_run(
        company=company, object_name="parties", name="p.csv", content=content.encode(), **kwargs
    )


def _snapshot(company, report) -> dict:
    parties = {p.pk: p for p in Party.objects.filter(company=company).prefetch_related("tags")}

    def name(pk):
        return parties[pk].name

    fields = ("name", "kind", "is_customer", "is_supplier", "email", "phone", "website")
    fields += ("tax_id", "country", "language", "currency_id", "credit_limit", "notes", "active")
    contact_fields = ("name", "job_title", "email", "phone", "mobile", "is_primary", "notes")
    address_fields = ("kind", "street", "street2", "city", "state", "postal_code", "country")
    address_fields += ("is_default",)
    events = OutboxEvent.objects.filter(company_id=company.pk, name="party.created")
    return {
        "parties": sorted(
            (*(getattr(p, f) for f in fields), sorted(t.name for t in p.tags.all()))
            for p in parties.values()
        ),
        "contacts": sorted(
            (name(c.party_id), *(getattr(c, f) for f in contact_fields))
            for c in Contact.objects.filter(company=company)
        ),
        "addresses": sorted(
            (name(a.party_id), *(getattr(a, f) for f in address_fields))
            for a in Address.objects.filter(company=company)
        ),
        "history": sorted(
            (model.__name__, h.history_type, h.history_user_id, h.history_change_reason, h.label)
            for model, label in ((Party, "name"), (Contact, "name"), (Address, "kind"))
            for h in model.history.filter(company=company).annotate(label=F(label))
        ),
        "events": sorted(
            (e.name, e.state, name(e.payload["party_id"]), e.payload["company_id"] == company.pk)
            for e in events
        ),
        "keys": sorted(
            (k.key, name(k.target_id))
            for k in ImportKey.objects.filter(company=company, object="parties")
        ),
        "report": (report.rows, report.created, report.updated, report.errors),
    }


def _company(code):
    company = company_create(code=code, name=code, currency="CNY", country="CN")
    Party.objects.create(
        company=company, name="Taken Co", email="taken@example.test", currency_id="CNY"
    )
    return company


def _both_paths(monkeypatch, content, chunk_size=500):
    monkeypatch.setitem(
        imports._OBJECTS,
        "parties",
        dataclasses.replace(imports.import_object("parties"), chunk_size=chunk_size),
    )
    set_based, by_row = _company("BULK"), _company("ROWS")
    bulk_report = _import(set_based, content)
    writer = imports.import_object("parties")
    monkeypatch.setitem(imports._OBJECTS, "parties", dataclasses.replace(writer, bulk=None))
    row_report = _import(by_row, content)
    return _snapshot(set_based, bulk_report), _snapshot(by_row, row_report)


@pytest.mark.django_db
@pytest.mark.parametrize("chunk_size", [500, 3])  # one chunk; duplicates across chunks
def test_the_same_file_through_both_paths_leaves_the_same_rows(monkeypatch, chunk_size):
    set_based, by_row = _both_paths(monkeypatch, FILE, chunk_size)

    assert set_based == by_row
    rows, created, _updated, errors = set_based["report"]
    assert (rows, created) == (12, 4)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (4, "email", "party.duplicate"),
        (5, "email", "party.duplicate"),
        (6, "email", "validation.email"),
        (7, "phone", "validation.phone"),
        (9, "postal_code", "validation.too_long"),
        (10, "tax_id", "party.tax_id_invalid"),
        (10, "currency", "currency.unknown"),
        (12, "tax_id", "party.duplicate"),
        (13, "external_key", "import.duplicate_key"),
    ]
    assert errors[0]["message"] == "Harbour Trading already has this email address."
    harbour = next(p for p in set_based["parties"] if p[0] == "Harbour Trading")
    assert harbour[-1] == ["East", "vip"]
    assert [a[:2] for a in set_based["addresses"]] == [
        ("Harbour Trading", "billing"),
        ("Harbour Trading", "shipping"),
        ("Ship Only", "shipping"),
    ]


@pytest.mark.django_db
def test_a_reimport_updates_through_the_services(company):
    _import(company, FILE)
    again = _import(company, FILE.replace("Harbour Trading", "Harbour Trading Ltd"))

    assert (again.created, again.updated) == (0, 5)
    assert Party.objects.filter(company=company, name="Harbour Trading Ltd").exists()
    assert Party.objects.filter(company=company).count() == 5
    assert Contact.objects.filter(company=company).count() == 1


@pytest.mark.django_db
def test_the_events_are_delivered_once_the_chunk_commits(
    company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = _import(company, HEADER + ROWS[0] + "\n" + ROWS[1] + "\n")

    assert report.created == 2
    events = OutboxEvent.objects.filter(company_id=company.pk, name="party.created")
    assert sorted(e.state for e in events) == [EventState.DELIVERED] * 2


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(company):
    report = _import(company, FILE, dry_run=True)

    assert report.created == 5
    assert not Party.objects.filter(company=company).exists()
    assert not OutboxEvent.objects.filter(company_id=company.pk, name="party.created").exists()


def _file(rows: int, offset: int = 0) -> str:
    body = "".join(
        f"K{n},Party {n},,yes,,p{n}@example.test,,,,,,t{n % 3},,Person {n},,,,City {n},,\n"
        for n in range(offset, offset + rows)
    )
    return HEADER + body


def _verbs(captured) -> list[str]:
    """Each statement's verb; an executemany ("N times: INSERT ...") as one INSERT."""
    verbs = []
    for query in captured:
        words = query["sql"].split(" ")
        verbs.append(words[2] if words[1:2] == ["times:"] else words[0])
    return verbs


@pytest.mark.django_db
def test_the_statements_of_a_chunk_do_not_grow_with_its_rows(company):
    _import(company, _file(5))  # the tags exist from now on
    with CaptureQueriesContext(connection) as small:
        _import(company, _file(20, offset=100))
    with CaptureQueriesContext(connection) as large:
        report = _import(company, _file(200, offset=1000))

    assert (report.created, report.errors) == (200, [])
    # the same reads and savepoints; the parties, contacts, addresses, their history and the
    # keys in one executemany each, only the outbox's bulk_create split by SQLite's 999
    # parameters a statement (row by row: about 26 statements a row)
    assert [v for v in _verbs(large) if v != "INSERT"] == [
        v for v in _verbs(small) if v != "INSERT"
    ]
    assert len(large.captured_queries) <= 30
    assert Contact.objects.filter(company=company).count() == 225
