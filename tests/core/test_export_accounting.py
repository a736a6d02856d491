"""Exports of opening balances and open invoices in their imports' own columns: the exported
file imports into another company to the same balances and open amounts, and onto the same
company without writing anything twice."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services
from tandem.accounting.models import Entry, Invoice
from tandem.accounting.queries.ledger import trial_balance
from tandem.core.exports import export_response
from tandem.core.imports import import_object, import_run
from tandem.core.services import company_create
from tandem.parties.models import Party

D = Decimal
OPENING = (
    "科目编码,借方,贷方,往来单位,日期,摘要\n"
    "1001,5000.00,,,2026-01-01,cash\n"
    '1122,"12,000.50",,Harbour Trading,2026-01-01,\n'
    "1122,300,,Zhou Valves,2026-01-01,\n"
    "2202,,3000.25,Zhou Valves,2026-01-01,\n"
    "4001,,14300.25,,2026-01-01,capital\n"
)
INVOICES = (
    "Number,Kind,Party,Date,Due date,Amount due,Currency,Opening account\n"
    "INV-0042,customer_invoice,Harbour Trading,2025-12-10,2026-01-09,1200.00,CNY,4001\n"
    "BILL-7,vendor_bill,Zhou Valves,2025-12-20,,800.50,CNY,4001\n"
)


def _company(code):
    company = company_create(code=code, name=code, currency="CNY", country="CN")
    services.fiscal_year_create(company=company, date_start=date(2025, 1, 1))
    services.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    services.chart_install(company=company, template="prc")
    for name in ("Harbour Trading", "Zhou Valves"):
        Party.objects.create(company=company, name=name, currency_id="CNY")
    return company


def _import(company, object_name, content: str):
    report = import_run(
        company=company, object_name=object_name, name="f.csv", content=content.encode()
    )
    assert (report.errors, report.refused) == ([], None), report.errors
    return report


def _exported(company, object_name) -> str:
    headers, rows = import_object(object_name).export(company)
    response = export_response(fmt="csv", filename="x", headers=headers, rows=rows)
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _balances(company) -> dict:
    return {r["account"]: r["balance"] for r in trial_balance(company)["rows"] if r["balance"]}


@pytest.mark.django_db
def test_opening_balances_export_imports_to_the_same_balances():
    first, second = _company("ONE"), _company("TWO")
    _import(first, "opening-balances", OPENING)

    exported = _exported(first, "opening-balances")
    rows = list(csv.DictReader(io.StringIO(exported)))
    amounts = [(r["account"], D(r["debit"] or 0), D(r["credit"] or 0), r["party"]) for r in rows]
    assert amounts == [
        ("1001", D("5000"), 0, ""),
        ("1122", D("12000.50"), 0, "Harbour Trading"),
        ("1122", D("300"), 0, "Zhou Valves"),
        ("2202", 0, D("3000.25"), "Zhou Valves"),
        ("4001", 0, D("14300.25"), ""),
    ]
    assert {r["date"] for r in rows} == {"2026-01-01"}

    _import(second, "opening-balances", exported)
    assert (
        _balances(second)
        == _balances(first)
        == {
            "1001": D("5000.00"),
            "1122": D("12300.50"),
            "2202": D("-3000.25"),
            "4001": D("-14300.25"),
        }
    )
    entry = Entry.objects.get(company=second)
    assert (entry.date, entry.reference) == (date(2026, 1, 1), "OPENING")
    # the same company refuses a second opening entry: nothing is posted twice
    again = import_run(
        company=first, object_name="opening-balances", name="f.csv", content=exported.encode()
    )
    assert again.refused["code"] == "import.opening_exists"
    assert Entry.objects.filter(company=first).count() == 1


def _open(company) -> list:
    return sorted(
        (i.kind, i.party.name, i.date, i.due_date, i.residual_amount, i.currency_id)
        for i in Invoice.objects.filter(company=company, state="posted", residual_amount__gt=0)
    )


@pytest.mark.django_db
def test_open_invoices_export_imports_to_the_same_open_amounts_and_onto_themselves():
    first, second = _company("ONE"), _company("TWO")
    _import(first, "open-invoices", INVOICES)

    exported = _exported(first, "open-invoices")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["number"], r["kind"], r["amount"], r["account"]) for r in rows] == [
        ("INV-0042", "customer_invoice", "1200.00", "4001"),
        ("BILL-7", "vendor_bill", "800.50", "4001"),
    ]

    _import(second, "open-invoices", exported)
    assert _open(second) == _open(first)
    assert _open(first)[0][1:] == (
        "Harbour Trading",
        date(2025, 12, 10),
        date(2026, 1, 9),
        D("1200.00"),
        "CNY",
    )
    assert _balances(second) == _balances(first)

    # onto the same company: each row finds its invoice, nothing is created
    report = _import(first, "open-invoices", exported)
    assert (report.created, report.updated) == (0, 2)
    assert Invoice.objects.filter(company=first).count() == 2
