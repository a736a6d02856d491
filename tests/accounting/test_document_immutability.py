"""A posted invoice or payment, its lines and its allocations never change, whatever path the
write takes; the services' own moves (settle, cancel, credit) still go through."""

from datetime import date

import pytest
from django.db import transaction

from tandem.accounting.errors import InvoiceNotDraft, PaymentNotDraft
from tandem.accounting.models import Allocation, Invoice, InvoiceLine, InvoiceTax, Payment
from tandem.accounting.services import invoices as invoice_services
from tandem.accounting.services import payments as pay

from .test_payments_support import YEAR, D, make_invoice, receive

pytestmark = pytest.mark.django_db


def invoice_row(invoice):
    return (
        Invoice.objects.filter(pk=invoice.pk).values()[0],
        list(InvoiceLine.objects.filter(invoice=invoice).order_by("pk").values()),
        list(InvoiceTax.objects.filter(invoice=invoice).order_by("pk").values()),
        sorted(InvoiceLine.taxes.through.objects.filter(invoiceline__invoice=invoice).values_list(
            "invoiceline_id", "tax_id"
        )),
    )  # fmt: skip


def payment_row(payment):
    return (
        Payment.objects.filter(pk=payment.pk).values()[0],
        list(Allocation.objects.filter(payment=payment).order_by("pk").values()),
    )


@pytest.fixture
def posted(chart, customer):
    """A posted invoice of 113.00, half paid by a posted payment of 80.00."""
    invoice = make_invoice(chart, customer, [(1, "100.00")])
    payment = receive(chart, customer, "80.00", allocations=[(invoice, "56.50")])
    return Invoice.objects.get(pk=invoice.pk), Payment.objects.get(pk=payment.pk)


def test_an_invoice_instance_refuses_changes_and_delete(posted):
    invoice, _payment = posted
    before = invoice_row(invoice)
    for field, value in (
        ("total_amount", D("1.00")),
        ("untaxed_amount", D("1.00")),
        ("number", "INV/2026/99999"),
        ("date", date(YEAR, 3, 2)),
        ("due_date", date(YEAR, 12, 31)),
        ("party_id", invoice.party_id + 1000),
        ("rate", D("2")),
        ("narration", "changed terms"),
        ("state", "draft"),  # pretending it is a draft does not help
    ):
        row = Invoice.objects.get(pk=invoice.pk)
        setattr(row, field, value)
        with pytest.raises(InvoiceNotDraft) as refused:
            row.save()
        assert (refused.value.code, refused.value.status) == ("invoice.not_draft", 409)
    with pytest.raises(InvoiceNotDraft):
        Invoice.objects.get(pk=invoice.pk).delete()

    line = InvoiceLine.objects.filter(invoice=invoice).first()
    line.unit_price = D("1.00")
    with pytest.raises(InvoiceNotDraft):
        line.save()
    with pytest.raises(InvoiceNotDraft):
        InvoiceLine.objects.filter(invoice=invoice).first().delete()
    extra = InvoiceLine(
        company=invoice.company, invoice=invoice, account=line.account, description="more"
    )
    with pytest.raises(InvoiceNotDraft):
        extra.save()
    assert invoice_row(invoice) == before


def test_a_payment_instance_refuses_changes_and_delete(posted):
    _invoice, payment = posted
    before = payment_row(payment)
    for field, value in (
        ("amount", D("1.00")),
        ("amount_company", D("1.00")),
        ("number", "PAY/X/1"),
        ("date", date(YEAR, 3, 21)),
        ("direction", "out"),
        ("memo", "edited"),
        ("state", "draft"),
    ):
        row = Payment.objects.get(pk=payment.pk)
        setattr(row, field, value)
        with pytest.raises(PaymentNotDraft) as refused:
            row.save()
        assert (refused.value.code, refused.value.status) == ("payment.not_draft", 409)
    with pytest.raises(PaymentNotDraft):
        Payment.objects.get(pk=payment.pk).delete()

    allocation = Allocation.objects.get(payment=payment)
    allocation.amount = D("1.00")
    with pytest.raises(PaymentNotDraft):
        allocation.save()
    with pytest.raises(PaymentNotDraft):
        Allocation.objects.get(payment=payment).delete()
    assert payment_row(payment) == before


def test_querysets_refuse_bulk_changes_of_posted_documents(posted):
    invoice, payment = posted
    before = invoice_row(invoice), payment_row(payment)
    for call in (
        lambda: Invoice.objects.filter(pk=invoice.pk).update(total_amount=D("1.00")),
        lambda: Invoice.objects.filter(pk=invoice.pk).update(number="X"),
        lambda: Invoice.objects.filter(pk=invoice.pk).update(state="draft"),
        lambda: Invoice.objects.all().delete(),
        lambda: Invoice.objects.bulk_update([invoice], ["reference"]),
        lambda: InvoiceLine.objects.filter(invoice=invoice).update(quantity=D("2")),
        lambda: InvoiceLine.objects.all().delete(),
        lambda: Payment.objects.filter(pk=payment.pk).update(amount=D("1.00")),
        lambda: Payment.objects.all().delete(),
        lambda: Allocation.objects.filter(payment=payment).update(amount=D("1.00")),
        lambda: Allocation.objects.all().delete(),
    ):
        with pytest.raises((InvoiceNotDraft, PaymentNotDraft)), transaction.atomic():
            call()
    assert (invoice_row(invoice), payment_row(payment)) == before


def test_the_settlement_columns_still_move(posted):
    # what the services change after posting is exactly what stays writable
    invoice, payment = posted
    row = Invoice.objects.get(pk=invoice.pk)
    assert Invoice.objects.filter(pk=invoice.pk).update(residual_amount=D("50.00")) == 1
    row.residual_amount = D("56.50")
    row.save()
    assert Payment.objects.filter(pk=payment.pk).update(unallocated_amount=D("23.50")) == 1
    assert Invoice.objects.get(pk=invoice.pk).residual_amount == D("56.50")


def test_the_legitimate_flows_still_work(chart, customer):
    # post, allocate, pay by credit note, cancel a payment, credit and cancel an invoice
    invoice = make_invoice(chart, customer, [(2, "100.00")])
    assert (invoice.state, invoice.total_amount) == ("posted", D("226.00"))
    payment = receive(chart, customer, "300.00", allocations=[(invoice, "100.00")])
    payment = pay.payment_allocate(payment=payment, allocations=[(invoice, D("26.00"))])
    assert Payment.objects.get(pk=payment.pk).unallocated_amount == D("174.00")
    # a credit note made from the invoice settles what is left of it when it posts
    note = invoice_services.invoice_post(invoice=invoice_services.invoice_credit(invoice=invoice))
    assert Invoice.objects.get(pk=invoice.pk).residual_amount == D("0.00")
    assert Allocation.objects.get(credit_note=note, invoice=invoice).amount == D("100.00")

    cancelled = pay.payment_cancel(payment=payment)
    assert cancelled.state == "cancelled"
    assert not Allocation.objects.filter(payment=payment).exists()
    assert Invoice.objects.get(pk=invoice.pk).residual_amount == D("126.00")

    other = make_invoice(chart, customer, [(1, "10.00")])
    assert invoice_services.invoice_cancel(invoice=other).state == "cancelled"
    # and a cancelled document is as fixed as a posted one
    with pytest.raises(InvoiceNotDraft):
        Invoice.objects.filter(pk=other.pk).update(total_amount=D("0.00"))
    with pytest.raises(PaymentNotDraft):
        Payment.objects.filter(pk=payment.pk).update(state="posted")


def test_drafts_stay_editable(chart, customer):
    draft = make_invoice(chart, customer, [(1, "10.00")], post=False)
    assert Invoice.objects.filter(pk=draft.pk).update(reference="bulk") == 1
    line = InvoiceLine.objects.get(invoice=draft)
    line.description = "edited"
    line.save()
    draft = invoice_services.invoice_update(invoice=draft, lines=[{"description": "x"}])
    payment = pay.payment_create(
        company=chart, direction="in", party=customer, amount=D("5.00"), date=date(YEAR, 3, 3)
    )
    payment = pay.payment_update(payment=payment, amount=D("6.00"))
    pay.payment_delete(payment=payment)
    invoice_services.invoice_delete(invoice=draft)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
