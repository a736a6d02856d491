"""The Analytics pages: models beside baselines, customers at risk, the forecast chart."""

from tandem.analytics.services import analytics_train
from tandem.core.models import Job

from .conftest import AS_OF


def test_analytics_page_lists_models_with_baselines(web, company, history):
    analytics_train(company=company, as_of=AS_OF)
    page = web.get("/analytics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-model="churn"' in html and 'data-model="lead_score"' in html
    assert "days since the last order" in html  # the churn baseline, in words
    assert 'id="at-risk"' in html and "Customer " in html
    assert "Train now" in html


def test_forecast_pages_draw_a_chart(web, company, history):
    analytics_train(company=company, as_of=AS_OF, only=["sales_forecast", "demand_forecast"])
    page = web.get("/analytics/forecast/")
    assert page.status_code == 200 and b'id="forecast-chart"' in page.content
    product = history["products"][0]
    page = web.get(f"/analytics/forecast/?product={product.pk}")
    assert page.status_code == 200
    assert b'id="forecast-chart"' in page.content and b'id="reorder"' in page.content
    assert web.get("/analytics/forecast/?product=999999").status_code == 404
    assert web.get("/analytics/forecast/?product=abc").status_code == 404


def test_empty_company_shows_no_model_yet(web, company):
    html = web.get("/analytics/").content.decode()
    assert "No model trained yet." in html
    assert "No forecast" in web.get("/analytics/forecast/").content.decode()


def test_train_now_starts_a_job_and_shows_its_progress(
    web, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        answer = web.post("/analytics/train/")
    job = Job.objects.get(kind="analytics.train")
    assert answer.status_code == 302 and answer["Location"].endswith(f"?job={job.pk}")
    assert b'data-testid="job-progress"' in web.get(answer["Location"]).content


def test_train_now_offers_each_training_step(web, company, django_capture_on_commit_callbacks):
    from tandem.analytics.services.training import STEP_NAMES
    from tandem.analytics.views import TRAINING_STEPS

    assert tuple(TRAINING_STEPS) == STEP_NAMES
    html = web.get("/analytics/").content.decode()
    assert all(f'<option value="{step}">' in html for step in STEP_NAMES)
    with django_capture_on_commit_callbacks(execute=False):
        web.post("/analytics/train/", {"step": "demand_forecast"})
    assert Job.objects.get(kind="analytics.train").params == {"only": ["demand_forecast"]}
    assert web.post("/analytics/train/", {"step": "astrology"}).status_code == 404
    assert Job.objects.filter(kind="analytics.train").count() == 1


def test_a_user_without_the_permission_is_refused(client, company):
    from tandem.core.services import membership_grant
    from tests.factories import UserFactory

    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["hr"])
    client.force_login(clerk)
    assert client.get("/analytics/").status_code == 403
