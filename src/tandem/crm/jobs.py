"""CRM's background jobs (see tandem.core.jobs)."""

import base64

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import ValidationFailed
from tandem.core.jobs import job_kind

from . import services

LEAD_IMPORT = "crm.lead_import"


@job_kind(LEAD_IMPORT, label=_("Lead import"))
def lead_import(ctx, name: str, content: str) -> dict:
    """The commit of a lead import the page previewed (the file is in the job's parameters,
    base64). All rows or none, in one transaction: a refused row fails the job with every
    refused row in its errors. Not resumable: a worker killed after the commit but before
    the job was marked done would import the rows twice."""
    ctx.check_cancel()
    report = services.lead_import(
        company=ctx.company,
        name=name,
        content=base64.b64decode(content),
        dry_run=False,
        user=ctx.user,
    )
    rows = len(report.rows)
    if not report.ok:
        for entry in report.rows:
            for error in entry["errors"]:
                ctx.error(
                    error["message"],
                    code=error.get("code") or "import.row_refused",
                    row=entry["row"],
                    field=error.get("field"),
                )
        ctx.progress(0, total=rows)
        raise ValidationFailed(
            "Nothing was imported: some rows are refused.", code="import.rows_refused"
        )
    ctx.progress(rows, total=rows)
    return {
        "created": report.created,
        "count": report.created,
        "links": [{"label": str(_("Leads")), "url": reverse("crm:lead_list")}],
    }
