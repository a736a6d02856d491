"""The request for quotation / purchase order as PDF, in the shared document layout of
core.documents, in the supplier's preferred language else the company's."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from tandem.accounting.pdf import line_columns, line_rows, lines_tax_summary
from tandem.core.documents import Block, Document, Formats, document_language, render
from tandem.core.documents.blocks import party_blocks
from tandem.core.documents.layout import address_lines, company_name
from tandem.core.profile import company_profile

from .models import PurchaseOrder


def purchase_order_pdf(order) -> tuple[bytes, str]:
    order = (
        PurchaseOrder.objects.select_related("company", "supplier", "warehouse")
        .prefetch_related("supplier__addresses")
        .get(pk=order.pk)
    )
    lines = list(
        order.lines.select_related("product", "uom")
        .prefetch_related("taxes")
        .order_by("sequence", "pk")
    )
    language = document_language(getattr(order.supplier, "language", ""), company=order.company)
    with translation.override(language):
        formats = Formats(language)
        rfq = order.state in ("draft", "sent")
        title = _("Request for quotation") if rfq else _("Purchase order")
        if order.state == "cancelled":
            title = f"{title} ({_('Cancelled')})"
        has_discount = any(line.discount for line in lines)
        # goods go to the company's own address, under its name
        profile = company_profile(order.company)
        deliver_to = [company_name(order.company, language)]
        deliver_to += address_lines(
            street=profile.street,
            street2=profile.street2,
            city=profile.city,
            state=profile.state,
            postal_code=profile.postal_code,
            country=order.company.country,
            language=language,
            home_country=order.company.country,
        )
        if order.warehouse_id:
            deliver_to.append(f"{_('Warehouse')}: {order.warehouse.name}")
        document = Document(
            company=order.company,
            language=language,
            title=title,
            number=order.number or f"#{order.pk}",
            facts=[
                (_("Order date"), formats.date(order.order_date)),
                (_("Expected date"), formats.date(order.expected_date)),
                (_("Supplier reference"), order.reference),
                (_("Source document"), order.origin),
            ],
            blocks=[
                *party_blocks(
                    order.supplier,
                    language=language,
                    home_country=order.company.country,
                    title=_("Supplier"),
                    with_shipping=False,
                ),
                Block(_("Deliver to"), deliver_to),
            ],
            columns=line_columns(has_discount),
            rows=line_rows(lines, formats, has_discount),
            tax_summary=lines_tax_summary(lines),
            totals=[
                (_("Untaxed amount"), order.untaxed_amount),
                (_("Tax"), order.tax_amount),
                (_("Total"), order.total_amount),
            ],
            currency=order.currency_id,
            words_amount=order.total_amount,
            notes=order.notes,
        )
        content = render(document)
    name = (order.number or f"purchase-order-{order.pk}").replace("/", "-")
    return content, f"{name}.pdf"
