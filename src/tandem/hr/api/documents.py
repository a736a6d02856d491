"""/employees/{id}/documents (list, upload, read, download, delete) and /employee-documents
(the company's documents, e.g. those expiring within 30 days): the HR role only."""

from datetime import date
from typing import Literal

from django.http import FileResponse
from ninja import File, Form, Query, Status, UploadedFile

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import NotFound

from .. import queries, services
from ..errors import DocumentTooLarge
from ..models import Employee, EmployeeDocument
from ..schemas import EmployeeDocumentOut
from ..services.documents import MAX_BYTES
from . import router
from .org import LIMIT, OFFSET

Kind = Literal["contract", "id", "certificate", "other"]


def _employee(request, employee_id: int) -> Employee:
    return get_scoped(Employee, request, employee_id, label="employee")


def _document(request, employee_id: int, document_id: int) -> EmployeeDocument:
    employee = _employee(request, employee_id)
    document = (
        EmployeeDocument.objects.filter(company=company_of(request), employee=employee)
        .select_related("company")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound(f"No document with id {document_id}", code="employee_document.not_found")
    return document


@router.get("/employees/{employee_id}/documents", response=page_of(EmployeeDocumentOut))
def employee_document_list(
    request,
    employee_id: int,
    limit: int = LIMIT,
    offset: int = OFFSET,
    kind: Kind | None = None,
):
    """The employee's documents, newest first."""
    require_perm(request, "hr.view_employeedocument")
    qs = queries.employee_documents(company_of(request), _employee(request, employee_id))
    if kind:
        qs = qs.filter(kind=kind)
    return paginate(qs, limit=limit, offset=offset)


@router.post("/employees/{employee_id}/documents", response={201: EmployeeDocumentOut})
def employee_document_add(
    request,
    employee_id: int,
    file: UploadedFile = File(...),
    kind: Kind = Form(...),
    title: str = Form("", max_length=200),
    valid_from: date | None = Form(None),
    valid_to: date | None = Form(None),
):
    """Multipart: `file` (a PDF, PNG or JPEG of at most 10 MB, told by its bytes), `kind`,
    optional `title`, `valid_from`, `valid_to`. Refusals: 413 `employee_document.too_large`,
    415 `employee_document.type_refused`, 422 `employee_document.empty` or
    `employee_document.dates`; nothing is written then."""
    require_perm(request, "hr.add_employeedocument")
    employee = _employee(request, employee_id)
    if file.size is not None and file.size > MAX_BYTES:
        raise DocumentTooLarge("The file may be at most 10 MB.", field="file")
    document = services.employee_document_add(
        employee=employee,
        kind=kind,
        content=file.read(MAX_BYTES + 1),
        filename=file.name or "",
        title=title,
        valid_from=valid_from,
        valid_to=valid_to,
        user=request.user,
    )
    return Status(201, document)


@router.get("/employees/{employee_id}/documents/{document_id}", response=EmployeeDocumentOut)
def employee_document_read(request, employee_id: int, document_id: int):
    require_perm(request, "hr.view_employeedocument")
    return _document(request, employee_id, document_id)


@router.get("/employees/{employee_id}/documents/{document_id}/file")
def employee_document_download(request, employee_id: int, document_id: int):
    """The stored bytes, as an attachment with the uploaded file name."""
    require_perm(request, "hr.view_employeedocument")
    document = _document(request, employee_id, document_id)
    return FileResponse(
        services.employee_document_open(document),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )


@router.delete("/employees/{employee_id}/documents/{document_id}", response={204: None})
def employee_document_remove(request, employee_id: int, document_id: int):
    require_perm(request, "hr.delete_employeedocument")
    services.employee_document_delete(document=_document(request, employee_id, document_id))
    return Status(204, None)


@router.get("/employee-documents", response=page_of(EmployeeDocumentOut))
def employee_documents_all(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    expiring_within: int | None = Query(None, ge=0, le=3660),
    kind: Kind | None = None,
):
    """The company's employee documents; `expiring_within=30`: those whose validity ends
    from today to 30 days ahead, soonest first."""
    require_perm(request, "hr.view_employeedocument")
    company = company_of(request)
    if expiring_within is not None:
        qs = queries.documents_expiring(company, within_days=expiring_within)
    else:
        qs = queries.employee_documents(company)
    if kind:
        qs = qs.filter(kind=kind)
    return paginate(qs, limit=limit, offset=offset)
