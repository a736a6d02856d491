"""Invoices, credit notes, vendor bills and payment receipts as PDF, in the shared document
layout of core.documents, in the document's language (its own, else the party's, else the
company's)."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from tandem.core.documents import Column, Document, Formats, cjk_font, render
from tandem.core.documents import document_language as _language
from tandem.core.documents.blocks import party_blocks

from .models import Invoice


def document_language(invoice) -> str:
    """The invoice's language, else the party's preferred one, else the company's."""
    return _language(
        invoice.language, getattr(invoice.party, "language", ""), company=invoice.company
    )


def _titles():
    return {
        "customer_invoice": _("Invoice"),
        "customer_credit_note": _("Credit note"),
        "vendor_bill": _("Vendor bill"),
        "vendor_credit_note": _("Vendor credit note"),
    }


def tax_label(tax) -> str:
    return tax.label or tax.name


def line_columns(has_discount: bool) -> list[Column]:
    columns = [
        Column(_("Description"), "L", grow=True),
        Column(_("Quantity")),
        Column(_("Unit"), "L"),
        Column(_("Unit price")),
    ]
    if has_discount:
        columns.append(Column(_("Discount (%)")))
    return [*columns, Column(_("Taxes"), "L"), Column(_("Amount"))]


def line_rows(lines, formats: Formats, has_discount: bool) -> list[list[str]]:
    rows = []
    for line in lines:
        row = [
            line.description or str(line.product or ""),
            formats.number(line.quantity),
            line.uom.name if line.uom_id else "",
            formats.money(line.unit_price)
            if line.unit_price == line.unit_price.quantize(Decimal("0.01"))
            else formats.number(line.unit_price),
        ]
        if has_discount:
            row.append(formats.number(line.discount) if line.discount else "")
        row += [
            ", ".join(tax_label(t) for t in line.taxes.all()),
            formats.money(line.untaxed_amount),
        ]
        rows.append(row)
    return rows


def lines_tax_summary(lines) -> list[tuple[str, Decimal, Decimal]]:
    """Base and tax per tax, from the lines (documents without stored tax lines: orders)."""
    summary: OrderedDict[str, list[Decimal]] = OrderedDict()
    for line in lines:
        taxes = list(line.taxes.all())
        for tax in taxes:
            if len(taxes) == 1:
                amount = line.tax_amount
            else:  # split the line's tax by rate; fixed-amount taxes are rare on orders
                amount = (line.untaxed_amount * tax.rate / 100).quantize(Decimal("0.01"))
            entry = summary.setdefault(tax_label(tax), [Decimal(0), Decimal(0)])
            entry[0] += line.untaxed_amount
            entry[1] += amount
    return [(label, base, amount) for label, (base, amount) in summary.items()]


def invoice_document(invoice) -> Document:
    """The invoice as a Document of the shared layout (call within its language)."""
    language = translation.get_language()
    formats = Formats(language)
    company = invoice.company
    lines = list(
        invoice.lines.select_related("uom", "product")
        .prefetch_related("taxes")
        .order_by("sequence", "pk")
    )
    title = _titles()[invoice.kind]
    if invoice.state == "draft":
        title = f"{title} ({_('Draft')})"
    elif invoice.state == "cancelled":
        title = f"{title} ({_('Cancelled')})"
    facts = [
        (_("Invoice date"), formats.date(invoice.date)),
        (_("Due date"), formats.date(invoice.due_date)),
        (_("Reference"), invoice.reference),
        (_("Origin"), invoice.origin),
    ]
    if invoice.credited_invoice_id:
        facts.append((_("Credits invoice"), invoice.credited_invoice.number))
    has_discount = any(line.discount for line in lines)
    totals = [
        (_("Untaxed amount"), invoice.untaxed_amount),
        (_("Tax"), invoice.tax_amount),
        (_("Total"), invoice.total_amount),
    ]
    if invoice.state == "posted" and invoice.residual_amount != invoice.total_amount:
        totals.append((_("Amount due"), invoice.residual_amount))
    return Document(
        company=company,
        language=language,
        title=title,
        number=invoice.number,
        facts=facts,
        blocks=party_blocks(
            invoice.party,
            language=language,
            home_country=company.country,
            title=_("Bill to") if invoice.is_outbound else _("Supplier"),
            with_shipping=invoice.is_outbound,
        ),
        columns=line_columns(has_discount),
        rows=line_rows(lines, formats, has_discount),
        tax_summary=[
            (tax_label(t.tax), t.base, t.amount)
            for t in invoice.tax_lines.select_related("tax").order_by("pk")
        ],
        totals=totals,
        currency=invoice.currency_id,
        words_amount=invoice.total_amount,
        payment=[
            (_("Payment terms"), invoice.payment_term.name if invoice.payment_term_id else ""),
            (_("Due date"), formats.date(invoice.due_date)),
            (_("Payment reference"), invoice.number if invoice.is_outbound else ""),
        ],
        show_bank=invoice.kind == "customer_invoice",
        notes=invoice.narration,
    )


def invoice_pdf(invoice) -> tuple[bytes, str]:
    """(PDF bytes, file name) of an invoice, credit note or vendor bill."""
    invoice = (
        Invoice.objects.select_related("company", "party", "payment_term", "credited_invoice")
        .prefetch_related("party__addresses")
        .get(pk=invoice.pk)
    )
    with translation.override(document_language(invoice)):
        content = render(invoice_document(invoice))
    name = (invoice.number or f"draft-{invoice.pk}").replace("/", "-")
    return content, f"{name}.pdf"


def payment_pdf(payment) -> tuple[bytes, str]:
    """(PDF bytes, file name) of a payment receipt (money in) or remittance advice (out)."""
    from .models import Payment

    payment = (
        Payment.objects.select_related("company", "party", "journal")
        .prefetch_related("party__addresses")
        .get(pk=payment.pk)
    )
    language = _language(getattr(payment.party, "language", ""), company=payment.company)
    with translation.override(language):
        formats = Formats(language)
        inbound = payment.direction == "in"
        title = _("Payment receipt") if inbound else _("Remittance advice")
        if payment.state == "draft":
            title = f"{title} ({_('Draft')})"
        elif payment.state == "cancelled":
            title = f"{title} ({_('Cancelled')})"
        allocations = list(payment.allocations.select_related("invoice").order_by("date", "pk"))
        rows = [
            [
                a.invoice.number or f"#{a.invoice_id}",
                formats.date(a.invoice.date),
                formats.money(a.invoice.total_amount),
                formats.money(a.amount),
            ]
            for a in allocations
        ]
        totals = [(_("Allocated"), sum((a.amount for a in allocations), Decimal(0)))]
        if payment.unallocated_amount:
            totals.append((_("Unallocated"), payment.unallocated_amount))
        totals.append((_("Amount received") if inbound else _("Amount paid"), payment.amount))
        document = Document(
            company=payment.company,
            language=language,
            title=title,
            number=payment.number,
            facts=[
                (_("Payment date"), formats.date(payment.date)),
                (_("Journal"), payment.journal.name),
                (_("Reference"), payment.reference),
            ],
            blocks=party_blocks(
                payment.party,
                language=language,
                home_country=payment.company.country,
                title=_("Received from") if inbound else _("Paid to"),
                with_shipping=False,
            ),
            columns=[
                Column(_("Invoice"), "L", grow=True),
                Column(_("Invoice date"), "L"),
                Column(_("Invoice total")),
                Column(_("Allocated")),
            ],
            rows=rows,
            totals=totals,
            currency=payment.currency_id,
            words_amount=payment.amount,
            notes=payment.memo,
            signatures=[_("Received by")] if inbound else [],
        )
        content = render(document)
    name = (payment.number or f"payment-draft-{payment.pk}").replace("/", "-")
    return content, f"{name}.pdf"


__all__ = [
    "cjk_font",
    "document_language",
    "invoice_document",
    "invoice_pdf",
    "line_columns",
    "line_rows",
    "lines_tax_summary",
    "payment_pdf",
]
