"""Opening balances from a file: one balanced posted entry whose trial balance is the file's,
refused whole (nothing posted) when it does not balance, names an unknown account, or comes
a second time."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting.models import Entry, EntryLine
from tandem.accounting.queries.ledger import trial_balance
from tandem.core.imports import import_run
from tandem.parties.models import Party

D = Decimal
OPENING = (
    "科目编码,借方,贷方,往来单位,日期,摘要\n"
    "1001,5000.00,,,2026-01-01,cash\n"
    '1122,"12,000.50",,Harbour Trading,2026-01-01,\n'
    "2202,,3000.25,Zhou Valves,2026-01-01,\n"
    "4001,,14000.25,,2026-01-01,capital\n"
)


@pytest.fixture
def parties(company):
    for name in ("Harbour Trading", "Zhou Valves"):
        Party.objects.create(company=company, name=name, currency_id="CNY")


def _import(company, content, **kwargs):
    return import_run(
        company=company,
        object_name="opening-balances",
        name="opening.csv",
        content=content.encode(),
        **kwargs,
    )


def test_the_file_posts_one_balanced_entry_and_the_trial_balance_agrees(company, chart, parties):
    report = _import(company, OPENING)

    assert (report.errors, report.refused, report.created) == ([], None, 4)
    entry = Entry.objects.get(company=company)
    assert (entry.state, entry.date, entry.reference) == ("posted", date(2026, 1, 1), "OPENING")
    assert report.result["entry"] == entry.pk
    rows = {r["account"]: r for r in trial_balance(company)["rows"]}
    assert {code: r["balance"] for code, r in rows.items()} == {
        "1001": D("5000.00"),
        "1122": D("12000.50"),
        "2202": D("-3000.25"),
        "4001": D("-14000.25"),
    }
    assert trial_balance(company)["totals"]["debit"] == D("17000.50")
    receivable = EntryLine.objects.get(entry=entry, account__code="1122")
    assert receivable.party.name == "Harbour Trading"


def test_an_unbalanced_file_is_refused_whole(company, chart, parties):
    report = _import(company, OPENING.replace("14000.25", "14000.00"))

    assert report.refused["code"] == "import.unbalanced"
    assert (report.refused["debit"], report.refused["credit"]) == ("17000.50", "17000.25")
    assert (report.created, report.errors) == (0, [])
    assert not Entry.objects.filter(company=company).exists()


def test_a_bad_row_refuses_the_whole_file_naming_the_row(company, chart, parties):
    bad = OPENING + "9999,1,,,2026-01-01,\n1001,1,1,,2026-01-01,\n1001,1,,Nobody,2026-01-01,\n"
    report = _import(company, bad)

    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (6, "account", "reference.invalid"),
        (7, "debit", "import.amount_invalid"),
        (8, "party", "reference.invalid"),
    ]
    assert report.created == 0
    assert not Entry.objects.filter(company=company).exists()


def test_a_second_opening_is_refused(company, chart, parties):
    _import(company, OPENING)
    again = _import(company, OPENING)

    assert again.refused["code"] == "import.opening_exists"
    assert Entry.objects.filter(company=company).count() == 1


def test_a_dry_run_checks_the_balance_and_posts_nothing(company, chart, parties):
    report = _import(company, OPENING, dry_run=True)

    assert (report.refused, report.errors) == (None, [])
    assert not Entry.objects.filter(company=company).exists()


OPEN = (
    "单号,类型,往来单位,日期,到期日,未付金额,期初科目\n"
    "INV-9,customer_invoice,Harbour Trading,2026-01-01,2026-02-01,1130.00,4001\n"
    "BILL-4,vendor_bill,Zhou Valves,2026-01-01,,250.50,4001\n"
    "INV-10,customer_invoice,Nobody,2026-01-01,,1,4001\n"
)


def test_open_invoices_and_bills_are_posted_with_their_residuals(company, chart, parties):
    report = import_run(
        company=company, object_name="open-invoices", name="open.csv", content=OPEN.encode()
    )

    assert report.created == 2
    assert [(e["row"], e["field"], e["code"]) for e in report.errors] == [
        (4, "party", "reference.invalid")
    ]
    from tandem.accounting.models import Invoice

    invoices = {i.reference: i for i in Invoice.objects.filter(company=company)}
    assert {k: (i.kind, i.state, i.residual_amount) for k, i in invoices.items()} == {
        "INV-9": ("customer_invoice", "posted", D("1130.00")),
        "BILL-4": ("vendor_bill", "posted", D("250.50")),
    }
    assert invoices["INV-9"].tax_amount == D("0.00")
    balances = {r["account"]: r["balance"] for r in trial_balance(company)["rows"]}
    assert balances == {"1122": D("1130.00"), "2202": D("-250.50"), "4001": D("-879.50")}

    again = import_run(
        company=company, object_name="open-invoices", name="open.csv", content=OPEN.encode()
    )
    assert (again.created, again.updated) == (0, 2)
    assert Invoice.objects.filter(company=company).count() == 2
