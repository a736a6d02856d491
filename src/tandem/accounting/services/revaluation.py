"""Period-end revaluation of open foreign-currency items (unrealized exchange differences).

At a period end, every posted invoice, bill or credit note in a foreign currency still open
at that date, and every payment in a foreign currency not yet allocated at that date, is
worth `round(open amount × the day's rate)` in the company currency instead of its carrying
value (`residual_company` for documents, `round(unallocated × payment rate)` for payments,
see services.payments). One entry, dated the period end, moves each party's receivable or
payable by the difference against the exchange gain/loss accounts; its reversal is dated
the first day of the next period. The documents themselves are not touched, so a payment in
the next period realizes the whole difference against the original rate, as before.

"Open at the date" reads like the aged report: allocations dated on or before the date,
voided allocations of payments cancelled after it, documents not cancelled by then.

A second run for the same company and date is refused (`fx_revaluation.exists`, 409)
rather than made idempotent: rates may have been corrected in between, and silently
returning the first run would hide that the figures differ. The date must be the last day
of a fiscal period (`fx_revaluation.not_period_end`), so a period holds at most one run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.core.money import quantize_money
from tandem.core.services import exchange_rate_for
from tandem.parties.models import Party

from ..errors import NotPeriodEnd, PeriodMissing, RateMissing, RevaluationExists
from ..models import (
    ZERO,
    AccountRole,
    Allocation,
    EntryLine,
    FxRevaluation,
    FxRevaluationLine,
    Invoice,
    InvoiceKind,
    Journal,
    JournalKind,
    Payment,
    PaymentDirection,
    VoidedAllocation,
)
from ._common import account_for_role, text
from .entries import entry_create, entry_post, entry_reverse, period_for

RECEIVABLE = AccountRole.RECEIVABLE
PAYABLE = AccountRole.PAYABLE
_SUM = DecimalField(max_digits=30, decimal_places=2)
_ZERO = Value(ZERO, output_field=_SUM)
# +1 when the document is a debit on its control account, -1 when a credit
DOCUMENT_SIGN = {
    InvoiceKind.CUSTOMER_INVOICE: (RECEIVABLE, 1),
    InvoiceKind.CUSTOMER_CREDIT_NOTE: (RECEIVABLE, -1),
    InvoiceKind.VENDOR_BILL: (PAYABLE, -1),
    InvoiceKind.VENDOR_CREDIT_NOTE: (PAYABLE, 1),
}


@dataclass
class Item:
    """One open foreign-currency item as it would be revalued."""

    invoice: Invoice | None
    payment: Payment | None
    party_id: int
    party_name: str
    number: str
    side: str
    currency: str
    residual: Decimal
    carrying: Decimal
    rate: Decimal
    revalued: Decimal
    difference: Decimal  # change of the control account's debit balance


def _date(value) -> date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed("date is required", code="validation.required", field="date")
    return value


def _sum(qs, field: str):
    return Coalesce(
        Subquery(qs.values(field).annotate(total=Sum("amount")).values("total")[:1]),
        _ZERO,
        output_field=_SUM,
    )


def _sum_company(qs, field: str):
    return Coalesce(
        Subquery(qs.values(field).annotate(total=Sum("amount_company")).values("total")[:1]),
        _ZERO,
        output_field=_SUM,
    )


def _open_invoices(company: Company, on: date):
    """Foreign documents open at `on`, with what allocations dated up to `on` took off."""
    live = Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=on)
    as_target = Allocation.objects.filter(invoice_id=OuterRef("pk"), date__lte=on)
    as_credit = Allocation.objects.filter(credit_note_id=OuterRef("pk"), date__lte=on)
    voided = VoidedAllocation.objects.filter(
        invoice_id=OuterRef("pk"), date__lte=on, cancelled_on__gt=on
    )
    return (
        Invoice.objects.filter(
            live,
            company=company,
            entry__isnull=False,
            date__lte=on,
        )
        .exclude(currency_id=company.currency_id)
        .select_related("party")
        .annotate(
            taken=_sum(as_target, "invoice_id")
            + _sum(as_credit, "credit_note_id")
            + _sum(voided, "invoice_id"),
            taken_company=_sum_company(as_target, "invoice_id")
            + _sum_company(as_credit, "credit_note_id")
            + _sum_company(voided, "invoice_id"),
        )
        .order_by("party__name", "date", "pk")
    )


def _open_payments(company: Company, on: date):
    live = Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=on)
    used = Allocation.objects.filter(payment_id=OuterRef("pk"), date__lte=on)
    voided = VoidedAllocation.objects.filter(
        payment_id=OuterRef("pk"), date__lte=on, cancelled_on__gt=on
    )
    return (
        Payment.objects.filter(live, company=company, entry__isnull=False, date__lte=on)
        .exclude(currency_id=company.currency_id)
        .select_related("party")
        .annotate(
            used=_sum(used, "payment_id") + _sum(voided, "payment_id"),
            on_receivable=Exists(
                EntryLine.objects.filter(entry_id=OuterRef("entry_id"), account__role=RECEIVABLE)
            ),
        )
        .order_by("party__name", "date", "pk")
    )


def _rates(company: Company, currencies: set[str], on: date) -> dict[str, Decimal]:
    rates = {}
    for code in sorted(currencies):
        try:
            rates[code] = exchange_rate_for(company=company, currency=code, on_date=on)
        except ValidationFailed:
            raise RateMissing(
                f"No exchange rate for {code} on or before {on}", field="date"
            ) from None
    return rates


def fx_revaluation_items(*, company: Company, date: date) -> list[Item]:
    """The open items at `date` and their revaluation (reads only; the preview shows this)."""
    on = _date(date)
    own = company.currency_id
    invoices = list(_open_invoices(company, on))
    payments = list(_open_payments(company, on))
    open_invoices = [
        (doc, doc.total_amount - doc.taken, doc.total_company - doc.taken_company)
        for doc in invoices
    ]
    open_invoices = [row for row in open_invoices if row[1] > 0]
    open_payments = []
    for pay in payments:
        residual = pay.amount - pay.used
        if residual > 0:
            open_payments.append((pay, residual, quantize_money(residual * pay.rate, own)))
    # (invoice, payment, residual, carrying, control side, sign of the control balance)
    rows = [
        (doc, None, residual, carrying, *DOCUMENT_SIGN[InvoiceKind(doc.kind)])
        for doc, residual, carrying in open_invoices
    ]
    for pay, residual, carrying in open_payments:
        side = RECEIVABLE if pay.on_receivable else PAYABLE
        # money received is a credit on the control account, money sent a debit
        sign = -1 if pay.direction == PaymentDirection.IN else 1
        rows.append((None, pay, residual, carrying, side, sign))
    rates = _rates(company, {(doc or pay).currency_id for doc, pay, *_rest in rows}, on)
    items = []
    for doc, pay, residual, carrying, side, sign in rows:
        source = doc or pay
        rate = rates[source.currency_id]
        revalued = quantize_money(residual * rate, own)
        items.append(
            Item(
                invoice=doc,
                payment=pay,
                party_id=source.party_id,
                party_name=source.party.name,
                number=source.number,
                side=side,
                currency=source.currency_id,
                residual=residual,
                carrying=carrying,
                rate=rate,
                revalued=revalued,
                difference=sign * (revalued - carrying),
            )
        )
    return items


def totals(items: list[Item]) -> dict[str, Decimal]:
    """Net difference per (party, side), then gain (the rises) and loss (the falls)."""
    nets: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        nets[(item.party_id, item.side)] += item.difference
    gain = sum((v for v in nets.values() if v > 0), ZERO)
    loss = -sum((v for v in nets.values() if v < 0), ZERO)
    return {"gain": gain, "loss": loss, "net": gain - loss}


def check_date(company: Company, on: date):
    """The period `on` closes; refused when it is not a period's last day."""
    on = _date(on)
    period = period_for(company, on)
    if period is None:
        raise PeriodMissing(f"No fiscal period covers {on}", field="date")
    if period.date_end != on:
        raise NotPeriodEnd(
            f"{on} is not the last day of its period (it ends on {period.date_end})",
            field="date",
            extra={"period_end": period.date_end.isoformat()},
        )
    return period


def _journal(company: Company) -> Journal:
    journal = (
        Journal.objects.filter(company=company, kind=JournalKind.GENERAL, active=True)
        .order_by("code")
        .first()
    )
    if journal is None:
        raise ValidationFailed(
            "The company has no active general journal", code="journal.missing", field="date"
        )
    return journal


def _entry_lines(company: Company, items: list[Item], label: str) -> list[dict]:
    nets: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        nets[(item.party_id, item.side)] += item.difference
    controls = {
        side: account_for_role(company, side, field="date") for side in {k[1] for k in nets}
    }
    lines = []
    for (party_id, side), net in sorted(nets.items()):
        if not net:
            continue
        lines.append(
            {
                "account": controls[side],
                "party": party_id,
                "description": label,
                "debit": net if net > 0 else ZERO,
                "credit": -net if net < 0 else ZERO,
            }
        )
    figures = totals(items)
    if figures["gain"]:
        account = account_for_role(company, AccountRole.FX_GAIN, field="date")
        lines.append({"account": account, "description": label, "credit": figures["gain"]})
    if figures["loss"]:
        account = account_for_role(company, AccountRole.FX_LOSS, field="date")
        lines.append({"account": account, "description": label, "debit": figures["loss"]})
    return lines


@transaction.atomic
def fx_revaluation_run(*, company: Company, date: date, user=None) -> FxRevaluation:
    """Revalue the open foreign-currency items at the period end `date` (see module doc)."""
    period = check_date(company, date)
    on = period.date_end
    try:
        with transaction.atomic():
            run = FxRevaluation.objects.create(
                company=company, date=on, created_by=user if getattr(user, "pk", None) else None
            )
    except IntegrityError:
        raise RevaluationExists(
            f"The open items were already revalued at {on}", field="date"
        ) from None
    items = fx_revaluation_items(company=company, date=on)
    label = text(f"FX revaluation {on:%Y-%m-%d}", field="reference", max_length=100)
    lines = _entry_lines(company, items, label)
    if lines:
        parties = Party.objects.in_bulk([line["party"] for line in lines if "party" in line])
        for line in lines:
            if "party" in line:
                line["party"] = parties[line["party"]]
        draft = entry_create(
            company=company,
            journal=_journal(company),
            date=on,
            lines=lines,
            reference=label,
            narration="Unrealized exchange difference",
            user=user,
        )
        run.entry = entry_post(entry=draft, user=user)
        run.reversal_entry = entry_reverse(entry=run.entry, date=on + timedelta(days=1), user=user)
    figures = totals(items)
    run.gain, run.loss = figures["gain"], figures["loss"]
    run.save(update_fields=["entry", "reversal_entry", "gain", "loss", "updated_at"])
    controls = {
        side: account_for_role(company, side, field="date") for side in {i.side for i in items}
    }
    FxRevaluationLine.objects.bulk_create(
        FxRevaluationLine(
            company=company,
            revaluation=run,
            invoice=item.invoice,
            payment=item.payment,
            party_id=item.party_id,
            account=controls[item.side],
            currency_id=item.currency,
            residual=item.residual,
            carrying=item.carrying,
            rate=item.rate,
            revalued=item.revalued,
            difference=item.difference,
        )
        for item in items
    )
    return run


__all__ = [
    "Item",
    "account_for_role",
    "NotPeriodEnd",
    "RevaluationExists",
    "check_date",
    "fx_revaluation_items",
    "fx_revaluation_run",
    "totals",
]
