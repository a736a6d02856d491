"""The integrity checks over invoices, payments and allocations: sound data passes, each
breach (made with a queryset update below the services, or with raw SQL past the
immutability guards where those refuse it) is reported."""

from datetime import date

import pytest
from django.db import connection

from tandem.accounting import checks
from tandem.accounting.models import Invoice, Payment
from tandem.accounting.services import payments as pay
from tandem.core.integrity import run_all

from .conftest import cr, dr
from .test_payments_support import YEAR, D, make_invoice, receive, set_rate

DOCUMENT_CHECKS = (
    checks.control_accounts,
    checks.documents_have_entries,
    checks.residuals_consistent,
)


def raw_sql(sql, params=()):
    """Past every guard, as a broken script would (on PostgreSQL with the triggers off for the
    test's transaction only: SET LOCAL ends with its rollback)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def breaches():
    return {check.__name__: list(check()) for check in DOCUMENT_CHECKS if list(check())}


@pytest.fixture
def books(chart, customer, supplier, usd_customer):
    """A bit of everything: partial and full payments, FX, credit, refund, a cancellation."""
    set_rate(chart, date(YEAR, 3, 1), "7.1234")
    set_rate(chart, date(YEAR, 3, 20), "7.2011")
    invoice = make_invoice(chart, customer, [(10, "100.00"), (1, "50.00")])
    receive(chart, customer, "1000.00", allocations=[(invoice, "1000.00")])
    note = make_invoice(chart, customer, [(1, "20.00")], kind="customer_credit_note")
    pay.credit_note_allocate(credit_note=note, invoice=invoice, amount=D("10.00"))
    receive(chart, customer, "12.60", direction="out", allocations=[(note, "12.60")])
    bill = make_invoice(chart, supplier, [(3, "33.33")], kind="vendor_bill")
    receive(chart, supplier, "50.00", direction="out", allocations=[(bill, "50.00")])
    dollars = make_invoice(chart, usd_customer, [(1, "99.99")], currency="USD")
    over = receive(chart, usd_customer, "150.00", allocations=[(dollars, "33.33")])
    cancelled = receive(chart, usd_customer, "20.00", allocations=[(dollars, "20.00")])
    pay.payment_cancel(payment=cancelled)
    return {"invoice": invoice, "bill": bill, "dollars": dollars, "over": over}


def test_sound_documents_pass_every_check(books):
    assert breaches() == {}
    assert run_all().ok, run_all().render()


def test_a_residual_changed_behind_the_ledger_is_reported(books):
    Invoice.objects.filter(pk=books["invoice"].pk).update(
        residual_amount=D("100.00"), residual_company=D("100.00")
    )
    found = breaches()
    assert found["control_accounts"] == [
        f"ACME receivable of Beijing Customer (party {books['invoice'].party_id}): "
        "ledger 176.50 != open documents 100.00"
    ]
    assert any("residual 100.00 != total 1186.50 - allocated 1010.00" in b
               for b in found["residuals_consistent"])  # fmt: skip


def test_an_unallocated_amount_changed_is_reported(books):
    Payment.objects.filter(pk=books["over"].pk).update(unallocated_amount=D("100.00"))
    found = breaches()
    assert len(found["control_accounts"]) == 1
    assert "Boston Customer" in found["control_accounts"][0]
    assert (
        "unallocated 100.00 != amount 150.00 - allocated 33.33"
        in (found["residuals_consistent"][0])
    )


def test_a_payment_state_out_of_step_is_reported(books):
    Invoice.objects.filter(pk=books["bill"].pk).update(payment_state="paid")
    number = books["bill"].number
    assert breaches() == {
        "residuals_consistent": [
            f"ACME invoice {number}: payment state paid, residual says partial"
        ]
    }


def test_a_company_residual_beyond_the_total_is_reported(books):
    invoice = books["invoice"]
    Invoice.objects.filter(pk=invoice.pk).update(residual_company=D("5000.00"))
    assert (
        f"ACME invoice {invoice.number}: residual in company currency 5000.00 outside "
        "[0, 1186.50]" in breaches()["residuals_consistent"]
    )


def test_a_posted_document_without_entry_is_reported(books):
    raw_sql("UPDATE accounting_invoice SET entry_id = NULL WHERE id = %s", [books["bill"].pk])
    Payment.objects.filter(pk=books["over"].pk).update(cancel_entry=None, state="cancelled")
    found = breaches()["documents_have_entries"]
    assert f"ACME invoice {books['bill'].number}: no posted journal entry" in found
    assert f"ACME payment {books['over'].number}: cancelled without a posted reversal" in found


def test_a_manual_posting_to_a_party_on_the_receivable_is_reported(books, acct, post, customer):
    post([dr(acct["1122"], "5.00", party=customer), cr(acct["6001"], "5.00")])
    assert breaches() == {
        "control_accounts": [
            f"ACME receivable of Beijing Customer (party {customer.pk}): "
            "ledger 181.50 != open documents 176.50"
        ]
    }


def test_a_lost_allocation_row_is_reported(books):
    raw_sql("DELETE FROM accounting_allocation WHERE invoice_id = %s", [books["bill"].pk])
    found = breaches()["residuals_consistent"]
    assert any("allocated 0.00" in line for line in found)
