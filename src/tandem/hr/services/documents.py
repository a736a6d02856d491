"""Employee documents: attach a contract, ID copy or certificate to an employee, remove it.

Everything is checked before anything is written: a refused file (too large, empty, not a
PDF, PNG or JPEG by its own bytes, whatever name or type the upload claims) leaves no row and
no file. The file goes to the default storage under a random name, as the company logo does;
a removed document's file is deleted once the transaction commits."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.accounting.services._common import choice, text
from tandem.core.errors import NotFound, ValidationFailed

from ..errors import DocumentTooLarge, DocumentTypeRefused
from ..models import DocumentKind, Employee, EmployeeDocument
from .org import _date

MAX_BYTES = 10 * 1024 * 1024  # 10 MB: a scanned contract of a few pages
# (leading bytes, content type, extension): the type is read from the file, never trusted
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def document_type_of(content: bytes) -> tuple[str, str]:
    """(content type, extension) of a PDF, PNG or JPEG; else `employee_document.type_refused`."""
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    raise DocumentTypeRefused(_("The file must be a PDF, PNG or JPEG."), field="file")


def document_check(content: bytes) -> tuple[str, str]:
    """The size and type checks of an upload, before anything is written."""
    if len(content) > MAX_BYTES:
        raise DocumentTooLarge(_("The file may be at most 10 MB."), field="file")
    if not content:
        raise ValidationFailed(
            _("The file is empty."), code="employee_document.empty", field="file"
        )
    return document_type_of(content)


def _filename(name: str, extension: str) -> str:
    """The uploader's file name without folders or control characters (text only: the file
    is stored under a random name)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip(" .")
    if not base:
        base = f"document.{extension}"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else base[:255]
    return base


@transaction.atomic
def employee_document_add(
    *,
    employee: Employee,
    kind: str,
    content: bytes,
    filename: str = "",
    title: str = "",
    valid_from=None,
    valid_to=None,
    user=None,
) -> EmployeeDocument:
    """Attach `content` to `employee`. Refusals: `employee_document.too_large` (413),
    `employee_document.type_refused` (415), `employee_document.empty`, a bad kind, title or
    dates, `valid_to` before `valid_from` (422); nothing is written then."""
    kind = choice(kind, DocumentKind, field="kind")
    title = text(title, field="title", max_length=200)
    start = _date(valid_from, field="valid_from", required=False)
    end = _date(valid_to, field="valid_to", required=False)
    if start and end and end < start:
        raise ValidationFailed(
            _("The end of validity is before its start."),
            code="employee_document.dates",
            field="valid_to",
        )
    content_type, extension = document_check(content)
    document = EmployeeDocument(
        company_id=employee.company_id,
        employee=employee,
        kind=kind,
        title=title,
        filename=_filename(filename, extension),
        content_type=content_type,
        size=len(content),
        valid_from=start,
        valid_to=end,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    document.file.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(content), save=False)
    stored, storage = document.file.name, document.file.storage
    try:
        document.save()
    except BaseException:
        storage.delete(stored)  # the row was not written: neither is the file
        raise
    # (a caller's transaction rolled back later leaves an unreferenced file under a random
    # name; Django has no rollback hook to remove it)
    return document


@transaction.atomic
def employee_document_delete(*, document: EmployeeDocument) -> None:
    """Remove the document; its file is deleted from storage once this commits."""
    stored, storage = document.file.name, document.file.storage
    EmployeeDocument.objects.filter(pk=document.pk).delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def employee_document_open(document: EmployeeDocument):
    """The stored file opened for reading; 404 `employee_document.file_missing` when the data
    dir lost it."""
    try:
        return document.file.open("rb")
    except (OSError, ValueError):
        raise NotFound(
            _("The file of this document is missing."), code="employee_document.file_missing"
        ) from None
