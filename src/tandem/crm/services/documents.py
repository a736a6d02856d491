"""Sending a business document by email from its page (the composer).

The draft proposes the recipients (the party's address and its contacts'), and a subject and
body from the company's template for that kind of document in the party's language (the
built-in wording when the company has none). The send attaches the document's PDF, marks the
document sent where it has such a state, and goes through `email_send`, so the message is on
the customer's timeline with a Message-ID that threads the reply back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tandem.accounting.models import Invoice, Payment
from tandem.core.documents import Formats, document_language
from tandem.core.errors import NotFound, ValidationFailed
from tandem.core.models import Company
from tandem.parties.models import Contact
from tandem.purchasing.models import PurchaseOrder
from tandem.sales.models import SalesOrder

from ..models import DocumentEmailTemplate, DocumentKind, Interaction
from ._common import text
from .email import email_send

# what the API's `document` names and each one's permission to send it
DOCUMENTS = ("sales_order", "invoice", "purchase_order", "payment", "delivery")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _defaults() -> dict[str, tuple[str, str]]:
    """The built-in wording, in the active language."""
    greeting = _("Dear {party},")
    regards = _("Kind regards,") + "\n{company}"
    return {
        DocumentKind.QUOTATION: (
            _("Quotation {number} from {company}"),
            _("please find attached our quotation {number} for {total}."),
        ),
        DocumentKind.SALES_ORDER: (
            _("Order confirmation {number} from {company}"),
            _("thank you for your order. Attached is our confirmation {number} for {total}."),
        ),
        DocumentKind.INVOICE: (
            _("Invoice {number} from {company}"),
            _("please find attached invoice {number} for {total}, due on {due_date}."),
        ),
        DocumentKind.CREDIT_NOTE: (
            _("Credit note {number} from {company}"),
            _("please find attached credit note {number} for {total}."),
        ),
        DocumentKind.PURCHASE_ORDER: (
            _("Purchase order {number} from {company}"),
            _("please find attached our order {number}. Kindly confirm the delivery date."),
        ),
        DocumentKind.PAYMENT_RECEIPT: (
            _("Payment receipt {number} from {company}"),
            _("we have received your payment of {total}. The receipt {number} is attached."),
        ),
        DocumentKind.DELIVERY_SLIP: (
            _("Delivery slip {number} from {company}"),
            _("your goods are on their way. The delivery slip {number} is attached."),
        ),
    } | {"_frame": (greeting, regards)}


def default_wording(kind: str, language: str) -> tuple[str, str]:
    """(subject, body) of the built-in template for `kind` in `language`."""
    with translation.override(language):
        wording = _defaults()
        greeting, regards = wording["_frame"]
        subject, sentence = wording[kind]
        return subject, f"{greeting}\n\n{sentence}\n\n{regards}"


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the known `{placeholders}`; anything else in braces stays as written (a
    template is data, never code)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass
class Sendable:
    """A document the composer can send, however its app models it."""

    document: str
    record: object
    kind: str
    party: object
    number: str
    language: str
    permissions: tuple[str, ...]
    pdf: Callable[[], tuple[bytes, str]]
    values: dict[str, str] = field(default_factory=dict)
    mark_sent: Callable[[object], None] | None = None


def _values(record, company, party, language, *, total, currency, due_date=None) -> dict:
    formats = Formats(language)
    return {
        "number": str(record),
        "company": company.name,
        "party": party.name,
        # a delivery slip has no amount: {total} then stays empty
        "total": f"{formats.money(total)} {currency}" if total is not None else "",
        "due_date": formats.date(due_date) if due_date else "",
    }


def sendable(company: Company, document: str, pk) -> Sendable:
    """The document `document` (one of DOCUMENTS) number `pk` of `company`, or NotFound."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    if document == "sales_order":
        from tandem.sales.services.documents import order_language, order_pdf

        order = SalesOrder.objects.select_related("party", "company").filter(company=company, pk=pk)
        order = order.first()
        if order is None:
            raise NotFound(_("No such sales order."), code="not_found")
        language = order_language(order)
        name = f"{order}.pdf".replace("/", "-")

        def mark(user, order=order):
            from tandem.sales.services import sales_order_send

            if order.is_draft:
                sales_order_send(order=order, user=user, email=False)

        return Sendable(
            document,
            order,
            DocumentKind.QUOTATION if order.is_draft else DocumentKind.SALES_ORDER,
            order.party,
            str(order),
            language,
            ("sales.change_salesorder",),
            lambda: (order_pdf(order), name),
            _values(
                order,
                company,
                order.party,
                language,
                total=order.total_amount,
                currency=order.currency_id,
            ),
            mark,
        )
    if document == "invoice":
        from tandem.accounting.models import KIND_PERMISSIONS
        from tandem.accounting.pdf import document_language as invoice_language
        from tandem.accounting.pdf import invoice_pdf

        invoice = (
            Invoice.objects.select_related("party", "company").filter(company=company, pk=pk)
        ).first()
        if invoice is None:
            raise NotFound(_("No such invoice."), code="not_found")
        if not invoice.is_outbound:
            # a vendor bill is the supplier's own document: there is nothing to send back
            raise ValidationFailed(
                _("Only customer invoices and credit notes are sent by email."),
                code="document.not_sendable",
                field="id",
            )
        language = invoice_language(invoice)
        return Sendable(
            document,
            invoice,
            DocumentKind.CREDIT_NOTE if invoice.is_credit_note else DocumentKind.INVOICE,
            invoice.party,
            str(invoice),
            language,
            ("accounting.view_invoice", KIND_PERMISSIONS[invoice.kind]),
            lambda: invoice_pdf(invoice),
            _values(
                invoice,
                company,
                invoice.party,
                language,
                total=invoice.total_amount,
                currency=invoice.currency_id,
                due_date=invoice.due_date,
            ),
        )
    if document == "purchase_order":
        from tandem.purchasing.pdf import purchase_order_pdf

        order = (
            PurchaseOrder.objects.select_related("supplier", "company").filter(
                company=company, pk=pk
            )
        ).first()
        if order is None:
            raise NotFound(_("No such purchase order."), code="not_found")
        language = document_language(getattr(order.supplier, "language", ""), company=company)

        def mark_po(user, order=order):
            from tandem.purchasing.models import EDITABLE_STATES
            from tandem.purchasing.services import purchase_order_send

            if order.state in EDITABLE_STATES:
                purchase_order_send(order=order, user=user)

        return Sendable(
            document,
            order,
            DocumentKind.PURCHASE_ORDER,
            order.supplier,
            str(order),
            language,
            ("purchasing.change_purchaseorder",),
            lambda: purchase_order_pdf(PurchaseOrder.objects.get(pk=order.pk)),
            _values(
                order,
                company,
                order.supplier,
                language,
                total=order.total_amount,
                currency=order.currency_id,
            ),
            mark_po,
        )
    if document == "payment":
        from tandem.accounting.pdf import payment_pdf

        payment = (
            Payment.objects.select_related("party", "company").filter(company=company, pk=pk)
        ).first()
        if payment is None:
            raise NotFound(_("No such payment."), code="not_found")
        language = document_language(getattr(payment.party, "language", ""), company=company)
        return Sendable(
            document,
            payment,
            DocumentKind.PAYMENT_RECEIPT,
            payment.party,
            str(payment),
            language,
            ("accounting.view_payment",),
            lambda: payment_pdf(payment),
            _values(
                payment,
                company,
                payment.party,
                language,
                total=payment.amount,
                currency=payment.currency_id,
            ),
        )
    if document == "delivery":
        from tandem.inventory.models import Transfer
        from tandem.inventory.pdf import transfer_pdf

        transfer = (
            Transfer.objects.select_related("party", "company").filter(company=company, pk=pk)
        ).first()
        if transfer is None:
            raise NotFound(_("No such delivery."), code="not_found")
        if transfer.kind != "delivery" or transfer.party is None:
            # a receipt is the supplier's delivery; an internal move has no one to send to
            raise ValidationFailed(
                _("Only deliveries to a customer are sent by email."),
                code="document.not_sendable",
                field="id",
            )
        language = document_language(getattr(transfer.party, "language", ""), company=company)
        return Sendable(
            document,
            transfer,
            DocumentKind.DELIVERY_SLIP,
            transfer.party,
            str(transfer),
            language,
            ("inventory.view_transfer",),
            lambda: transfer_pdf(transfer),
            _values(transfer, company, transfer.party, language, total=None, currency=""),
        )
    raise ValidationFailed(
        _("Choose a document: %(kinds)s.") % {"kinds": ", ".join(DOCUMENTS)},
        code="validation.choice",
        field="document",
    )


def wording(company: Company, kind: str, language: str) -> tuple[str, str]:
    """The company's template for `kind` in `language`, else the built-in one."""
    row = DocumentEmailTemplate.objects.filter(company=company, kind=kind, language=language)
    row = row.only("subject", "body").first()
    if row is not None:
        return row.subject, row.body
    return default_wording(kind, language)


def suggested_recipients(party) -> list[tuple[str, str]]:
    """(address, label) of the party and its contacts that have an email address."""
    found = []
    if party.email:
        found.append((party.email, party.name))
    contacts = Contact.objects.filter(party=party).exclude(email="").order_by("pk")
    for contact in contacts.only("name", "email"):
        found.append((contact.email, contact.name))
    return list(dict(found).items())


def document_email_draft(company: Company, document: str, pk) -> dict:
    """What the composer shows before the user edits it."""
    item = sendable(company, document, pk)
    subject, body = wording(company, item.kind, item.language)
    recipients = suggested_recipients(item.party)
    return {
        "document": document,
        "id": item.record.pk,
        "number": item.number,
        "kind": item.kind,
        "language": item.language,
        "party": item.party.pk,
        "recipients": [{"email": email, "name": name} for email, name in recipients],
        "to": [recipients[0][0]] if recipients else [],
        "subject": fill(subject, item.values),
        "body": fill(body, item.values),
        "attachment": f"{item.number}.pdf".replace("/", "-"),
    }


@transaction.atomic
def document_email_send(
    *, company: Company, document: str, pk, to, subject: str, body: str, user, cc=None
) -> Interaction:
    """Email the document's PDF and log the message on the party's timeline; a quotation or
    an RFQ becomes "sent". Nothing is written or sent when anything is refused."""
    item = sendable(company, document, pk)
    if item.mark_sent is not None:
        item.mark_sent(user)
    content, name = item.pdf()
    return email_send(
        company=company,
        to=to,
        cc=cc,
        subject=subject,
        body=body,
        record=item.party,
        user=user,
        attachments=[(name, content, "application/pdf")],
    )


def template_save(*, company: Company, kind: str, language: str, subject: str, body: str):
    """Set the company's wording for one kind of document and language (blank: built-in)."""
    if kind not in DocumentKind.values:
        raise ValidationFailed(
            _("Choose a kind of document."), code="validation.choice", field="kind"
        )
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose a language."), code="validation.choice", field="language")
    subject = text(subject, field="subject", max_length=200)
    body = text(body, field="body", max_length=10_000)
    rows = DocumentEmailTemplate.objects.filter(company=company, kind=kind, language=language)
    if not subject and not body:
        rows.delete()
        return None
    if not subject or not body:
        missing = "subject" if not subject else "body"
        raise ValidationFailed(
            _("Enter a subject and a body, or clear both."),
            code="validation.required",
            field=missing,
        )
    row, _created = DocumentEmailTemplate.objects.update_or_create(
        company=company,
        kind=kind,
        language=language,
        defaults={"subject": subject, "body": body},
    )
    return row
