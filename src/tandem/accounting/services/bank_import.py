"""Receipts from a bank file matched to open customer invoices (issue 20).

One pass reads every open posted customer invoice the receipts name (by invoice number,
or the invoice's reference), the invoices are locked once in primary-key order, and each
matched receipt becomes a payment allocated to its invoice and posted, as
`payment_create` + `payment_post` do one at a time (same entries, allocations, residuals,
derived statuses). A receipt that names no open invoice, pays another amount than the
residual, or names an invoice twice in the file comes back with its code; nothing of it is
written and the others are posted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date as date_type
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from tandem.core.errors import DomainError, ValidationFailed

from ..models import Invoice, InvoiceKind, InvoiceState, Payment
from .payments import _journal, payment_create, payment_post

MAX_RECEIPTS = 5000


class ImportTooLarge(ValidationFailed):
    code = "payment.import_too_large"


class Unmatched(ValidationFailed):
    code = "payment.unmatched"


class AmountMismatch(ValidationFailed):
    code = "payment.amount_mismatch"


class DuplicateReceipt(ValidationFailed):
    code = "payment.duplicate_reference"


@dataclass
class ReceiptResult:
    index: int
    payment: Payment | None = None
    invoice: Invoice | None = None
    error: DomainError | None = None


def _receipt(index: int, row) -> tuple[str, Decimal, date_type | None, str]:
    where = f"receipts.{index}"
    if not isinstance(row, Mapping):
        raise ValidationFailed(f"{where}: not a receipt", field=where)
    reference = str(row.get("reference") or "").strip()
    if not reference or len(reference) > 100:
        raise ValidationFailed(
            f"{where}.reference: 1 to 100 characters", field=f"{where}.reference"
        )
    try:
        value = Decimal(str(row.get("amount")))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(
            f"{where}.amount: a positive amount with at most 2 decimals",
            code="validation.min_value",
            field=f"{where}.amount",
        )
    on = row.get("date")
    if on is not None and not isinstance(on, date_type):
        raise ValidationFailed(f"{where}.date: not a date", field=f"{where}.date")
    memo = str(row.get("memo") or "")[:500]
    return reference, value, on, memo


@transaction.atomic
def payments_import(
    *, company, receipts: Sequence[Mapping], journal=None, user=None
) -> list[ReceiptResult]:
    """Match receipts {reference, amount, date?, memo?} to open customer invoices and post
    them: one ReceiptResult per receipt, in the order given.

    `reference`: the invoice number (or the invoice's own reference); `amount`: the
    invoice's residual exactly (a partial or excess payment is left for a person:
    `payment.amount_mismatch`). A malformed receipt or more than `MAX_RECEIPTS` refuses the
    whole file (422, nothing written).
    """
    receipts = list(receipts)
    if not receipts:
        raise ValidationFailed("receipts: at least one", field="receipts")
    if len(receipts) > MAX_RECEIPTS:
        raise ImportTooLarge(
            gettext("At most %(max)s receipts in one file.") % {"max": MAX_RECEIPTS},
            field="receipts",
        )
    parsed = [_receipt(index, row) for index, row in enumerate(receipts)]
    journal = _journal(company, journal)
    references = {reference for reference, _v, _d, _m in parsed}
    candidates = list(
        Invoice.objects.filter(
            company=company,
            kind=InvoiceKind.CUSTOMER_INVOICE,
            state=InvoiceState.POSTED,
            residual_amount__gt=0,
        )
        .filter(Q(number__in=references) | Q(reference__in=references))
        .values_list("pk", "number", "reference")
    )
    by_reference: dict[str, int] = {}
    for pk, number, reference in candidates:
        if reference:
            by_reference.setdefault(reference, pk)
        by_reference[number] = pk  # the number wins over another invoice's reference
    invoices = (
        Invoice.objects.select_for_update()
        .filter(pk__in=sorted(set(by_reference.values())))
        .select_related("party", "currency")
        .order_by("pk")
    )
    invoices = {invoice.pk: invoice for invoice in invoices}
    results, seen = [], {}
    for index, (reference, value, on, memo) in enumerate(parsed):
        result = ReceiptResult(index)
        results.append(result)
        invoice = invoices.get(by_reference.get(reference))
        if invoice is None:
            result.error = Unmatched(f"No open customer invoice {reference}", field="reference")
            continue
        if invoice.pk in seen:
            result.error = DuplicateReceipt(
                f"Receipt {seen[invoice.pk]} already pays {invoice.number}", field="reference"
            )
            continue
        if value != invoice.residual_amount:
            result.error = AmountMismatch(
                f"{invoice.number} is open for {invoice.residual_amount}, the receipt is {value}",
                field="amount",
            )
            continue
        seen[invoice.pk] = index
        result.invoice = invoice
        try:
            with transaction.atomic():
                payment = payment_create(
                    company=company,
                    direction="in",
                    party=invoice.party,
                    amount=value,
                    date=on or invoice.date,
                    journal=journal,
                    currency=invoice.currency_id,
                    reference=reference,
                    memo=memo,
                    allocations=[(invoice, value)],
                    user=user,
                )
                result.payment = payment_post(payment=payment, user=user)
        except DomainError as exc:
            result.error, result.invoice = exc, None
    return results
