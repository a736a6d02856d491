"""The tax report: signed per-tax figures from posted invoices, checked against the ledger."""

from datetime import date

import pytest

from tandem.accounting.queries.taxes import tax_report
from tandem.accounting.services.invoices import invoice_cancel, invoice_credit, invoice_post
from tandem.core.services import exchange_rate_set
from tests.accounting.conftest import YEAR, D

MARCH = {"date_from": date(YEAR, 3, 1), "date_to": date(YEAR, 3, 31)}


def figures(report):
    return [(r["scope"], r["name"], r["base"], r["amount"]) for r in report["rows"]]


@pytest.mark.django_db
def test_sales_purchases_and_credit_notes_are_signed(company, draft, supplier, taxes):
    # given in March: an invoice 200 + 26, a bill 200 + 26 and a credit note of the invoice
    invoice = draft(post=True)
    draft(kind="vendor_bill", party=supplier, post=True)
    invoice_post(invoice=invoice_credit(invoice=invoice, date=date(YEAR, 3, 20)))
    # and a 6% invoice of 50.00
    draft(
        [{"description": "Service", "unit_price": D("50"), "taxes": [taxes["销项税 6%"]]}],
        post=True,
    )
    # and a draft, which does not count
    draft()

    report = tax_report(company, **MARCH)

    assert figures(report) == [
        ("sale", "销项税 13%", D("0.00"), D("0.00")),
        ("sale", "销项税 6%", D("50.00"), D("3.00")),
        ("purchase", "进项税 13%", D("200.00"), D("26.00")),
    ]
    assert report["totals"] == {
        "output_tax": D("3.00"),
        "input_tax": D("26.00"),
        "net_payable": D("-23.00"),
        "ledger_net": D("-23.00"),
        "difference": D("0.00"),
    }
    assert [(r["account"], r["debit"], r["credit"], r["balance"]) for r in report["ledger"]] == [
        ("222101", D("26.00"), D("0.00"), D("-26.00")),
        ("222102", D("26.00"), D("29.00"), D("3.00")),
    ]


@pytest.mark.django_db
def test_a_cancelled_invoice_nets_to_zero_inside_the_range_and_counts_back_after_it(company, draft):
    # given an invoice of February, cancelled in March
    february = draft(date=date(YEAR, 2, 10), post=True)
    # and an invoice of March cancelled in March
    march = draft(post=True)
    invoice_cancel(invoice=march)
    invoice_cancel(invoice=february)

    feb = tax_report(company, date_from=date(YEAR, 2, 1), date_to=date(YEAR, 2, 28))
    mar = tax_report(company, **MARCH)
    q1 = tax_report(company, date_from=date(YEAR, 1, 1), date_to=date(YEAR, 3, 31))

    # February's invoice is reversed on its own date (its period is open): nets in February
    assert feb["totals"]["output_tax"] == D("0.00")
    assert mar["totals"]["output_tax"] == D("0.00")
    assert q1["totals"]["output_tax"] == D("0.00")
    for report in (feb, mar, q1):
        assert report["totals"]["difference"] == D("0.00")


@pytest.mark.django_db
def test_a_reversal_in_a_later_period_counts_negative_there(company, draft, owner):
    from tandem.accounting.services import period_close, period_for

    invoice = draft(date=date(YEAR, 2, 10), post=True)
    period_close(period=period_for(company, date(YEAR, 2, 10)), user=owner)
    invoice_cancel(invoice=invoice)  # February is closed: the reversal is dated 1 March

    feb = tax_report(company, date_from=date(YEAR, 2, 1), date_to=date(YEAR, 2, 28))
    mar = tax_report(company, **MARCH)

    assert figures(feb) == [("sale", "销项税 13%", D("200.00"), D("26.00"))]
    assert figures(mar) == [("sale", "销项税 13%", D("-200.00"), D("-26.00"))]
    assert (feb["totals"]["difference"], mar["totals"]["difference"]) == (D("0"), D("0"))


@pytest.mark.django_db
def test_foreign_invoices_count_in_the_company_currency_as_posted(company, draft, taxes):
    exchange_rate_set(company=company, currency="USD", on_date=date(YEAR, 3, 1), rate=D("7.1234"))
    vat = taxes["销项税 13%"]
    lines = [{"description": f"L{n}", "unit_price": D("33.33"), "taxes": [vat]} for n in range(3)]
    draft(lines, currency="USD", post=True)

    report = tax_report(company, **MARCH)

    # base 99.99 USD -> 712.27 CNY (converted once), tax 12.99 USD -> 92.53 CNY as posted
    assert figures(report) == [("sale", "销项税 13%", D("712.27"), D("92.53"))]
    assert report["totals"]["ledger_net"] == D("92.53")
    assert report["totals"]["difference"] == D("0.00")


@pytest.mark.django_db
def test_an_empty_range_reports_nothing(company, chart):
    report = tax_report(company, **MARCH)
    assert report["rows"] == [] and report["ledger"] == []
    assert report["totals"]["net_payable"] == D("0.00")
