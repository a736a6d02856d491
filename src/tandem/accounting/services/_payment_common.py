"""Shared pieces of the payment services: sides and settled kinds, input cleaning (dates, parties,
journals, currencies, rates), state checks, locks and the payment's entry lines.

See .payments for how the figures stay consistent with the ledger.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency
from tandem.core.money import minor_unit, quantize_money
from tandem.core.services import exchange_rate_for
from tandem.parties.models import Party

from ..errors import (
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
    Journal,
    JournalKind,
    Payment,
    PaymentDirection,
    PaymentState,
    PaymentStateOfInvoice,
)
from ._common import account_for_role, amount, check_company, lock, lock_one

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
