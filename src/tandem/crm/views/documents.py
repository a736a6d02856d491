"""The composer behind every document's "Send by email", and the templates it starts from."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from .. import services
from ..models import DocumentEmailTemplate, DocumentKind
from ..services.documents import default_wording, sendable

# where the composer returns to once the email has gone
DETAIL_PAGES = {
    "sales_order": "sales:order_detail",
    "invoice": "accounting:invoice_detail",
    "purchase_order": "purchasing:order_detail",
    "payment": "accounting:payment_detail",
}


def _document(request, document: str, pk: int):
    try:
        item = sendable(request.company, document, pk)
    except DomainError as error:
        raise Http404(error.message) from None
    if not all(request_has_perm(request, perm) for perm in item.permissions):
        raise PermissionDenied
    return item


def _addresses(request) -> list[str]:
    chosen = request.POST.getlist("to")
    other = request.POST.get("other", "")
    return [a for a in chosen if a.strip()] + ([other] if other.strip() else [])


@company_view("crm.view_interaction")
def document_send(request, document: str, pk: int):
    """GET: the draft (recipients from the party's contacts, wording in the party's language);
    POST: send it, with the PDF attached, and go back to the document."""
    item = _document(request, document, pk)
    draft = services.document_email_draft(request.company, document, pk)
    errors = {}
    if request.method == "POST":
        form = {
            "to": request.POST.getlist("to"),
            "other": request.POST.get("other", ""),
            "cc": request.POST.get("cc", ""),
            "subject": request.POST.get("subject", ""),
            "body": request.POST.get("body", ""),
        }
        try:
            services.document_email_send(
                company=request.company,
                document=document,
                pk=pk,
                to=_addresses(request),
                cc=form["cc"] or None,
                subject=form["subject"],
                body=form["body"],
                user=request.user,
            )
        except DomainError as error:
            errors[error.field or "to"] = error.message
        else:
            messages.success(request, _("%(number)s was sent by email.") % {"number": item.number})
            return redirect(DETAIL_PAGES[document], pk)
    else:
        form = {
            "to": draft["to"],
            "other": "",
            "cc": "",
            "subject": draft["subject"],
            "body": draft["body"],
        }
    return render(
        request,
        "crm/document_send.html",
        {
            "draft": draft,
            "form": form,
            "errors": errors,
            "back": reverse(DETAIL_PAGES[document], args=[pk]),
            "pdf_url": reverse("crm:document_pdf", args=[document, pk]),
        },
        status=422 if errors else 200,
    )


@company_view("crm.view_interaction")
def document_pdf(request, document: str, pk: int):
    """The attachment as the composer will send it."""
    item = _document(request, document, pk)
    content, name = item.pdf()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@company_view("crm.view_crmsettings")
def document_templates(request):
    """The company's wording per kind of document and language; blank means built-in."""
    errors = {}
    if request.method == "POST":
        if not request_has_perm(request, "crm.change_crmsettings"):
            raise PermissionDenied
        kind = request.POST.get("kind", "")
        language = request.POST.get("language", "")
        try:
            services.template_save(
                company=request.company,
                kind=kind,
                language=language,
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
            )
        except DomainError as error:
            # what was typed comes back beside the message, not the saved wording
            errors[(kind, language)] = {
                "message": error.message,
                "subject": request.POST.get("subject", ""),
                "body": request.POST.get("body", ""),
            }
        else:
            messages.success(request, _("The template was saved."))
            return redirect("crm:document_templates")
    saved = {
        (row.kind, row.language): row
        for row in DocumentEmailTemplate.objects.filter(company=request.company)
    }
    rows = []
    for kind, label in DocumentKind.choices:
        for language, language_name in settings.LANGUAGES:
            row = saved.get((kind, language))
            error = errors.get((kind, language))
            subject, body = default_wording(kind, language)
            if error:
                current = error
            elif row:
                current = {"subject": row.subject, "body": row.body}
            else:
                current = {"subject": "", "body": ""}
            rows.append(
                {
                    "kind": kind,
                    "label": label,
                    "language": language,
                    "language_name": language_name,
                    "subject": current["subject"],
                    "body": current["body"],
                    "is_customised": row is not None,
                    "default_subject": subject,
                    "default_body": body,
                    "error": error["message"] if error else "",
                }
            )
    return render(
        request,
        "crm/document_templates.html",
        {"rows": rows},
        status=422 if errors else 200,
    )
