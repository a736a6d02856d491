"""Allocations: matching payments and credit notes to invoices, with the realized exchange
difference posted at once; the plan of a draft's allocations, applied when it is posted.

See .payments for how the figures stay consistent with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.parties.models import Party

from ..errors import (
    AllocationCurrencyMismatch,
    AllocationExceedsResidual,
    AllocationExceedsUnallocated,
    AllocationNotOpen,
    AllocationPartyMismatch,
    AllocationWrongKind,
    InvalidReference,
    PaymentInvalidTransition,
)
from ..models import (
    ZERO,
    AccountRole,
    Allocation,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Journal,
    Payment,
    PaymentState,
    PaymentStateOfInvoice,
)
from ._common import account_for_role, amount, lock, text
from ._payment_common import (
    CREDIT_SETTLES,
    MAX_ALLOCATIONS,
    RECEIVABLE,
    SETTLES,
    _amount_positive,
    _date,
    _general_journal,
    _lock_with_invoices,
    _payment_state,
    _side_for,
    open_company,
    payment_side,
    side_of_kind,
)
from .entries import entry_create_posted


def _allocation_input(
    company: Company, allocations, currency: str
) -> list[tuple[Invoice, Decimal]]:
    """[(invoice, amount)] checked for shape; the documents are checked again under lock."""
    rows = list(allocations or ())
    if len(rows) > MAX_ALLOCATIONS:
        raise ValidationFailed(f"At most {MAX_ALLOCATIONS} allocations", field="allocations")
    result = []
    for index, row in enumerate(rows):
        where = f"allocations.{index}"
        if isinstance(row, dict):
            invoice, value = row.get("invoice"), row.get("amount")
        else:
            invoice, value = row
        if not isinstance(invoice, Invoice):
            raise ValidationFailed(
                f"{where}.invoice is required", code="validation.required", field=f"{where}.invoice"
            )
        if invoice.company_id != company.pk:
            raise InvalidReference(
                f"{where}.invoice: no such record in this company", field=f"{where}.invoice"
            )
        value = amount(value, field=f"{where}.amount", currency=currency)
        if value <= 0:
            raise ValidationFailed(
                f"{where}.amount must be positive",
                code="validation.min_value",
                field=f"{where}.amount",
            )
        result.append((invoice, value))
    return result


# -- the allocation itself -----------------------------------------------------------------


@dataclass
class _Source:
    """What settles an invoice: a posted payment or a credit note, as locked rows."""

    payment: Payment | None = None
    credit_note: Invoice | None = None


def _check_target(target: Invoice, *, party_id: int, currency: str, kind: str, where: str):
    if target.state != InvoiceState.POSTED:
        raise AllocationNotOpen(
            f"{where}: {target.number or target.pk} is {target.state}; only posted documents "
            "are settled",
            field=where,
        )
    if target.party_id != party_id:
        raise AllocationPartyMismatch(
            f"{where}: {target.number} belongs to another party", field=where
        )
    if target.kind != kind:
        raise AllocationWrongKind(
            f"{where}: {target.number} is a {target.get_kind_display()}; this settles a "
            f"{InvoiceKind(kind).label}",
            field=where,
            extra={"expected_kind": str(kind), "kind": target.kind},
        )
    if target.currency_id != currency:
        raise AllocationCurrencyMismatch(
            f"{where}: {target.number} is in {target.currency_id}, not {currency}", field=where
        )


def _clears(doc: Invoice, value: Decimal, own: str) -> Decimal:
    """Company currency cleared from `doc` when `value` of its residual is settled."""
    left = doc.residual_amount - value
    if left == 0:
        return doc.residual_company
    after = open_company(left, doc.rate, doc.currency_id, own)
    return min(max(doc.residual_company - after, ZERO), doc.residual_company)


def _reduce(doc: Invoice, value: Decimal, company_value: Decimal) -> None:
    """Lower a locked document's residuals (the row and the instance)."""
    doc.residual_amount -= value
    doc.residual_company -= company_value
    doc.payment_state = _payment_state(doc.residual_amount, doc.total_amount)
    Invoice.objects.filter(pk=doc.pk).update(
        residual_amount=doc.residual_amount,
        residual_company=doc.residual_company,
        payment_state=doc.payment_state,
        updated_at=timezone.now(),
    )
    events.publish(
        "invoice.settlement_changed",
        invoice_id=doc.pk,
        company_id=doc.company_id,
        kind=doc.kind,
        party_id=doc.party_id,
        payment_state=doc.payment_state,
    )
    if doc.payment_state == PaymentStateOfInvoice.PAID:
        events.publish(
            "invoice.paid",
            invoice_id=doc.pk,
            company_id=doc.company_id,
            kind=doc.kind,
            number=doc.number,
            party_id=doc.party_id,
        )


def _fx_entry(
    *,
    company: Company,
    journal: Journal,
    on: date,
    party: Party,
    side: str,
    difference: Decimal,
    reference: str,
    user=None,
):
    """Post `difference` (a change of the party's natural control balance) against fx gain/loss.

    On the receivable (a debit balance) a rise is a gain; on the payable (a credit balance)
    a rise is a loss.
    """
    if not difference:
        return None
    control = account_for_role(company, side, field="party")
    value = abs(difference)
    debit_control = (side == RECEIVABLE) == (difference > 0)
    gain = (side == RECEIVABLE) == (difference > 0)
    other = account_for_role(company, AccountRole.FX_GAIN if gain else AccountRole.FX_LOSS)
    control_line = {
        "account": control,
        "party": party,
        "description": reference,
        "debit": value if debit_control else ZERO,
        "credit": ZERO if debit_control else value,
    }
    other_line = {
        "account": other,
        "description": reference,
        "debit": ZERO if debit_control else value,
        "credit": value if debit_control else ZERO,
    }
    return entry_create_posted(
        company=company,
        journal=journal,
        date=on,
        lines=[control_line, other_line],
        reference=text(f"FX {reference}", field="reference", max_length=100),
        narration="Realized exchange difference",
        user=user,
    )


def _allocate_locked(
    *,
    company: Company,
    target: Invoice,
    value: Decimal,
    source: _Source,
    side: str,
    on: date,
    row: Allocation | None = None,
    user=None,
) -> Allocation:
    """Apply one allocation between locked rows; every check is on the locked state."""
    own = company.currency_id
    if value > target.residual_amount:
        raise AllocationExceedsResidual(
            f"{value} is more than the {target.residual_amount} due on {target.number}",
            field="amount",
            extra={"residual_amount": str(target.residual_amount)},
        )
    cleared = _clears(target, value, own)
    if source.payment is not None:
        payment = source.payment
        if value > payment.unallocated_amount:
            raise AllocationExceedsUnallocated(
                f"{value} is more than the {payment.unallocated_amount} unallocated on "
                f"{payment.number or payment.pk}",
                field="amount",
                extra={"unallocated_amount": str(payment.unallocated_amount)},
            )
        before = open_company(payment.unallocated_amount, payment.rate, payment.currency_id, own)
        payment.unallocated_amount -= value
        consumed = before - open_company(
            payment.unallocated_amount, payment.rate, payment.currency_id, own
        )
        reference = payment.number
        journal = payment.journal
    else:
        note = source.credit_note
        if value > note.residual_amount:
            raise AllocationExceedsResidual(
                f"{value} is more than the {note.residual_amount} left on {note.number}",
                field="amount",
                extra={"residual_amount": str(note.residual_amount)},
            )
        consumed = _clears(note, value, own)
        _reduce(note, value, consumed)
        reference = note.number
        journal = _general_journal(company, note.journal)
    # The target's sign in its control balance: + for invoices and bills, − for a credit
    # note settled by a refund; the source always counts the other way.
    sign = -1 if target.is_credit_note else 1
    difference = sign * (consumed - cleared)
    _reduce(target, value, cleared)
    fx_entry = _fx_entry(
        company=company,
        journal=_general_journal(company, journal),
        on=on,
        party=target.party,
        side=side,
        difference=difference,
        reference=f"{reference} / {target.number}",
        user=user,
    )
    if row is None:
        row = Allocation(
            company=company,
            invoice=target,
            payment=source.payment,
            credit_note=source.credit_note,
        )
    row.date = on
    row.amount = value
    row.amount_company = cleared
    row.fx_entry = fx_entry
    row.save()
    return row


# -- drafts --------------------------------------------------------------------------------


def _plan(payment: Payment, rows: list[tuple[Invoice, Decimal]]) -> None:
    """Replace a draft's planned allocations (checked for party/kind/currency now as well)."""
    Allocation.objects.filter(payment=payment).delete()
    if not rows:
        return
    side = _side_for(payment.direction, (invoice.kind for invoice, _ in rows))
    kind = SETTLES[(payment.direction, side)]
    for index, (invoice, _value) in enumerate(rows):
        _check_target(
            invoice,
            party_id=payment.party_id,
            currency=payment.currency_id,
            kind=kind,
            where=f"allocations.{index}.invoice",
        )
    total = sum((value for _, value in rows), ZERO)
    if total > payment.amount:
        raise AllocationExceedsUnallocated(
            f"The allocations ({total}) are more than the payment ({payment.amount})",
            field="allocations",
        )
    Allocation.objects.bulk_create(
        Allocation(
            company=payment.company,
            invoice=invoice,
            payment=payment,
            date=payment.date,
            amount=value,
            amount_company=ZERO,
        )
        for invoice, value in rows
    )


@transaction.atomic
def payment_allocate(
    *, payment: Payment, allocations: Iterable, date: date | None = None, user=None
) -> Payment:
    """Allocate a posted payment's unallocated amount to invoices [(invoice, amount)].

    Dated `date`, else the later of the payment's and the invoice's dates (the exchange
    difference, if any, is posted on that day).
    """
    company = payment.company
    rows = _allocation_input(company, allocations, payment.currency_id)
    if not rows:
        raise ValidationFailed(
            "Name at least one invoice to allocate to",
            code="validation.required",
            field="allocations",
        )
    locked, invoices = _lock_with_invoices(payment.pk, [invoice.pk for invoice, _ in rows])
    if locked.state != PaymentState.POSTED:
        raise PaymentInvalidTransition(
            f"{locked.number or locked.pk} is {locked.state}; only posted payments are allocated"
        )
    if date is not None:
        _date(date)
    side = payment_side(locked)
    kind = SETTLES[(locked.direction, side)]
    for index, (invoice, value) in enumerate(rows):
        target = invoices[invoice.pk]
        _check_target(
            target,
            party_id=locked.party_id,
            currency=locked.currency_id,
            kind=kind,
            where=f"allocations.{index}.invoice",
        )
        _allocate_locked(
            company=company,
            target=target,
            value=value,
            source=_Source(payment=locked),
            side=side,
            on=date or max(locked.date, target.date),
            user=user,
        )
    Payment.objects.filter(pk=locked.pk).update(
        unallocated_amount=locked.unallocated_amount, updated_at=timezone.now()
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def credit_note_allocate(
    *, credit_note: Invoice, invoice: Invoice, amount: Decimal, date: date | None = None, user=None
) -> Allocation:
    """Settle `amount` of `invoice` with a credit note of the same party and currency."""
    if credit_note.pk == invoice.pk:
        raise AllocationWrongKind("A document cannot settle itself", field="invoice")
    if credit_note.company_id != invoice.company_id:
        raise InvalidReference("invoice: no such record in this company", field="invoice")
    company = credit_note.company
    value = _amount_positive(amount, invoice.currency_id)
    locked = lock(Invoice, [credit_note.pk, invoice.pk])
    note, target = locked[credit_note.pk], locked[invoice.pk]
    if note.kind not in CREDIT_SETTLES:
        raise AllocationWrongKind(
            f"{note.number or note.pk} is not a credit note", field="credit_note"
        )
    if note.state != InvoiceState.POSTED:
        raise AllocationNotOpen(
            f"{note.number or note.pk} is {note.state}; only posted credit notes are allocated",
            field="credit_note",
        )
    _check_target(
        target,
        party_id=note.party_id,
        currency=note.currency_id,
        kind=CREDIT_SETTLES[note.kind],
        where="invoice",
    )
    if date is not None:
        _date(date)
    return _allocate_locked(
        company=company,
        target=target,
        value=value,
        source=_Source(credit_note=note),
        side=side_of_kind(target.kind),
        on=date or max(note.date, target.date),
        user=user,
    )
