"""Background jobs: start a long operation, report its progress, cancel it, sweep dead ones.

An app declares a kind with `@job_kind("app.thing")` on a runner `fn(ctx, **params) -> dict`
in its `jobs.py` module (found lazily, so the web process and the worker agree on the kinds
without core importing a higher app). `job_start` writes the row and enqueues the Celery task
once the caller's transaction commits; the task claims the row, runs the runner with a
`JobContext` and records the outcome. A runner reports progress with `ctx.step()` /
`ctx.progress()` outside its own transactions (a write inside an open transaction is not seen
by pollers until it commits), so long work commits in chunks.

A worker that is killed leaves its job `running` with a heartbeat that stops moving;
`jobs_sweep_stale` (on the beat schedule) re-queues it if its kind is resumable and it has
attempts left, else ends it `failed` with the reason — never a silent half.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from .errors import Conflict, DomainError, ValidationFailed
from .models import FINISHED_STATES, Job, JobState

logger = logging.getLogger("tandem.jobs")

MAX_ERRORS = 1000  # per job: a file of a million bad rows must not make a 100 MB JSON cell
WRITE_INTERVAL = 0.5  # seconds between progress writes, at most


def _setting(name: str, default):
    return getattr(settings, name, default)


@dataclass(frozen=True)
class JobKind:
    name: str
    runner: object
    label: str = ""
    resumable: bool = False
    max_attempts: int = 1


_KINDS: dict[str, JobKind] = {}
_discovered = False


def job_kind(name: str, *, label="", resumable: bool = False, max_attempts: int = 3):
    """Register `fn(ctx, **params) -> dict | None` as the runner of jobs of kind `name`
    (`label`: a lazy translation shown on the Jobs page).

    A resumable runner must be safe to run again from the start (or pick up from what it
    committed, e.g. `ctx.job.done`) after its worker was killed."""

    def register(fn):
        _KINDS[name] = JobKind(
            name=name,
            runner=fn,
            label=label or name,
            resumable=resumable,
            max_attempts=max_attempts if resumable else 1,
        )
        return fn

    return register


def kind_label(name: str):
    kind = kind_of(name)
    return kind.label if kind is not None else name


def kind_of(name: str) -> JobKind | None:
    global _discovered
    if name not in _KINDS and not _discovered:
        autodiscover_modules("jobs")
        _discovered = True
    return _KINDS.get(name)


class JobCancelled(Exception):
    """Raised inside a runner when the job's cancel was requested; ends it `cancelled`."""


def _error(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


class JobContext:
    """What a runner gets: the job, its company and user, and the progress/cancel calls.

    Progress is written at most every WRITE_INTERVAL seconds or every `every` items (default
    one per percent), and always when the count reaches the total; each write also reads the
    cancel flag, so a cancel is honoured at the next write."""

    def __init__(self, job: Job):
        self.job = job
        self.company = job.company
        self.user = job.created_by
        self._last_write = 0.0
        self._done_written = job.done
        self._pending_errors: list[dict] = []

    # -- progress --------------------------------------------------------------------------

    def set_total(self, total: int) -> None:
        self.job.total = max(0, int(total))
        self._write()

    def step(self, count: int = 1) -> None:
        self.progress(self.job.done + count)

    def progress(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.job.total = max(0, int(total))
        self.job.done = max(0, int(done))
        every = max(1, (self.job.total or 0) // 100)
        due = (
            self.job.done - self._done_written >= every
            or time.monotonic() - self._last_write >= WRITE_INTERVAL
            or (self.job.total is not None and self.job.done >= self.job.total)
        )
        if due:
            self._write()

    def error(self, message: str, *, code: str = "job.row_refused", **extra) -> None:
        """Record one refused item (e.g. a row of an import) without failing the job."""
        if len(self.job.errors) + len(self._pending_errors) < MAX_ERRORS:
            self._pending_errors.append(_error(code, message, **extra))

    def check_cancel(self) -> None:
        """Raise JobCancelled when a cancel was requested (reads the flag now)."""
        self._write()

    # -- internals -------------------------------------------------------------------------

    def _percent(self) -> int:
        total = self.job.total
        if not total:
            return self.job.progress
        return min(100, self.job.done * 100 // total)

    def _write(self) -> None:
        self.job.progress = self._percent()
        self.job.errors = self.job.errors + self._pending_errors
        self._pending_errors = []
        now = timezone.now()
        Job.objects.filter(pk=self.job.pk).update(
            progress=self.job.progress,
            total=self.job.total,
            done=self.job.done,
            errors=self.job.errors,
            heartbeat_at=now,
        )
        self._last_write = time.monotonic()
        self._done_written = self.job.done
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled


# -- starting and cancelling -------------------------------------------------------------


def job_start(kind: str, *, company, user=None, params: dict | None = None) -> Job:
    """Queue a job of `kind`; its task is sent once the surrounding transaction commits."""
    if kind_of(kind) is None:
        raise ValidationFailed(f"Unknown job kind {kind!r}", code="job.kind_unknown", field="kind")
    job = Job.objects.create(company=company, kind=kind, created_by=user, params=params or {})
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_job

    try:
        run_job.delay(job_id)
    except Exception:  # broker down: the row says so instead of staying queued forever
        logger.exception("could not enqueue job %s", job_id)
        Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            errors=[_error("job.enqueue_failed", "The job queue is not reachable.")],
        )


@transaction.atomic
def job_cancel(*, job: Job) -> Job:
    """Ask a job to stop: a queued one is cancelled at once, a running one at its next
    progress write; a finished one is refused with `job.finished`."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.state in FINISHED_STATES:
        raise Conflict(f"The job is already {locked.state}.", code="job.finished")
    locked.cancel_requested = True
    fields = ["cancel_requested"]
    if locked.state == JobState.QUEUED:
        locked.state = JobState.CANCELLED
        locked.finished_at = timezone.now()
        fields += ["state", "finished_at"]
    locked.save(update_fields=fields)
    return locked


# -- running (inside the Celery task) ----------------------------------------------------


def _claim(job_id: int) -> Job | None:
    """queued -> running, once: a task delivered twice runs the job once."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED, cancel_requested=False).update(
        state=JobState.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Job.objects.select_related("company", "created_by").get(pk=job_id)


class _Heartbeat:
    """Moves `heartbeat_at` while the runner is inside one long step, from its own thread
    and connection, so only a dead worker looks stale."""

    def __init__(self, job_id: int, interval: float):
        self.job_id = job_id
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"job-{job_id}-beat")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)

    def _run(self):
        try:
            while not self.stop.wait(self.interval):
                try:
                    Job.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a locked SQLite file: the next beat tries again
                    logger.warning("job %s heartbeat failed", self.job_id, exc_info=True)
        finally:
            connection.close()


def _finish(ctx: JobContext, state: str, *, result=None, error: dict | None = None) -> None:
    job = ctx.job
    errors = job.errors + ctx._pending_errors
    if error is not None:
        errors.append(error)
    fields = {
        "state": state,
        "finished_at": timezone.now(),
        "errors": errors,
        "done": job.done,
        "total": job.total,
        "progress": 100 if state == JobState.DONE else ctx._percent(),
    }
    if result is not None:
        fields["result"] = result
    Job.objects.filter(pk=job.pk).update(**fields)


def job_run(job_id: int) -> str | None:
    """Run a queued job to its end; returns its final state (None if it was not queued)."""
    job = _claim(job_id)
    if job is None:
        return None
    kind = kind_of(job.kind)
    ctx = JobContext(job)
    if kind is None:
        _finish(ctx, JobState.FAILED, error=_error("job.kind_unknown", f"Unknown kind {job.kind}"))
        return JobState.FAILED
    with _Heartbeat(job.pk, _setting("TANDEM_JOB_HEARTBEAT_SECONDS", 10)):
        try:
            result = kind.runner(ctx, **job.params)
        except JobCancelled:
            _finish(ctx, JobState.CANCELLED, result={"done": ctx.job.done})
            return JobState.CANCELLED
        except DomainError as exc:
            _finish(ctx, JobState.FAILED, error=_error(exc.code, exc.message))
            return JobState.FAILED
        except Exception as exc:
            # the text of an unexpected error may hold SQL or paths: it goes to the log only
            logger.exception("job %s (%s) crashed", job.pk, job.kind)
            message = f"Unexpected error ({type(exc).__name__}); see the server log."
            _finish(ctx, JobState.FAILED, error=_error("job.crashed", message))
            return JobState.FAILED
    if ctx.job.total is None:
        ctx.job.total = ctx.job.done
    _finish(ctx, JobState.DONE, result=result if result is not None else {})
    return JobState.DONE


# -- the sweep of dead workers -----------------------------------------------------------


def jobs_sweep_stale(*, stale_after: float | None = None) -> dict[str, int]:
    """End or re-queue `running` jobs whose heartbeat is older than `stale_after` seconds."""
    if stale_after is None:
        stale_after = _setting("TANDEM_JOB_STALE_SECONDS", 120)
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    counts = {"failed": 0, "requeued": 0}
    stale = Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff).order_by("pk")
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update()
                .filter(pk=job_id, state=JobState.RUNNING, heartbeat_at__lt=cutoff)
                .first()
            )
            if job is None:  # it beat or finished meanwhile
                continue
            kind = kind_of(job.kind)
            if kind is not None and kind.resumable and job.attempts < kind.max_attempts:
                job.state = JobState.QUEUED
                job.save(update_fields=["state"])
                transaction.on_commit(lambda pk=job.pk: _enqueue(pk))
                counts["requeued"] += 1
                continue
            job.state = JobState.FAILED
            job.finished_at = timezone.now()
            job.errors = [
                *job.errors,
                _error(
                    "job.worker_lost",
                    "The worker running this job stopped (killed or restarted) at "
                    f"{job.done} of {job.total if job.total is not None else '?'} items; "
                    "what it committed before stays, the rest was not done.",
                ),
            ]
            job.save(update_fields=["state", "finished_at", "errors"])
            counts["failed"] += 1
    return counts


# -- a probe kind ------------------------------------------------------------------------


@job_kind("core.probe", label=_("Worker check"))
def probe(ctx, steps: int = 5, pause: float = 0.2) -> dict:
    """Counts `steps` with a pause between: shows that a worker picks jobs up and reports
    progress (the Celery test leg runs it; an operator may too, through job_start)."""
    steps = max(1, min(int(steps), 100))
    pause = max(0.0, min(float(pause), 1.0))
    ctx.set_total(steps)
    for _step in range(steps):
        time.sleep(pause)
        ctx.step()
    return {"steps": steps}


# -- reads -------------------------------------------------------------------------------


def jobs_visible(*, company, user, see_all: bool):
    """The jobs of `company` this user may see: its own, or all with `core.view_job`."""
    qs = Job.objects.filter(company=company).select_related("created_by")
    return qs if see_all else qs.filter(created_by=user)


def jobs_for_request(request):
    """The jobs a page request may see (its company's; all of them with `core.view_job`)."""
    from .middleware import request_has_perm

    return jobs_visible(
        company=request.company,
        user=request.user,
        see_all=request_has_perm(request, "core.view_job"),
    )


def job_decorate(request, job: Job) -> Job:
    """What the progress partial shows beyond the row: the kind's label and the Cancel right."""
    from .middleware import request_has_perm

    job.label = kind_label(job.kind)
    job.can_cancel = not job.finished and (
        job.created_by_id == request.user.pk or request_has_perm(request, "core.change_job")
    )
    return job


def job_for_request(request, pk) -> Job | None:
    """One job the page request may see, ready for the progress partial, or None."""
    if request.company is None or pk in (None, ""):
        return None
    try:
        job = jobs_for_request(request).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None
    return job_decorate(request, job) if job is not None else None
