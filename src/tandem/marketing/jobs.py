"""Marketing's background jobs (see tandem.core.jobs)."""

from django.utils.translation import gettext_lazy as _

from tandem.core.jobs import job_kind

from .models import Campaign
from .services import SEND_JOB, campaign_run


@job_kind(SEND_JOB, label=_("Campaign send"), resumable=True, max_attempts=5)
def campaign_send(ctx, campaign: int) -> dict:
    """Freeze the recipients (once) and send. Resumable: a restart never sends a trace twice
    (a trace caught `sending` is failed as unknown_after_crash; sent ones stay sent)."""
    row = Campaign.objects.select_related("company", "segment", "template").get(
        company=ctx.company, pk=campaign
    )
    return {"campaign": row.pk, **campaign_run(campaign=row, ctx=ctx)}
