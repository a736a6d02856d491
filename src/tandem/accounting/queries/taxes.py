"""Read side of taxes and invoices: invoice lists and the tax report.

The tax report reads each posted invoice's tax summary (InvoiceTax) in the company currency
and signs it: credit notes count negative. A cancelled invoice counts on its own date and
counts back on the date of its reversal, so cancelled inside the range it nets to zero,
exactly as the ledger does; the report checks itself against the tax accounts' movement.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import Round

from ..expressions import MoneySum
from ..models import (
    EntryLine,
    Invoice,
    InvoiceKind,
    InvoiceState,
    InvoiceTax,
    Tax,
    TaxScope,
    account_display_name,
)

ZERO = Decimal("0.00")
CREDIT_NOTES = (InvoiceKind.CUSTOMER_CREDIT_NOTE, InvoiceKind.VENDOR_CREDIT_NOTE)
WIDE = DecimalField(max_digits=30, decimal_places=10)


def invoices_filtered(
    company,
    *,
    kind: str = "",
    state: str = "",
    payment_state: str = "",
    party: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
) -> QuerySet:
    """The company's invoices, newest first, with the party (one query per page)."""
    qs = Invoice.objects.filter(company=company).select_related("party")
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if payment_state:
        qs = qs.filter(payment_state=payment_state)
    if party is not None:
        qs = qs.filter(party_id=party)
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(reference__icontains=search)
            | Q(origin__icontains=search)
            | Q(party__name__icontains=search)
        )
    return qs.order_by("-date", "-id")


def _company_amount(field: str, company):
    """`field` of an InvoiceTax in the company currency, rounded as the posting rounded it."""
    converted = Round(
        ExpressionWrapper(F(field) * F("invoice__rate"), output_field=WIDE), precision=2
    )
    return Case(
        When(invoice__currency_id=company.currency_id, then=F(field)),
        default=converted,
        output_field=WIDE,
    )


def _signed_totals(queryset, company, *, reverse: bool) -> dict[int, tuple[Decimal, Decimal]]:
    sign = Case(
        When(invoice__kind__in=CREDIT_NOTES, then=Value(Decimal(-1 if not reverse else 1))),
        default=Value(Decimal(1 if not reverse else -1)),
        output_field=WIDE,
    )
    rows = (
        queryset.order_by()
        .values("tax_id")
        .annotate(
            base=MoneySum(sign * _company_amount("base", company)),
            amount=MoneySum(sign * _company_amount("amount", company)),
        )
    )
    return {row["tax_id"]: (row["base"] or ZERO, row["amount"] or ZERO) for row in rows}


def tax_report(company, *, date_from: date, date_to: date) -> dict:
    """Rows per tax (scope, name, rate, base, tax amount) over the range, and totals.

    totals: output_tax, input_tax, net_payable (output - input), ledger_net (the tax
    accounts' credit - debit movement over the range, from posted lines) and difference
    (net_payable - ledger_net, zero when every tax posting came from an invoice).
    """
    taxes = InvoiceTax.objects.filter(company=company)
    posted = _signed_totals(
        taxes.filter(
            invoice__state__in=(InvoiceState.POSTED, InvoiceState.CANCELLED),
            invoice__date__gte=date_from,
            invoice__date__lte=date_to,
        ),
        company,
        reverse=False,
    )
    reversed_ = _signed_totals(
        taxes.filter(
            invoice__state=InvoiceState.CANCELLED,
            invoice__cancel_entry__date__gte=date_from,
            invoice__cancel_entry__date__lte=date_to,
        ),
        company,
        reverse=True,
    )
    tax_ids = set(posted) | set(reversed_)
    rows = []
    output_tax = input_tax = ZERO
    for tax in Tax.objects.filter(pk__in=tax_ids).select_related("group", "account"):
        base = posted.get(tax.pk, (ZERO, ZERO))[0] + reversed_.get(tax.pk, (ZERO, ZERO))[0]
        amount = posted.get(tax.pk, (ZERO, ZERO))[1] + reversed_.get(tax.pk, (ZERO, ZERO))[1]
        base, amount = base.quantize(ZERO), amount.quantize(ZERO)
        if tax.scope == TaxScope.SALE:
            output_tax += amount
        else:
            input_tax += amount
        rows.append(
            {
                "tax": tax.pk,
                "scope": tax.scope,
                "name": tax.name,
                "label": tax.label,
                "group": tax.group.name if tax.group_id else "",
                "amount_type": tax.amount_type,
                "rate": tax.rate,
                "account": tax.account.code,
                "base": base,
                "amount": amount,
                "_order": (tax.scope != TaxScope.SALE, tax.sequence, tax.name),
            }
        )
    rows.sort(key=lambda row: row.pop("_order"))
    ledger = _ledger_movement(company, date_from=date_from, date_to=date_to)
    ledger_net = sum((row["balance"] for row in ledger), ZERO)
    net_payable = output_tax - input_tax
    return {
        "date_from": date_from,
        "date_to": date_to,
        "rows": rows,
        "ledger": ledger,
        "totals": {
            "output_tax": output_tax,
            "input_tax": input_tax,
            "net_payable": net_payable,
            "ledger_net": ledger_net,
            "difference": net_payable - ledger_net,
        },
    }


def _ledger_movement(company, *, date_from: date, date_to: date) -> list[dict]:
    """Per tax account: posted debit, credit and credit - debit over the range."""
    account_ids = Tax.objects.filter(company=company).values("account_id")
    rows = (
        EntryLine.objects.filter(
            company=company,
            posted=True,
            account_id__in=account_ids,
            date__gte=date_from,
            date__lte=date_to,
        )
        .order_by()
        .values("account__code", "account__name", "account__name_en")
        .annotate(debit=MoneySum("debit"), credit=MoneySum("credit"))
        .order_by("account__code")
    )
    return [
        {
            "account": row["account__code"],
            "name": account_display_name(row["account__name"], row["account__name_en"]),
            "debit": (row["debit"] or ZERO).quantize(ZERO),
            "credit": (row["credit"] or ZERO).quantize(ZERO),
            "balance": ((row["credit"] or ZERO) - (row["debit"] or ZERO)).quantize(ZERO),
        }
        for row in rows
    ]


__all__ = ["invoices_filtered", "tax_report"]
