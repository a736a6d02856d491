"""A credit note made from an invoice (`credited_invoice`) settles that invoice.

At posting, a credit note may not exceed what its invoice has left to credit (its total
less the credit notes already posted against it); it is then allocated against the
invoice's open amount, so a full credit of an unpaid invoice leaves both settled and a
partial one reduces what is due. What the invoice no longer owes (it was paid) stays open
on the credit note, for a refund or another invoice.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from ..errors import CreditExceedsInvoice, InvoiceInvalidTransition
from ..models import ZERO, Invoice, InvoiceState
from ._common import lock_one


def credit_left(invoice: Invoice, *, excluding: int | None = None) -> Decimal:
    """The invoice's total less the credit notes posted against it."""
    credited = (
        (
            Invoice.objects.filter(credited_invoice_id=invoice.pk, state=InvoiceState.POSTED)
            .exclude(pk=excluding)
            .aggregate(total=Sum("total_amount"))["total"]
        )
        or ZERO
    )
    return invoice.total_amount - credited


def credit_check(invoice: Invoice, amount: Decimal, *, excluding: int | None = None) -> None:
    if invoice.state != InvoiceState.POSTED:
        raise InvoiceInvalidTransition(
            f"{invoice.number or invoice.pk} is {invoice.state}; only posted documents are credited"
        )
    left = credit_left(invoice, excluding=excluding)
    if amount > left:
        raise CreditExceedsInvoice(
            f"{invoice.number} has {left} left to credit; the credit note is {amount}",
            field="lines",
            extra={"invoice": invoice.pk, "left": str(left)},
        )


def credit_settle(note: Invoice, *, user=None) -> None:
    """Called when `note` (a posted credit note with a credited invoice) has just posted."""
    from .payments import credit_note_allocate

    source = lock_one(Invoice, note.credited_invoice_id, label="invoice")
    credit_check(source, note.total_amount, excluding=note.pk)
    take = min(note.total_amount, source.residual_amount)
    if take > 0:
        credit_note_allocate(
            credit_note=note,
            invoice=source,
            amount=take,
            date=max(note.date, source.date),
            user=user,
        )
