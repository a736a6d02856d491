"""The company profile edited on the settings page, as an owner does it, and what it changes
on the documents: the next invoice PDF prints the new phone number and bank account."""

import re
import uuid

import pytest

from tests.browser.helpers import log_in
from tests.pdf_helpers import pdf_text

pytestmark = pytest.mark.browser


def test_the_company_profile_page_changes_what_the_invoice_pdf_prints(served, page):
    from playwright.sync_api import expect

    phone = "021-" + str(uuid.uuid4().int)[:8]
    log_in(page, served)
    page.goto(served["url"] + "/settings/")
    page.locator("#company-profile-link").click()
    page.wait_for_url(re.compile(r"/settings/profile/$"))
    page.get_by_label("Phone").fill(phone)
    # the empty row after the saved accounts takes a new one
    rows = page.locator("#bank-accounts tbody tr")
    last = rows.nth(rows.count() - 1)
    last.locator("input[name$='-bank_name']").fill("Bank of Browsers")
    last.locator("input[name$='-holder']").fill("Tandem Demo")
    last.locator("input[name$='-number']").fill("12345678901234")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Company profile saved.")).to_be_visible()
    expect(page.get_by_label("Phone")).to_have_value(phone)

    # a refused account number is shown in its cell and what was typed stays
    rows = page.locator("#bank-accounts tbody tr")
    last = rows.nth(rows.count() - 1)
    last.locator("input[name$='-bank_name']").fill("Broken Bank")
    last.locator("input[name$='-holder']").fill("Nobody")
    last.locator("input[name$='-number']").fill("12")
    page.get_by_role("button", name="Save").click()
    refusal = "Enter an IBAN or an account number of 6 to 34 digits."
    expect(page.get_by_text(refusal)).to_be_visible()
    expect(page.locator("#bank-accounts input[value='Broken Bank']")).to_have_count(1)

    # an invoice of the demo, printed now, carries the new phone number
    page.goto(served["url"] + "/accounting/documents/customer-invoices/?state=posted")
    page.locator("table a[href*='/accounting/invoices/']").first.click()
    href = page.get_by_role("link", name="PDF").get_attribute("href")
    response = page.request.get(served["url"] + href)
    assert response.status == 200
    # the CJK font's text layer interleaves NULs: read it the way the PDF tests do
    assert phone in pdf_text(response.body())
