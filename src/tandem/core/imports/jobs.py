"""An import as a background job (progress, errors, the file of rejected rows)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import DomainError, ValidationFailed
from ..jobs import job_kind
from .engine import import_run
from .formats import _read, count_rows
from .registry import ERROR_COLUMNS, import_object

IMPORT_JOB = "core.import"


def import_start(
    *, company, user, object_name: str, name: str, content: bytes, mapping=None, dry_run=False
):
    """Queue the import of a file as a job (its progress, errors and error file on /jobs)."""
    from ..jobs import job_start

    import_object(object_name)
    return job_start(
        IMPORT_JOB,
        company=company,
        user=user,
        params={
            "object": object_name,
            "name": name,
            "content": base64.b64encode(content).decode(),
            "mapping": mapping or {},
            "dry_run": bool(dry_run),
        },
    )


@job_kind(IMPORT_JOB, label=gettext_lazy("Import"))
def import_job(ctx, object: str, name: str, content: str, mapping=None, dry_run=False) -> dict:
    """Not resumable: chunks committed before a worker was killed stay, and importing the
    file again updates them by key, so the user re-runs it instead."""
    obj = import_object(object)
    data = base64.b64decode(content)
    ctx.set_total(count_rows(obj, name, data))
    report = import_run(
        company=ctx.company,
        user=ctx.user,
        object_name=object,
        name=name,
        content=data,
        mapping=mapping,
        dry_run=dry_run,
        progress=ctx,
        preview=0,
        checked=True,
    )
    ctx.progress(report.rows, total=report.rows)
    body = {k: v for k, v in report.as_dict().items() if k not in ("errors", "preview")}
    body["header"] = report.header
    if report.errors:
        # the progress bar shows it when the job ends: the page that started it need not reload
        body["links"] = [
            {
                "url": reverse("web:import_errors", args=[ctx.job.pk]),
                "label": _("Download the rejected rows (CSV)"),
            }
        ]
    if report.refused is not None:
        raise ValidationFailed(report.refused["message"], code=report.refused["code"])
    if obj.atomic and not report.ok and not dry_run:
        raise ValidationFailed(
            _("Nothing was imported: %(count)d rows are refused.")
            % {"count": report.rejected_count},
            code="import.rows_refused",
        )
    return body


def error_file(job) -> tuple[list[str], Iterator[list]]:
    """The rejected rows of an import job as they were in the file, each after its row
    number and reasons (the `ERROR_COLUMNS`, which an import of the fixed file ignores)."""
    params = job.params
    header: list[str] = []
    try:
        obj = import_object(params["object"])
        with _read(obj, params["name"], base64.b64decode(params["content"])) as table:
            header = list(table.header)
    except (DomainError, KeyError, ValueError):
        pass  # the reasons stand without the file's own columns
    rows: dict[int, dict] = {}
    for error in job.errors:
        number = error.get("row") or 0
        entry = rows.setdefault(number, {"cells": error.get("cells") or [], "reasons": []})
        where = f"{error['field']}: " if error.get("field") else ""
        entry["reasons"].append(f"{where}{error['message']} ({error['code']})")
    lines = (
        [number or "", "; ".join(entry["reasons"]), *entry["cells"]]
        for number, entry in sorted(rows.items())
    )
    return [*ERROR_COLUMNS, *header], lines
