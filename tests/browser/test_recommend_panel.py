"""Issue 19: the quotation editor suggests products from the stored recommendations ("for
this customer", "bought together"); "Add" puts one on a line of the line editor, whose
defaults fill it, and the panel stops offering it."""

import re

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_a_suggestion_is_added_to_the_quotation_lines(served, page):
    from playwright.sync_api import expect

    log_in(page, served)
    # a demo customer with a history: the first of the Analytics page's customers at risk
    page.get_by_role("link", name="Analytics").first.click()
    customer = page.locator("#at-risk tbody a").first
    party_id = re.search(r"/(\d+)/?$", customer.get_attribute("href")).group(1)
    page.goto(served["url"] + f"/sales/orders/new/?party={party_id}")
    expect(page.get_by_role("heading", name="New quotation")).to_be_visible()

    panel = page.locator("#order-suggestions")
    expect(panel.get_by_test_id("suggestions")).to_be_visible()
    first = panel.locator("[data-suggestion]").first
    product_id = first.get_attribute("data-product")
    label = first.get_by_role("button", name="Add").get_attribute("data-label")
    first.get_by_role("button", name="Add").click()

    # the editor's empty line now holds the product, priced by the editor's defaults
    line = page.locator("[data-lines] [data-line]").first
    expect(line.get_by_role("combobox", name="Product")).to_have_value(label)
    expect(line.get_by_label("Unit price")).not_to_have_value("")
    # the panel reloaded for the form as it now is: that product is no longer offered
    expect(panel.locator(f'[data-suggestion][data-product="{product_id}"]')).to_have_count(0)

    # a second suggestion appends a line through the editor's own "Add line"
    second = panel.locator("[data-suggestion]").first
    second_label = second.get_by_role("button", name="Add").get_attribute("data-label")
    second.get_by_role("button", name="Add").click()
    lines = page.locator("[data-lines] [data-line]")
    expect(lines).to_have_count(2)
    expect(lines.nth(1).get_by_role("combobox", name="Product")).to_have_value(second_label)

    page.get_by_role("button", name="Save quotation").click()
    expect(page.get_by_text("Quotation saved.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(label.split("] ", 1)[-1])
