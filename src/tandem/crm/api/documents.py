"""/document-emails: send a business document's PDF by email, as the page's composer does;
/document-email-templates: the company's wording for those emails."""

from typing import Literal

from django.conf import settings
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tandem.api.context import company_of, require_perm

from .. import services
from ..models import DocumentEmailTemplate, DocumentKind, Interaction
from ..schemas import (
    DocumentEmailDraftOut,
    DocumentEmailIn,
    DocumentEmailTemplateIn,
    DocumentEmailTemplateOut,
    Id,
    InteractionOut,
)
from ..services.documents import default_wording, sendable

router = Router(tags=["interactions"])


class DraftQuery(Schema):
    document: Literal["sales_order", "invoice", "purchase_order", "payment", "delivery"]
    id: Id = Field(description="The document's id")


def _may_send(request, document: str, pk: int) -> None:
    require_perm(request, "crm.view_interaction")
    for perm in sendable(company_of(request), document, pk).permissions:
        require_perm(request, perm)


@router.get(
    "/document-emails/draft",
    response=DocumentEmailDraftOut,
    summary="The proposed email for a document",
)
def document_email_draft(request, query: Query[DraftQuery]):
    """Recipients (the party's and its contacts' addresses, the first one chosen), subject
    and body from the company's template in the party's language (the built-in wording
    without one) with the document's number, total and due date filled in. 404 for a
    document of another company."""
    _may_send(request, query.document, query.id)
    return services.document_email_draft(company_of(request), query.document, query.id)


@router.post(
    "/document-emails",
    response={201: InteractionOut},
    summary="Send a document by email",
)
def document_email_send(request, payload: DocumentEmailIn):
    """Attaches the document's PDF, sends after commit, and logs the email on the party's
    timeline (the reply threads back by its Message-ID). A quotation or RFQ becomes sent.
    422 `validation.email` for a bad recipient; 409 when a quotation cannot be sent (no
    lines); nothing is sent or written then."""
    _may_send(request, payload.document, payload.id)
    interaction = services.document_email_send(
        company=company_of(request),
        document=payload.document,
        pk=payload.id,
        to=payload.to,
        cc=payload.cc,
        subject=payload.subject,
        body=payload.body,
        user=request.user,
    )
    return Status(201, Interaction.objects.get(pk=interaction.pk))


def _template_out(kind: str, language: str, row) -> dict:
    subject, body = (row.subject, row.body) if row else default_wording(kind, language)
    return {
        "kind": kind,
        "language": language,
        "subject": subject,
        "body": body,
        "customised": row is not None,
    }


@router.get(
    "/document-email-templates",
    response=list[DocumentEmailTemplateOut],
    summary="The wording of document emails, per kind and language",
)
def document_email_templates(request):
    require_perm(request, "crm.view_crmsettings")
    saved = {
        (row.kind, row.language): row
        for row in DocumentEmailTemplate.objects.filter(company=company_of(request))
    }
    return [
        _template_out(kind, language, saved.get((kind, language)))
        for kind in DocumentKind.values
        for language, _name in settings.LANGUAGES
    ]


@router.put(
    "/document-email-templates/{kind}/{language}",
    response=DocumentEmailTemplateOut,
    summary="Set the wording for one kind of document and language",
)
def document_email_template_put(
    request,
    kind: Literal[
        "quotation",
        "sales_order",
        "invoice",
        "credit_note",
        "purchase_order",
        "payment_receipt",
        "delivery_slip",
    ],
    language: Literal["en", "zh-hans"],
    payload: DocumentEmailTemplateIn,
):
    """Blank subject and body go back to the built-in wording; one without the other is 422
    `validation.required`."""
    require_perm(request, "crm.change_crmsettings")
    row = services.template_save(
        company=company_of(request),
        kind=kind,
        language=language,
        subject=payload.subject,
        body=payload.body,
    )
    return _template_out(kind, language, row)
