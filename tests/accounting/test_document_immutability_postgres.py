"""The PostgreSQL triggers behind the model guards: raw SQL cannot change a posted invoice,
its lines or a posted payment and its allocations either; the services still can."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from tandem.accounting.models import Allocation, Invoice, InvoiceLine, Payment
from tandem.accounting.services import invoices as invoice_services
from tandem.accounting.services import payments as pay
from tandem.core.integrity import run_all

from .test_payments_support import YEAR, D, make_invoice, receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def refused(sql, params):
    with (
        pytest.raises(IntegrityError) as error,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(error.value)


@pytest.fixture
def posted(chart, customer):
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    payment = receive(chart, customer, "80.00", allocations=[(invoice, "56.50")])
    return invoice, payment


def test_raw_sql_cannot_change_a_posted_invoice(posted):
    invoice, _payment = posted
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    for sql, params in [
        ("UPDATE accounting_invoice SET total_amount = 1 WHERE id = %s", [invoice.pk]),
        ("UPDATE accounting_invoice SET number = 'X' WHERE id = %s", [invoice.pk]),
        ("UPDATE accounting_invoice SET state = 'draft', number = '' WHERE id = %s", [invoice.pk]),
        ("DELETE FROM accounting_invoice WHERE id = %s", [invoice.pk]),
        ("UPDATE accounting_invoiceline SET unit_price = 1 WHERE id = %s", [line.pk]),
        ("DELETE FROM accounting_invoiceline WHERE id = %s", [line.pk]),
        ("UPDATE accounting_invoicetax SET amount = 0 WHERE invoice_id = %s", [invoice.pk]),
        ("DELETE FROM accounting_invoiceline_taxes WHERE invoiceline_id = %s", [line.pk]),
        (
            "INSERT INTO accounting_invoiceline (company_id, invoice_id, sequence, description, "
            "account_id, quantity, unit_price, discount, untaxed_amount, tax_amount, "
            "total_amount, origin_line, created_at, updated_at) SELECT company_id, invoice_id, "
            "99, 'more', account_id, 1, 1, 0, 1, 0, 1, '', now(), now() "
            "FROM accounting_invoiceline WHERE id = %s",
            [line.pk],
        ),
    ]:
        assert "tandem:" in refused(sql, params), sql
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.total_amount, fresh.number, fresh.state) == (
        D("113.00"),
        invoice.number,
        "posted",
    )
    assert InvoiceLine.objects.get(pk=line.pk).unit_price == D("100.00")
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1


def test_raw_sql_cannot_change_a_posted_payment(posted):
    _invoice, payment = posted
    allocation = Allocation.objects.get(payment=payment)
    for sql, params in [
        ("UPDATE accounting_payment SET amount = 1 WHERE id = %s", [payment.pk]),
        ("UPDATE accounting_payment SET date = date + 1 WHERE id = %s", [payment.pk]),
        ("DELETE FROM accounting_payment WHERE id = %s", [payment.pk]),
        ("UPDATE accounting_allocation SET amount = 1 WHERE id = %s", [allocation.pk]),
        ("DELETE FROM accounting_allocation WHERE id = %s", [allocation.pk]),
    ]:
        message = refused(sql, params)
        assert "tandem:" in message and "cancel" in message, sql
    fresh = Payment.objects.get(pk=payment.pk)
    assert (fresh.amount, fresh.date, fresh.state) == (D("80.00"), date(YEAR, 3, 20), "posted")
    assert Allocation.objects.get(pk=allocation.pk).amount == D("56.50")


def test_the_settlement_columns_stay_writable_by_sql(posted):
    invoice, payment = posted
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounting_invoice SET residual_amount = 10, payment_state = 'partial' "
            "WHERE id = %s",
            [invoice.pk],
        )
        cursor.execute(
            "UPDATE accounting_payment SET unallocated_amount = 1 WHERE id = %s", [payment.pk]
        )
    assert Invoice.objects.get(pk=invoice.pk).residual_amount == D("10.00")


def test_the_services_post_settle_credit_and_cancel_under_the_triggers(chart, customer):
    invoice = make_invoice(chart, customer, [(2, "100.00")])
    payment = receive(chart, customer, "300.00", allocations=[(invoice, "100.00")])
    pay.payment_allocate(payment=payment, allocations=[(invoice, D("26.00"))])
    # the credit note settles what is left of its invoice as it posts (an allocation insert
    # and residual updates under the triggers)
    invoice_services.invoice_post(invoice=invoice_services.invoice_credit(invoice=invoice))
    assert Invoice.objects.get(pk=invoice.pk).residual_amount == D("0.00")
    assert pay.payment_cancel(payment=payment).state == "cancelled"
    assert Invoice.objects.get(pk=invoice.pk).residual_amount == D("126.00")
    other = make_invoice(chart, customer, [(1, "10.00")])
    assert invoice_services.invoice_cancel(invoice=other).state == "cancelled"
    draft = make_invoice(chart, customer, [(1, "10.00")], post=False)
    invoice_services.invoice_update(invoice=draft, lines=[{"description": "x"}])
    invoice_services.invoice_delete(invoice=draft)
    report = run_all()
    assert report.ok, report.render()
