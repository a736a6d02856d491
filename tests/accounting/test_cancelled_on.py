"""`cancelled_on` on invoices and payments: set by cancel, filled by the migration, and read
by the aged report so an "as of" date before a cancellation still shows the document."""

import importlib
from datetime import date

from django.apps import apps

from tandem.accounting.models import Allocation, Invoice, Payment, VoidedAllocation
from tandem.accounting.queries import reports
from tandem.accounting.services import invoices as invoice_services
from tandem.accounting.services import payments as pay

from .test_payments_support import YEAR, D, fresh, make_invoice, receive

migration = importlib.import_module("tandem.accounting.migrations.0004_fx_revaluation_cancelled_on")


def row_of(report, party):
    rows = [row for row in report["rows"] if row["party"] == party.pk]
    return [rows[0][key] for key in (*reports.AGE_BUCKETS, "total")] if rows else None


def test_cancel_records_the_reversal_date(chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")], on=date(YEAR, 3, 1))
    invoice = invoice_services.invoice_cancel(invoice=invoice)
    assert invoice.cancelled_on == invoice.cancel_entry.date == date(YEAR, 3, 1)
    payment = receive(chart, customer, "50.00", on=date(YEAR, 3, 5))
    payment = pay.payment_cancel(payment=payment, date=date(YEAR, 3, 9))
    assert payment.cancelled_on == payment.cancel_entry.date == date(YEAR, 3, 9)


def test_the_migration_fills_existing_cancellations(chart, customer):
    invoice = invoice_services.invoice_cancel(
        invoice=make_invoice(chart, customer, [(1, "100.00")], on=date(YEAR, 3, 1))
    )
    payment = pay.payment_cancel(
        payment=receive(chart, customer, "50.00", on=date(YEAR, 3, 5)), date=date(YEAR, 3, 9)
    )
    open_payment = receive(chart, customer, "20.00", on=date(YEAR, 3, 5))
    Invoice.objects.filter(pk=invoice.pk).update(cancelled_on=None)
    Payment.objects.filter(pk=payment.pk).update(cancelled_on=None)
    migration.fill_cancelled_on(apps, None)
    assert fresh(invoice).cancelled_on == date(YEAR, 3, 1)
    assert fresh(payment).cancelled_on == date(YEAR, 3, 9)
    assert fresh(open_payment).cancelled_on is None


def test_aged_before_a_payment_cancellation_shows_it_allocated(chart, customer):
    # given an invoice of 113.00 due 31 March, paid in full on 10 April, the payment
    # cancelled on 20 May
    invoice = make_invoice(
        chart, customer, [(1, "100.00")], on=date(YEAR, 3, 1), due=date(YEAR, 3, 31)
    )
    payment = receive(
        chart, customer, "113.00", on=date(YEAR, 4, 10), allocations=[(invoice, "113.00")]
    )
    pay.payment_cancel(payment=payment, date=date(YEAR, 5, 20))
    assert not Allocation.objects.filter(payment=payment).exists()
    voided = VoidedAllocation.objects.get(payment=payment)
    assert (voided.invoice_id, voided.amount, voided.cancelled_on) == (
        invoice.pk, D("113.00"), date(YEAR, 5, 20),
    )  # fmt: skip
    zero = D("0.00")
    # at 30 April the invoice was paid and the payment fully allocated: nothing is open
    assert row_of(reports.aged_receivables(chart, as_of=date(YEAR, 4, 30)), customer) is None
    # at 5 April the invoice was open and 5 days overdue, the payment not yet made
    assert row_of(reports.aged_receivables(chart, as_of=date(YEAR, 4, 5)), customer) == [
        zero, D("113.00"), zero, zero, zero, zero, D("113.00"),
    ]  # fmt: skip
    # after the cancellation the invoice is due again (50 days overdue at 20 May)
    assert row_of(reports.aged_receivables(chart, as_of=date(YEAR, 5, 20)), customer) == [
        zero, zero, D("113.00"), zero, zero, zero, D("113.00"),
    ]  # fmt: skip
