"""Training a company's models: scores beside baselines, stored predictions, failures that
leave the previous model in place."""

from tandem.analytics.models import (
    Forecast,
    LeadScore,
    ModelName,
    ModelRun,
    PartyRecommendation,
    PartyScore,
    ProductPair,
    ReorderSuggestion,
    RunState,
    Segment,
    Verdict,
)
from tandem.analytics.services import analytics_train
from tandem.sales.models import SalesOrder

from .conftest import AS_OF


def test_every_model_trains_on_a_structured_history(company, history):
    runs = {run.name: run for run in analytics_train(company=company, as_of=AS_OF)}
    assert set(runs) == set(ModelName.values)
    for run in runs.values():
        assert run.state == RunState.ACTIVE, (run.name, run.message)
        assert run.trained_at is not None and run.rows > 0
    buyers = SalesOrder.objects.filter(company=company).values("party").distinct().count()
    assert PartyScore.objects.filter(company=company).count() == buyers == 39
    assert Segment.objects.filter(company=company).count() == 4
    assert ProductPair.objects.filter(company=company).exists()
    assert PartyRecommendation.objects.filter(company=company).exists()
    assert Forecast.objects.filter(company=company, product__isnull=True).count() == 12
    assert ReorderSuggestion.objects.filter(company=company).count() == 16
    assert LeadScore.objects.filter(company=company).count() == 0  # nothing open to score
    assert runs["bought_together"].verdict == Verdict.BETTER
    assert runs["churn"].score > 0.6


def test_too_few_rows_fails_that_model_only_and_keeps_the_previous(company, history):
    analytics_train(company=company, as_of=AS_OF)
    before = ModelRun.objects.get(company=company, name="lead_score", state=RunState.ACTIVE)
    from tandem.crm.models import Opportunity

    Opportunity.objects.filter(company=company).delete()
    runs = {run.name: run for run in analytics_train(company=company, as_of=AS_OF)}
    failed = runs["lead_score"]
    assert failed.state == RunState.FAILED
    assert failed.verdict == Verdict.TOO_FEW_ROWS
    assert failed.message.startswith("analytics.too_few_rows")
    active = ModelRun.objects.get(company=company, name="lead_score", state=RunState.ACTIVE)
    assert active.pk == before.pk
    assert runs["rfm"].state == RunState.ACTIVE  # the others trained
    assert ModelRun.objects.filter(company=company, name="rfm").count() == 2
    assert ModelRun.objects.filter(company=company, name="rfm", state="superseded").count() == 1
    assert PartyScore.objects.filter(company=company).count() == 39  # old ones replaced


def test_no_history_at_all_fails_every_model_cleanly(company, shop):
    runs = analytics_train(company=company, as_of=AS_OF)
    assert {run.verdict for run in runs} == {Verdict.TOO_FEW_ROWS}
    assert not ModelRun.objects.filter(company=company, state=RunState.ACTIVE).exists()


def test_the_nightly_task_queues_one_training_per_company_with_orders(
    company, history, other_company, django_capture_on_commit_callbacks
):
    from tandem.analytics.tasks import train_all
    from tandem.core.models import Job

    with django_capture_on_commit_callbacks(execute=False):
        assert train_all() == 1  # ACME has orders, OTHER none
        assert train_all() == 0  # one is already queued
    assert list(Job.objects.values_list("company__code", "kind")) == [("ACME", "analytics.train")]
