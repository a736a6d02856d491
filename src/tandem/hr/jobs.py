"""HR's background jobs (see tandem.core.jobs)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.jobs import job_kind

from .models import PayrollRun
from .services import payroll_run_compute

PAYROLL_COMPUTE = "hr.payroll_compute"


@job_kind(PAYROLL_COMPUTE, label=_("Payroll computation"), resumable=True)
def payroll_compute(ctx, run: int) -> dict:
    """Compute a payroll run. Resumable: computing again replaces the run's payslips."""
    payroll_run = PayrollRun.objects.get(company=ctx.company, pk=run)
    payroll_run = payroll_run_compute(
        run=payroll_run, progress=lambda done, total: ctx.progress(done, total), user=ctx.user
    )
    counts = payroll_run.payslips.values_list("state", flat=True)
    failed = sum(1 for state in counts if state == "failed")
    link = {"url": reverse("hr:run_detail", args=[payroll_run.pk]), "label": str(_("Payslips"))}
    return {"run": payroll_run.pk, "payslips": len(counts), "failed": failed, "links": [link]}


LEAVE_ACCRUE = "hr.leave_accrue"


@job_kind(LEAVE_ACCRUE, label=_("Leave accrual"), resumable=True)
def leave_accrue(ctx, as_of: str = "") -> dict:
    """Write the accruals, carry-over trims and expiries due up to `as_of` (today when
    empty). Idempotent: each entry has its key, a second run writes nothing."""
    from datetime import date

    from django.utils import timezone

    from .services import leave_accrue as accrue

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return accrue(company=ctx.company, as_of=day)
