"""The quotation / order confirmation PDF and its email, in the shared document layout of
core.documents, in the order's language, else the customer's preferred one, else the
company's."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tandem.accounting.pdf import line_columns, line_rows, lines_tax_summary
from tandem.core.documents import Document, Formats, document_language, render
from tandem.core.documents.blocks import party_blocks

from ..models import OrderState, SalesOrder

logger = logging.getLogger(__name__)


def order_language(order: SalesOrder) -> str:
    return document_language(
        order.language, getattr(order.party, "language", ""), company=order.company
    )


def order_pdf(order: SalesOrder) -> bytes:
    """The quotation (draft/sent) or order confirmation as PDF bytes."""
    order = (
        SalesOrder.objects.select_related(
            "company",
            "party",
            "payment_term",
            "salesperson",
            "invoice_address",
            "delivery_address",
        )
        .prefetch_related("party__addresses")
        .get(pk=order.pk)
    )
    lines = list(
        order.lines.select_related("product", "uom")
        .prefetch_related("taxes")
        .order_by("sequence", "pk")
    )
    language = order_language(order)
    with translation.override(language):
        formats = Formats(language)
        quotation = order.state in (OrderState.DRAFT, OrderState.SENT)
        title = _("Quotation") if quotation else _("Order confirmation")
        if order.state == OrderState.CANCELLED:
            title = f"{title} ({_('Cancelled')})"
        has_discount = any(line.discount for line in lines)
        salesperson = order.salesperson
        document = Document(
            company=order.company,
            language=language,
            title=title,
            number=str(order),
            facts=[
                (
                    _("Quotation date") if quotation else _("Order date"),
                    formats.date(order.order_date),
                ),
                (_("Valid until"), formats.date(order.validity_date) if quotation else ""),
                (_("Delivery date"), formats.date(order.commitment_date)),
                (_("Quotation"), order.quotation_number if not quotation else ""),
                (_("Your reference"), order.external_reference),
                (
                    _("Salesperson"),
                    (salesperson.get_full_name() or salesperson.username) if salesperson else "",
                ),
            ],
            blocks=party_blocks(
                order.party,
                language=language,
                home_country=order.company.country,
                title=_("Customer"),
                billing=order.invoice_address,
                shipping=order.delivery_address,
            ),
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
            payment=[
                (_("Payment terms"), order.payment_term.name if order.payment_term_id else ""),
            ],
            show_bank=True,
            notes=order.note,
        )
        return render(document)


def send_order_email(*, order_id: int, to: str) -> None:
    order = SalesOrder.objects.select_related("party", "company").get(pk=order_id)
    with translation.override(order_language(order)):
        subject = _("Quotation %(number)s from %(company)s") % {
            "number": order,
            "company": order.company.name,
        }
        body = _("Please find attached our quotation %(number)s.") % {"number": order}
    message = EmailMessage(subject=subject, body=body, to=[to])
    message.attach(f"{order}.pdf".replace("/", "-"), order_pdf(order), "application/pdf")
    message.send()


def send_after_commit(*, order_id: int, to: str) -> None:
    def send():
        try:
            send_order_email(order_id=order_id, to=to)
        except Exception:  # a mail outage must not undo the sent state; it is logged
            logger.exception("sending sales order %s to %s failed", order_id, to)

    transaction.on_commit(send)
