"""A credit note made from an invoice settles it; more than is left to credit is refused."""

from decimal import Decimal

import pytest

from tandem.accounting.models import Allocation, Invoice
from tandem.accounting.services.invoices import invoice_credit, invoice_post, invoice_update
from tandem.core.errors import DomainError

D = Decimal
pytestmark = pytest.mark.django_db


def test_full_credit_settles_both(draft, owner, api):
    invoice = draft(post=True)  # 2 x 100 + 13 % = 226.00
    answer = api.post(f"/invoices/{invoice.pk}/credit", {})
    assert answer.status_code == 201, answer.content
    note = Invoice.objects.get(pk=answer.json()["id"])
    invoice_post(invoice=note, user=owner)
    invoice.refresh_from_db()
    note.refresh_from_db()
    assert (invoice.payment_state, invoice.residual_amount) == ("paid", D("0.00"))
    assert (note.payment_state, note.residual_amount) == ("paid", D("0.00"))
    assert Allocation.objects.get(credit_note=note).amount == D("226.00")
    # nothing left to credit: a second credit is refused, nothing is written
    count = Invoice.objects.count()
    again = api.post(f"/invoices/{invoice.pk}/credit", {})
    assert (again.status_code, again.json()["code"]) == (409, "invoice.credit_exceeds_invoice")
    assert Invoice.objects.count() == count


def test_partial_credit_reduces_the_residual_and_a_larger_one_is_refused(draft, owner, taxes):
    invoice = draft(post=True)
    note = invoice_credit(invoice=invoice, user=owner)
    line = note.lines.get()
    smaller = {
        "description": line.description,
        "quantity": D(1),
        "unit_price": D(100),
        "taxes": [taxes["销项税 13%"]],
        "account": line.account,
    }
    invoice_update(invoice=note, lines=[smaller])
    invoice_post(invoice=note, user=owner)
    invoice.refresh_from_db()
    assert (invoice.payment_state, invoice.residual_amount) == ("partial", D("113.00"))

    bigger = invoice_credit(invoice=invoice, user=owner)  # a copy: 226.00, 113.00 left
    with pytest.raises(DomainError) as refused:
        invoice_post(invoice=bigger, user=owner)
    assert refused.value.code == "invoice.credit_exceeds_invoice"
    bigger.refresh_from_db()
    invoice.refresh_from_db()
    assert (bigger.state, bigger.number) == ("draft", "")
    assert invoice.residual_amount == D("113.00")
