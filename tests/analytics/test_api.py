"""/api/v1/analytics/...: models with baselines, RFM, segments, recommendations, forecasts,
training as a job; bad input answers 4xx with a stable code."""

import pytest

from tandem.analytics.models import ModelName, ModelRun, PartyScore
from tandem.analytics.services import analytics_train
from tandem.core.models import Job

from .conftest import AS_OF


@pytest.fixture
def trained(request, company, history):
    """The history trained: every step, or those of the test's `train` mark (a full training
    is most of the test's time)."""
    mark = request.node.get_closest_marker("train")
    analytics_train(company=company, as_of=AS_OF, only=list(mark.args) if mark else None)
    return history


def test_models_list_every_model_with_its_baseline(api, trained, django_assert_num_queries):
    # token, user, membership, permissions (2), then the active runs and the latest runs
    with django_assert_num_queries(6):
        body = api.listed("/analytics/models")
    assert [item["name"] for item in body["items"]] == list(ModelName.values)
    churn = next(item for item in body["items"] if item["name"] == "churn")
    run = ModelRun.objects.get(name="churn", state="active")
    assert churn["metric"] == "auc" and churn["baseline"] == "recency"
    assert churn["score"] == run.score and churn["baseline_score"] == run.baseline_score
    assert churn["rows"] == run.rows > 0 and churn["trained_at"]


@pytest.mark.train("customers")
def test_rfm_of_one_party(api, trained):
    party = trained["parties"][0]
    score = PartyScore.objects.get(party=party)
    body = api.listed("/analytics/rfm", party=party.pk)
    assert body["count"] == 1
    row = body["items"][0]
    assert (row["r"], row["f"], row["m"], row["band"]) == (score.r, score.f, score.m, score.band)
    assert row["monetary"] == str(score.monetary)
    risky = api.get("/analytics/rfm", {"sort": "-churn_risk", "limit": 3}).json()["items"]
    assert risky[0]["churn_risk"] >= risky[1]["churn_risk"] >= risky[2]["churn_risk"]


@pytest.mark.train("customers")
def test_segments_have_words(api, trained):
    body = api.listed("/analytics/segments")
    assert body["count"] == 4
    assert sum(item["size"] for item in body["items"]) == 39
    assert all(len(item["words"]) == 3 for item in body["items"])


@pytest.mark.train("recommendations")
def test_recommendations_by_product_and_by_party(api, trained):
    p0, p1 = trained["products"][0], trained["products"][1]
    together = api.get("/analytics/recommendations", {"product": p0.pk}).json()
    assert together["model"] == "bought_together" and together["count"] >= 1
    # products come in groups of four: P00's best partners are P01..P03
    assert together["items"][0]["product"] in {p.pk for p in trained["products"][1:4]}
    mine = api.get("/analytics/recommendations", {"party": trained["parties"][0].pk}).json()
    assert mine["model"] == "for_customer" and 1 <= mine["count"] <= 10
    assert p1.pk  # noqa: B018 - kept for readability of the fixture


@pytest.mark.train("recommendations")
def test_recommendations_need_exactly_one_target(api, trained):
    answer = api.get("/analytics/recommendations")
    assert answer.status_code == 422 and answer.json()["code"] == "analytics.target_required"
    answer = api.get("/analytics/recommendations", {"party": 999999})
    assert answer.status_code == 422 and answer.json()["code"] == "reference.invalid"


@pytest.mark.train("sales_forecast", "demand_forecast")
def test_forecast_of_sales_and_of_a_product(api, trained):
    sales = api.get("/analytics/forecast", {"horizon": 3}).json()
    assert sales["granularity"] == "month" and len(sales["periods"]) == 3
    assert sales["periods"][0]["period"] == "2026-06-01"
    product = api.get("/analytics/forecast", {"product": trained["products"][0].pk}).json()
    assert product["granularity"] == "week" and len(product["periods"]) == 12
    first = product["periods"][0]
    assert float(first["lower"]) <= float(first["forecast"]) <= float(first["upper"])
    assert float(product["reorder"]["reorder_point"]) >= float(product["reorder"]["safety_stock"])


@pytest.mark.train("sales_forecast", "demand_forecast")
def test_forecast_bad_input(api, trained, company):
    answer = api.get("/analytics/forecast", {"horizon": 13})
    assert answer.status_code == 422 and answer.json()["code"] == "analytics.horizon_too_long"
    answer = api.get("/analytics/forecast", {"horizon": "x"})
    assert answer.status_code == 422
    from tandem.catalog.services import product_create

    fresh = product_create(company=company, sku="NEW", name="Never sold")
    answer = api.get("/analytics/forecast", {"product": fresh.pk})
    assert answer.status_code == 404 and answer.json()["code"] == "analytics.no_history"


def test_train_answers_202_with_a_job(api, company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        answer = api.post("/analytics/train")
    assert answer.status_code == 202
    job = Job.objects.get(pk=answer.json()["id"])
    assert job.kind == "analytics.train" and job.company == company
    assert job.params == {}


def test_train_takes_named_steps_and_refuses_an_unknown_one(
    api, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        answer = api.post("/analytics/train", {"steps": ["lead_score", "lead_score"]})
        refused = api.post("/analytics/train", {"steps": ["lead_score", "horoscope"]})
    assert answer.status_code == 202
    assert Job.objects.get(pk=answer.json()["id"]).params == {"only": ["lead_score"]}
    assert refused.status_code == 422 and refused.json()["code"] == "analytics.unknown_step"
    assert Job.objects.filter(kind="analytics.train").count() == 1


@pytest.mark.train("customers", "lead_score")
def test_score_maps_for_the_crm_and_the_customer_page(company, trained, django_assert_num_queries):
    from tandem.analytics import queries

    party = trained["parties"][0]
    with django_assert_num_queries(1):
        scores = queries.party_score_map(company, [party.pk, 999999])
    stored = PartyScore.objects.get(party=party)
    assert scores == {
        party.pk: {
            "churn_risk": stored.churn_risk,
            "clv": stored.clv,
            "band": stored.band,
            "segment": stored.cluster,
        }
    }
    with django_assert_num_queries(1):
        assert queries.lead_score_map(company, "opportunity", [1, 2]) == {}
