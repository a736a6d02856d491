"""Settings -> Integrations in a real headless chromium: create a webhook endpoint, see its
signing secret once, and see a private address refused beside the field."""

import re

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

# a public address literal: the served Tandem refuses private ones and has no DNS to ask
PUBLIC_URL = "https://93.184.216.34/tandem-hook"


def test_create_a_webhook_endpoint_and_see_the_secret_once(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.goto(served["url"] + "/settings/")
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()

    # a private address is refused beside the field, and nothing is created
    page.get_by_label("Endpoint URL").fill("https://127.0.0.1/hook")
    page.get_by_label("invoice.posted").check()
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_text("resolves to a private or reserved address")).to_be_visible()
    expect(page.locator("#webhook-secret")).to_have_count(0)

    page.get_by_label("Endpoint URL").fill(PUBLIC_URL)
    page.get_by_label("Description").fill("ERP sync")
    page.get_by_label("invoice.posted").check()
    page.get_by_label("payment.posted").check()
    page.get_by_role("button", name="Create endpoint").click()

    secret = page.locator("#webhook-secret")
    expect(secret).to_have_text(re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$"))
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    expect(page.locator("#endpoints").get_by_role("link", name=PUBLIC_URL)).to_be_visible()

    # shown once: the list and the endpoint's page never show it again
    page.goto(served["url"] + "/settings/integrations/")
    expect(page.locator("#webhook-secret")).to_have_count(0)
    expect(page.get_by_text("whsec_")).to_have_count(0)
    page.get_by_role("link", name=PUBLIC_URL).click()
    expect(page.get_by_role("heading", name=PUBLIC_URL)).to_be_visible()
    expect(page.get_by_text("Nothing sent yet.")).to_be_visible()
    expect(page.get_by_text("whsec_")).to_have_count(0)
