"""A party's money position: balances, overdue, open documents, how fast it pays."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import (
    Avg,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)

from ..expressions import MoneySum
from ..models import (
    AccountRole,
    Allocation,
    EntryLine,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Payment,
    PaymentState,
)
from ..services._common import company_today

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
OPEN_LIMIT = 50
DEBT_KINDS = (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.VENDOR_BILL)


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def open_invoices(company, party):
    """Posted documents of the party with something left to settle, oldest due first."""
    return (
        Invoice.objects.filter(company=company, party=party, state=InvoiceState.POSTED)
        .exclude(residual_amount=0)
        .order_by(F("due_date").asc(nulls_last=True), "date", "id")
    )


def open_payments(company, party):
    return Payment.objects.filter(
        company=company, party=party, state=PaymentState.POSTED, unallocated_amount__gt=0
    ).order_by("date", "id")


def average_days_to_pay(company, party) -> Decimal | None:
    """Mean days from invoice date to the allocation that settled it, over paid invoices."""
    settled_on = Subquery(
        Allocation.objects.filter(invoice_id=OuterRef("pk"))
        .values("invoice_id")
        .annotate(last=Max("date"))
        .values("last")[:1],
        output_field=DateField(),
    )
    paid = Invoice.objects.filter(
        company=company,
        party=party,
        state=InvoiceState.POSTED,
        kind__in=DEBT_KINDS,
        payment_state="paid",
    ).annotate(settled_on=settled_on)
    result = paid.aggregate(
        days=Avg(ExpressionWrapper(F("settled_on") - F("date"), output_field=DurationField()))
    )["days"]
    if result is None:
        return None
    if hasattr(result, "total_seconds"):
        days = Decimal(str(result.total_seconds())) / Decimal(86400)
    else:  # some backends answer microseconds
        days = Decimal(str(result)) / Decimal(86_400_000_000)
    return days.quantize(Decimal("0.1"))


def party_balance(company, party, *, today: date | None = None) -> dict:
    """Receivable and payable balances (ledger, company currency), overdue amounts as of
    `today`, open documents and the average days to pay: one aggregate per table."""
    today = today or company_today(company)
    ledger = EntryLine.objects.filter(company=company, party=party, posted=True).aggregate(
        receivable_debit=MoneySum("debit", filter=Q(account__role=AccountRole.RECEIVABLE)),
        receivable_credit=MoneySum("credit", filter=Q(account__role=AccountRole.RECEIVABLE)),
        payable_debit=MoneySum("debit", filter=Q(account__role=AccountRole.PAYABLE)),
        payable_credit=MoneySum("credit", filter=Q(account__role=AccountRole.PAYABLE)),
    )
    overdue = Q(due_date__lt=today)
    documents = open_invoices(company, party).aggregate(
        overdue_receivable=MoneySum(
            "residual_company", filter=overdue & Q(kind=InvoiceKind.CUSTOMER_INVOICE)
        ),
        overdue_payable=MoneySum(
            "residual_company", filter=overdue & Q(kind=InvoiceKind.VENDOR_BILL)
        ),
    )
    invoices = list(open_invoices(company, party)[:OPEN_LIMIT])
    payments = list(open_payments(company, party)[:OPEN_LIMIT])
    for invoice in invoices:
        invoice.days_overdue = (
            (today - invoice.due_date).days if invoice.due_date and invoice.due_date < today else 0
        )
    receivable = _money(ledger["receivable_debit"]) - _money(ledger["receivable_credit"])
    payable = _money(ledger["payable_credit"]) - _money(ledger["payable_debit"])
    return {
        "currency": company.currency_id,
        "receivable": receivable,
        "payable": payable,
        "overdue": _money(documents["overdue_receivable"]),
        "overdue_payable": _money(documents["overdue_payable"]),
        "open_invoices": invoices,
        "open_payments": payments,
        "average_days_to_pay": average_days_to_pay(company, party),
        "as_of": today,
    }


__all__ = ["average_days_to_pay", "open_invoices", "open_payments", "party_balance"]
