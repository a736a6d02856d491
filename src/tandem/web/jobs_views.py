"""The Jobs page, and the progress partial any page that starts a job includes.

The partial (web/_job_progress.html, given a job from `core.jobs.job_for_request`) polls
itself with htmx (`hx-trigger="every 1s"`) while the job runs and renders without the trigger
once it is finished, so polling stops by itself (no inline script).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.jobs import job_cancel, job_decorate, job_for_request, jobs_for_request

PAGE_SIZE = 50


def _job(request, pk):
    job = job_for_request(request, pk)
    if job is None:
        raise Http404
    return job


@login_required
def job_list(request):
    if request.company is None:
        raise PermissionDenied
    jobs = jobs_for_request(request).defer("params")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    for job in page:
        job_decorate(request, job)
    return render(request, "web/jobs.html", {"page": page})


@login_required
def job_progress(request, pk):
    return render(request, "web/_job_progress.html", {"job": _job(request, pk)})


@login_required
@require_POST
def job_cancel_view(request, pk):
    job = _job(request, pk)
    if not job.can_cancel and not job.finished:
        raise PermissionDenied
    try:
        job_cancel(job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return render(request, "web/_job_progress.html", {"job": _job(request, pk)})
    return redirect("web:jobs")
