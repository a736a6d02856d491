"""The Import pages: upload a file for an object, map its columns (guessed from the header,
or a mapping saved for the source), preview the first rows with their errors, then start the
import as a job and follow its progress; the rejected rows download as a CSV to fix and import
again. The engine is tandem.core.imports; these views only carry the file between the steps
(in the session) and render.
"""

import base64

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tandem.core.errors import DomainError, ValidationFailed
from tandem.core.exports import export_response
from tandem.core.imports import (
    IMPORT_JOB,
    PREVIEW_ROWS,
    error_file,
    file_header,
    import_object,
    import_objects,
    import_run,
    import_start,
    mapping_guess,
    mapping_save,
    mapping_saved,
)
from tandem.core.jobs import job_for_request, jobs_for_request
from tandem.core.middleware import request_has_perm
from tandem.core.models import ImportMapping

SESSION_KEY = "web_import"
# The file rides in the session between the steps; the API and the CLI take larger ones.
PAGE_MAX_BYTES = 10_000_000


def _allowed(request):
    if request.company is None:
        raise PermissionDenied
    return [
        obj
        for obj in import_objects()
        if all(request_has_perm(request, perm) for perm in obj.perms)
    ]


class UploadForm(forms.Form):
    object = forms.ChoiceField(label=gettext_lazy("What to import"))
    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("CSV (UTF-8 or GB18030) or XLSX")
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("e.g. Odoo export, 金蝶: its saved mapping is used"),
    )

    def __init__(self, *args, objects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object"].choices = [(o.name, o.label) for o in objects]


def _kept(request):
    kept = request.session.get(SESSION_KEY)
    if kept is None:
        return None, None
    try:
        obj = import_object(kept["object"])
    except DomainError:
        return None, None
    return kept, obj


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    objects = _allowed(request)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        objects=objects,
        initial={"object": request.GET.get("object")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        obj = import_object(form.cleaned_data["object"])
        source = form.cleaned_data["source"].strip()
        content = upload.read(PAGE_MAX_BYTES + 1)
        mapping = mapping_saved(request.company, obj.name, source) if source else None
        # the header must be readable here; its columns get their fields on the next step
        try:
            if len(content) > PAGE_MAX_BYTES:
                raise ValidationFailed(
                    _("The file is larger than 10 MB: use the API or the CLI."),
                    code="import.too_large",
                )
            file_header(obj, upload.name, content)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            request.session[SESSION_KEY] = {
                "object": obj.name,
                "name": upload.name,
                "content": base64.b64encode(content).decode(),
                "source": source,
                "mapping": mapping,
            }
            return redirect("web:import_mapping")
    job = job_for_request(request, request.GET.get("job"))
    return render(
        request,
        "web/import.html",
        {
            "form": form,
            "objects": objects,
            "job": job,
            "has_errors": job is not None and bool(job.errors) and job.kind == IMPORT_JOB,
            "mappings": ImportMapping.objects.filter(company=request.company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request):
    """GET: each column with the field guessed (or saved) for it. POST: check the file with
    that mapping on its first rows (a dry run) and show them with their errors."""
    _allowed(request)
    kept, obj = _kept(request)
    if kept is None:
        return redirect("web:import")
    if not all(request_has_perm(request, perm) for perm in obj.perms):
        raise PermissionDenied
    try:
        header = file_header(obj, kept["name"], base64.b64decode(kept["content"]))
    except DomainError as exc:
        request.session.pop(SESSION_KEY, None)
        return render(request, "web/import.html", {"form": None, "file_error": exc.message})
    guess = mapping_guess(obj, header)
    saved = kept.get("mapping") or {}
    if request.method == "POST":
        chosen = {column: request.POST.get(f"col-{i}", "") for i, column in enumerate(header)}
    else:
        chosen = {column: saved.get(column, guess.get(column) or "") for column in header}
    report = error = None
    if request.method == "POST":
        try:
            report = import_run(
                company=request.company,
                user=request.user,
                object_name=obj.name,
                name=kept["name"],
                content=base64.b64decode(kept["content"]),
                mapping=chosen,
                dry_run=True,
                limit=PREVIEW_ROWS,
            )
        except DomainError as exc:
            error = exc.message
        else:
            kept["mapping"] = chosen
            request.session[SESSION_KEY] = kept
    columns = [
        {"index": i, "name": column, "field": chosen.get(column) or ""}
        for i, column in enumerate(header)
    ]
    return render(
        request,
        "web/import_mapping.html",
        {
            "object": obj,
            "kept": kept,
            "columns": columns,
            "fields": obj.fields,
            "report": report,
            "error": error,
        },
    )


@login_required
@require_POST
def import_start_view(request):
    """Start the previewed file's import as a job; the upload page follows its progress."""
    _allowed(request)
    kept, obj = _kept(request)
    if kept is None or kept.get("mapping") is None:
        return redirect("web:import")
    if not all(request_has_perm(request, perm) for perm in obj.perms):
        raise PermissionDenied
    source = request.POST.get("source", "").strip() or kept.get("source", "")
    try:
        if source:
            mapping_save(
                company=request.company,
                object_name=obj.name,
                source=source,
                mapping=kept["mapping"],
            )
        job = import_start(
            company=request.company,
            user=request.user,
            object_name=obj.name,
            name=kept["name"],
            content=base64.b64decode(kept["content"]),
            mapping=kept["mapping"],
        )
    except DomainError:
        return redirect("web:import_mapping")
    request.session.pop(SESSION_KEY, None)
    return redirect(reverse("web:import") + f"?job={job.pk}")


@login_required
def import_errors(request, pk: int):
    """The rejected rows of an import job the user may see, as a CSV to fix and import."""
    if request.company is None:
        raise PermissionDenied
    job = jobs_for_request(request).filter(pk=pk, kind=IMPORT_JOB).first()
    if job is None:
        raise Http404
    headers, rows = error_file(job)
    return export_response(
        fmt="csv", filename=f"import-{job.pk}-errors", headers=headers, rows=rows
    )
