"""Analytics' background jobs (see tandem.core.jobs): training the company's models."""

from django.utils.translation import gettext_lazy as _

from tandem.core.jobs import job_kind

from .services import analytics_train

TRAIN = "analytics.train"


@job_kind(TRAIN, label=_("Model training"), resumable=True)
def train(ctx, only: list | None = None) -> dict:
    """Train every model of the company. Resumable: a run cut short stays `training` and is
    never shown; training again writes new runs."""
    runs = analytics_train(
        company=ctx.company,
        job=ctx.job,
        progress=lambda done, total: ctx.progress(done, total),
        only=only,
    )
    return {
        "runs": [
            {
                "name": run.name,
                "state": run.state,
                "verdict": run.verdict,
                "score": run.score,
                "baseline_score": run.baseline_score,
            }
            for run in runs
        ]
    }
