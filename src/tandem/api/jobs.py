"""/jobs: long operations' state and progress, and cancel (see tandem.core.jobs).

A member sees the jobs it started; one holding `core.view_job` (owner, admin) sees every job of
the company. Another company's job, or a colleague's without that permission, is a 404.
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from tandem.core.errors import Forbidden
from tandem.core.jobs import job_cancel, jobs_visible
from tandem.core.middleware import request_has_perm
from tandem.core.models import Job

from .context import company_of, get_scoped, page_of, paginate

router = Router(tags=["jobs"])

JobStateName = Literal["queued", "running", "done", "failed", "cancelled"]


class JobError(Schema):
    code: str
    message: str
    row: int | None = None
    field: str | None = None


class JobOut(Schema):
    id: int
    kind: str
    state: JobStateName
    progress: int = Field(description="0-100")
    total: int | None
    done: int
    result: Any | None
    errors: list[JobError]
    created_by: int | None = Field(validation_alias="created_by_id")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    cancel_requested: bool


def _visible(request):
    company = company_of(request)
    return jobs_visible(
        company=company, user=request.user, see_all=request_has_perm(request, "core.view_job")
    )


@router.get("/jobs", response=page_of(JobOut), summary="Recent jobs, newest first")
def job_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    state: JobStateName | None = None,
    kind: str = Query("", max_length=80),
    search: str = Query("", max_length=80),
):
    qs = _visible(request)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(kind__icontains=search) | Q(created_by__username__icontains=search))
    return paginate(qs.defer("params"), limit=limit, offset=offset)


@router.get("/jobs/{job_id}", response=JobOut)
def job_read(request, job_id: int):
    return get_scoped(_visible(request).defer("params"), request, job_id, label="job")


@router.post("/jobs/{job_id}/cancel", response=JobOut, summary="Ask a job to stop")
def job_cancel_endpoint(request, job_id: int):
    """A queued job is cancelled at once; a running one stops at its next progress report
    (`cancel_requested` is true meanwhile). A finished job answers 409 `job.finished`."""
    job = get_scoped(_visible(request), request, job_id, label="job")
    if job.created_by_id != request.user.pk and not request_has_perm(request, "core.change_job"):
        raise Forbidden("Only its creator or an admin may cancel a job", code="permission.denied")
    return job_cancel(job=job)


def job_body(job: Job) -> dict:
    """The JSON of a job, for endpoints elsewhere that answer 202 with it."""
    return JobOut.from_orm(job).model_dump(mode="json")
