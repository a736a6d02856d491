"""/imports and /exports: any registered object (see tandem.core.imports) from and to CSV/XLSX.

An import is a job (`POST /imports` answers 202 with it; `GET /jobs/{id}` follows it); the
file and its mapping are checked first, so a file that cannot be imported answers 422 at once
and queues nothing. `GET /imports/{id}/errors` is the file of rejected rows to fix and import
again. An export streams every row in the import's own columns, so it imports back.
"""

import json
from typing import Literal

from ninja import File, Form, Router, Schema, Status, UploadedFile

from tandem.core.errors import NotFound, ValidationFailed
from tandem.core.exports import export_response
from tandem.core.imports import (
    IMPORT_JOB,
    MAX_BYTES,
    error_file,
    import_check,
    import_object,
    import_objects,
    import_start,
    mapping_save,
    mapping_saved,
)
from tandem.core.jobs import jobs_visible
from tandem.core.middleware import request_has_perm

from .context import company_of, require_perm
from .jobs import JobOut

router = Router(tags=["imports"])


class ImportFieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    aliases: list[str]
    choices: list[str]


class ImportObjectOut(Schema):
    name: str
    label: str
    description: str
    key: str | None
    atomic: bool
    max_rows: int
    fields: list[ImportFieldOut]
    exportable: bool


def _object_out(obj) -> dict:
    return {
        "name": obj.name,
        "label": str(obj.label),
        "description": str(obj.description),
        "key": obj.key,
        "atomic": obj.atomic,
        "max_rows": obj.max_rows,
        "exportable": obj.export is not None,
        "fields": [
            {
                "name": f.name,
                "label": str(f.label),
                "type": f.type,
                "required": f.required,
                "aliases": list(f.aliases),
                "choices": list(f.choices),
            }
            for f in obj.fields
        ],
    }


@router.get("/imports/objects", response=list[ImportObjectOut], summary="What can be imported")
def import_object_list(request):
    company_of(request)
    return [_object_out(obj) for obj in import_objects()]


def _mapping(raw: str) -> dict | None:
    if not raw:
        return None
    try:
        mapping = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str | type(None)) for k, v in mapping.items()
    ):
        raise ValidationFailed(
            "mapping: a JSON object {column: field}", code="import.mapping_invalid", field="mapping"
        )
    return {k: v or "" for k, v in mapping.items()}


@router.post("/imports", response={202: JobOut}, summary="Import a CSV or XLSX file as a job")
def import_create(
    request,
    file: UploadedFile = File(...),
    object: str = Form(...),
    mapping: str = Form(""),
    source: str = Form(""),
    dry_run: bool = Form(False),
):
    """Multipart: `file` (.csv UTF-8/GB18030 or .xlsx), `object` (see `GET /imports/objects`),
    optional `mapping` (JSON {column: field}; "" ignores a column; columns not named are
    guessed from their header in English or Chinese), `source` (a name such as "Odoo export":
    with a mapping it is saved under that name, without one the saved mapping is used) and
    `dry_run`. 422 before any job for a file that cannot be read (`import.file_type`,
    `import.too_large`, `import.zip_bomb`, `import.cell_too_large`, ...) or does not fit the
    object (`import.unknown_column`, `import.unknown_field`, `import.duplicate_column`,
    `import.missing_field`). Rejected rows are the job's errors (row, field, code) and
    `GET /imports/{job id}/errors`."""
    obj = import_object(object)
    for perm in obj.perms:
        require_perm(request, perm)
    company = company_of(request)
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationFailed("The file is too large", code="import.too_large", field="file")
    content = file.read(MAX_BYTES + 1)
    name = file.name or ""
    given = _mapping(mapping)
    if given is None and source:
        given = mapping_saved(company, obj.name, source)
    import_check(obj, name, content, given)
    if source and _mapping(mapping) is not None:
        mapping_save(company=company, object_name=obj.name, source=source, mapping=given)
    job = import_start(
        company=company,
        user=request.user,
        object_name=obj.name,
        name=name,
        content=content,
        mapping=given,
        dry_run=dry_run,
    )
    return Status(202, job)


@router.get("/imports/{job_id}/errors", summary="The rejected rows of an import, as CSV")
def import_errors(request, job_id: int):
    """Each rejected row as it was in the file, after `_row` (its number) and `_error` (the
    reasons with their codes); importing the fixed file ignores those two columns."""
    company = company_of(request)
    visible = jobs_visible(
        company=company, user=request.user, see_all=request_has_perm(request, "core.view_job")
    )
    job = visible.filter(pk=job_id, kind=IMPORT_JOB).first()
    if job is None:
        raise NotFound(f"No import with id {job_id}", code="job.not_found")
    headers, rows = error_file(job)
    return export_response(
        fmt="csv", filename=f"import-{job.pk}-errors", headers=headers, rows=rows
    )


@router.get("/exports/{object_name}", summary="Every row of an object, streamed")
def export(request, object_name: str, format: Literal["csv", "xlsx"] = "csv"):
    """The columns are the import's fields, so the file imports back (records found by their
    key). CSV is streamed in pages of rows, so memory stays flat however many there are."""
    obj = import_object(object_name)
    if obj.export is None:
        raise NotFound(f"{object_name} cannot be exported", code="export.object_unknown")
    if obj.export_perm:
        require_perm(request, obj.export_perm)
    headers, rows = obj.export(company_of(request))
    return export_response(fmt=format, filename=obj.name, headers=headers, rows=rows)
