"""Issue 19: the Analytics page of the demo lists every model with its held-out score beside
its baseline; "Train now" runs a job (here one step of it) with a live progress bar; a
product's forecast page draws its chart and its suggested reorder point."""

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_analytics_page_shows_models_beside_baselines_and_trains(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    page.get_by_role("link", name="Analytics").first.click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    churn = page.locator('#model-table tr[data-model="churn"]')
    expect(churn).to_be_visible()
    expect(churn).to_contain_text("Churn risk")
    expect(churn).to_contain_text("days since the last order")  # its baseline, in words
    expect(churn.get_by_test_id("score")).not_to_have_text("—")
    expect(churn.get_by_test_id("baseline-score")).not_to_have_text("—")
    expect(page.locator('#model-table tr[data-model="sales_forecast"]')).to_contain_text(
        "same period last season"
    )
    expect(page.locator("#at-risk tbody tr").first).to_be_visible()

    # one step keeps the leg short; the demo load already trained every model
    page.get_by_label("Train").select_option(label="Lead score")
    page.get_by_role("button", name="Train now").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-state", "done", timeout=120000)
    expect(page.locator('#model-table tr[data-model="lead_score"]')).to_be_visible()

    page.locator("#reorder-points a").first.click()
    expect(page.locator("#forecast-chart")).to_be_visible()
    expect(page.locator("#reorder")).to_contain_text("Reorder point")
