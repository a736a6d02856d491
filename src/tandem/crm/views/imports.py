"""Lead import: upload a CSV or XLSX, see the dry run (row errors, matches), then commit."""

import base64

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tandem.core.errors import DomainError
from tandem.core.jobs import job_for_request, job_start
from tandem.core.views import company_view

from .. import services
from ..forms import ImportForm
from ..jobs import LEAD_IMPORT

SESSION_KEY = "crm_lead_import"


@company_view("crm.add_lead")
@require_http_methods(["GET", "POST"])
def lead_import(request):
    """POST with a file: a dry run, the file kept in the session for the commit. POST with
    `commit`: import that file (all rows or, if any is refused, none)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and "commit" in request.POST:
        kept = request.session.pop(SESSION_KEY, None)
        if kept is None:
            messages.error(request, _("Upload the file again."))
            return redirect("crm:lead_import")
        # the commit runs as a job: this page shows its progress bar, then the result
        job = job_start(
            LEAD_IMPORT,
            company=request.company,
            user=request.user,
            params={"name": kept["name"], "content": kept["content"]},
        )
        return redirect(reverse("crm:lead_import") + f"?job={job.pk}")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = services.lead_import(
                company=request.company, name=upload.name, content=content, dry_run=True
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            if report.ok:
                request.session[SESSION_KEY] = {
                    "name": upload.name,
                    "content": base64.b64encode(content).decode(),
                }
    return render(
        request,
        "crm/lead_import.html",
        {
            "form": form,
            "report": report.as_dict() if report else None,
            "ok": report and report.ok,
            "job": job_for_request(request, request.GET.get("job")),
        },
    )
