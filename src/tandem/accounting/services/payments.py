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

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency
from tandem.core.money import minor_unit, quantize_money
from tandem.core.services import exchange_rate_for, sequence_next
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
from ._common import UNSET, account_for_role, amount, check_company, choice, lock, lock_one, text
from .entries import entry_create_posted, entry_reverse

RECEIVABLE = AccountRole.RECEIVABLE
PAYABLE = AccountRole.PAYABLE
MAX_ALLOCATIONS = 500

# (direction, side) -> the one kind of document such a payment settles
SETTLES = {
    (PaymentDirection.IN, RECEIVABLE): InvoiceKind.CUSTOMER_INVOICE,
    (PaymentDirection.OUT, PAYABLE): InvoiceKind.VENDOR_BILL,
    (PaymentDirection.OUT, RECEIVABLE): InvoiceKind.CUSTOMER_CREDIT_NOTE,
    (PaymentDirection.IN, PAYABLE): InvoiceKind.VENDOR_CREDIT_NOTE,
}
# document kind -> the direction of the payment that settles it
SETTLES_DIRECTION = {kind: direction for (direction, _side), kind in SETTLES.items()}
# credit note kind -> the invoice kind it may be allocated to
CREDIT_SETTLES = {
    InvoiceKind.CUSTOMER_CREDIT_NOTE: InvoiceKind.CUSTOMER_INVOICE,
    InvoiceKind.VENDOR_CREDIT_NOTE: InvoiceKind.VENDOR_BILL,
}
CUSTOMER_KINDS = (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.CUSTOMER_CREDIT_NOTE)


# -- small helpers -------------------------------------------------------------------------


def side_of_kind(kind: str) -> str:
    return RECEIVABLE if kind in CUSTOMER_KINDS else PAYABLE


def _default_side(direction: str) -> str:
    return RECEIVABLE if direction == PaymentDirection.IN else PAYABLE


def _side_for(direction: str, kinds: Iterable[str]) -> str:
    """A refund is recognised by what it settles; anything else keeps the direction's side."""
    kinds = set(kinds)
    refund = SETTLES[(direction, RECEIVABLE if direction == PaymentDirection.OUT else PAYABLE)]
    return side_of_kind(refund) if refund in kinds else _default_side(direction)


def payment_side(payment: Payment) -> str:
    """Receivable or payable: read from the posted entry, else from what the draft settles."""
    if payment.entry_id:
        on_receivable = EntryLine.objects.filter(
            entry_id=payment.entry_id, account__role=RECEIVABLE
        ).exists()
        return RECEIVABLE if on_receivable else PAYABLE
    kinds = Allocation.objects.filter(payment=payment).values_list("invoice__kind", flat=True)
    return _side_for(payment.direction, kinds)


def open_company(unallocated: Decimal, rate: Decimal, currency: str, own: str) -> Decimal:
    """What the open part of a payment is worth in the company currency (see the module doc)."""
    if currency == own:
        return unallocated
    return quantize_money(unallocated * rate, own)


def _payment_state(residual: Decimal, total: Decimal) -> str:
    if residual == 0:
        return PaymentStateOfInvoice.PAID
    if residual == total:
        return PaymentStateOfInvoice.NOT_PAID
    return PaymentStateOfInvoice.PARTIAL


def _date(value, *, field: str = "date") -> date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    return value


def _party(company: Company, party) -> Party:
    if not isinstance(party, Party):
        raise ValidationFailed("party is required", code="validation.required", field="party")
    check_company(company, party, field="party")
    return party


def _journal(company: Company, journal) -> Journal:
    if journal is None:
        journal = (
            Journal.objects.filter(
                company=company,
                kind__in=(JournalKind.BANK, JournalKind.CASH),
                active=True,
                default_account__isnull=False,
            )
            .order_by("kind", "code")  # bank before cash
            .first()
        )
        if journal is None:
            raise ValidationFailed(
                "The company has no active bank or cash journal",
                code="journal.missing",
                field="journal",
            )
        return journal
    if not isinstance(journal, Journal):
        raise ValidationFailed("journal: not a journal", field="journal")
    check_company(company, journal, field="journal")
    if journal.kind not in (JournalKind.BANK, JournalKind.CASH) or not journal.active:
        raise ValidationFailed(
            "journal: an active bank or cash journal is needed",
            code="journal.kind",
            field="journal",
        )
    if journal.default_account_id is None:
        raise ValidationFailed(
            f"Journal {journal.code} has no default account to post the money to",
            code="journal.no_default_account",
            field="journal",
        )
    return journal


def _currency(value) -> Currency:
    code = str(getattr(value, "code", value)).strip().upper()
    currency = Currency.objects.filter(code=code).first()
    if currency is None:
        raise ValidationFailed(
            f"Unknown currency {code}", code="currency.unknown", field="currency"
        )
    if minor_unit(code) > 2:
        raise ValidationFailed(
            f"{code} has {minor_unit(code)} decimal places; the ledger keeps two",
            code="currency.unsupported",
            field="currency",
        )
    return currency


def _rate(company: Company, currency: str, on: date) -> Decimal:
    if currency == company.currency_id:
        return Decimal(1)
    try:
        return exchange_rate_for(company=company, currency=currency, on_date=on)
    except ValidationFailed:
        raise RateMissing(
            f"No exchange rate for {currency} on or before {on}", field="currency"
        ) from None


def _general_journal(company: Company, fallback: Journal) -> Journal:
    return (
        Journal.objects.filter(company=company, kind=JournalKind.GENERAL, active=True)
        .order_by("code")
        .first()
        or fallback
    )


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


def _amount_positive(value, currency: str) -> Decimal:
    result = amount(value, field="amount", currency=currency)
    if result <= 0:
        raise ValidationFailed(
            "amount must be positive", code="validation.min_value", field="amount"
        )
    return result


def _require_draft(payment: Payment) -> None:
    if payment.state != PaymentState.DRAFT:
        raise PaymentNotDraft(
            f"{payment.number or payment.pk} is {payment.state}; only drafts change"
        )


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


def _transition(payment: Payment, to: str) -> None:
    if to not in PAYMENT_TRANSITIONS[PaymentState(payment.state)]:
        raise PaymentInvalidTransition(
            f"{payment.number or payment.pk}: not allowed from {payment.state} to {to}"
        )


def _lock_with_invoices(payment_pk: int, invoice_pks: Iterable[int]):
    """Invoices first, then the payment, each in primary-key order: one order everywhere."""
    invoices = lock(Invoice, invoice_pks)
    payment = lock_one(Payment, payment_pk, label="payment")
    return payment, invoices


def _payment_entry_lines(payment: Payment, side: str, amount_company: Decimal) -> list[dict]:
    company = payment.company
    own = company.currency_id
    foreign = payment.currency_id != own
    money_in = payment.direction == PaymentDirection.IN
    control = account_for_role(company, side, field="party")
    bank = payment.journal.default_account

    def line(account, *, debit: bool, party=None) -> dict:
        row = {
            "account": account,
            "description": payment.reference or payment.number,
            "debit": amount_company if debit else ZERO,
            "credit": ZERO if debit else amount_company,
        }
        if party is not None:
            row["party"] = party
        if foreign:
            row["currency"] = payment.currency_id
            row["amount_currency"] = payment.amount if debit else -payment.amount
        return row

    return [
        line(bank, debit=money_in),
        line(control, debit=not money_in, party=payment.party),
    ]


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


__all__ = [
    "CREDIT_SETTLES",
    "SETTLES",
    "SETTLES_DIRECTION",
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
