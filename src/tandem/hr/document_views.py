"""Employee documents on the employee's page: upload, download, delete (HR), and download of
one's own documents from /hr/me/ (read-only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import queries, services
from .errors import DocumentTooLarge
from .models import DocumentKind, Employee, EmployeeDocument
from .services.documents import MAX_BYTES


def documents_context(request, employee, *, own_page: bool = False) -> dict:
    """The documents section of the employee's page: rows with their expiry, and what the
    user may do (HR uploads and deletes; the employee only downloads)."""
    may_view = own_page or request_has_perm(request, "hr.view_employeedocument")
    if not may_view:
        return {"show_documents": False}
    today = queries.company_today(request.company)
    rows = list(queries.employee_documents(request.company, employee))
    for row in rows:
        row.expiry = queries.expiry_state(row, today)
        row.days_left = (row.valid_to - today).days if row.valid_to else None
    return {
        "show_documents": True,
        "documents": rows,
        "document_kinds": DocumentKind.choices,
        "can_add_document": not own_page and request_has_perm(request, "hr.add_employeedocument"),
        "can_delete_document": not own_page
        and request_has_perm(request, "hr.delete_employeedocument"),
    }


def _back(pk):
    return redirect(reverse("hr:employee_detail", args=[pk]) + "#documents")


@company_view("hr.add_employeedocument")
@require_POST
def document_upload(request, pk):
    employee = get_object_or_404(Employee.objects.filter(company=request.company), pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return _back(pk)
    try:
        if upload.size is not None and upload.size > MAX_BYTES:
            raise DocumentTooLarge(_("The file may be at most 10 MB."), field="file")
        services.employee_document_add(
            employee=employee,
            kind=request.POST.get("kind", ""),
            content=upload.read(MAX_BYTES + 1),
            filename=upload.name or "",
            title=request.POST.get("title", ""),
            valid_from=request.POST.get("valid_from") or None,
            valid_to=request.POST.get("valid_to") or None,
            user=request.user,
        )
        messages.success(request, _("The document is attached."))
    except DomainError as error:
        messages.error(request, error.message)
    return _back(pk)


@company_view("hr.delete_employeedocument")
@require_POST
def document_delete(request, pk, document_pk):
    document = get_object_or_404(
        EmployeeDocument.objects.filter(company=request.company, employee_id=pk), pk=document_pk
    )
    services.employee_document_delete(document=document)
    messages.success(request, _("The document is deleted."))
    return _back(pk)


@login_required
def document_download(request, pk):
    """HR downloads any document of the company, an employee only their own: anyone else
    gets a 404, as if it did not exist."""
    if request.company is None:
        raise Http404
    qs = EmployeeDocument.objects.filter(company=request.company)
    if not request_has_perm(request, "hr.view_employeedocument"):
        qs = qs.filter(employee__user=request.user)
    document = get_object_or_404(qs, pk=pk)
    try:
        handle = services.employee_document_open(document)
    except DomainError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
