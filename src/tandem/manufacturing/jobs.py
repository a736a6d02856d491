"""The manufacturing app's long work, run as core jobs."""

from django.utils.translation import gettext_lazy as _

from tandem.core.jobs import job_kind

MRP_RUN = "manufacturing.mrp"


@job_kind(MRP_RUN, label=_("MRP run"), resumable=True)
def mrp_job(
    ctx, bucket: str = "day", mode: str = "regenerative", analytics_forecast: bool = False
) -> dict:
    """Plan again: resumable, a second run replaces the first's planned orders."""
    from .services.mrp import mrp_run

    return mrp_run(
        company=ctx.company,
        bucket=bucket,
        mode=mode,
        analytics_forecast=analytics_forecast,
        progress=lambda done, total: ctx.progress(done, total),
    )
