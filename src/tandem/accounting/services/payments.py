"""Payments and allocations: money in and out through bank/cash journals, matched to invoices.

How the figures stay consistent with the ledger (checked by `checks.py`):

- A posted payment's entry moves `amount_company = round(amount × rate)` between the bank
  and the party's receivable (or payable). Its still-open part is worth, in the company
  currency, `round(unallocated_amount × rate)` at every moment: each allocation consumes
  the difference of that figure before and after it, so the last one consumes exactly what
  is left and no cent drifts.
- An allocation clears `amount_company` from the invoice: `residual_company` when it settles
  the invoice in full, else the drop of `round(residual_amount × invoice.rate)`.
- When the two company-currency figures differ (the rates differ), the difference is the
  realized exchange gain or loss: posted at once as the allocation's `fx_entry` against the
  party's receivable/payable, so the party's control balance equals its open documents.

Allocations of a *draft* payment are planned rows (`amount_company` 0, no effect on any
residual); `payment_post` checks and applies them under the locks. Cancelling a posted
payment posts the reversal of its entry and of each exchange-difference entry, gives the
invoices their residuals back and moves its allocation rows to `VoidedAllocation` (dated by
the cancellation, for "as of" reports), all in one transaction: the ledger keeps the whole
story (entry, fx entries and their reversals), the allocation table only what is in force.
Allocation is a matching, not a posting, so that is not an edit of the ledger.

The side of a payment is the receivable for money in (and for a refund paid out to a
customer against a credit note), the payable for money out (and for a refund received from
a supplier against a vendor credit note); once posted, it is read from the entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.core import events
from tandem.core.models import Company
from tandem.core.services import sequence_next
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
    PaymentNotDraft,
    RateMissing,
)
from ..models import (
    PAYMENT_TRANSITIONS,
    ZERO,
    AccountRole,
    Allocation,
    EntryLine,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Journal,
    JournalKind,
    Payment,
    PaymentDirection,
    PaymentState,
    PaymentStateOfInvoice,
    VoidedAllocation,
)
from ._common import UNSET, choice, lock, lock_one, text
from ._payment_common import (
    CREDIT_SETTLES,
    CUSTOMER_KINDS,
    MAX_ALLOCATIONS,
    PAYABLE,
    RECEIVABLE,
    SETTLES,
    SETTLES_DIRECTION,
    _amount_positive,
    _currency,
    _date,
    _default_side,
    _general_journal,
    _journal,
    _lock_with_invoices,
    _party,
    _payment_entry_lines,
    _payment_state,
    _rate,
    _require_draft,
    _side_for,
    _transition,
    open_company,
    payment_side,
    side_of_kind,
)
from .allocations import (
    _allocate_locked,
    _allocation_input,
    _check_target,
    _clears,
    _fx_entry,
    _plan,
    _reduce,
    _Source,
    credit_note_allocate,
    payment_allocate,
)
from .entries import entry_create_posted, entry_reverse


@transaction.atomic
def payment_create(
    *,
    company: Company,
    direction: str,
    party: Party,
    amount: Decimal,
    date: date,
    journal: Journal | None = None,
    currency=None,
    reference: str = "",
    memo: str = "",
    allocations: Iterable = (),
    user=None,
) -> Payment:
    """A draft payment; `allocations` [(invoice, amount)] are applied when it is posted."""
    choice(direction, PaymentDirection, field="direction")
    party = _party(company, party)
    on = _date(date)
    journal = _journal(company, journal)
    allocations = list(allocations or ())
    if currency in (None, ""):
        first = allocations[0] if allocations else None
        invoice = first.get("invoice") if isinstance(first, dict) else (first or (None,))[0]
        currency = getattr(invoice, "currency_id", None) or party.currency_id
    currency = _currency(currency)
    value = _amount_positive(amount, currency.code)
    rows = _allocation_input(company, allocations, currency.code)
    payment = Payment.objects.create(
        company=company,
        direction=direction,
        party=party,
        journal=journal,
        date=on,
        currency=currency,
        amount=value,
        unallocated_amount=value,
        reference=text(reference, field="reference", max_length=100),
        memo=text(memo, field="memo", max_length=10_000),
        created_by=user if getattr(user, "pk", None) else None,
    )
    _plan(payment, rows)
    return payment


@transaction.atomic
def payment_update(
    *,
    payment: Payment,
    direction=UNSET,
    party=UNSET,
    amount=UNSET,
    date=UNSET,
    journal=UNSET,
    currency=UNSET,
    reference=UNSET,
    memo=UNSET,
    allocations=UNSET,
) -> Payment:
    """Change a draft; `allocations`, when given, replace the planned ones."""
    locked = lock_one(Payment, payment.pk, label="payment")
    _require_draft(locked)
    company = locked.company
    if direction is not UNSET:
        locked.direction = choice(direction, PaymentDirection, field="direction")
    if party is not UNSET:
        locked.party = _party(company, party)
    if date is not UNSET:
        locked.date = _date(date)
    if journal is not UNSET:
        locked.journal = _journal(company, journal)
    if currency is not UNSET:
        locked.currency = _currency(currency)
    if amount is not UNSET:
        locked.amount = _amount_positive(amount, locked.currency_id)
    else:
        locked.amount = _amount_positive(locked.amount, locked.currency_id)
    locked.unallocated_amount = locked.amount
    if reference is not UNSET:
        locked.reference = text(reference, field="reference", max_length=100)
    if memo is not UNSET:
        locked.memo = text(memo, field="memo", max_length=10_000)
    locked.save()
    if allocations is not UNSET:
        rows = _allocation_input(company, allocations, locked.currency_id)
    else:
        rows = [
            (a.invoice, a.amount)
            for a in Allocation.objects.filter(payment=locked).select_related("invoice")
        ]
    _plan(locked, rows)
    return locked


@transaction.atomic
def payment_delete(*, payment: Payment) -> None:
    locked = lock_one(Payment, payment.pk, label="payment")
    _require_draft(locked)
    Allocation.objects.filter(payment=locked).delete()
    locked.delete()


# -- posting -------------------------------------------------------------------------------


@transaction.atomic
def payment_post(*, payment: Payment, user=None) -> Payment:
    """Number the draft, post its entry, then apply its planned allocations."""
    planned_invoices = Allocation.objects.filter(payment_id=payment.pk).values_list(
        "invoice_id", flat=True
    )
    locked, invoices = _lock_with_invoices(payment.pk, list(planned_invoices))
    _transition(locked, PaymentState.POSTED)
    company = locked.company
    planned = list(Allocation.objects.filter(payment=locked).order_by("id"))
    missing = {row.invoice_id for row in planned} - set(invoices)
    if missing:  # planned rows changed before our lock; take the newcomers too
        invoices.update(lock(Invoice, missing))
    side = _side_for(locked.direction, (invoices[row.invoice_id].kind for row in planned))
    rate = _rate(company, locked.currency_id, locked.date)
    amount_company = open_company(locked.amount, rate, locked.currency_id, company.currency_id)
    journal = locked.journal
    locked.number = sequence_next(
        company=company,
        code=f"payment:{journal.code}",
        on_date=locked.date,
        prefix=f"PAY/{journal.code}/{{year}}/",
    )
    entry = entry_create_posted(
        company=company,
        journal=journal,
        date=locked.date,
        lines=_payment_entry_lines(locked, side, amount_company),
        reference=locked.number,
        narration=f"{locked.get_direction_display()} {locked.number} {locked.party.name}",
        user=user,
    )
    locked.rate = rate
    locked.amount_company = amount_company
    locked.unallocated_amount = locked.amount
    kind = SETTLES[(locked.direction, side)]
    for index, row in enumerate(planned):
        target = invoices[row.invoice_id]
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
            value=row.amount,
            source=_Source(payment=locked),
            side=side,
            on=locked.date,
            row=row,
            user=user,
        )
    now = timezone.now()
    Payment.objects.filter(pk=locked.pk, state=PaymentState.DRAFT).update(
        state=PaymentState.POSTED,
        number=locked.number,
        rate=rate,
        amount_company=amount_company,
        unallocated_amount=locked.unallocated_amount,
        entry=entry,
        posted_at=now,
        updated_at=now,
    )
    locked.refresh_from_db()
    events.publish(
        "payment.posted",
        payment_id=locked.pk,
        company_id=company.pk,
        number=locked.number,
        party_id=locked.party_id,
        direction=locked.direction,
        amount=str(locked.amount),
        currency=locked.currency_id,
    )
    return locked


@transaction.atomic
def payment_cancel(*, payment: Payment, date: date | None = None, user=None) -> Payment:
    """Reverse a posted payment: its entry, its exchange differences and its allocations.

    The reversals are dated `date`, else like `entry_reverse` (the original's date, or the
    first day of the next open period).
    """
    invoice_ids = Allocation.objects.filter(payment_id=payment.pk).values_list(
        "invoice_id", flat=True
    )
    locked, invoices = _lock_with_invoices(payment.pk, list(invoice_ids))
    _transition(locked, PaymentState.CANCELLED)
    rows = list(Allocation.objects.filter(payment=locked).select_related("fx_entry"))
    missing = {row.invoice_id for row in rows} - set(invoices)
    if missing:
        invoices.update(lock(Invoice, missing))
    reversal = entry_reverse(entry=locked.entry, date=date, user=user)
    for row in rows:
        if row.fx_entry_id:
            entry_reverse(entry=row.fx_entry, date=date, user=user)
        target = invoices[row.invoice_id]
        _reduce(target, -row.amount, -row.amount_company)
    VoidedAllocation.objects.bulk_create(
        VoidedAllocation(
            company_id=row.company_id,
            invoice_id=row.invoice_id,
            payment_id=locked.pk,
            date=row.date,
            amount=row.amount,
            amount_company=row.amount_company,
            cancelled_on=reversal.date,
        )
        for row in rows
    )
    Allocation.objects.filter(pk__in=[row.pk for row in rows]).delete()
    now = timezone.now()
    Payment.objects.filter(pk=locked.pk, state=PaymentState.POSTED).update(
        state=PaymentState.CANCELLED,
        cancel_entry=reversal,
        cancelled_on=reversal.date,
        unallocated_amount=ZERO,
        updated_at=now,
    )
    locked.refresh_from_db()
    events.publish(
        "payment.cancelled",
        payment_id=locked.pk,
        company_id=locked.company_id,
        number=locked.number,
    )
    return locked


# The old module's names, kept importable from here (callers import them from
# `accounting.services.payments`): the services split into ._payment_common and
# .allocations without changing any caller.
__all__ = [
    "AccountRole",
    "Allocation",
    "AllocationCurrencyMismatch",
    "AllocationExceedsResidual",
    "AllocationExceedsUnallocated",
    "AllocationNotOpen",
    "AllocationPartyMismatch",
    "AllocationWrongKind",
    "EntryLine",
    "InvalidReference",
    "Invoice",
    "InvoiceKind",
    "InvoiceState",
    "Journal",
    "JournalKind",
    "PAYMENT_TRANSITIONS",
    "Payment",
    "PaymentDirection",
    "PaymentInvalidTransition",
    "PaymentNotDraft",
    "PaymentState",
    "PaymentStateOfInvoice",
    "RateMissing",
    "VoidedAllocation",
    "ZERO",
    "CREDIT_SETTLES",
    "CUSTOMER_KINDS",
    "MAX_ALLOCATIONS",
    "PAYABLE",
    "RECEIVABLE",
    "SETTLES",
    "SETTLES_DIRECTION",
    "_Source",
    "_allocate_locked",
    "_allocation_input",
    "_amount_positive",
    "_check_target",
    "_clears",
    "_currency",
    "_date",
    "_default_side",
    "_fx_entry",
    "_general_journal",
    "_journal",
    "_lock_with_invoices",
    "_party",
    "_payment_entry_lines",
    "_payment_state",
    "_plan",
    "_rate",
    "_reduce",
    "_require_draft",
    "_side_for",
    "_transition",
    "credit_note_allocate",
    "open_company",
    "payment_allocate",
    "payment_cancel",
    "payment_create",
    "payment_delete",
    "payment_post",
    "payment_side",
    "payment_update",
    "side_of_kind",
]
