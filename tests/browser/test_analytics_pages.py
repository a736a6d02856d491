"""Issue 19, "Done when": on the demo, the sorted customer list leads to a customer page that
shows the customer's scores and "for this customer"; a recommended product's page shows what
is bought together with it."""

import re

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_customer_and_product_pages_show_the_stored_predictions(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    page.get_by_role("link", name="Analytics").first.click()
    page.get_by_role("link", name="All customers by risk and value").first.click()
    expect(page.get_by_role("heading", name="Customers by risk and value")).to_be_visible()
    page.get_by_label("Sort by").select_option(label="Churn risk")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sort=risk"))
    rows = page.locator("#customers tbody tr[data-party]")
    expect(rows.first).to_be_visible()

    # the riskiest customer's page: band, segment, churn risk with drivers, expected value
    rows.first.get_by_role("link").click()
    panel = page.locator("#customer-analytics")
    expect(panel.get_by_role("heading", name="Customer analytics")).to_be_visible()
    expect(panel.get_by_test_id("rfm-band")).to_contain_text("R ")
    expect(panel.get_by_test_id("churn")).to_contain_text("chance of no order in the next 13")
    expect(panel.get_by_test_id("churn")).to_contain_text("days ago")
    expect(panel.get_by_role("heading", name="For this customer")).to_be_visible()
    recommended = panel.locator("[data-recommended]")
    expect(recommended.first).to_be_visible()

    # a recommended product's page: what is bought together with it, each with its stock
    recommended.first.get_by_role("link").click()
    section = page.locator("#bought-together")
    expect(section.get_by_role("heading", name="Bought together")).to_be_visible()
    together = section.locator("[data-together]")
    expect(together.first).to_be_visible()
    expect(together.first).to_contain_text("bought together")
    expect(together.first.locator("td").nth(3)).to_contain_text(re.compile("In stock|available"))


def test_the_buyer_applies_a_forecast_reorder_point(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    page.goto(served["url"] + "/purchasing/reorder-rules/")
    expect(page.get_by_role("heading", name="Reorder rules")).to_be_visible()
    row = page.locator("tr", has=page.get_by_test_id("forecast-point")).first
    expect(row.get_by_test_id("expected-stock")).to_contain_text("stock expected on arrival")
    point = row.get_by_test_id("forecast-point").inner_text().split(" ")[0]
    row.get_by_role("button", name="Use as minimum").click()
    expect(page.get_by_text("the minimum is now the forecast's reorder point")).to_be_visible()
    # the row's minimum is now the forecast's point rounded up to the product's unit
    applied = page.locator("tr", has=page.get_by_test_id("forecast-point")).first
    minimum = applied.locator("td").nth(2).inner_text()
    assert float(minimum.replace(",", "")) >= float(point.replace(",", ""))
    assert float(minimum.replace(",", "")) - float(point.replace(",", "")) < 1
